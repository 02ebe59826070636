package io.jsocklnd.pcap;

import java.util.List;

/**
 * One TCP conversation: both directions reassembled, the frames that belong to it, and which side is the client.
 *
 * <p>Endpoint A is the sender of the conversation's first captured frame, as in tshark's conversation table.
 */
public final class TcpConversation
{
    /** Port the LNet acceptor listens on ({@code accept_port}); used to guess the client without a SYN. */
    public static final int ACCEPTOR_PORT = 988;

    /**
     * How the client side was determined.
     */
    public enum ClientRule
    {
        /** The client sent the captured SYN (or the server the captured SYN-ACK). */
        SYN,
        /** No SYN captured: the server is the side on the acceptor port (988), the other is the client. */
        ACCEPTOR_PORT,
        /** Neither: the sender of the first captured frame is taken as the client. */
        FIRST_FRAME
    }

    private final int streamIndex;
    private final TcpDirection aToB;
    private final TcpDirection bToA;
    private final boolean clientIsA;
    private final ClientRule clientRule;
    private final List<Integer> frameNumbers;

    TcpConversation(
        final int streamIndex,
        final TcpDirection aToB,
        final TcpDirection bToA,
        final boolean clientIsA,
        final ClientRule clientRule,
        final List<Integer> frameNumbers)
    {
        this.streamIndex = streamIndex;
        this.aToB = aToB;
        this.bToA = bToA;
        this.clientIsA = clientIsA;
        this.clientRule = clientRule;
        this.frameNumbers = List.copyOf(frameNumbers);
    }

    /**
     * @return the stream index, 0-based in order of first frame, as tshark's {@code tcp.stream}.
     */
    public int streamIndex()
    {
        return streamIndex;
    }

    /**
     * @return endpoint A: sender of the first captured frame.
     */
    public Endpoint endpointA()
    {
        return aToB.source();
    }

    /**
     * @return endpoint B.
     */
    public Endpoint endpointB()
    {
        return aToB.destination();
    }

    /**
     * @return the direction from A to B.
     */
    public TcpDirection aToB()
    {
        return aToB;
    }

    /**
     * @return the direction from B to A.
     */
    public TcpDirection bToA()
    {
        return bToA;
    }

    /**
     * @return the client (active opener).
     */
    public Endpoint client()
    {
        return clientIsA ? endpointA() : endpointB();
    }

    /**
     * @return the server (passive side).
     */
    public Endpoint server()
    {
        return clientIsA ? endpointB() : endpointA();
    }

    /**
     * @return how {@link #client()} was determined.
     */
    public ClientRule clientRule()
    {
        return clientRule;
    }

    /**
     * @return the direction from client to server.
     */
    public TcpDirection clientToServer()
    {
        return clientIsA ? aToB : bToA;
    }

    /**
     * @return the direction from server to client.
     */
    public TcpDirection serverToClient()
    {
        return clientIsA ? bToA : aToB;
    }

    /**
     * @return the frames of this conversation, in frame order.
     */
    public List<Integer> frameNumbers()
    {
        return frameNumbers;
    }

    @Override
    public String toString()
    {
        return "TcpConversation{stream=" + streamIndex + ", client=" + client() + " (" + clientRule + "), server=" +
            server() + ", frames=" + frameNumbers.size() + ", c2s=" + clientToServer().length() + "B, s2c=" +
            serverToClient().length() + "B}";
    }
}
