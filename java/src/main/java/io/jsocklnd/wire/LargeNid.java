package io.jsocklnd.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.LNET_NID_TYPE_ANY;
import static io.jsocklnd.wire.WireConstants.LOLND;
import static io.jsocklnd.wire.WireConstants.O2IBLND;
import static io.jsocklnd.wire.WireConstants.SOCKLND;

/**
 * Immutable value of {@code struct lnet_nid}, the 20-byte NID of the V4 hello, the nid16 LNet header and
 * connreq v2; byte-order neutral on the wire, never swapped.
 *
 * <pre>
 *   0        1        2                 4                                    20
 *   +--------+--------+-----------------+------------------------------------+
 *   |nid_size|nid_type| nid_num (BE16)  | nid_addr[4] (4 x BE32)             |
 *   +--------+--------+-----------------+------------------------------------+
 * </pre>
 * {@code nid_size} is the address length minus 4 (0 for IPv4, 12 for IPv6); {@code nid_type} {@code 0xFF} is ANY.
 * Ordering and equality are those of the 20 bytes (Lustre's {@code nid_same} and the race-rule compare).
 * Text is what {@code libcfs_nidstr} prints: {@code 10.0.0.1@tcp}, {@code 2001:db8::1@tcp}, {@code <?>} for ANY.
 */
public final class LargeNid implements Comparable<LargeNid>
{
    /** Offset of {@code nid_size}. */
    public static final int NID_SIZE_OFFSET = 0;
    /** Offset of {@code nid_type}. */
    public static final int NID_TYPE_OFFSET = NID_SIZE_OFFSET + 1;
    /** Offset of {@code nid_num} (big-endian). */
    public static final int NID_NUM_OFFSET = NID_TYPE_OFFSET + 1;
    /** Offset of {@code nid_addr[0]} (four big-endian words). */
    public static final int NID_ADDR_OFFSET = NID_NUM_OFFSET + 2;
    /** Size of the struct. */
    public static final int LENGTH = NID_ADDR_OFFSET + 16;

    /** {@code nid_size} of an IPv4 (nid4-compatible) NID. */
    public static final int SIZE_IPV4 = 0;
    /** {@code nid_size} of an IPv6 NID. */
    public static final int SIZE_IPV6 = 12;

    /** {@code LNET_ANY_NID}: every byte 0xFF. */
    public static final LargeNid ANY = new LargeNid(0xFF, LNET_NID_TYPE_ANY, 0xFFFF, -1, -1, -1, -1);

    private static final String ANY_TEXT = "<?>";

    private final int size;
    private final int type;
    private final int num;
    private final int addr0;
    private final int addr1;
    private final int addr2;
    private final int addr3;

    private LargeNid(
        final int size, final int type, final int num, final int addr0, final int addr1, final int addr2, final int addr3)
    {
        this.size = size & 0xFF;
        this.type = type & 0xFF;
        this.num = num & 0xFFFF;
        this.addr0 = addr0;
        this.addr1 = addr1;
        this.addr2 = addr2;
        this.addr3 = addr3;
    }

    /**
     * @param size  {@code nid_size} (0..255).
     * @param type  {@code nid_type} (0..255).
     * @param num   {@code nid_num} (0..65535).
     * @param addr0 {@code nid_addr[0]} as a host integer (first four address bytes, big-endian).
     * @param addr1 {@code nid_addr[1]}.
     * @param addr2 {@code nid_addr[2]}.
     * @param addr3 {@code nid_addr[3]}.
     * @return the NID.
     */
    public static LargeNid of(
        final int size, final int type, final int num, final int addr0, final int addr1, final int addr2, final int addr3)
    {
        return new LargeNid(size, type, num, addr0, addr1, addr2, addr3);
    }

    /**
     * @param ipv4   IPv4 address as a host-order integer.
     * @param netNum network number.
     * @return {@code a.b.c.d@tcpN}.
     */
    public static LargeNid tcp4(final int ipv4, final int netNum)
    {
        return new LargeNid(SIZE_IPV4, SOCKLND, netNum, ipv4, 0, 0, 0);
    }

