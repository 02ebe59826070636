package io.jsocklnd.pcap;

import java.net.InetAddress;
import java.nio.ByteOrder;
import java.net.UnknownHostException;

/**
 * Takes one captured frame apart down to TCP: link layer ({@link LinkType}), IPv4 or IPv6 (with the usual IPv6
 * extension headers), TCP header; the result carries the TCP payload trimmed to the IP length (Ethernet padding
 * dropped).
 */
public final class PacketDecoder
{
    /** EtherType of IPv4. */
    public static final int ETHERTYPE_IPV4 = 0x0800;
    /** EtherType of IPv6. */
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    /** EtherType of an 802.1Q VLAN tag. */
    public static final int ETHERTYPE_VLAN = 0x8100;
    /** EtherType of an 802.1ad service tag. */
    public static final int ETHERTYPE_QINQ = 0x88A8;
    /** Pre-standard EtherType used for QinQ outer tags. */
    public static final int ETHERTYPE_QINQ_OLD = 0x9100;
    /** IP protocol number of TCP. */
    public static final int IPPROTO_TCP = 6;

    private static final int MAX_VLAN_TAGS = 8;
    private static final int MAX_IPV6_EXTENSION_HEADERS = 16;
    private static final int NOT_IP = -1;

    private PacketDecoder()
    {
    }

    /**
     * @param frame a captured frame.
     * @return its TCP segment, or null when the frame is not TCP over IPv4/IPv6 (other protocols, IP fragments,
     * link types not decoded here, or headers cut off by the capture's snap length).
     * @throws CaptureFormatException when a header is malformed, naming the field and its file offset.
     */
    public static TcpSegment decode(final CapturedFrame frame)
    {
        final ByteView view = new ByteView(
            frame.data(), frame.data().length, frame.dataOffset(), "frame " + frame.number());
        try
        {
            return decode(frame, view);
        }
        catch (final CaptureFormatException ex)
        {
            if (ex.isTruncation() && frame.isTruncated())
            {
                return null;
            }
            throw ex;
        }
    }

    private static TcpSegment decode(final CapturedFrame frame, final ByteView view)
    {
        int at;
        int version;
        switch (frame.linkType())
        {
            case LinkType.ETHERNET:
            {
                int type = view.u16be(12, "eth.type");
                at = 14;
                for (int tags = 0; tags < MAX_VLAN_TAGS && isVlan(type); tags++)
                {
                    type = view.u16be(at + 2, "vlan.etype");
                    at += 4;
                }
                version = ipVersionOfEtherType(type);
                break;
            }

            case LinkType.LINUX_SLL:
                version = ipVersionOfEtherType(view.u16be(14, "sll.protocol"));
                at = 16;
                break;

            case LinkType.LINUX_SLL2:
                view.require(0, 20, "sll2.header");
                version = ipVersionOfEtherType(view.u16be(0, "sll2.protocol"));
                at = 20;
                break;

            case LinkType.NULL:
            {
                long family = view.u32(0, ByteOrder.LITTLE_ENDIAN, "null.family");
                if (family > 0xFFFF)
                {
                    family = Integer.reverseBytes((int)family) & 0xFFFF_FFFFL;
                }
                version = ipVersionOfFamily(family);
                at = 4;
                break;
            }

            case LinkType.LOOP:
                version = ipVersionOfFamily(view.u32be(0, "loop.family"));
                at = 4;
                break;

            case LinkType.RAW:
                version = view.u8(0, "ip.version") >> 4;
                at = 0;
                break;

            case LinkType.IPV4:
                version = 4;
                at = 0;
                break;

            case LinkType.IPV6:
                version = 6;
                at = 0;
                break;

            default:
                return null;
        }
        if (version == 4)
        {
            return decodeIpv4(frame, view, at);
        }
        if (version == 6)
        {
            return decodeIpv6(frame, view, at);
        }
        return null;
    }

    private static boolean isVlan(final int etherType)
    {
        return etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ || etherType == ETHERTYPE_QINQ_OLD;
    }

    private static int ipVersionOfEtherType(final int etherType)
    {
        if (etherType == ETHERTYPE_IPV4)
        {
            return 4;
        }
        return etherType == ETHERTYPE_IPV6 ? 6 : NOT_IP;
    }

    private static int ipVersionOfFamily(final long family)
    {
        // AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
        if (family == 2)
        {
            return 4;
        }
        return family == 10 || family == 24 || family == 28 || family == 30 ? 6 : NOT_IP;
    }

