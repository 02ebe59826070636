package io.jsocklnd.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.LNET_MAX_PAYLOAD;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;

/**
 * What the two LNet header forms share: after the two NIDs come {@code dest_pid}, {@code src_pid}, {@code type},
 * {@code payload_length} and the 40-byte {@code msg} union, all little-endian regardless of the hello's byte order.
 *
 * <p>Union layout (offsets from the start of {@code msg}; {@code lnet_assert_wire_constants}):
 * <pre>
 *   ACK   (0):  0 dst_wmd (16, opaque) | 16 match_bits | 24 mlength
 *   PUT   (1):  0 ack_wmd (16, opaque) | 16 match_bits | 24 hdr_data (opaque) | 32 ptl_index | 36 offset
 *   GET   (2):  0 return_wmd (16)      | 16 match_bits | 24 ptl_index | 28 src_offset | 32 sink_length
 *   REPLY (3):  0 dst_wmd (16)
 *   HELLO (4):  0 incarnation          |  8 type                (V1 hello only)
 * </pre>
 * Wire handles and {@code hdr_data} are kept as raw 64-bit values (read and written little-endian), so a decoded
 * header re-encodes byte for byte; union bytes a type does not use are written as zero.
 *
 * @param <T> the concrete flyweight, for fluent setters.
 */
public abstract class LnetHeader<T extends LnetHeader<T>>
{
    /** {@code msg} offset of the wire handle's {@code wh_interface_cookie} (every type but HELLO). */
    public static final int WMD_INTERFACE_COOKIE_OFFSET = 0;
    /** {@code msg} offset of the wire handle's {@code wh_object_cookie}. */
    public static final int WMD_OBJECT_COOKIE_OFFSET = WMD_INTERFACE_COOKIE_OFFSET + 8;
    /** {@code msg} offset of {@code match_bits} (ACK, PUT, GET). */
    public static final int MATCH_BITS_OFFSET = WMD_OBJECT_COOKIE_OFFSET + 8;
    /** {@code msg} offset of {@code ack.mlength}. */
    public static final int ACK_MLENGTH_OFFSET = MATCH_BITS_OFFSET + 8;
    /** {@code msg} offset of {@code put.hdr_data}. */
    public static final int PUT_HDR_DATA_OFFSET = MATCH_BITS_OFFSET + 8;
    /** {@code msg} offset of {@code put.ptl_index}. */
    public static final int PUT_PTL_INDEX_OFFSET = PUT_HDR_DATA_OFFSET + 8;
    /** {@code msg} offset of {@code put.offset}. */
    public static final int PUT_OFFSET_OFFSET = PUT_PTL_INDEX_OFFSET + 4;
    /** {@code msg} offset of {@code get.ptl_index}. */
    public static final int GET_PTL_INDEX_OFFSET = MATCH_BITS_OFFSET + 8;
    /** {@code msg} offset of {@code get.src_offset}. */
    public static final int GET_SRC_OFFSET_OFFSET = GET_PTL_INDEX_OFFSET + 4;
    /** {@code msg} offset of {@code get.sink_length}. */
    public static final int GET_SINK_LENGTH_OFFSET = GET_SRC_OFFSET_OFFSET + 4;
    /** {@code msg} offset of {@code hello.incarnation}. */
    public static final int HELLO_INCARNATION_OFFSET = 0;
    /** {@code msg} offset of {@code hello.type}. */
    public static final int HELLO_TYPE_OFFSET = HELLO_INCARNATION_OFFSET + 8;
    /** Size of the {@code msg} union. */
    public static final int MSG_LENGTH = 40;

    /** Offset of {@code dest_pid} from the end of the two NIDs. */
    static final int DEST_PID_REL = 0;
    static final int SRC_PID_REL = DEST_PID_REL + 4;
    static final int TYPE_REL = SRC_PID_REL + 4;
    static final int PAYLOAD_LENGTH_REL = TYPE_REL + 4;
    static final int MSG_REL = PAYLOAD_LENGTH_REL + 4;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final String CONTEXT = "bad lnet header";

    DirectBuffer buffer;
    MutableDirectBuffer mutableBuffer;
    int offset;
    private final int pidsOffset;
    private final int msgOffset;
    private final int length;

    LnetHeader(final int nidsLength)
    {
        this.pidsOffset = nidsLength;
        this.msgOffset = nidsLength + MSG_REL;
        this.length = msgOffset + MSG_LENGTH;
    }

    /**
     * Checks what {@code lnet_parse} checks of a header before looking at the NIDs.
     *
     * @param type          {@code type}.
     * @param payloadLength {@code payload_length}.
     * @throws ProtocolException for a type outside ACK..REPLY, an ACK/GET with payload, or a PUT/REPLY payload
     *                           over {@code LNET_MAX_PAYLOAD}.
     */
    public static void validate(final int type, final int payloadLength)
    {
        switch (type)
        {
            case LNET_MSG_ACK:
            case LNET_MSG_GET:
                if (payloadLength != 0)
                {
                    throw new ProtocolException(
                        CONTEXT, "payload_length", payloadLength & 0xFFFF_FFFFL, "type=" + type + " max=0");
                }
                break;

            case LNET_MSG_PUT:
            case LNET_MSG_REPLY:
                if (Integer.compareUnsigned(payloadLength, LNET_MAX_PAYLOAD) > 0)
                {
                    throw new ProtocolException(
                        CONTEXT, "payload_length", payloadLength & 0xFFFF_FFFFL, "type=" + type + " max=" + LNET_MAX_PAYLOAD);
                }
                break;

            default:
                throw new ProtocolException(CONTEXT, "type", type & 0xFFFF_FFFFL, null);
        }
    }

