package io.jsocklnd.lnd;

import org.agrona.collections.IntArrayList;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;

/**
 * Completions handed to application threads through a ring (IO agent thread side). A completion the full ring
 * cannot take waits, in order, and is retried each duty cycle; while any waits the agent takes no new sends from
 * the application's send ring, so an application that polls late slows its own sends instead of losing
 * completions.
 */
final class CompletionRing implements CompletionHandler
{
    static final int MSG_TYPE = 2;
    private static final int LENGTH = 12;

    private final RingBuffer ring;
    private final AtomicCounter full;
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(LENGTH));
    private final LongArrayList waitingIds = new LongArrayList();
    private final IntArrayList waitingStatuses = new IntArrayList();
    private int head;

    CompletionRing(final RingBuffer ring, final AtomicCounter full)
    {
        this.ring = ring;
        this.full = full;
    }

    public void onCompletion(final long correlationId, final int status)
    {
        if (hasBacklog() || !write(correlationId, status))
        {
            full.incrementOrdered();
            waitingIds.addLong(correlationId);
            waitingStatuses.addInt(status);
        }
    }

    /**
     * @return whether completions wait for room in the ring.
     */
    boolean hasBacklog()
    {
        return head < waitingIds.size();
    }

    /**
     * Move waiting completions into the ring while it has room, oldest first.
     *
     * @return completions moved.
     */
    int drain()
    {
        int work = 0;
        while (head < waitingIds.size() && write(waitingIds.getLong(head), waitingStatuses.getInt(head)))
        {
            head++;
            work++;
        }
        if (head > 0 && head == waitingIds.size())
        {
            waitingIds.clear();
            waitingStatuses.clear();
            head = 0;
        }
        return work;
    }

    private boolean write(final long correlationId, final int status)
    {
        scratch.putLong(0, correlationId);
        scratch.putInt(8, status);
        return ring.write(MSG_TYPE, scratch, 0, LENGTH);
    }
}
