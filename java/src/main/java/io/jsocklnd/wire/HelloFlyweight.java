package io.jsocklnd.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V2;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V3;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;
import static io.jsocklnd.wire.WireConstants.LNET_INTERFACES_NUM;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_HELLO;
import static io.jsocklnd.wire.WireConstants.LNET_NID_TYPE_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_VERSION_MAJOR;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_VERSION_MINOR;

/**
 * Flyweight over the socklnd hello of every protocol version, as {@code ksocknal_recv_hello} reads it.
 *
 * <p>V2/V3, {@code struct ksock_hello_msg_nid4}, 56 bytes + 4 x {@code kshm_nips}, sender order:
 * <pre>
 *   0 kshm_magic | 4 kshm_version | 8 kshm_src_nid | 16 kshm_dst_nid | 24 kshm_src_pid | 28 kshm_dst_pid
 *   32 kshm_src_incarnation | 40 kshm_dst_incarnation | 48 kshm_ctype | 52 kshm_nips | 56 kshm_ips[nips]
 * </pre>
 * V4, {@code struct ksock_hello_msg}, exactly 80 bytes, NIDs are {@code struct lnet_nid} (never swapped):
 * <pre>
 *   0 kshm_magic | 4 kshm_version | 8 kshm_src_nid (20) | 28 kshm_dst_nid (20) | 48 kshm_src_pid
 *   52 kshm_dst_pid | 56 kshm_src_incarnation | 64 kshm_dst_incarnation | 72 kshm_ctype | 76 kshm_nips (= 0)
 * </pre>
 * V1, a little-endian nid4 LNet header of type HELLO whose {@code dest_nid} holds {@code lnet_magicversion},
 * then the IP list ({@code ksocknal_recv_hello_v1}):
 * <pre>
 *   0 magic 0xeebc0ded | 4 version_major (u16) | 6 version_minor (u16) | 8 src_nid | 16 dest_pid | 20 src_pid
 *   24 type (4) | 28 payload_length (4 x nips) | 32 hello.incarnation | 40 hello.type (ctype) | 44..72 zero
 *   72 IPs (LE)
 * </pre>
 * The byte order comes from the magic: {@code 0x45726963} as read little-endian means a little-endian sender,
 * byte-reversed means big-endian, and every multi-byte field is read in that order, both NIDs included (kernels
 * since 2.15 do not swap the NIDs of a flipped V2/V3 hello). A V1 hello is little-endian only. In V1 there is
 * no {@code kshm_dst_nid} nor {@code kshm_dst_incarnation}: they read as ANY and 0, and setting them does nothing
 * (as {@code ksocknal_send_hello_v1} drops them).
 */
public final class HelloFlyweight
{
    /** Offset of {@code kshm_magic} (V1: {@code lnet_magicversion.magic}). */
    public static final int KSHM_MAGIC_OFFSET = 0;
    /** Offset of {@code kshm_version} (V1: {@code version_major}, {@code version_minor}). */
    public static final int KSHM_VERSION_OFFSET = KSHM_MAGIC_OFFSET + 4;
    /** Bytes needed to tell the version. */
    public static final int PREFIX_LENGTH = KSHM_VERSION_OFFSET + 4;

    /** V2/V3 offset of {@code kshm_src_nid}. */
    public static final int KSHM_SRC_NID_OFFSET = PREFIX_LENGTH;
    /** V2/V3 offset of {@code kshm_dst_nid}. */
    public static final int KSHM_DST_NID_OFFSET = KSHM_SRC_NID_OFFSET + 8;
    /** V2/V3 offset of {@code kshm_src_pid}. */
    public static final int KSHM_SRC_PID_OFFSET = KSHM_DST_NID_OFFSET + 8;
    /** V2/V3 offset of {@code kshm_dst_pid}. */
    public static final int KSHM_DST_PID_OFFSET = KSHM_SRC_PID_OFFSET + 4;
    /** V2/V3 offset of {@code kshm_src_incarnation}. */
    public static final int KSHM_SRC_INCARNATION_OFFSET = KSHM_DST_PID_OFFSET + 4;
    /** V2/V3 offset of {@code kshm_dst_incarnation}. */
    public static final int KSHM_DST_INCARNATION_OFFSET = KSHM_SRC_INCARNATION_OFFSET + 8;
    /** V2/V3 offset of {@code kshm_ctype}. */
    public static final int KSHM_CTYPE_OFFSET = KSHM_DST_INCARNATION_OFFSET + 8;
    /** V2/V3 offset of {@code kshm_nips}. */
    public static final int KSHM_NIPS_OFFSET = KSHM_CTYPE_OFFSET + 4;
    /** V2/V3 offset of {@code kshm_ips[0]}. */
    public static final int KSHM_IPS_OFFSET = KSHM_NIPS_OFFSET + 4;
    /** V2/V3 length without IPs. */
    public static final int V2_FIXED_LENGTH = KSHM_IPS_OFFSET;