    private static TcpSegment decodeIpv4(final CapturedFrame frame, final ByteView view, final int at)
    {
        final int first = view.u8(at, "ip.version");
        if (first >> 4 != 4)
        {
            throw view.bad("ip.version", at, "value=" + (first >> 4) + " expected=4");
        }
        final int headerLength = (first & 0x0F) * 4;
        if (headerLength < 20)
        {
            throw view.bad("ip.hdr_len", at, "value=" + headerLength + " min=20");
        }
        view.require(at, headerLength, "ip.hdr_len");
        final int totalLength = view.u16be(at + 2, "ip.len");
        final int fragment = view.u16be(at + 6, "ip.flags");
        final int protocol = view.u8(at + 9, "ip.proto");
        if (protocol != IPPROTO_TCP || (fragment & 0x3FFF) != 0)
        {
            return null;
        }
        final InetAddress source = address(view.copy(at + 12, 4, "ip.src"));
        final InetAddress destination = address(view.copy(at + 16, 4, "ip.dst"));
        final int end;
        if (totalLength == 0)
        {
            end = frame.originalLength();
        }
        else
        {
            if (totalLength < headerLength || at + totalLength > frame.originalLength())
            {
                throw view.bad("ip.len", at + 2, "value=" + totalLength + " frame_len=" + frame.originalLength());
            }
            end = at + totalLength;
        }
        return decodeTcp(frame, view, at + headerLength, end, source, destination, "ip.len", at + 2);
    }

    private static TcpSegment decodeIpv6(final CapturedFrame frame, final ByteView view, final int at)
    {
        view.require(at, 40, "ipv6.header");
        final int first = view.u8(at, "ipv6.version");
        if (first >> 4 != 6)
        {
            throw view.bad("ipv6.version", at, "value=" + (first >> 4) + " expected=6");
        }
        final int payloadLength = view.u16be(at + 4, "ipv6.plen");
        int next = view.u8(at + 6, "ipv6.nxt");
        final InetAddress source = address(view.copy(at + 8, 16, "ipv6.src"));
        final InetAddress destination = address(view.copy(at + 24, 16, "ipv6.dst"));
        final int end;
        if (payloadLength == 0)
        {
            end = frame.originalLength();
        }
        else
        {
            if (at + 40 + payloadLength > frame.originalLength())
            {
                throw view.bad("ipv6.plen", at + 4, "value=" + payloadLength + " frame_len=" + frame.originalLength());
            }
            end = at + 40 + payloadLength;
        }
        int pos = at + 40;
        for (int i = 0; i < MAX_IPV6_EXTENSION_HEADERS; i++)
        {
            switch (next)
            {
                case IPPROTO_TCP:
                    return decodeTcp(frame, view, pos, end, source, destination, "ipv6.plen", at + 4);

                case 0:
                case 43:
                case 60:
                {
                    final int following = view.u8(pos, "ipv6.opt.nxt");
                    pos += (view.u8(pos + 1, "ipv6.opt.length") + 1) * 8;
                    next = following;
                    break;
                }

                case 51:
                {
                    final int following = view.u8(pos, "ah.next_header");
                    pos += (view.u8(pos + 1, "ah.length") + 2) * 4;
                    next = following;
                    break;
                }

                case 44:
                {
                    final int following = view.u8(pos, "ipv6.fragment.nxt");
                    final int offsetAndMore = view.u16be(pos + 2, "ipv6.fragment.offset");
                    if ((offsetAndMore & 0xFFF9) != 0)
                    {
                        return null;
                    }
                    pos += 8;
                    next = following;
                    break;
                }

                default:
                    return null;
            }
            if (pos > end)
            {
                throw view.bad("ipv6.plen", at + 4, "value=" + payloadLength + " extension_headers_end=" + (pos - at - 40));
            }
        }
        return null;
    }

    private static TcpSegment decodeTcp(
        final CapturedFrame frame,
        final ByteView view,
        final int at,
        final int end,
        final InetAddress source,
        final InetAddress destination,
        final String ipLengthField,
        final int ipLengthAt)
    {
        view.require(at, 20, "tcp.header");
        final int sourcePort = view.u16be(at, "tcp.srcport");
        final int destinationPort = view.u16be(at + 2, "tcp.dstport");
        final long sequence = view.u32be(at + 4, "tcp.seq");
        final long acknowledgment = view.u32be(at + 8, "tcp.ack");
        final int offsetAndFlags = view.u16be(at + 12, "tcp.hdr_len");
        final int headerLength = (offsetAndFlags >> 12) * 4;
        if (headerLength < 20)
        {
            throw view.bad("tcp.hdr_len", at + 12, "value=" + headerLength + " min=20");
        }
        view.require(at, headerLength, "tcp.options");
        final int payloadAt = at + headerLength;
        if (payloadAt > end)
        {
            throw view.bad("tcp.hdr_len", at + 12, "value=" + headerLength + " ip_payload=" + (end - at));
        }
        final int payloadLength = end - payloadAt;
        final int captured = Math.max(0, Math.min(end, frame.data().length) - payloadAt);
        if (captured < payloadLength && !frame.isTruncated())
        {
            throw view.bad(ipLengthField, ipLengthAt, "ip_end=" + end + " captured=" + frame.data().length);
        }
        return new TcpSegment(
            frame.number(),
            frame.originalLength(),
            new Endpoint(source, sourcePort),
            new Endpoint(destination, destinationPort),
            sequence,
            acknowledgment,
            offsetAndFlags & 0x0FFF,
            view.copy(payloadAt, captured, "tcp.payload"),
            payloadLength);
    }

    private static InetAddress address(final byte[] raw)
    {
        try
        {
            return InetAddress.getByAddress(raw);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException("address of length " + raw.length, ex);
        }
    }
}
