package io.jsocklnd.pcap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds frames byte by byte (link layer, IPv4/IPv6, TCP) for the reader and reassembly tests.
 */
public final class FrameBuilder
{
    private FrameBuilder()
    {
    }

    /**
     * @param sourcePort      source port.
     * @param destinationPort destination port.
     * @param sequence        sequence number.
     * @param acknowledgment  acknowledgment number.
     * @param flags           TCP flags ({@link TcpSegment#SYN} ...).
     * @param payload         payload.
     * @return a TCP header with one 4-byte option (NOP x4, so the data offset is 6) and the payload.
     */
    public static byte[] tcp(
        final int sourcePort, final int destinationPort, final long sequence, final long acknowledgment, final int flags,
        final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(24 + payload.length);
        b.putShort((short)sourcePort).putShort((short)destinationPort).putInt((int)sequence).putInt((int)acknowledgment);
        b.putShort((short)((6 << 12) | flags)).putShort((short)65535).putShort((short)0).putShort((short)0);
        b.put(new byte[] {1, 1, 1, 1}).put(payload);
        return b.array();
    }

    /**
     * @param source      4-byte source address.
     * @param destination 4-byte destination address.
     * @param protocol    IP protocol.
     * @param payload     layer-4 bytes.
     * @return an IPv4 header with one 4-byte option (IHL 6) and the payload.
     */
    public static byte[] ipv4(final byte[] source, final byte[] destination, final int protocol, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(24 + payload.length);
        b.put((byte)0x46).put((byte)0).putShort((short)(24 + payload.length)).putShort((short)1).putShort((short)0x4000);
        b.put((byte)64).put((byte)protocol).putShort((short)0).put(source).put(destination);
        b.put(new byte[] {1, 1, 1, 0}).put(payload);
        return b.array();
    }

    /**
     * @param source      16-byte source address.
     * @param destination 16-byte destination address.
     * @param payload     TCP bytes.
     * @return an IPv6 header, a hop-by-hop extension header (8 bytes), then the TCP bytes.
     */
    public static byte[] ipv6(final byte[] source, final byte[] destination, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(48 + payload.length);
        b.putInt(0x60000000).putShort((short)(8 + payload.length)).put((byte)0).put((byte)64);
        b.put(source).put(destination);
        b.put((byte)PacketDecoder.IPPROTO_TCP).put((byte)0).put(new byte[] {1, 4, 0, 0, 0, 0});
        b.put(payload);
        return b.array();
    }

    /**
     * @param etherType EtherType of the payload.
     * @param payload   payload.
     * @param vlanTags  outer-to-inner tag EtherTypes (0x8100, 0x88a8) to insert.
     * @return an Ethernet II frame, padded to 60 bytes.
     */
    public static byte[] ethernet(final int etherType, final byte[] payload, final int... vlanTags)
    {
        final ByteBuffer b = ByteBuffer.allocate(Math.max(60, 14 + 4 * vlanTags.length + payload.length));
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2});
        for (final int tag : vlanTags)
        {
            b.putShort((short)tag).putShort((short)42);
        }
        b.putShort((short)etherType).put(payload);
        return b.array();
    }

    /**
     * @param etherType protocol.
     * @param payload   payload.
     * @return a Linux cooked v1 frame.
     */
    public static byte[] sll(final int etherType, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(16 + payload.length);
        b.putShort((short)0).putShort((short)1).putShort((short)6).put(new byte[] {2, 0, 0, 0, 0, 1, 0, 0});
        b.putShort((short)etherType).put(payload);
        return b.array();
    }

    /**
     * @param etherType protocol.
     * @param payload   payload.
     * @return a Linux cooked v2 frame.
     */
    public static byte[] sll2(final int etherType, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.putShort((short)etherType).putShort((short)0).putInt(3).putShort((short)1).put((byte)4).put((byte)6);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 0, 0}).put(payload);
        return b.array();
    }

    /**
     * @param family address family.
     * @param order  byte order of the family word.
     * @param payload payload.
     * @return a BSD loopback ({@code LINKTYPE_NULL} or {@code LINKTYPE_LOOP}) frame.
     */
    public static byte[] loopback(final int family, final ByteOrder order, final byte[] payload)
    {
        return ByteBuffer.allocate(4 + payload.length).order(order).putInt(family).put(payload).array();
    }

    /**
     * @param number      frame number.
     * @param linkType    link type.
     * @param timestampNs timestamp.
     * @param data        frame bytes.
     * @return a frame as the reader would return it (file offset 0).
     */
    public static CapturedFrame frame(final int number, final int linkType, final long timestampNs, final byte[] data)
    {
        return new CapturedFrame(number, 0, linkType, timestampNs, data.length, 0, data);
    }
}