    /** V4 offset of {@code kshm_src_nid}. */
    public static final int V4_SRC_NID_OFFSET = PREFIX_LENGTH;
    /** V4 offset of {@code kshm_dst_nid}. */
    public static final int V4_DST_NID_OFFSET = V4_SRC_NID_OFFSET + LargeNid.LENGTH;
    /** V4 offset of {@code kshm_src_pid}. */
    public static final int V4_SRC_PID_OFFSET = V4_DST_NID_OFFSET + LargeNid.LENGTH;
    /** V4 offset of {@code kshm_dst_pid}. */
    public static final int V4_DST_PID_OFFSET = V4_SRC_PID_OFFSET + 4;
    /** V4 offset of {@code kshm_src_incarnation}. */
    public static final int V4_SRC_INCARNATION_OFFSET = V4_DST_PID_OFFSET + 4;
    /** V4 offset of {@code kshm_dst_incarnation}. */
    public static final int V4_DST_INCARNATION_OFFSET = V4_SRC_INCARNATION_OFFSET + 8;
    /** V4 offset of {@code kshm_ctype}. */
    public static final int V4_CTYPE_OFFSET = V4_DST_INCARNATION_OFFSET + 8;
    /** V4 offset of {@code kshm_nips}. */
    public static final int V4_NIPS_OFFSET = V4_CTYPE_OFFSET + 4;
    /** V4 length. */
    public static final int V4_LENGTH = V4_NIPS_OFFSET + 4;

    /** V1 offset of {@code version_major} (u16 LE). */
    public static final int V1_VERSION_MAJOR_OFFSET = KSHM_VERSION_OFFSET;
    /** V1 offset of {@code version_minor} (u16 LE). */
    public static final int V1_VERSION_MINOR_OFFSET = V1_VERSION_MAJOR_OFFSET + 2;
    /** V1 offset of {@code src_nid}. */
    public static final int V1_SRC_NID_OFFSET = LnetHeaderFlyweight.SRC_NID_OFFSET;
    /** V1 offset of {@code dest_pid}. */
    public static final int V1_DEST_PID_OFFSET = LnetHeaderFlyweight.DEST_PID_OFFSET;
    /** V1 offset of {@code src_pid}. */
    public static final int V1_SRC_PID_OFFSET = LnetHeaderFlyweight.SRC_PID_OFFSET;
    /** V1 offset of {@code type}. */
    public static final int V1_TYPE_OFFSET = LnetHeaderFlyweight.TYPE_OFFSET;
    /** V1 offset of {@code payload_length}. */
    public static final int V1_PAYLOAD_LENGTH_OFFSET = LnetHeaderFlyweight.PAYLOAD_LENGTH_OFFSET;
    /** V1 offset of {@code msg.hello.incarnation}. */
    public static final int V1_INCARNATION_OFFSET = LnetHeaderFlyweight.MSG_OFFSET + LnetHeader.HELLO_INCARNATION_OFFSET;
    /** V1 offset of {@code msg.hello.type}. */
    public static final int V1_CTYPE_OFFSET = LnetHeaderFlyweight.MSG_OFFSET + LnetHeader.HELLO_TYPE_OFFSET;
    /** V1 length without IPs (one nid4 LNet header). */
    public static final int V1_FIXED_LENGTH = LnetHeaderFlyweight.LENGTH;