    /**
     * @param ipv6   the 16 address bytes in network order.
     * @param netNum network number.
     * @return {@code ipv6@tcpN}.
     */
    public static LargeNid tcp6(final byte[] ipv6, final int netNum)
    {
        if (ipv6.length != 16)
        {
            throw new IllegalArgumentException("bad ipv6 address: length=" + ipv6.length);
        }
        return new LargeNid(SIZE_IPV6, SOCKLND, netNum, word(ipv6, 0), word(ipv6, 4), word(ipv6, 8), word(ipv6, 12));
    }

    /**
     * {@code lnet_nid4_to_nid}: all-ones becomes {@link #ANY}; otherwise size 0, the LND type (low 8 bits), the
     * network number and the address in word 0.
     *
     * @param nid4 nid4.
     * @return the large NID.
     */
    public static LargeNid fromNid4(final long nid4)
    {
        if (nid4 == Nid.ANY)
        {
            return ANY;
        }
        return new LargeNid(SIZE_IPV4, Nid.lndType(nid4), Nid.netNum(nid4), Nid.addr(nid4), 0, 0, 0);
    }

    /**
     * Reads 20 bytes; the caller has checked that they are available.
     *
     * @param buffer buffer.
     * @param offset offset of {@code nid_size}.
     * @return the NID (allocates).
     */
    public static LargeNid decode(final DirectBuffer buffer, final int offset)
    {
        return new LargeNid(
            buffer.getByte(offset + NID_SIZE_OFFSET),
            buffer.getByte(offset + NID_TYPE_OFFSET),
            buffer.getShort(offset + NID_NUM_OFFSET, ByteOrder.BIG_ENDIAN),
            buffer.getInt(offset + NID_ADDR_OFFSET, ByteOrder.BIG_ENDIAN),
            buffer.getInt(offset + NID_ADDR_OFFSET + 4, ByteOrder.BIG_ENDIAN),
            buffer.getInt(offset + NID_ADDR_OFFSET + 8, ByteOrder.BIG_ENDIAN),
            buffer.getInt(offset + NID_ADDR_OFFSET + 12, ByteOrder.BIG_ENDIAN));
    }

