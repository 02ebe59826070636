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
    private final Wakeup receiver;

    /**
     * @param queue    the queue to the other agent.
     * @param full     counts the messages the full queue could not take at once.
     * @param receiver wakes the other agent when it waits for work, or null if it never does.
     */
    Outbox(final OneToOneConcurrentArrayQueue<M> queue, final AtomicCounter full, final Wakeup receiver)
    {
        this.queue = queue;
        this.full = full;
        this.receiver = receiver;
    }

    void send(final M message)
    {
        if (!backlog.isEmpty() || !queue.offer(message))
        {
            full.incrementOrdered();
            backlog.add(message);
        }
        else if (null != receiver)
        {
            receiver.wake();
        }
    }

    /**
     * @return whether messages wait for room in the queue.
     */
    boolean hasBacklog()
    {
        return !backlog.isEmpty();
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
        if (work > 0 && null != receiver)
        {
            receiver.wake();
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
