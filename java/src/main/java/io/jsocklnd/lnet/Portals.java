package io.jsocklnd.lnet;

import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;

/**
 * The portal table: per portal, its match entries in order ({@code lib-ptl.c}, {@code lnet_mt_match_md}). IO agent
 * thread only. A match leaves its outcome in {@link #matched}, {@link #matchedOffset} and {@link #matchedLength}.
 */
final class Portals
{
    static final int MATCH_NONE = 0;
    static final int MATCH_OK = 1;
    /** An entry matched but the message is longer than its room and it does not truncate. */
    static final int MATCH_DROP = 2;

    private final LibMd[] heads;
    private final LibMd[] tails;

    LibMd matched;
    int matchedOffset;
    int matchedLength;

    Portals(final int count)
    {
        heads = new LibMd[count];
        tails = new LibMd[count];
    }

    /**
     * @return how many portals there are.
     */
    int count()
    {
        return heads.length;
    }

    /**
     * Append a descriptor's entry to the end of its portal's list.
     *
     * @param md a descriptor with a portal.
     */
    void append(final LibMd md)
    {
        final int portal = md.portal;
        md.next = null;
        md.prev = tails[portal];
        if (null == md.prev)
        {
            heads[portal] = md;
        }
        else
        {
            md.prev.next = md;
        }
        tails[portal] = md;
    }

    /**
     * Take a descriptor's entry out of its portal's list (nothing for a free-floating descriptor).
     *
     * @param md the descriptor.
     */
    void remove(final LibMd md)
    {
        if (md.portal < 0)
        {
            return;
        }
        if (null == md.prev)
        {
            heads[md.portal] = md.next;
        }
        else
        {
            md.prev.next = md.next;
        }
        if (null == md.next)
        {
            tails[md.portal] = md.prev;
        }
        else
        {
            md.next.prev = md.prev;
        }
        md.prev = null;
        md.next = null;
    }

    /**
     * Find the first entry of a portal that takes an incoming message, and where its payload goes.
     *
     * @param portal       the portal, valid.
     * @param operation    {@link MemoryDescriptor#OP_PUT} or {@link MemoryDescriptor#OP_GET}.
     * @param srcNid       the sender's NID.
     * @param srcPid       the sender's PID.
     * @param bits         the message's match bits.
     * @param rlength      bytes the message asks to place.
     * @param remoteOffset the offset the message asks for.
     * @return {@link #MATCH_OK}, {@link #MATCH_NONE} or {@link #MATCH_DROP}.
     */
    int match(
        final int portal, final int operation, final long srcNid, final int srcPid, final long bits,
        final int rlength, final int remoteOffset)
    {
        for (LibMd md = heads[portal]; null != md; md = md.next)
        {
            if (md.threshold == 0 || (md.options & operation) == 0 ||
                (md.matchNid != LNET_NID_ANY && md.matchNid != srcNid) ||
                (md.matchPid != LNET_PID_ANY && md.matchPid != srcPid) ||
                ((md.matchBits ^ bits) & ~md.ignoreBits) != 0)
            {
                continue;
            }
            final int offset = (md.options & MemoryDescriptor.MANAGE_REMOTE) != 0 ? remoteOffset : md.localOffset;
            final int room = offset < 0 || offset > md.length ? 0 : md.length - offset;
            final int mlength;
            if (Integer.compareUnsigned(rlength, room) <= 0)
            {
                mlength = rlength;
            }
            else if ((md.options & MemoryDescriptor.TRUNCATE) != 0)
            {
                mlength = room;
            }
            else
            {
                return MATCH_DROP;
            }
            md.localOffset = offset + mlength;
            matched = md;
            matchedOffset = offset;
            matchedLength = mlength;
            return MATCH_OK;
        }
        return MATCH_NONE;
    }
}
