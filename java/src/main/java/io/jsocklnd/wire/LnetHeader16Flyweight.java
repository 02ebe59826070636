package io.jsocklnd.wire;

/**
 * Flyweight over the nid16 LNet header of V4 ({@code struct lnet_hdr} on the wire, 96 bytes): two 20-byte
 * {@code struct lnet_nid} then the same little-endian fields and {@code msg} union as the nid4 header, shifted by
 * 24 bytes ({@link LnetHeader} draws the union).
 *
 * <pre>
 *   0                20               40         44        48     52               56                  96
 *   +----------------+----------------+----------+---------+------+----------------+-------------------+
 *   | dest_nid (20)  | src_nid (20)   | dest_pid | src_pid | type | payload_length | msg (40)          |
 *   +----------------+----------------+----------+---------+------+----------------+-------------------+
 * </pre>
 */
public final class LnetHeader16Flyweight extends LnetHeader<LnetHeader16Flyweight>
{
    /** Offset of {@code dest_nid}. */
    public static final int DEST_NID_OFFSET = 0;
    /** Offset of {@code src_nid}. */
    public static final int SRC_NID_OFFSET = DEST_NID_OFFSET + LargeNid.LENGTH;
    /** Offset of {@code dest_pid}. */
    public static final int DEST_PID_OFFSET = SRC_NID_OFFSET + LargeNid.LENGTH;
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
    public LnetHeader16Flyweight()
    {
        super(DEST_PID_OFFSET);
    }

    /**
     * @return {@code dest_nid} (allocates).
     */
    public LargeNid destNid()
    {
        return LargeNid.decode(buffer, offset + DEST_NID_OFFSET);
    }

    /**
     * @param nid NID to compare.
     * @return true if {@code dest_nid} equals it (no allocation).
     */
    public boolean destNidEquals(final LargeNid nid)
    {
        return nid.equalsAt(buffer, offset + DEST_NID_OFFSET);
    }

    /**
     * @param nid {@code dest_nid}.
     * @return this.
     */
    public LnetHeader16Flyweight destNid(final LargeNid nid)
    {
        nid.encode(mutable(), offset + DEST_NID_OFFSET);
        return this;
    }

    /**
     * @return {@code src_nid} (allocates).
     */
    public LargeNid srcNid()
    {
        return LargeNid.decode(buffer, offset + SRC_NID_OFFSET);
    }

    /**
     * @param nid NID to compare.
     * @return true if {@code src_nid} equals it (no allocation).
     */
    public boolean srcNidEquals(final LargeNid nid)
    {
        return nid.equalsAt(buffer, offset + SRC_NID_OFFSET);
    }

    /**
     * @param nid {@code src_nid}.
     * @return this.
     */
    public LnetHeader16Flyweight srcNid(final LargeNid nid)
    {
        nid.encode(mutable(), offset + SRC_NID_OFFSET);
        return this;
    }
}
