package io.jsocklnd.wire;

import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LOLND;
import static io.jsocklnd.wire.WireConstants.O2IBLND;
import static io.jsocklnd.wire.WireConstants.SOCKLND;

/**
 * Helpers for {@code lnet_nid_t}, the 8-byte "nid4" held in a {@code long}: {@code (net << 32) | addr} with
 * {@code net = (lnd_type << 16) | net_number} (Lustre {@code LNET_MKNID}, {@code LNET_NIDNET}, {@code LNET_NIDADDR},
 * {@code LNET_NETTYP}, {@code LNET_NETNUM}), and its text form as {@code libcfs_nid2str} prints it:
 * {@code 192.168.1.10@tcp}, {@code 10.0.0.1@tcp3}, {@code 0@lo}, {@code <?>} for ANY, {@code 1f@<7:0>} for an LND
 * type without a name.
 */
public final class Nid
{
    /** {@code LNET_NID_ANY}. */
    public static final long ANY = LNET_NID_ANY;
    /** {@code 0@lo}, the loopback NID ({@code 0x0009000000000000}). */
    public static final long LO = make(LOLND, 0, 0);

    private static final String ANY_TEXT = "<?>";

    private Nid()
    {
    }

    /**
     * @param lndType LND type, e.g. {@link WireConstants#SOCKLND}.
     * @param netNum  network number (the N of {@code tcpN}).
     * @param addr    address; for IP networks the IPv4 address as a host-order integer.
     * @return the nid4.
     */
    public static long make(final int lndType, final int netNum, final int addr)
    {
        return fromNet(makeNet(lndType, netNum), addr);
    }

    /**
     * @param net  network ({@code LNET_MKNET}).
     * @param addr address.
     * @return the nid4 ({@code LNET_MKNID}).
     */
    public static long fromNet(final int net, final int addr)
    {
        return ((long)net << 32) | (addr & 0xFFFF_FFFFL);
    }

    /**
     * @param lndType LND type.
     * @param netNum  network number.
     * @return the 32-bit network ({@code LNET_MKNET}).
     */
    public static int makeNet(final int lndType, final int netNum)
    {
        return ((lndType & 0xFFFF) << 16) | (netNum & 0xFFFF);
    }

    /**
     * @param ipv4   IPv4 address as a host-order integer ({@code (a << 24) | (b << 16) | (c << 8) | d}).
     * @param netNum network number.
     * @return the {@code a.b.c.d@tcpN} nid4.
     */
    public static long tcp(final int ipv4, final int netNum)
    {
        return make(SOCKLND, netNum, ipv4);
    }

    /**
     * @param nid nid4.
     * @return its network ({@code LNET_NIDNET}).
     */
    public static int net(final long nid)
    {
        return (int)(nid >>> 32);
    }

    /**
     * @param nid nid4.
     * @return its address ({@code LNET_NIDADDR}); the IPv4 address for IP networks.
     */
    public static int addr(final long nid)
    {
        return (int)nid;
    }

    /**
     * @param nid nid4.
     * @return its LND type ({@code LNET_NETTYP(LNET_NIDNET(nid))}).
     */
    public static int lndType(final long nid)
    {
        return netType(net(nid));
    }

    /**
     * @param nid nid4.
     * @return its network number ({@code LNET_NETNUM(LNET_NIDNET(nid))}).
     */
    public static int netNum(final long nid)
    {
        return netNumOfNet(net(nid));
    }

    /**
     * @param net network.
     * @return its LND type ({@code LNET_NETTYP}).
     */
    public static int netType(final int net)
    {
        return net >>> 16;
    }

    /**
     * @param net network.
     * @return its number ({@code LNET_NETNUM}).
     */
    public static int netNumOfNet(final int net)
    {
        return net & 0xFFFF;
    }

    /**
     * @param nid nid4.
     * @return the text Lustre prints for it.
     */
    public static String toString(final long nid)
    {
        if (nid == ANY)
        {
            return ANY_TEXT;
        }
        final int lnd = lndType(nid);
        final int addr = addr(nid);
        final String addrText;
        if (lnd == SOCKLND || lnd == O2IBLND)
        {
            addrText = AddressText.formatIpv4(addr);
        }
        else if (lnd == LOLND)
        {
            addrText = Integer.toUnsignedString(addr);
        }
        else
        {
            addrText = Integer.toHexString(addr);
        }
        return addrText + "@" + netToString(net(nid));
    }