    @SuppressWarnings("unchecked")
    private T self()
    {
        return (T)this;
    }

    /**
     * Wraps a received header and validates it ({@link #validate}).
     *
     * @param buffer buffer.
     * @param offset offset of {@code dest_nid}.
     * @param length bytes available from {@code offset}.
     * @return this.
     * @throws ProtocolException on a short buffer, bad type or bad payload length.
     */
    public T wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < this.length)
        {
            throw ProtocolException.shortBuffer(CONTEXT, length, this.length);
        }
        validate(buffer.getInt(offset + pidsOffset + TYPE_REL, LE), buffer.getInt(offset + pidsOffset + PAYLOAD_LENGTH_REL, LE));
        this.buffer = buffer;
        this.mutableBuffer = null;
        this.offset = offset;
        return self();
    }

    /**
     * Wraps a buffer for writing a header: zeroes it and sets {@code type}.
     *
     * @param buffer   buffer.
     * @param offset   offset of {@code dest_nid}.
     * @param capacity bytes writable from {@code offset}.
     * @param type     {@code LNET_MSG_*}.
     * @return this.
     */
    public T wrapForEncode(final MutableDirectBuffer buffer, final int offset, final int capacity, final int type)
    {
        if (capacity < length)
        {
            throw new IllegalArgumentException("insufficient capacity: capacity=" + capacity + " need=" + length);
        }
        this.buffer = buffer;
        this.mutableBuffer = buffer;
        this.offset = offset;
        buffer.setMemory(offset, length, (byte)0);
        buffer.putInt(offset + pidsOffset + TYPE_REL, type, LE);
        return self();
    }

    /**
     * @return the header length: 72 (nid4) or 96 (nid16).
     */
    public int length()
    {
        return length;
    }

    /**
     * @return header length plus {@code payload_length}: what this LNet message occupies after any ksock header.
     */
    public int messageLength()
    {
        return length + payloadLength();
    }

    /**
     * @return {@code dest_pid}.
     */
    public int destPid()
    {
        return getInt(pidsOffset + DEST_PID_REL);
    }

    /**
     * @param pid {@code dest_pid}.
     * @return this.
     */
    public T destPid(final int pid)
    {
        return putInt(pidsOffset + DEST_PID_REL, pid);
    }

    /**
     * @return {@code src_pid}.
     */
    public int srcPid()
    {
        return getInt(pidsOffset + SRC_PID_REL);
    }

    /**
     * @param pid {@code src_pid}.
     * @return this.
     */
    public T srcPid(final int pid)
    {
        return putInt(pidsOffset + SRC_PID_REL, pid);
    }

    /**
     * @return {@code type} ({@code LNET_MSG_*}).
     */
    public int type()
    {
        return getInt(pidsOffset + TYPE_REL);
    }

    /**
     * @return {@code payload_length}: bytes of payload after the header.
     */
    public int payloadLength()
    {
        return getInt(pidsOffset + PAYLOAD_LENGTH_REL);
    }

    /**
     * @param payloadLength {@code payload_length}.
     * @return this.
     */
    public T payloadLength(final int payloadLength)
    {
        return putInt(pidsOffset + PAYLOAD_LENGTH_REL, payloadLength);
    }

    /**
     * @return {@code wh_interface_cookie} of the wire handle ({@code ack.dst_wmd}, {@code put.ack_wmd},
     * {@code get.return_wmd}, {@code reply.dst_wmd}).
     */
    public long wmdInterfaceCookie()
    {
        return getLong(msgOffset + WMD_INTERFACE_COOKIE_OFFSET);
    }

    /**
     * @param cookie {@code wh_interface_cookie}.
     * @return this.
     */
    public T wmdInterfaceCookie(final long cookie)
    {
        return putLong(msgOffset + WMD_INTERFACE_COOKIE_OFFSET, cookie);
    }

    /**
     * @return {@code wh_object_cookie} of the wire handle.
     */
    public long wmdObjectCookie()
    {
        return getLong(msgOffset + WMD_OBJECT_COOKIE_OFFSET);
    }

    /**
     * @param cookie {@code wh_object_cookie}.
     * @return this.
     */
    public T wmdObjectCookie(final long cookie)
    {
        return putLong(msgOffset + WMD_OBJECT_COOKIE_OFFSET, cookie);
    }

    /**
     * @return {@code match_bits} (ACK, PUT, GET).
     */
    public long matchBits()
    {
        return getLong(msgOffset + MATCH_BITS_OFFSET);
    }

    /**
     * @param matchBits {@code match_bits}.
     * @return this.
     */
    public T matchBits(final long matchBits)
    {
        return putLong(msgOffset + MATCH_BITS_OFFSET, matchBits);
    }

    /**
     * @return {@code ack.mlength}: bytes the target accepted.
     */
    public int ackMlength()
    {
        return getInt(msgOffset + ACK_MLENGTH_OFFSET);
    }

    /**
     * @param mlength {@code ack.mlength}.
     * @return this.
     */
    public T ackMlength(final int mlength)
    {
        return putInt(msgOffset + ACK_MLENGTH_OFFSET, mlength);
    }

    /**
     * @return {@code put.hdr_data}: opaque user data (sender order, not converted by Lustre).
     */
    public long putHdrData()
    {
        return getLong(msgOffset + PUT_HDR_DATA_OFFSET);
    }

    /**
     * @param hdrData {@code put.hdr_data}.
     * @return this.
     */
    public T putHdrData(final long hdrData)
    {
        return putLong(msgOffset + PUT_HDR_DATA_OFFSET, hdrData);
    }

    /**
     * @return {@code put.ptl_index}: the portal.
     */
    public int putPtlIndex()
    {
        return getInt(msgOffset + PUT_PTL_INDEX_OFFSET);
    }

    /**
     * @param ptlIndex {@code put.ptl_index}.
     * @return this.
     */
    public T putPtlIndex(final int ptlIndex)
    {
        return putInt(msgOffset + PUT_PTL_INDEX_OFFSET, ptlIndex);
    }

    /**
     * @return {@code put.offset}: remote offset.
     */
    public int putOffset()
    {
        return getInt(msgOffset + PUT_OFFSET_OFFSET);
    }

    /**
     * @param putOffset {@code put.offset}.
     * @return this.
     */
    public T putOffset(final int putOffset)
    {
        return putInt(msgOffset + PUT_OFFSET_OFFSET, putOffset);
    }

    /**
     * @return {@code get.ptl_index}: the portal of a GET.
     */
    public int getPtlIndex()
    {
        return getInt(msgOffset + GET_PTL_INDEX_OFFSET);
    }

    /**
     * @param ptlIndex {@code get.ptl_index}.
     * @return this.
     */
    public T getPtlIndex(final int ptlIndex)
    {
        return putInt(msgOffset + GET_PTL_INDEX_OFFSET, ptlIndex);
    }

    /**
     * @return {@code get.src_offset}.
     */
    public int getSrcOffset()
    {
        return getInt(msgOffset + GET_SRC_OFFSET_OFFSET);
    }

    /**
     * @param srcOffset {@code get.src_offset}.
     * @return this.
     */
    public T getSrcOffset(final int srcOffset)
    {
        return putInt(msgOffset + GET_SRC_OFFSET_OFFSET, srcOffset);
    }

    /**
     * @return {@code get.sink_length}: most bytes wanted.
     */
    public int getSinkLength()
    {
        return getInt(msgOffset + GET_SINK_LENGTH_OFFSET);
    }

    /**
     * @param sinkLength {@code get.sink_length}.
     * @return this.
     */
    public T getSinkLength(final int sinkLength)
    {
        return putInt(msgOffset + GET_SINK_LENGTH_OFFSET, sinkLength);
    }

    /**
     * @return {@code hello.incarnation} (a V1 hello's header; {@link #wrap} refuses HELLO, so this reads a header
     * wrapped for encoding or a V1 hello seen through {@link HelloFlyweight}'s layout).
     */
    public long helloIncarnation()
    {
        return getLong(msgOffset + HELLO_INCARNATION_OFFSET);
    }

    /**
     * @param incarnation {@code hello.incarnation}.
     * @return this.
     */
    public T helloIncarnation(final long incarnation)
    {
        return putLong(msgOffset + HELLO_INCARNATION_OFFSET, incarnation);
    }

    /**
     * @return {@code hello.type}: the connection type of a V1 hello.
     */
    public int helloType()
    {
        return getInt(msgOffset + HELLO_TYPE_OFFSET);
    }

    /**
     * @param type {@code hello.type}.
     * @return this.
     */
    public T helloType(final int type)
    {
        return putInt(msgOffset + HELLO_TYPE_OFFSET, type);
    }

    /**
     * @return the offset of {@code dest_nid} in the wrapped buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @return the wrapped buffer.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    final int getInt(final int relative)
    {
        return buffer.getInt(offset + relative, LE);
    }

    final long getLong(final int relative)
    {
        return buffer.getLong(offset + relative, LE);
    }

    final T putInt(final int relative, final int value)
    {
        mutable().putInt(offset + relative, value, LE);
        return self();
    }

    final T putLong(final int relative, final long value)
    {
        mutable().putLong(offset + relative, value, LE);
        return self();
    }

    final MutableDirectBuffer mutable()
    {
        if (mutableBuffer == null)
        {
            throw new IllegalStateException("flyweight not wrapped for encoding");
        }
        return mutableBuffer;
    }
}
