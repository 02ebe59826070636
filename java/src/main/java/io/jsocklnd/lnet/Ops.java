package io.jsocklnd.lnet;

import java.util.Arrays;

/**
 * The sends in flight (IO agent thread): each found again by its index, the correlation id its completion
 * carries. Grows on demand, recycles freed entries, allocates nothing once warm.
 */
final class Ops
{
    static final int PUT_SEND = 1;
    static final int GET_SEND = 2;
    static final int REPLY_SEND = 3;
    static final int ACK_SEND = 4;

    /**
     * A send in flight and what its event reports.
     */
    static final class Op
    {
        final int index;
        int kind;
        LibMd md;
        long peerNid;
        int peerPid;
        int portal;
        long matchBits;
        long hdrData;
        int rlength;
        int mlength;
        int offset;

        Op(final int index)
        {
            this.index = index;
        }
    }

    private Op[] ops = new Op[1024];
    private int count;
    private int[] free = new int[1024];
    private int freeCount;

    /**
     * Take an entry for a send.
     */
    Op take(
        final int kind, final LibMd md, final long peerNid, final int peerPid, final int portal, final long matchBits,
        final long hdrData, final int rlength, final int mlength, final int offset)
    {
        final Op op;
        if (freeCount > 0)
        {
            op = ops[free[--freeCount]];
        }
        else
        {
            if (count == ops.length)
            {
                ops = Arrays.copyOf(ops, count * 2);
                free = Arrays.copyOf(free, count * 2);
            }
            op = new Op(count);
            ops[count++] = op;
        }
        op.kind = kind;
        op.md = md;
        op.peerNid = peerNid;
        op.peerPid = peerPid;
        op.portal = portal;
        op.matchBits = matchBits;
        op.hdrData = hdrData;
        op.rlength = rlength;
        op.mlength = mlength;
        op.offset = offset;
        return op;
    }

    /**
     * @param correlationId a completion's correlation id.
     * @return the send it names.
     */
    Op get(final long correlationId)
    {
        return ops[(int)correlationId];
    }

    /**
     * Give an entry back once its send completed.
     */
    void release(final Op op)
    {
        op.md = null;
        free[freeCount++] = op.index;
    }
}