    /**
     * @param net network.
     * @return its text: {@code tcp}, {@code tcp3}, {@code lo}, {@code o2ib1}, or {@code <type:num>} when unnamed.
     */
    public static String netToString(final int net)
    {
        final int lnd = netType(net);
        final int num = netNumOfNet(net);
        final String name = lndName(lnd);
        if (name == null)
        {
            return "<" + lnd + ":" + num + ">";
        }
        return num == 0 ? name : name + num;
    }

    /**
     * Parses a network name: {@code tcp}, {@code tcp3}, {@code o2ib}, {@code lo} (no number allowed), or
     * {@code <type:num>}.
     *
     * @param text network text.
     * @return the 32-bit network.
     * @throws IllegalArgumentException if malformed, naming the text.
     */
    public static int parseNet(final String text)
    {
        final int net = parseNet(text, 0, text.length());
        if (net == -1)
        {
            throw badText("bad lnet net", text);
        }
        return net;
    }

    /**
     * Parses NID text: {@code a.b.c.d@tcp}, {@code a.b.c.d@tcpN}, {@code a.b.c.d@o2ibN}, {@code N@lo},
     * {@code hex@<type:num>}, or {@code <?>} for ANY.
     *
     * @param text NID text.
     * @return the nid4.
     * @throws IllegalArgumentException if malformed, naming the text.
     */
    public static long parse(final String text)
    {
        if (ANY_TEXT.equals(text))
        {
            return ANY;
        }
        final int at = text.indexOf('@');
        if (at <= 0)
        {
            throw badText("bad lnet nid", text);
        }
        final int net = parseNet(text, at + 1, text.length());
        if (net == -1)
        {
            throw badText("bad lnet nid", text);
        }
        final long addr = parseAddr(netType(net), text, 0, at, bracketed(text, at));
        if (addr < 0)
        {
            throw badText("bad lnet nid", text);
        }
        return fromNet(net, (int)addr);
    }

    static boolean bracketed(final String text, final int at)
    {
        return text.charAt(text.length() - 1) == '>' && at + 1 < text.length() && text.charAt(at + 1) == '<';
    }

    static long parseAddr(final int lnd, final String text, final int from, final int to, final boolean unnamed)
    {
        if (unnamed)
        {
            return parseUnsigned(text, from, to, 16, 8);
        }
        if (lnd == SOCKLND || lnd == O2IBLND)
        {
            return AddressText.parseIpv4(text, from, to);
        }
        return parseUnsigned(text, from, to, 10, 10);
    }

    static String lndName(final int lnd)
    {
        switch (lnd)
        {
            case SOCKLND:
                return "tcp";
            case O2IBLND:
                return "o2ib";
            case LOLND:
                return "lo";
            default:
                return null;
        }
    }

    /**
     * @return the network, or -1 if malformed (so {@code <65535:65535>}, whose network is -1, is rejected).
     */
    static int parseNet(final String text, final int from, final int to)
    {
        if (to - from >= 2 && text.charAt(from) == '<' && text.charAt(to - 1) == '>')
        {
            final int colon = text.indexOf(':', from);
            if (colon < 0 || colon >= to)
            {
                return -1;
            }
            final long lnd = parseUnsigned(text, from + 1, colon, 10, 5);
            final long num = parseUnsigned(text, colon + 1, to - 1, 10, 5);
            if (lnd < 0 || num < 0 || lnd > 0xFFFF || num > 0xFFFF || lndName((int)lnd) != null)
            {
                return -1;
            }
            return makeNet((int)lnd, (int)num);
        }
        final int[] types = { SOCKLND, O2IBLND, LOLND };
        for (final int lnd : types)
        {
            final String name = lndName(lnd);
            if (text.startsWith(name, from))
            {
                final int numFrom = from + name.length();
                if (numFrom == to)
                {
                    return makeNet(lnd, 0);
                }
                if (lnd == LOLND)
                {
                    return -1;
                }
                final long num = parseUnsigned(text, numFrom, to, 10, 5);
                if (num < 0 || num > 0xFFFF)
                {
                    return -1;
                }
                return makeNet(lnd, (int)num);
            }
        }
        return -1;
    }

    static long parseUnsigned(final String text, final int from, final int to, final int radix, final int maxDigits)
    {
        final int digits = to - from;
        if (digits <= 0 || digits > maxDigits)
        {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++)
        {
            final char c = text.charAt(i);
            final int d = c < 128 ? Character.digit(c, radix) : -1;
            if (d < 0)
            {
                return -1;
            }
            value = value * radix + d;
        }
        return value > 0xFFFF_FFFFL ? -1 : value;
    }

    static IllegalArgumentException badText(final String context, final String text)
    {
        return new IllegalArgumentException(context + ": text=" + text);
    }
}
