package io.jsocklnd.pcap;

/**
 * The pcap/pcapng link types ({@code LINKTYPE_*} of the tcpdump.org registry) whose frames this package can take
 * apart down to TCP.
 */
public final class LinkType
{
    /**
     * Not a link type: a numbered pcapng record that is not a packet (custom block, systemd journal export
     * block), which tshark counts as a frame.
     */
    public static final int NOT_A_PACKET = -1;
    /** {@code LINKTYPE_NULL}: BSD loopback, 4-byte address family in the capturing host's byte order. */
    public static final int NULL = 0;
    /** {@code LINKTYPE_ETHERNET}: Ethernet II, optionally with 802.1Q/802.1ad VLAN tags. */
    public static final int ETHERNET = 1;
    /** {@code LINKTYPE_RAW}: raw IPv4 or IPv6, version from the first nibble. */
    public static final int RAW = 101;
    /** {@code LINKTYPE_LOOP}: OpenBSD loopback, 4-byte address family in network byte order. */
    public static final int LOOP = 108;
    /** {@code LINKTYPE_LINUX_SLL}: Linux "cooked" capture v1, 16-byte header. */
    public static final int LINUX_SLL = 113;
    /** {@code LINKTYPE_IPV4}: raw IPv4. */
    public static final int IPV4 = 228;
    /** {@code LINKTYPE_IPV6}: raw IPv6. */
    public static final int IPV6 = 229;
    /** {@code LINKTYPE_LINUX_SLL2}: Linux "cooked" capture v2, 20-byte header. */
    public static final int LINUX_SLL2 = 276;

    private LinkType()
    {
    }

    /**
     * @param linkType a link type.
     * @return true when frames of that type can be decoded down to TCP.
     */
    public static boolean isSupported(final int linkType)
    {
        switch (linkType)
        {
            case NULL:
            case ETHERNET:
            case RAW:
            case LOOP:
            case LINUX_SLL:
            case IPV4:
            case IPV6:
            case LINUX_SLL2:
                return true;
            default:
                return false;
        }
    }

    /**
     * @param linkType a link type.
     * @return its registry name without the prefix, or {@code unknown(N)}.
     */
    public static String name(final int linkType)
    {
        switch (linkType)
        {
            case NOT_A_PACKET:
                return "not_a_packet";
            case NULL:
                return "null";
            case ETHERNET:
                return "ethernet";
            case RAW:
                return "raw";
            case LOOP:
                return "loop";
            case LINUX_SLL:
                return "linux_sll";
            case IPV4:
                return "ipv4";
            case IPV6:
                return "ipv6";
            case LINUX_SLL2:
                return "linux_sll2";
            default:
                return "unknown(" + linkType + ")";
        }
    }
}