    private static final String CONTEXT = "bad hello";
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int NONE = -1;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;
    private int capacity;
    private int version;
    private ByteOrder order = LE;
    private int srcNidOffset;
    private int dstNidOffset;
    private int srcPidOffset;
    private int dstPidOffset;
    private int srcIncarnationOffset;
    private int dstIncarnationOffset;
    private int ctypeOffset;
    private int nipsOffset;
    private int ipsOffset;

    /**
     * Byte order of the sender, from the magic (V1 is always little-endian).
     *
     * @param buffer    buffer.
     * @param offset    offset of the magic.
     * @param available bytes available from {@code offset}.
     * @return the sender's byte order.
     * @throws ProtocolException on a short buffer or a magic that is none of the three accepted.
     */
    public static ByteOrder detectByteOrder(final DirectBuffer buffer, final int offset, final int available)
    {
        if (available < 4)
        {
            throw ProtocolException.shortBuffer(CONTEXT, available, 4);
        }
        final int magic = buffer.getInt(offset + KSHM_MAGIC_OFFSET, LE);
        if (magic == LNET_PROTO_MAGIC || magic == LNET_PROTO_TCP_MAGIC)
        {
            return LE;
        }
        if (magic == Integer.reverseBytes(LNET_PROTO_MAGIC))
        {
            return ByteOrder.BIG_ENDIAN;
        }
        throw ProtocolException.hex(CONTEXT, "kshm_magic", magic & 0xFFFF_FFFFL, null);
    }

    /**
     * Protocol version from the first 8 bytes ({@code ksocknal_parse_proto_version}).
     *
     * @param buffer    buffer.
     * @param offset    offset of the magic.
     * @param available bytes available from {@code offset}.
     * @return {@code KSOCK_PROTO_V1} .. {@code KSOCK_PROTO_V4}.
     * @throws ProtocolException on a short buffer, a bad magic, an unknown {@code kshm_version} (the passive side
     *                           answers that with its own version and ctype NONE) or a V1 version other than 1.0.
     */
    public static int detectVersion(final DirectBuffer buffer, final int offset, final int available)
    {
        final ByteOrder order = detectByteOrder(buffer, offset, available);
        if (available < PREFIX_LENGTH)
        {
            throw ProtocolException.shortBuffer(CONTEXT, available, PREFIX_LENGTH);
        }
        if (buffer.getInt(offset + KSHM_MAGIC_OFFSET, LE) == LNET_PROTO_TCP_MAGIC)
        {
            final int major = buffer.getShort(offset + V1_VERSION_MAJOR_OFFSET, LE) & 0xFFFF;
            final int minor = buffer.getShort(offset + V1_VERSION_MINOR_OFFSET, LE) & 0xFFFF;
            if (major != LNET_PROTO_TCP_VERSION_MAJOR)
            {
                throw new ProtocolException(CONTEXT, "version_major", major, null);
            }
            if (minor != LNET_PROTO_TCP_VERSION_MINOR)
            {
                throw new ProtocolException(CONTEXT, "version_minor", minor, null);
            }
            return KSOCK_PROTO_V1;
        }
        final int version = buffer.getInt(offset + KSHM_VERSION_OFFSET, order);
        if (version != KSOCK_PROTO_V2 && version != KSOCK_PROTO_V3 && version != KSOCK_PROTO_V4)
        {
            throw new ProtocolException(CONTEXT, "kshm_version", version & 0xFFFF_FFFFL, null);
        }
        return version;
    }

    /**
     * @param version {@code KSOCK_PROTO_V1} .. {@code KSOCK_PROTO_V4}.
     * @return bytes up to and including the IP count: 72 (V1), 56 (V2, V3), 80 (V4).
     */
    public static int fixedLength(final int version)
    {
        switch (version)
        {
            case KSOCK_PROTO_V1:
                return V1_FIXED_LENGTH;
            case KSOCK_PROTO_V2:
            case KSOCK_PROTO_V3:
                return V2_FIXED_LENGTH;
            case KSOCK_PROTO_V4:
                return V4_LENGTH;
            default:
                throw new IllegalArgumentException("unknown version: version=" + version);
        }
    }