    /**
     * Reads 20 bytes after checking the length.
     *
     * @param buffer buffer.
     * @param offset offset of {@code nid_size}.
     * @param length bytes available from {@code offset}.
     * @return the NID.
     * @throws ProtocolException if fewer than 20 bytes are available.
     */
    public static LargeNid decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < LENGTH)
        {
            throw ProtocolException.shortBuffer("bad lnet nid", length, LENGTH);
        }
        return decode(buffer, offset);
    }

    /**
     * {@code lnet_nid_to_nid4} on the wire bytes without allocating.
     *
     * @param buffer buffer holding a {@code struct lnet_nid}.
     * @param offset its offset.
     * @return the nid4.
     */
    public static long toNid4(final DirectBuffer buffer, final int offset)
    {
        if ((buffer.getByte(offset + NID_TYPE_OFFSET) & 0xFF) == LNET_NID_TYPE_ANY)
        {
            return Nid.ANY;
        }
        return Nid.make(
            buffer.getByte(offset + NID_TYPE_OFFSET) & 0xFF,
            buffer.getShort(offset + NID_NUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF,
            buffer.getInt(offset + NID_ADDR_OFFSET, ByteOrder.BIG_ENDIAN));
    }

    /**
     * Writes the 20 bytes.
     *
     * @param buffer buffer.
     * @param offset offset of {@code nid_size}.
     * @return {@link #LENGTH}.
     */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putByte(offset + NID_SIZE_OFFSET, (byte)size);
        buffer.putByte(offset + NID_TYPE_OFFSET, (byte)type);
        buffer.putShort(offset + NID_NUM_OFFSET, (short)num, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + NID_ADDR_OFFSET, addr0, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + NID_ADDR_OFFSET + 4, addr1, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + NID_ADDR_OFFSET + 8, addr2, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + NID_ADDR_OFFSET + 12, addr3, ByteOrder.BIG_ENDIAN);
        return LENGTH;
    }

    /**
     * Compares with the wire bytes without allocating.
     *
     * @param buffer buffer holding a {@code struct lnet_nid}.
     * @param offset its offset.
     * @return true if the 20 bytes equal this NID.
     */
    public boolean equalsAt(final DirectBuffer buffer, final int offset)
    {
        return (buffer.getByte(offset + NID_SIZE_OFFSET) & 0xFF) == size &&
            (buffer.getByte(offset + NID_TYPE_OFFSET) & 0xFF) == type &&
            (buffer.getShort(offset + NID_NUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) == num &&
            buffer.getInt(offset + NID_ADDR_OFFSET, ByteOrder.BIG_ENDIAN) == addr0 &&
            buffer.getInt(offset + NID_ADDR_OFFSET + 4, ByteOrder.BIG_ENDIAN) == addr1 &&
            buffer.getInt(offset + NID_ADDR_OFFSET + 8, ByteOrder.BIG_ENDIAN) == addr2 &&
            buffer.getInt(offset + NID_ADDR_OFFSET + 12, ByteOrder.BIG_ENDIAN) == addr3;
    }

    /**
     * @return {@code nid_size}: address bytes minus 4.
     */
    public int size()
    {
        return size;
    }

    /**
     * @return {@code nid_type}: the LND type.
     */
    public int type()
    {
        return type;
    }

    /**
     * @return {@code nid_num}: the network number.
     */
    public int num()
    {
        return num;
    }

    /**
     * @param index 0..3.
     * @return {@code nid_addr[index]} as a host integer.
     */
    public int addrWord(final int index)
    {
        switch (index)
        {
            case 0:
                return addr0;
            case 1:
                return addr1;
            case 2:
                return addr2;
            case 3:
                return addr3;
            default:
                throw new IndexOutOfBoundsException("bad nid_addr index: index=" + index);
        }
    }

    /**
     * @return the 32-bit network {@code (type << 16) | num} ({@code LNET_NID_NET}).
     */
    public int net()
    {
        return Nid.makeNet(type, num);
    }

    /**
     * @return true for {@code LNET_NID_IS_ANY} ({@code nid_type} 0xFF).
     */
    public boolean isAny()
    {
        return type == LNET_NID_TYPE_ANY;
    }

    /**
     * @return true when the address is 4 bytes ({@code nid_is_nid4}), i.e. the NID fits a nid4.
     */
    public boolean isNid4()
    {
        return size == SIZE_IPV4;
    }

    /**
     * {@code lnet_nid_to_nid4}: ANY becomes all-ones, otherwise type, number and {@code nid_addr[0]}.
     *
     * @return the nid4.
     */
    public long toNid4()
    {
        return isAny() ? Nid.ANY : Nid.make(type, num, addr0);
    }

    /**
     * Parses NID text: {@code a.b.c.d@tcpN}, an IPv6 literal {@code 2001:db8::1@tcp}, {@code N@lo},
     * {@code hex[:hex...]@<type:num>} (type below 255: {@code nid_type} is one byte), {@code <?>}.
     *
     * @param text NID text.
     * @return the NID.
     * @throws IllegalArgumentException if malformed, naming the text.
     */
    public static LargeNid parse(final String text)
    {
        if (ANY_TEXT.equals(text))
        {
            return ANY;
        }
        final int at = text.indexOf('@');
        if (at <= 0)
        {
            throw Nid.badText("bad lnet nid", text);
        }
        final int net = Nid.parseNet(text, at + 1, text.length());
        if (net == -1)
        {
            throw Nid.badText("bad lnet nid", text);
        }
        final int lnd = Nid.netType(net);
        final int num = Nid.netNumOfNet(net);
        if (lnd >= LNET_NID_TYPE_ANY)
        {
            throw Nid.badText("bad lnet nid", text);
        }
        final boolean unnamed = Nid.bracketed(text, at);
        if (unnamed)
        {
            return parseUnnamed(text, at, lnd, num);
        }
        if (lnd == SOCKLND && text.lastIndexOf(':', at) >= 0)
        {
            final int[] words = new int[4];
            if (!AddressText.parseIpv6(text, 0, at, words))
            {
                throw Nid.badText("bad lnet nid", text);
            }
            return new LargeNid(SIZE_IPV6, lnd, num, words[0], words[1], words[2], words[3]);
        }
        final long addr = Nid.parseAddr(lnd, text, 0, at, false);
        if (addr < 0)
        {
            throw Nid.badText("bad lnet nid", text);
        }
        return new LargeNid(SIZE_IPV4, lnd, num, (int)addr, 0, 0, 0);
    }

    private static LargeNid parseUnnamed(final String text, final int at, final int lnd, final int num)
    {
        final int[] words = new int[4];
        int count = 0;
        int from = 0;
        while (true)
        {
            final int colon = text.indexOf(':', from);
            final int to = colon < 0 || colon > at ? at : colon;
            final long word = Nid.parseUnsigned(text, from, to, 16, 8);
            if (word < 0 || count == 4)
            {
                throw Nid.badText("bad lnet nid", text);
            }
            words[count++] = (int)word;
            if (to == at)
            {
                break;
            }
            from = to + 1;
        }
        return new LargeNid(count * 4 - 4, lnd, num, words[0], words[1], words[2], words[3]);
    }

    /**
     * @return the text {@code libcfs_nidstr} prints (an unnamed type, or an IP type with an address length other
     * than 4 or 16, prints its address words in hex and {@code @<type:num>}).
     */
    @Override
    public String toString()
    {
        if (isAny())
        {
            return ANY_TEXT;
        }
        final String name = Nid.lndName(type);
        final String netText = Nid.netToString(net());
        if (name != null)
        {
            if ((type == SOCKLND || type == O2IBLND) && size == SIZE_IPV4)
            {
                return AddressText.formatIpv4(addr0) + "@" + netText;
            }
            if (type == SOCKLND && size == SIZE_IPV6)
            {
                return AddressText.formatIpv6(addr0, addr1, addr2, addr3) + "@" + netText;
            }
            if (type == LOLND && size == SIZE_IPV4)
            {
                return Integer.toUnsignedString(addr0) + "@" + netText;
            }
        }
        final int words = Math.min(4, (size + 4 + 3) / 4);
        final StringBuilder sb = new StringBuilder(48);
        for (int i = 0; i < words; i++)
        {
            if (i > 0)
            {
                sb.append(':');
            }
            sb.append(Integer.toHexString(addrWord(i)));
        }
        return sb.append("@<").append(type).append(':').append(num).append('>').toString();
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof LargeNid))
        {
            return false;
        }
        final LargeNid that = (LargeNid)o;
        return size == that.size && type == that.type && num == that.num &&
            addr0 == that.addr0 && addr1 == that.addr1 && addr2 == that.addr2 && addr3 == that.addr3;
    }

    @Override
    public int hashCode()
    {
        int h = (size << 24) | (type << 16) | num;
        h = 31 * h + addr0;
        h = 31 * h + addr1;
        h = 31 * h + addr2;
        return 31 * h + addr3;
    }

    /**
     * Bytewise unsigned compare of the 20 wire bytes (Lustre {@code nid_cmp}/{@code memcmp}).
     */
    @Override
    public int compareTo(final LargeNid o)
    {
        int c = Integer.compare(size, o.size);
        if (c == 0)
        {
            c = Integer.compare(type, o.type);
        }
        if (c == 0)
        {
            c = Integer.compare(num, o.num);
        }
        if (c == 0)
        {
            c = Integer.compareUnsigned(addr0, o.addr0);
        }
        if (c == 0)
        {
            c = Integer.compareUnsigned(addr1, o.addr1);
        }
        if (c == 0)
        {
            c = Integer.compareUnsigned(addr2, o.addr2);
        }
        if (c == 0)
        {
            c = Integer.compareUnsigned(addr3, o.addr3);
        }
        return c;
    }

    private static int word(final byte[] b, final int i)
    {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }
}
