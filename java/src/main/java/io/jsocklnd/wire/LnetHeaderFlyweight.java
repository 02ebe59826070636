package io.jsocklnd.wire;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over the nid4 LNet header ({@code struct _lnet_hdr_nid4}, 72 bytes, always little-endian) used by
 * V1, V2 and V3; {@link LnetHeader} draws the {@code msg} union.
 *
 * <pre>
 *   0          8          16         20         24     28               32                        72
 *   +----------+----------+----------+----------+------+----------------+-------------------------+
 *   | dest_nid | src_nid  | dest_pid | src_pid  | type | payload_length | msg (40-byte union)     |
 *   +----------+----------+----------+----------+------+----------------+-------------------------+
 * </pre>
 * {@link #wrap} accepts ACK, PUT, GET and REPLY only; the HELLO type lives in the V1 hello
 * ({@link HelloFlyweight}).
 */
public final class LnetHeaderFlyweight extends LnetHeader<LnetHeaderFlyweight>
{
    /** Offset of {@code dest_nid}. */
    public static final int DEST_NID_OFFSET = 0;
    /** Offset of {@code src_nid}. */
    public static final int SRC_NID_OFFSET = DEST_NID_OFFSET + 8;
    /** Offset of {@code dest_pid}. */
    public static final int DEST_PID_OFFSET = SRC_NID_OFFSET + 8;
    /** Offset of {@code src_pid}. */
    public static final int SRC_PID_OFFSET = DEST_PID_OFFSET + 4;
    /** Offset of {@code type}. */
    public static final int TYPE_OFFSET = SRC_PID_OFFSET + 4;
    /** Offset of {@code payload_length}. */
    public static final int PAYLOAD_LENGTH_OFFSET = TYPE_OFFSET + 4;
    /** Offset of the {@code msg} union. */
    public static final int MSG_OFFSET = PAYLOAD_LENGTH_OFFSET + 4;
    /** Size of the header. */
    public static final int LENGTH = MSG_OFFSET + MSG_LENGTH;

    /**
     * Creates an unwrapped flyweight.
     */
    public LnetHeaderFlyweight()
    {
        super(DEST_PID_OFFSET);
    }

    /**
     * @return {@code dest_nid}.
     */
    public long destNid()
    {
        return getLong(DEST_NID_OFFSET);
    }

    /**
     * @param nid {@code dest_nid}.
     * @return this.
     */
    public LnetHeaderFlyweight destNid(final long nid)
    {
        return putLong(DEST_NID_OFFSET, nid);
    }

    /**
     * @return {@code src_nid}.
     */
    public long srcNid()
    {
        return getLong(SRC_NID_OFFSET);
    }

    /**
     * @param nid {@code src_nid}.
     * @return this.
     */
    public LnetHeaderFlyweight srcNid(final long nid)
    {
        return putLong(SRC_NID_OFFSET, nid);
    }

    /**
     * Write a source identity over that of a received header, in place in the buffer it was wrapped on, which
     * must be writable: the kernel does so for every header of a userspace peer ({@code ksocknal_process_receive}).
     *
     * @param nid {@code src_nid}.
     * @param pid {@code src_pid}.
     * @return this.
     */
    public LnetHeaderFlyweight overwriteSource(final long nid, final int pid)
    {
        final MutableDirectBuffer target = (MutableDirectBuffer)buffer();
        target.putLong(offset() + SRC_NID_OFFSET, nid, ByteOrder.LITTLE_ENDIAN);
        target.putInt(offset() + SRC_PID_OFFSET, pid, ByteOrder.LITTLE_ENDIAN);
        return this;
    }
}