    /**
     * Bytes a streaming reader must have before {@link #wrap} can succeed: {@link #PREFIX_LENGTH}, then the
     * version's {@link #fixedLength}, then the whole hello; once the returned value stops growing it is the total.
     *
     * @param buffer    buffer.
     * @param offset    offset of the magic.
     * @param available bytes available from {@code offset}.
     * @return bytes needed so far.
     * @throws ProtocolException as soon as the bytes available show a bad magic, version, type or IP count.
     */
    public static int requiredLength(final DirectBuffer buffer, final int offset, final int available)
    {
        if (available < PREFIX_LENGTH)
        {
            if (available >= 4)
            {
                detectByteOrder(buffer, offset, available);
            }
            return PREFIX_LENGTH;
        }
        final int version = detectVersion(buffer, offset, available);
        final int fixed = fixedLength(version);
        if (available < fixed)
        {
            return fixed;
        }
        return fixed + 4 * checkedNips(buffer, offset, version, detectByteOrder(buffer, offset, available));
    }

    private static int checkedNips(final DirectBuffer buffer, final int offset, final int version, final ByteOrder order)
    {
        switch (version)
        {
            case KSOCK_PROTO_V1:
            {
                final int type = buffer.getInt(offset + V1_TYPE_OFFSET, LE);
                if (type != LNET_MSG_HELLO)
                {
                    throw new ProtocolException(CONTEXT, "type", type & 0xFFFF_FFFFL, "expected=" + LNET_MSG_HELLO);
                }
                final long payloadLength = buffer.getInt(offset + V1_PAYLOAD_LENGTH_OFFSET, LE) & 0xFFFF_FFFFL;
                if (payloadLength / 4 > LNET_INTERFACES_NUM)
                {
                    throw new ProtocolException(
                        CONTEXT, "payload_length", payloadLength, "max=" + 4 * LNET_INTERFACES_NUM);
                }
                return (int)(payloadLength / 4);
            }

            case KSOCK_PROTO_V4:
            {
                final int nips = buffer.getInt(offset + V4_NIPS_OFFSET, order);
                if (nips != 0)
                {
                    throw new ProtocolException(CONTEXT, "kshm_nips", nips & 0xFFFF_FFFFL, "max=0");
                }
                return 0;
            }

            default:
            {
                final int nips = buffer.getInt(offset + KSHM_NIPS_OFFSET, order);
                if (Integer.compareUnsigned(nips, LNET_INTERFACES_NUM) > 0)
                {
                    throw new ProtocolException(CONTEXT, "kshm_nips", nips & 0xFFFF_FFFFL, "max=" + LNET_INTERFACES_NUM);
                }
                return nips;
            }
        }
    }

