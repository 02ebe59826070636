package io.jsocklnd.harness;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.AcceptorRequestFlyweight;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A hand-driven socklnd peer over a plain blocking socket: writes exactly the bytes a test composes
 * (acceptor requests, hellos and ksock messages in either byte order) and reads what comes back with
 * timeouts. Binds the local address and port it is given (a privileged port needs root).
 */
public final class RawPeer implements AutoCloseable
{
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawPeer(final Socket socket) throws IOException
    {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Connect from a chosen local address and port (0 for an ephemeral port).
     *
     * @param localIp    local IPv4 address.
     * @param localPort  local port.
     * @param remoteIp   the node's IPv4 address.
     * @param remotePort the node's acceptor port.
     * @return the connected peer.
     * @throws IOException if the connection cannot be made.
     */
    public static RawPeer connect(final String localIp, final int localPort, final String remoteIp, final int remotePort)
        throws IOException
    {
        return connect(localIp, localPort, remoteIp, remotePort, 0);
    }

    /**
     * Connect as {@link #connect(String, int, String, int)} with a receive buffer set before connecting, so the
     * window this peer offers stays that small.
     *
     * @param receiveBuffer SO_RCVBUF, 0 for the system's.
     */
    public static RawPeer connect(
        final String localIp, final int localPort, final String remoteIp, final int remotePort, final int receiveBuffer)
        throws IOException
    {
        final Socket socket = new Socket();
        try
        {
            if (receiveBuffer > 0)
            {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(localIp, localPort));
            socket.connect(new InetSocketAddress(remoteIp, remotePort), 5_000);
        }
        catch (final IOException ex)
        {
            socket.close();
            throw ex;
        }
        return open(socket);
    }

    /**
     * A connected socket as a raw peer: no Nagle, 5 s reads; closed if that cannot be set.
     */
    private static RawPeer open(final Socket socket) throws IOException
    {
        try
        {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(5_000);
            return new RawPeer(socket);
        }
        catch (final IOException ex)
        {
            socket.close();
            throw ex;
        }
    }

    /**
     * A listening socket on a chosen address and port, where a node's connections to a raw peer arrive.
     *
     * @param ip   local IPv4 address.
     * @param port local port.
     * @return the bound listener.
     * @throws IOException if it cannot be bound.
     */
    public static ServerSocket listen(final String ip, final int port) throws IOException
    {
        final ServerSocket listener = new ServerSocket();
        try
        {
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(ip, port));
            return listener;
        }
        catch (final IOException ex)
        {
            listener.close();
            throw ex;
        }
    }

    /**
     * Take the next connection a node opened to a raw peer's listener.
     *
     * @param listener  from {@link #listen}.
     * @param timeoutMs most time to wait.
     * @return the connection, or null if none came in time.
     * @throws IOException on a socket error.
     */
    public static RawPeer accept(final ServerSocket listener, final int timeoutMs) throws IOException
    {
        listener.setSoTimeout(timeoutMs);
        final Socket socket;
        try
        {
            socket = listener.accept();
        }
        catch (final SocketTimeoutException ex)
        {
            return null;
        }
        return open(socket);
    }

    /**
     * Bytes the other end has not read yet from this connection: the receive queue of its socket, from
     * {@code /proc/net/tcp} of this network namespace (both ends are on this machine).
     *
     * @return the byte count, or -1 if the other end's socket is not listed (closed).
     */
    public long unreadByRemote()
    {
        return remoteQueue(false);
    }

    /**
     * Bytes the other end wrote to this connection that this end has not acknowledged: the send queue of its
     * socket ({@code tx_queue} in {@code /proc/net/tcp}).
     *
     * @return the byte count, or -1 if the other end's socket is not listed (closed).
     */
    public long unsentByRemote()
    {
        return remoteQueue(true);
    }

    /**
     * @return bytes this end can read now without blocking.
     * @throws IOException on a socket error.
     */
    public int unreadLocally() throws IOException
    {
        return in.available();
    }

