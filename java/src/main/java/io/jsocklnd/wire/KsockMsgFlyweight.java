package io.jsocklnd.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;

/**
 * Flyweight over {@code struct ksock_msg_hdr}, the 24-byte header that starts every V2/V3/V4 message after the
 * hello, in the sender's byte order (fixed per connection by the hello magic, Lustre {@code ksnc_flip}).
 *
 * <pre>
 *   0            4            8                          16                         24
 *   +------------+------------+--------------------------+--------------------------+
 *   | ksm_type   | ksm_csum   | ksm_zc_cookies[0]        | ksm_zc_cookies[1]        |
 *   +------------+------------+--------------------------+--------------------------+
 * </pre>
 * {@code ksm_type} is {@code KSOCK_MSG_NOOP} (0xc0, the message ends here) or {@code KSOCK_MSG_LNET} (0xc1, an
 * LNet header and payload follow). Cookie semantics: LNET message {@code [0]} = ZC request, {@code [1]} =
 * piggybacked ACK; NOOP {@code {0, C}} = ACK of C, {@code {0, 1}} = keepalive, {@code {A, B}} = pair (A &gt; B)
 * or range (A &lt; B) of ACKs ({@code ksocknal_handle_zcack}).
 */
public final class KsockMsgFlyweight
{
    /** Offset of {@code ksm_type}. */
    public static final int KSM_TYPE_OFFSET = 0;
    /** Offset of {@code ksm_csum}. */
    public static final int KSM_CSUM_OFFSET = KSM_TYPE_OFFSET + 4;
    /** Offset of {@code ksm_zc_cookies[0]}. */
    public static final int KSM_ZC_COOKIES_OFFSET = KSM_CSUM_OFFSET + 4;
    /** Offset of {@code ksm_zc_cookies[1]}. */
    public static final int KSM_ZC_COOKIE1_OFFSET = KSM_ZC_COOKIES_OFFSET + 8;
    /** Size of the header; a NOOP is exactly this long. */
    public static final int LENGTH = KSM_ZC_COOKIE1_OFFSET + 8;

    private static final String CONTEXT = "bad ksock msg";

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

    /**
     * Wraps a received header and validates it.
     *
     * @param buffer buffer.
     * @param offset offset of {@code ksm_type}.
     * @param length bytes available from {@code offset}.
     * @param order  the sender's byte order, from the hello.
     * @return this.
     * @throws ProtocolException on a short buffer or a {@code ksm_type} other than NOOP/LNET.
     */
    public KsockMsgFlyweight wrap(final DirectBuffer buffer, final int offset, final int length, final ByteOrder order)
    {
        if (length < LENGTH)
        {
            throw ProtocolException.shortBuffer(CONTEXT, length, LENGTH);
        }
        final int type = buffer.getInt(offset + KSM_TYPE_OFFSET, order);
        if (type != KSOCK_MSG_NOOP && type != KSOCK_MSG_LNET)
        {
            throw ProtocolException.hex(CONTEXT, "ksm_type", type & 0xFFFF_FFFFL, null);
        }
        this.buffer = buffer;
        this.mutableBuffer = null;
        this.offset = offset;
        this.order = order;
        return this;
    }

    /**
     * Wraps a buffer for writing a header: zeroes the 24 bytes and sets {@code ksm_type}.
     *
     * @param buffer   buffer.
     * @param offset   offset of {@code ksm_type}.
     * @param capacity bytes writable from {@code offset}.
     * @param order    byte order to write (LE for every sender jsocklnd knows of).
     * @param type     {@code KSOCK_MSG_NOOP} or {@code KSOCK_MSG_LNET}.
     * @return this.
     */
    public KsockMsgFlyweight wrapForEncode(
        final MutableDirectBuffer buffer, final int offset, final int capacity, final ByteOrder order, final int type)
    {
        if (capacity < LENGTH)
        {
            throw new IllegalArgumentException("insufficient capacity: capacity=" + capacity + " need=" + LENGTH);
        }
        this.buffer = buffer;
        this.mutableBuffer = buffer;
        this.offset = offset;
        this.order = order;
        buffer.setMemory(offset, LENGTH, (byte)0);
        buffer.putInt(offset + KSM_TYPE_OFFSET, type, order);
        return this;
    }

    /**
     * Writes a whole header in one call.
     *
     * @param buffer  buffer.
     * @param offset  offset of {@code ksm_type}.
     * @param order   byte order.
     * @param type    {@code ksm_type}.
     * @param csum    {@code ksm_csum}.
     * @param cookie0 {@code ksm_zc_cookies[0]}.
     * @param cookie1 {@code ksm_zc_cookies[1]}.
     * @return {@link #LENGTH}.
     */
    public static int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final ByteOrder order,
        final int type,
        final int csum,
        final long cookie0,
        final long cookie1)
    {
        buffer.putInt(offset + KSM_TYPE_OFFSET, type, order);
        buffer.putInt(offset + KSM_CSUM_OFFSET, csum, order);
        buffer.putLong(offset + KSM_ZC_COOKIES_OFFSET, cookie0, order);
        buffer.putLong(offset + KSM_ZC_COOKIE1_OFFSET, cookie1, order);
        return LENGTH;
    }

    /**
     * @return the byte order the header is read and written in.
     */
    public ByteOrder byteOrder()
    {
        return order;
    }

    /**
     * @return {@code ksm_type}.
     */
    public int type()
    {
        return buffer.getInt(offset + KSM_TYPE_OFFSET, order);
    }

    /**
     * @return true for {@code KSOCK_MSG_NOOP}.
     */
    public boolean isNoop()
    {
        return type() == KSOCK_MSG_NOOP;
    }

    /**
     * @return true for {@code KSOCK_MSG_LNET}.
     */
    public boolean isLnet()
    {
        return type() == KSOCK_MSG_LNET;
    }

    /**
     * @return {@code ksm_csum}; 0 means none.
     */
    public int csum()
    {
        return buffer.getInt(offset + KSM_CSUM_OFFSET, order);
    }

    /**
     * @param csum {@code ksm_csum}.
     * @return this.
     */
    public KsockMsgFlyweight csum(final int csum)
    {
        mutable().putInt(offset + KSM_CSUM_OFFSET, csum, order);
        return this;
    }

    /**
     * @return {@code ksm_zc_cookies[0]}: ZC request cookie of an LNET message, first cookie of a NOOP.
     */
    public long zcCookie0()
    {
        return buffer.getLong(offset + KSM_ZC_COOKIES_OFFSET, order);
    }

    /**
     * @param cookie {@code ksm_zc_cookies[0]}.
     * @return this.
     */
    public KsockMsgFlyweight zcCookie0(final long cookie)
    {
        mutable().putLong(offset + KSM_ZC_COOKIES_OFFSET, cookie, order);
        return this;
    }

    /**
     * @return {@code ksm_zc_cookies[1]}: ACK cookie (0 = none).
     */
    public long zcCookie1()
    {
        return buffer.getLong(offset + KSM_ZC_COOKIE1_OFFSET, order);
    }

    /**
     * @param cookie {@code ksm_zc_cookies[1]}.
     * @return this.
     */
    public KsockMsgFlyweight zcCookie1(final long cookie)
    {
        mutable().putLong(offset + KSM_ZC_COOKIE1_OFFSET, cookie, order);
        return this;
    }

    private MutableDirectBuffer mutable()
    {
        if (mutableBuffer == null)
        {
            throw new IllegalStateException("flyweight not wrapped for encoding");
        }
        return mutableBuffer;
    }
}
