package io.jsocklnd.lnet;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A queue of {@link LnetEvent} records ({@code lnet_eq}): the IO agents of the nodes whose descriptors name it
 * write into it without waiting, one application thread reads it with {@link #poll}, or waits for it with
 * {@link #poll(EventHandler, int, long, TimeUnit)}. When it is full new events are dropped and counted, as an LNet
 * event queue overflows; size it for the events in flight.
 *
 * <p>Waiting ({@code LNetEQPoll} with a timeout): the reader announces itself in a volatile field before its last
 * look at the ring and parks; a writer, after its record is in the ring, does a full fence and reads the field, so
 * either the reader sees the record or the writer sees the reader and unparks it. While nobody waits a write costs
 * that fence and one volatile read more, nothing else.
 */
public final class EventQueue
{
    static final int EVENT_MSG_TYPE = 1;

    private static final VarHandle WAITER;

    static
    {
        try
        {
            WAITER = MethodHandles.lookup().findVarHandle(EventQueue.class, "waiter", Thread.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final ManyToOneRingBuffer ring;
    private final LnetEvent event = new LnetEvent();
    private final AtomicLong dropped = new AtomicLong();
    private final org.agrona.concurrent.MessageHandler reader = this::onRecord;
    private EventHandler target;
    @SuppressWarnings("unused")
    private volatile Thread waiter;

    /**
     * @param capacity bytes of the ring (a power of two; each event takes 96 bytes).
     */
    public EventQueue(final int capacity)
    {
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /**
     * Deliver queued events on the calling thread (one poller at a time).
     *
     * @param handler told of each event.
     * @param limit   most events to deliver.
     * @return events delivered.
     */
    public int poll(final EventHandler handler, final int limit)
    {
        target = handler;
        return ring.read(reader, limit);
    }

    /**
     * Deliver queued events on the calling thread, waiting up to the timeout for the first if none is queued (one
     * poller at a time). The thread parks, without spinning, until a writer wakes it; it returns as soon as events
     * were delivered, when the time is up, or at once, with nothing delivered, when it is interrupted (the interrupt
     * stays set). Allocates nothing.
     *
     * @param handler told of each event.
     * @param limit   most events to deliver.
     * @param timeout longest wait.
     * @param unit    its unit.
     * @return events delivered, 0 if none came in time.
     */
    public int poll(final EventHandler handler, final int limit, final long timeout, final TimeUnit unit)
    {
        int delivered = pollPastEnd(handler, limit);
        if (delivered > 0 || timeout <= 0)
        {
            return delivered;
        }
        final long deadlineNs = System.nanoTime() + unit.toNanos(timeout);
        final Thread self = Thread.currentThread();
        try
        {
            while (!Thread.currentThread().isInterrupted())
            {
                // Announced before the last look (a volatile store, ordered before the ring's volatile reads): a
                // writer whose record this look misses reads the announcement after its fence in offer.
                waiter = self;
                delivered = pollPastEnd(handler, limit);
                if (delivered > 0)
                {
                    return delivered;
                }
                final long remainingNs = deadlineNs - System.nanoTime();
                if (remainingNs <= 0)
                {
                    return 0;
                }
                // Returns when unparked (perhaps by a writer that saw an earlier announcement), at the time or for
                // no reason: the loop announces and looks again.
                LockSupport.parkNanos(this, remainingNs);
            }
            return 0;
        }
        finally
        {
            waiter = null;
        }
    }

    /**
     * Deliver queued events; when a read took only the padding record at the end of the ring, read again from its
     * start, where the next event is: a look that found nothing found nothing anywhere in the ring.
     */
    private int pollPastEnd(final EventHandler handler, final int limit)
    {
        final int delivered = poll(handler, limit);
        return delivered > 0 ? delivered : poll(handler, limit);
    }

    /**
     * @return events lost because the queue was full.
     */
    public long dropped()
    {
        return dropped.get();
    }

    boolean offer(final DirectBuffer record)
    {
        if (ring.write(EVENT_MSG_TYPE, record, 0, LnetEvent.LENGTH))
        {
            wakeWaiter();
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    /**
     * A writer, after its record is in the ring: unpark the reader if it waits or is about to. The record's length
     * is published with an ordered store; the fence orders it before the read of the announcement. Of several
     * writers only the one that clears the announcement unparks.
     */
    private void wakeWaiter()
    {
        VarHandle.fullFence();
        final Thread w = waiter;
        if (null != w && WAITER.compareAndSet(this, w, null))
        {
            LockSupport.unpark(w);
        }
    }

    private void onRecord(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index, final int length)
    {
        target.onEvent(event.wrap(buffer, index));
    }
}
