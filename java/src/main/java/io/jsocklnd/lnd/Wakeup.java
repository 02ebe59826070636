package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.EventFd;
import io.jsocklnd.nativeio.NativeIoException;
import org.agrona.concurrent.status.AtomicCounter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Wakes an agent that waits in {@code epoll_wait} for lack of work, when another thread hands it work through a
 * queue it reads. The agent sets a flag before its last look at its queues and its wait; a thread that has just
 * queued work reads the flag after a full fence, so either the agent sees the work or the thread sees the flag
 * and writes the eventfd in the agent's epoll set. Nothing is written while the agent runs.
 */
final class Wakeup implements AutoCloseable
{
    private static final VarHandle SLEEPING;

    static
    {
        try
        {
            SLEEPING = MethodHandles.lookup().findVarHandle(Wakeup.class, "sleeping", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final EventFd eventFd;
    private AtomicCounter wakeups;
    @SuppressWarnings("unused")
    private volatile int sleeping;

    Wakeup() throws NativeIoException
    {
        this.eventFd = EventFd.open();
    }

    /**
     * Count the wake-ups in a counter of the agent's (set once, by the agent, before it runs).
     *
     * @param wakeups the counter.
     */
    void countIn(final AtomicCounter wakeups)
    {
        this.wakeups = wakeups;
    }

    /**
     * @return the descriptor the agent puts in its epoll set.
     */
    int fd()
    {
        return eventFd.fd();
    }

    /**
     * The agent: about to take its last look at its queues before it waits (a volatile store, so the look
     * cannot come before it).
     */
    void beforeSleep()
    {
        sleeping = 1;
    }

    /**
     * The agent: awake again.
     */
    void afterSleep()
    {
        sleeping = 0;
    }

    /**
     * Any thread, after it queued work for the agent: wake the agent if it waits or is about to.
     */
    void wake()
    {
        VarHandle.fullFence();
        if (sleeping == 1 && SLEEPING.compareAndSet(this, 1, 0))
        {
            final AtomicCounter counter = wakeups;
            if (null != counter)
            {
                counter.increment();
            }
            try
            {
                eventFd.signal();
            }
            catch (final NativeIoException ignore)
            {
                // Cannot happen for an open eventfd; the agent wakes for its next timer all the same.
            }
        }
    }

    /**
     * The agent: the eventfd was readable; read it back so that it is not any more.
     */
    void drain()
    {
        try
        {
            eventFd.drain();
        }
        catch (final NativeIoException ignore)
        {
            // Read back at the next wake-up.
        }
    }

    public void close() throws NativeIoException
    {
        eventFd.close();
    }
}