    /**
     * Wraps and validates a whole received hello.
     *
     * @param buffer buffer.
     * @param offset offset of the magic.
     * @param length bytes available from {@code offset}.
     * @return this.
     * @throws ProtocolException on a short buffer, bad magic, unknown version, V1 type other than HELLO, more than
     *                           16 IPs (any in V4), a zero IP, or a {@code kshm_src_nid} of ANY.
     */
    public HelloFlyweight wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        final int version = detectVersion(buffer, offset, length);
        final ByteOrder order = detectByteOrder(buffer, offset, length);
        final int fixed = fixedLength(version);
        if (length < fixed)
        {
            throw ProtocolException.shortBuffer(CONTEXT, length, fixed);
        }
        final int nips = checkedNips(buffer, offset, version, order);
        final int total = fixed + 4 * nips;
        if (length < total)
        {
            throw ProtocolException.shortBuffer(CONTEXT, length, total);
        }
        for (int i = 0; i < nips; i++)
        {
            if (buffer.getInt(offset + fixed + 4 * i, order) == 0)
            {
                throw new ProtocolException(CONTEXT, "kshm_ips", 0, "index=" + i);
            }
        }
        if (version == KSOCK_PROTO_V4)
        {
            final int type = buffer.getByte(offset + V4_SRC_NID_OFFSET + LargeNid.NID_TYPE_OFFSET) & 0xFF;
            if (type == LNET_NID_TYPE_ANY)
            {
                throw ProtocolException.hex(CONTEXT, "kshm_src_nid", type, "nid_type=any");
            }
        }
        else
        {
            final int srcNidAt = version == KSOCK_PROTO_V1 ? V1_SRC_NID_OFFSET : KSHM_SRC_NID_OFFSET;
            final long srcNid = buffer.getLong(offset + srcNidAt, order);
            if (srcNid == Nid.ANY)
            {
                throw ProtocolException.hex(CONTEXT, version == KSOCK_PROTO_V1 ? "src_nid" : "kshm_src_nid", srcNid, null);
            }
        }
        bind(buffer, null, offset, length, version, order);
        return this;
    }

    /**
     * Wraps a buffer for writing a hello: zeroes the fixed part, writes magic and version (V1: magic, 1.0 and
     * {@code type} HELLO, little-endian whatever {@code order} says); IP count 0.
     *
     * @param buffer   buffer.
     * @param offset   offset of the magic.
     * @param capacity bytes writable from {@code offset}.
     * @param version  {@code KSOCK_PROTO_V1} .. {@code KSOCK_PROTO_V4}.
     * @param order    byte order for V2..V4.
     * @return this.
     */
    public HelloFlyweight wrapForEncode(
        final MutableDirectBuffer buffer, final int offset, final int capacity, final int version, final ByteOrder order)
    {
        final int fixed = fixedLength(version);
        if (capacity < fixed)
        {
            throw new IllegalArgumentException("insufficient capacity: capacity=" + capacity + " need=" + fixed);
        }
        final ByteOrder actual = version == KSOCK_PROTO_V1 ? LE : order;
        buffer.setMemory(offset, fixed, (byte)0);
        if (version == KSOCK_PROTO_V1)
        {
            buffer.putInt(offset + KSHM_MAGIC_OFFSET, LNET_PROTO_TCP_MAGIC, LE);
            buffer.putShort(offset + V1_VERSION_MAJOR_OFFSET, (short)LNET_PROTO_TCP_VERSION_MAJOR, LE);
            buffer.putShort(offset + V1_VERSION_MINOR_OFFSET, (short)LNET_PROTO_TCP_VERSION_MINOR, LE);
            buffer.putInt(offset + V1_TYPE_OFFSET, LNET_MSG_HELLO, LE);
        }
        else
        {
            buffer.putInt(offset + KSHM_MAGIC_OFFSET, LNET_PROTO_MAGIC, actual);
            buffer.putInt(offset + KSHM_VERSION_OFFSET, version, actual);
        }
        bind(buffer, buffer, offset, capacity, version, actual);
        return this;
    }

    private void bind(
        final DirectBuffer buffer,
        final MutableDirectBuffer mutableBuffer,
        final int offset,
        final int capacity,
        final int version,
        final ByteOrder order)
    {
        this.buffer = buffer;
        this.mutableBuffer = mutableBuffer;
        this.offset = offset;
        this.capacity = capacity;
        this.version = version;
        this.order = order;
        switch (version)
        {
            case KSOCK_PROTO_V1:
                srcNidOffset = V1_SRC_NID_OFFSET;
                dstNidOffset = NONE;
                srcPidOffset = V1_SRC_PID_OFFSET;
                dstPidOffset = V1_DEST_PID_OFFSET;
                srcIncarnationOffset = V1_INCARNATION_OFFSET;
                dstIncarnationOffset = NONE;
                ctypeOffset = V1_CTYPE_OFFSET;
                nipsOffset = V1_PAYLOAD_LENGTH_OFFSET;
                ipsOffset = V1_FIXED_LENGTH;
                break;

            case KSOCK_PROTO_V4:
                srcNidOffset = V4_SRC_NID_OFFSET;
                dstNidOffset = V4_DST_NID_OFFSET;
                srcPidOffset = V4_SRC_PID_OFFSET;
                dstPidOffset = V4_DST_PID_OFFSET;
                srcIncarnationOffset = V4_SRC_INCARNATION_OFFSET;
                dstIncarnationOffset = V4_DST_INCARNATION_OFFSET;
                ctypeOffset = V4_CTYPE_OFFSET;
                nipsOffset = V4_NIPS_OFFSET;
                ipsOffset = V4_LENGTH;
                break;

            default:
                srcNidOffset = KSHM_SRC_NID_OFFSET;
                dstNidOffset = KSHM_DST_NID_OFFSET;
                srcPidOffset = KSHM_SRC_PID_OFFSET;
                dstPidOffset = KSHM_DST_PID_OFFSET;
                srcIncarnationOffset = KSHM_SRC_INCARNATION_OFFSET;
                dstIncarnationOffset = KSHM_DST_INCARNATION_OFFSET;
                ctypeOffset = KSHM_CTYPE_OFFSET;
                nipsOffset = KSHM_NIPS_OFFSET;
                ipsOffset = KSHM_IPS_OFFSET;
                break;
        }
    }

    /**
     * @return {@code KSOCK_PROTO_V1} .. {@code KSOCK_PROTO_V4}.
     */
    public int version()
    {
        return version;
    }

    /**
     * @return the sender's byte order (little-endian for V1); the per-connection flip for the ksock headers.
     */
    public ByteOrder byteOrder()
    {
        return order;
    }

    /**
     * @return the whole hello's length: fixed part plus 4 x {@link #nips()}.
     */
    public int length()
    {
        return ipsOffset + 4 * nips();
    }

    /**
     * @return {@code kshm_src_nid} as a nid4 (V4: converted as {@code lnet_nid_to_nid4} does, which keeps only
     * the first address word of an IPv6 NID; use {@link #srcLargeNid()} there).
     */
    public long srcNid()
    {
        return nid4At(srcNidOffset);
    }

    /**
     * @param nid {@code kshm_src_nid} (V4: written as {@code lnet_nid4_to_nid} converts it).
     * @return this.
     */
    public HelloFlyweight srcNid(final long nid)
    {
        putNid4At(srcNidOffset, nid);
        return this;
    }

    /**
     * @return {@code kshm_src_nid} (allocates).
     */
    public LargeNid srcLargeNid()
    {
        return largeNidAt(srcNidOffset);
    }

    /**
     * @param nid {@code kshm_src_nid}; before V4 it must fit a nid4.
     * @return this.
     */
    public HelloFlyweight srcNid(final LargeNid nid)
    {
        putLargeNidAt(srcNidOffset, nid);
        return this;
    }

    /**
     * @return {@code kshm_dst_nid} as a nid4 (ANY in V1, which has none).
     */
    public long dstNid()
    {
        return dstNidOffset == NONE ? Nid.ANY : nid4At(dstNidOffset);
    }

    /**
     * @param nid {@code kshm_dst_nid} (ignored in V1).
     * @return this.
     */
    public HelloFlyweight dstNid(final long nid)
    {
        if (dstNidOffset != NONE)
        {
            putNid4At(dstNidOffset, nid);
        }
        return this;
    }

    /**
     * @return {@code kshm_dst_nid} (allocates; ANY in V1).
     */
    public LargeNid dstLargeNid()
    {
        return dstNidOffset == NONE ? LargeNid.ANY : largeNidAt(dstNidOffset);
    }

    /**
     * @param nid {@code kshm_dst_nid} (ignored in V1).
     * @return this.
     */
    public HelloFlyweight dstNid(final LargeNid nid)
    {
        if (dstNidOffset != NONE)
        {
            putLargeNidAt(dstNidOffset, nid);
        }
        return this;
    }

    /**
     * @return {@code kshm_src_pid}.
     */
    public int srcPid()
    {
        return buffer.getInt(offset + srcPidOffset, order);
    }

    /**
     * @param pid {@code kshm_src_pid}.
     * @return this.
     */
    public HelloFlyweight srcPid(final int pid)
    {
        mutable().putInt(offset + srcPidOffset, pid, order);
        return this;
    }

    /**
     * @return {@code kshm_dst_pid} (V1: the header's {@code dest_pid}).
     */
    public int dstPid()
    {
        return buffer.getInt(offset + dstPidOffset, order);
    }

    /**
     * @param pid {@code kshm_dst_pid}.
     * @return this.
     */
    public HelloFlyweight dstPid(final int pid)
    {
        mutable().putInt(offset + dstPidOffset, pid, order);
        return this;
    }

    /**
     * @return the sender's identity {@code kshm_src_nid} + {@code kshm_src_pid} (allocates).
     */
    public ProcessId srcProcessId()
    {
        return new ProcessId(srcLargeNid(), srcPid());
    }

    /**
     * @return {@code kshm_src_incarnation}.
     */
    public long srcIncarnation()
    {
        return buffer.getLong(offset + srcIncarnationOffset, order);
    }

    /**
     * @param incarnation {@code kshm_src_incarnation}.
     * @return this.
     */
    public HelloFlyweight srcIncarnation(final long incarnation)
    {
        mutable().putLong(offset + srcIncarnationOffset, incarnation, order);
        return this;
    }

    /**
     * @return {@code kshm_dst_incarnation} (0 in V1).
     */
    public long dstIncarnation()
    {
        return dstIncarnationOffset == NONE ? 0 : buffer.getLong(offset + dstIncarnationOffset, order);
    }

    /**
     * @param incarnation {@code kshm_dst_incarnation} (ignored in V1).
     * @return this.
     */
    public HelloFlyweight dstIncarnation(final long incarnation)
    {
        if (dstIncarnationOffset != NONE)
        {
            mutable().putLong(offset + dstIncarnationOffset, incarnation, order);
        }
        return this;
    }

    /**
     * @return {@code kshm_ctype}: {@code SOCKLND_CONN_*}, NONE (-1) in a rejection.
     */
    public int ctype()
    {
        return buffer.getInt(offset + ctypeOffset, order);
    }

    /**
     * @param ctype {@code kshm_ctype}.
     * @return this.
     */
    public HelloFlyweight ctype(final int ctype)
    {
        mutable().putInt(offset + ctypeOffset, ctype, order);
        return this;
    }

    /**
     * @return {@code kshm_nips} (V1: {@code payload_length} / 4).
     */
    public int nips()
    {
        final int value = buffer.getInt(offset + nipsOffset, order);
        return version == KSOCK_PROTO_V1 ? Integer.divideUnsigned(value, 4) : value;
    }

    /**
     * Sets the IP count; the IPs follow the fixed part and must be set with {@link #ip(int, int)}.
     *
     * @param nips {@code kshm_nips} (V1: written as {@code payload_length} = 4 x nips).
     * @return this.
     */
    public HelloFlyweight nips(final int nips)
    {
        if (nips < 0 || (version != KSOCK_PROTO_V4 && ipsOffset + 4L * nips > capacity))
        {
            throw new IllegalArgumentException("insufficient capacity: nips=" + nips + " capacity=" + capacity);
        }
        mutable().putInt(offset + nipsOffset, version == KSOCK_PROTO_V1 ? 4 * nips : nips, order);
        return this;
    }

    /**
     * @param index 0 .. nips - 1.
     * @return {@code kshm_ips[index]}: an IPv4 address as a host-order integer.
     */
    public int ip(final int index)
    {
        checkIpIndex(index);
        return buffer.getInt(offset + ipsOffset + 4 * index, order);
    }

    /**
     * @param index 0 .. nips - 1.
     * @param ip    IPv4 address as a host-order integer.
     * @return this.
     */
    public HelloFlyweight ip(final int index, final int ip)
    {
        checkIpIndex(index);
        mutable().putInt(offset + ipsOffset + 4 * index, ip, order);
        return this;
    }

    private void checkIpIndex(final int index)
    {
        if (version == KSOCK_PROTO_V4 || index < 0 || index >= nips())
        {
            throw new IndexOutOfBoundsException("bad ip index: index=" + index + " nips=" + nips());
        }
    }

    private long nid4At(final int at)
    {
        if (version == KSOCK_PROTO_V4)
        {
            return LargeNid.toNid4(buffer, offset + at);
        }
        return buffer.getLong(offset + at, order);
    }

    private void putNid4At(final int at, final long nid)
    {
        if (version == KSOCK_PROTO_V4)
        {
            LargeNid.fromNid4(nid).encode(mutable(), offset + at);
        }
        else
        {
            mutable().putLong(offset + at, nid, order);
        }
    }

    private LargeNid largeNidAt(final int at)
    {
        if (version == KSOCK_PROTO_V4)
        {
            return LargeNid.decode(buffer, offset + at);
        }
        return LargeNid.fromNid4(buffer.getLong(offset + at, order));
    }

    private void putLargeNidAt(final int at, final LargeNid nid)
    {
        if (version == KSOCK_PROTO_V4)
        {
            nid.encode(mutable(), offset + at);
            return;
        }
        if (!nid.isNid4() && !nid.isAny())
        {
            throw new IllegalArgumentException("nid does not fit a nid4: nid=" + nid);
        }
        mutable().putLong(offset + at, nid.toNid4(), order);
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
