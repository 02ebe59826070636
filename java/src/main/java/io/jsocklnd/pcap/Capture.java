package io.jsocklnd.pcap;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A capture file read into memory: its format, the byte order of its (first) header and its frames in file
 * order.
 *
 * @param format    pcap or pcapng.
 * @param byteOrder byte order of the pcap global header or of the first pcapng section.
 * @param frames    every packet record, numbered from 1.
 */
public record Capture(CaptureFormat format, ByteOrder byteOrder, List<CapturedFrame> frames)
{
    /**
     * @param format    format.
     * @param byteOrder byte order.
     * @param frames    frames.
     */
    public Capture
    {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(byteOrder, "byteOrder");
        frames = List.copyOf(frames);
    }

    /**
     * Takes every frame apart down to TCP; frames that are not TCP over IPv4/IPv6 (ARP, UDP, IP fragments, link
     * types this package does not decode) are left out.
     *
     * @return the TCP segments in frame order.
     * @throws CaptureFormatException when a frame's IP or TCP header is malformed.
     */
    public List<TcpSegment> tcpSegments()
    {
        final List<TcpSegment> segments = new ArrayList<>(frames.size());
        for (final CapturedFrame frame : frames)
        {
            final TcpSegment segment = PacketDecoder.decode(frame);
            if (segment != null)
            {
                segments.add(segment);
            }
        }
        return segments;
    }

    /**
     * @return the TCP conversations, indexed like tshark's {@code tcp.stream}.
     * @throws CaptureFormatException when a frame's IP or TCP header is malformed.
     */
    public List<TcpConversation> conversations()
    {
        return TcpReassembler.reassemble(tcpSegments());
    }

    /**
     * @param acceptorPort port of the LNet acceptor (988 unless configured otherwise).
     * @return the conversations with an endpoint on that port, indexed like tshark's {@code tcp.stream} over the
     * whole capture; without a captured SYN the side on the port is the server.
     * @throws CaptureFormatException when a frame's IP or TCP header is malformed.
     */
    public List<TcpConversation> conversations(final int acceptorPort)
    {
        final List<TcpConversation> all =
            TcpReassembler.reassemble(tcpSegments(), TcpReassembler.MAX_DIRECTION_LENGTH, acceptorPort);
        final List<TcpConversation> selected = new ArrayList<>(all.size());
        for (final TcpConversation conversation : all)
        {
            if (conversation.endpointA().port() == acceptorPort || conversation.endpointB().port() == acceptorPort)
            {
                selected.add(conversation);
            }
        }
        return selected;
    }
}
