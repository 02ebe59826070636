package io.jsocklnd.lnet;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A queue of {@link LnetEvent} records ({@code lnet_eq}): the IO agents of the nodes whose descriptors name it
 * write into it without waiting, one application thread reads it with {@link #poll}. When it is full new events are
 * dropped and counted, as an LNet event queue overflows; size it for the events in flight.
 */
public final class EventQueue
{
    static final int EVENT_MSG_TYPE = 1;

    private final ManyToOneRingBuffer ring;
    private final LnetEvent event = new LnetEvent();
    private final AtomicLong dropped = new AtomicLong();
    private final org.agrona.concurrent.MessageHandler reader = this::onRecord;
    private EventHandler target;

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
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    private void onRecord(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index, final int length)
    {
        target.onEvent(event.wrap(buffer, index));
    }
}
