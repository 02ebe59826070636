package io.jsocklnd.lnd;

import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayDeque;

/**
 * The sending end of the queue from one agent to the other (owner thread only): a message the full queue cannot
 * take waits, in order, for the next duty cycle, so none is ever dropped; each time that happens is counted.
 */
final class Outbox<M>
{
    private final OneToOneConcurrentArrayQueue<M> queue;
    private final ArrayDeque<M> backlog = new ArrayDeque<>();
    private final AtomicCounter full;

    Outbox(final OneToOneConcurrentArrayQueue<M> queue, final AtomicCounter full)
    {
        this.queue = queue;
        this.full = full;
    }

    void send(final M message)
    {
        if (!backlog.isEmpty() || !queue.offer(message))
        {
            full.incrementOrdered();
            backlog.add(message);
        }
    }

    /**
     * Move what waits into the queue while it has room.
     *
     * @return messages moved.
     */
    int drain()
    {
        int work = 0;
        M message;
        while ((message = backlog.peek()) != null && queue.offer(message))
        {
            backlog.poll();
            work++;
        }
        return work;
    }

    /**
     * @return the oldest message still waiting, taken out, or null (at shutdown).
     */
    M takeUnsent()
    {
        return backlog.poll();
    }
}
