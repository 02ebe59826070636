package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.Epoll;
import io.jsocklnd.nativeio.EpollEventArrayFlyweight;
import io.jsocklnd.nativeio.EventFd;
import io.jsocklnd.nativeio.NativeIoException;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.BooleanSupplier;

/**
 * Wakes an agent that waits in {@code epoll_wait} for lack of work, when another thread hands it work through a
 * queue it reads. The agent sets a flag before its last look at its queues and its wait; a thread that has just
 * queued work reads the flag after a full fence, so either the agent sees the work or the thread sees the flag
 * and writes the eventfd in the agent's epoll set. Nothing is written while the agent runs.
 */
final class Wakeup implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Wakeup.class);
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
    private volatile boolean stopped;

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
     * The agent: wait in its epoll set until a socket is ready, another thread wakes it or the time is up; at
     * once if work waits. The flag is set (a volatile store) before the last look at the queues, so a thread that
     * queued work either is seen here or sees the flag.
     *
     * @param epoll     the agent's epoll set, holding this eventfd.
     * @param events    where epoll_wait writes (read again by the agent's next poll).
     * @param hasWork   whether work waits in the agent's queues.
     * @param timeoutMs longest wait.
     * @param sleeps    counts the waits.
     * @return entries epoll_wait wrote into {@code events} (0 if it did not wait or the time ran out); the epoll
     * sets are level-triggered, so the agent may act on them without asking again.
     */
    int sleep(
        final Epoll epoll,
        final EpollEventArrayFlyweight events,
        final BooleanSupplier hasWork,
        final int timeoutMs,
        final AtomicCounter sleeps)
    {
        sleeping = 1;
        try
        {
            if (!stopped && !hasWork.getAsBoolean())
            {
                sleeps.incrementOrdered();
                return ready(epoll, events, timeoutMs);
            }
            return 0;
        }
        finally
        {
            sleeping = 0;
        }
    }

    /**
     * The {@code epoll_wait} timeout that ends a wait at a deadline, not before it.
     *
     * @param untilNs time to the deadline, 0 or less when due.
     * @param maxNs   longest wait.
     * @return milliseconds, rounded up.
     */
    static int timeoutMs(final long untilNs, final long maxNs)
    {
        return untilNs <= 0 ? 0 : (int)((Math.min(untilNs, maxNs) + 999_999) / 1_000_000);
    }

    /**
     * An agent's {@code epoll_wait}: a failure, which leaves the agent nothing to do this time, is logged.
     *
     * @param epoll     the agent's epoll set.
     * @param events    where the ready entries go.
     * @param timeoutMs 0 to poll, else the longest wait.
     * @return entries filled, 0 after the timeout or a failure.
     */
    static int ready(final Epoll epoll, final EpollEventArrayFlyweight events, final int timeoutMs)
    {
        try
        {
            return epoll.epollWait(events, timeoutMs);
        }
        catch (final NativeIoException ex)
        {
            LOG.error("epoll_wait failed: {}", ex.getMessage());
            return 0;
        }
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
     * Any thread, as the agent's thread is being stopped: wake the agent and let it wait no more, so that it sees
     * it is to stop at once rather than after its wait.
     */
    void stop()
    {
        stopped = true;
        wake();
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