    private long remoteQueue(final boolean sendQueue)
    {
        final String local = procAddress(socket.getInetAddress().getAddress(), socket.getPort());
        final String remote = procAddress(socket.getLocalAddress().getAddress(), socket.getLocalPort());
        try
        {
            for (final String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/tcp")))
            {
                final String[] fields = line.trim().split("\\s+");
                if (fields.length > 4 && fields[1].equals(local) && fields[2].equals(remote))
                {
                    final int colon = fields[4].indexOf(':');
                    return Long.parseLong(sendQueue ? fields[4].substring(0, colon) : fields[4].substring(colon + 1), 16);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
        return -1;
    }

    /**
     * An IPv4 address and port as {@code /proc/net/tcp} prints them: the address as the little-endian hex of its
     * network-order bytes, the port in hex.
     */
    private static String procAddress(final byte[] ip, final int port)
    {
        return String.format("%02X%02X%02X%02X:%04X", ip[3] & 0xFF, ip[2] & 0xFF, ip[1] & 0xFF, ip[0] & 0xFF, port);
    }

    /**
     * @return the local port.
     */
    public int localPort()
    {
        return socket.getLocalPort();
    }

    /**
     * Write bytes.
     *
     * @param bytes what to write.
     * @throws IOException on a socket error.
     */
    public void write(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    /**
     * Read exactly {@code length} bytes.
     *
     * @param length    byte count.
     * @param timeoutMs most time to wait for each read.
     * @return the bytes.
     * @throws IOException on end of stream, reset or timeout.
     */
    public byte[] read(final int length, final int timeoutMs) throws IOException
    {
        socket.setSoTimeout(timeoutMs);
        final byte[] bytes = new byte[length];
        int done = 0;
        while (done < length)
        {
            final int n = in.read(bytes, done, length - done);
            if (n < 0)
            {
                throw new IOException("end of stream after " + done + " of " + length + " bytes");
            }
            done += n;
        }
        return bytes;
    }

    /**
     * Send the acceptor request and a V2/V3 hello as an active peer would, and read the 56-byte reply.
     *
     * @param order       byte order of everything sent.
     * @param version     hello version.
     * @param srcNid      this peer's NID.
     * @param nodeNid     the node's NID (acceptor request and {@code kshm_dst_nid}).
     * @param incarnation this peer's incarnation.
     * @param ctype       the type asked for.
     * @return the reply's bytes.
     * @throws IOException if no full reply arrives.
     */
    public byte[] handshake(
        final ByteOrder order,
        final int version,
        final long srcNid,
        final long nodeNid,
        final long incarnation,
        final int ctype) throws IOException
    {
        write(concat(connreq(order, nodeNid),
            hello(order, version, srcNid, nodeNid, WireConstants.LNET_PID_LUSTRE, incarnation, ctype)));
        return read(HelloFlyweight.V2_FIXED_LENGTH, 5_000);
    }

    /**
     * Decode a hello.
     *
     * @param bytes the hello.
     * @return a flyweight over them.
     */
    public static HelloFlyweight decodeHello(final byte[] bytes)
    {
        return new HelloFlyweight().wrap(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Read whatever arrives until the node closes the connection or the time is up.
     *
     * @param timeoutMs most time to wait.
     * @return what was read and whether the connection ended (end of stream or reset).
     * @throws IOException on an unexpected socket error.
     */
    public Drained drain(final int timeoutMs) throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        final byte[] chunk = new byte[4096];
        while (true)
        {
            final long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000L;
            if (leftMs <= 0)
            {
                return new Drained(bytes.toByteArray(), false);
            }
            socket.setSoTimeout((int)leftMs);
            try
            {
                final int n = in.read(chunk);
                if (n < 0)
                {
                    return new Drained(bytes.toByteArray(), true);
                }
                bytes.write(chunk, 0, n);
            }
            catch (final SocketTimeoutException ex)
            {
                return new Drained(bytes.toByteArray(), false);
            }
            catch (final SocketException ex)
            {
                return new Drained(bytes.toByteArray(), true);
            }
        }
    }

    /**
     * Bytes read by {@link #drain} and whether the node closed the connection.
     *
     * @param bytes  what arrived.
     * @param closed whether the stream ended or was reset.
     */
    public record Drained(byte[] bytes, boolean closed)
    {
        public String toString()
        {
            return "Drained[bytes=" + bytes.length + " " + Arrays.toString(Arrays.copyOf(bytes, Math.min(32, bytes.length))) +
                ", closed=" + closed + "]";
        }
    }

    public void close() throws IOException
    {
        if (!socket.isClosed())
        {
            socket.setSoLinger(true, 0);
            socket.close();
        }
    }

    /**
     * Close the sending direction only (the node sees end of stream).
     *
     * @throws IOException on a socket error.
     */
    public void shutdownOutput() throws IOException
    {
        socket.shutdownOutput();
    }

    /**
     * An acceptor request v1 ({@code lnet_acceptor_connreq}).
     *
     * @param order     byte order.
     * @param targetNid the NID being connected to.
     * @return 16 bytes.
     */
    public static byte[] connreq(final ByteOrder order, final long targetNid)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[AcceptorRequestFlyweight.V1_LENGTH]);
        AcceptorRequestFlyweight.encodeV1(buffer, 0, targetNid, order);
        return buffer.byteArray();
    }

    /**
     * A V2/V3 hello ({@code ksock_hello_msg_nid4}) with no IPs.
     *
     * @param order       byte order.
     * @param version     2 or 3.
     * @param srcNid      {@code kshm_src_nid}.
     * @param dstNid      {@code kshm_dst_nid}.
     * @param srcPid      {@code kshm_src_pid}.
     * @param incarnation {@code kshm_src_incarnation}.
     * @param ctype       {@code kshm_ctype}.
     * @return 56 bytes.
     */
    public static byte[] hello(
        final ByteOrder order,
        final int version,
        final long srcNid,
        final long dstNid,
        final int srcPid,
        final long incarnation,
        final int ctype)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HelloFlyweight.V2_FIXED_LENGTH]);
        new HelloFlyweight().wrapForEncode(buffer, 0, buffer.capacity(), version, order)
            .srcNid(srcNid)
            .dstNid(dstNid)
            .srcPid(srcPid)
            .dstPid(0)
            .srcIncarnation(incarnation)
            .dstIncarnation(0)
            .ctype(ctype)
            .nips(0);
        return buffer.byteArray();
    }

    /**
     * A V1 hello: a little-endian LNet HELLO header with {@code lnet_magicversion} in {@code dest_nid}, no IPs.
     *
     * @param srcNid      {@code src_nid}.
     * @param srcPid      {@code src_pid}.
     * @param incarnation {@code msg.hello.incarnation}.
     * @param ctype       {@code msg.hello.type}.
     * @return 72 bytes.
     */
    public static byte[] helloV1(final long srcNid, final int srcPid, final long incarnation, final int ctype)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HelloFlyweight.V1_FIXED_LENGTH]);
        new HelloFlyweight().wrapForEncode(buffer, 0, buffer.capacity(), WireConstants.KSOCK_PROTO_V1, ByteOrder.LITTLE_ENDIAN)
            .srcNid(srcNid)
            .srcPid(srcPid)
            .dstPid(0)
            .srcIncarnation(incarnation)
            .ctype(ctype)
            .nips(0);
        return buffer.byteArray();
    }

    /**
     * A V1 message: the bare little-endian PUT header (CRC32C of the payload in {@code hdr_data},
     * {@code sequence} in {@code match_bits}) and the payload, no ksock header.
     *
     * @param srcNid   sender NID.
     * @param dstNid   receiver NID.
     * @param sequence {@code match_bits}.
     * @param payload  payload bytes.
     * @return the message bytes.
     */
    public static byte[] putV1(final long srcNid, final long dstNid, final long sequence, final byte[] payload)
    {
        final byte[] framed = put(ByteOrder.LITTLE_ENDIAN, 0, srcNid, dstNid, sequence, payload);
        return Arrays.copyOfRange(framed, KsockMsgFlyweight.LENGTH, framed.length);
    }

    /**
     * A 24-byte ksock header ({@code ksock_msg_hdr}).
     *
     * @param order   byte order.
     * @param type    {@code KSOCK_MSG_NOOP} or {@code KSOCK_MSG_LNET}.
     * @param cookie0 {@code ksm_zc_cookies[0]}.
     * @param cookie1 {@code ksm_zc_cookies[1]}.
     * @return 24 bytes.
     */
    public static byte[] ksockHeader(final ByteOrder order, final int type, final long cookie0, final long cookie1)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[KsockMsgFlyweight.LENGTH]);
        KsockMsgFlyweight.encode(buffer, 0, order, type, 0, cookie0, cookie1);
        return buffer.byteArray();
    }

    /**
     * A whole LNET message: ksock header, little-endian PUT header carrying the payload's CRC32C in
     * {@code hdr_data} and {@code sequence} in {@code match_bits}, and the payload.
     *
     * @param order     byte order of the ksock header.
     * @param zcCookie  {@code ksm_zc_cookies[0]} (0 for none).
     * @param srcNid    sender NID.
     * @param dstNid    receiver NID.
     * @param sequence  {@code match_bits}.
     * @param payload   payload bytes.
     * @return the message bytes.
     */
    public static byte[] put(
        final ByteOrder order,
        final long zcCookie,
        final long srcNid,
        final long dstNid,
        final long sequence,
        final byte[] payload)
    {
        final UnsafeBuffer payloadBuffer = DirectMemory.allocate(Math.max(1, payload.length));
        payloadBuffer.putBytes(0, payload);
        final UnsafeBuffer header = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH]);
        Traffic.putHeader(header, srcNid, dstNid, sequence, payload.length, Traffic.crcOf(payloadBuffer, 0, payload.length));
        final byte[] bytes = new byte[KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + payload.length];
        System.arraycopy(ksockHeader(order, WireConstants.KSOCK_MSG_LNET, zcCookie, 0), 0, bytes, 0, KsockMsgFlyweight.LENGTH);
        System.arraycopy(header.byteArray(), 0, bytes, KsockMsgFlyweight.LENGTH, LnetHeaderFlyweight.LENGTH);
        System.arraycopy(payload, 0, bytes, KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH, payload.length);
        return bytes;
    }

    /**
     * Concatenate byte arrays.
     *
     * @param parts the arrays.
     * @return one array.
     */
    public static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            bytes.writeBytes(part);
        }
        return bytes.toByteArray();
    }
}
