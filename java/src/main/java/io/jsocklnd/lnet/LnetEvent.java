package io.jsocklnd.lnet;

import org.agrona.DirectBuffer;

/**
 * Flyweight over one event record ({@code struct lnet_event}) in an {@link EventQueue}: what happened to a
 * memory descriptor, with the peer, the match bits, the requested ({@code rlength}) and manipulated
 * ({@code mlength}) lengths and the offset in the descriptor.
 *
 * <pre>
 *   0 md_handle | 8 user_ptr | 16 match_bits | 24 hdr_data | 32 initiator nid | 40 target nid
 *   48 type | 52 status | 56 unlinked | 60 portal | 64 mlength | 68 rlength | 72 offset
 *   76 initiator pid | 80 target pid | 84 reserved                                          (88 bytes)
 * </pre>
 */
public final class LnetEvent
{
    static final int MD_HANDLE_OFFSET = 0;
    static final int USER_PTR_OFFSET = MD_HANDLE_OFFSET + 8;
    static final int MATCH_BITS_OFFSET = USER_PTR_OFFSET + 8;
    static final int HDR_DATA_OFFSET = MATCH_BITS_OFFSET + 8;
    static final int INITIATOR_NID_OFFSET = HDR_DATA_OFFSET + 8;
    static final int TARGET_NID_OFFSET = INITIATOR_NID_OFFSET + 8;
    static final int TYPE_OFFSET = TARGET_NID_OFFSET + 8;
    static final int STATUS_OFFSET = TYPE_OFFSET + 4;
    static final int UNLINKED_OFFSET = STATUS_OFFSET + 4;
    static final int PORTAL_OFFSET = UNLINKED_OFFSET + 4;
    static final int MLENGTH_OFFSET = PORTAL_OFFSET + 4;
    static final int RLENGTH_OFFSET = MLENGTH_OFFSET + 4;
    static final int OFFSET_OFFSET = RLENGTH_OFFSET + 4;
    static final int INITIATOR_PID_OFFSET = OFFSET_OFFSET + 4;
    static final int TARGET_PID_OFFSET = INITIATOR_PID_OFFSET + 4;
    static final int RESERVED_OFFSET = TARGET_PID_OFFSET + 4;
    /** Size of one record. */
    public static final int LENGTH = RESERVED_OFFSET + 4;

    private DirectBuffer buffer;
    private int offset;

    LnetEvent wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * @return what happened.
     */
    public LnetEventType type()
    {
        return LnetEventType.of(buffer.getInt(offset + TYPE_OFFSET));
    }

    /**
     * @return 0, or a negative errno when the operation failed ({@code status}).
     */
    public int status()
    {
        return buffer.getInt(offset + STATUS_OFFSET);
    }

    /**
     * @return whether the descriptor was unlinked with this event: its handle is now stale ({@code unlinked}).
     */
    public boolean unlinked()
    {
        return buffer.getInt(offset + UNLINKED_OFFSET) != 0;
    }

    /**
     * @return the descriptor's handle ({@code md_handle}).
     */
    public long mdHandle()
    {
        return buffer.getLong(offset + MD_HANDLE_OFFSET);
    }

    /**
     * @return the descriptor's user value ({@code md_user_ptr}).
     */
    public long userPtr()
    {
        return buffer.getLong(offset + USER_PTR_OFFSET);
    }

    /**
     * @return the match bits the message carried ({@code match_bits}).
     */
    public long matchBits()
    {
        return buffer.getLong(offset + MATCH_BITS_OFFSET);
    }

    /**
     * @return the PUT's 64-bit user data ({@code hdr_data}), 0 for other types.
     */
    public long hdrData()
    {
        return buffer.getLong(offset + HDR_DATA_OFFSET);
    }

    /**
     * @return NID of the node that started the operation ({@code initiator.nid}).
     */
    public long initiatorNid()
    {
        return buffer.getLong(offset + INITIATOR_NID_OFFSET);
    }

    /**
     * @return PID of the node that started the operation ({@code initiator.pid}).
     */
    public int initiatorPid()
    {
        return buffer.getInt(offset + INITIATOR_PID_OFFSET);
    }

    /**
     * @return NID of the operation's target ({@code target.nid}).
     */
    public long targetNid()
    {
        return buffer.getLong(offset + TARGET_NID_OFFSET);
    }

    /**
     * @return PID of the operation's target ({@code target.pid}).
     */
    public int targetPid()
    {
        return buffer.getInt(offset + TARGET_PID_OFFSET);
    }

    /**
     * @return the portal index ({@code pt_index}). ACK and REPLY name no portal on the wire: they report the
     * portal of the latest PUT or GET their descriptor initiated (exact while one operation per descriptor is in
     * flight, as with threshold 2), -1 if it initiated none.
     */
    public int portal()
    {
        return buffer.getInt(offset + PORTAL_OFFSET);
    }

    /**
     * @return bytes actually moved into or out of the descriptor ({@code mlength}).
     */
    public int mlength()
    {
        return buffer.getInt(offset + MLENGTH_OFFSET);
    }

    /**
     * @return bytes the peer asked to move ({@code rlength}); more than {@link #mlength()} when truncated.
     */
    public int rlength()
    {
        return buffer.getInt(offset + RLENGTH_OFFSET);
    }

    /**
     * @return where in the descriptor the data went or came from ({@code offset}).
     */
    public int offset()
    {
        return buffer.getInt(offset + OFFSET_OFFSET);
    }

    public String toString()
    {
        return "LnetEvent{type=" + type() + " status=" + status() + " unlinked=" + unlinked() +
            " md=0x" + Long.toHexString(mdHandle()) + " portal=" + portal() + " match_bits=0x" +
            Long.toHexString(matchBits()) + " mlength=" + mlength() + " rlength=" + rlength() + " offset=" +
            offset() + "}";
    }
}
