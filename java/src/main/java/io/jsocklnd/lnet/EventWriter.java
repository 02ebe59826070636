package io.jsocklnd.lnet;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Writes one event at a time into a descriptor's event queue (IO agent thread): {@link #begin}, the fields the
 * event type carries, then {@link #send()}. A descriptor without a queue gets no event.
 */
final class EventWriter
{
    private final UnsafeBuffer event = new UnsafeBuffer(ByteBuffer.allocateDirect(LnetEvent.LENGTH));
    private EventQueue queue;

    /**
     * Start an event of a descriptor; every field not set after is 0.
     *
     * @param md       the descriptor.
     * @param type     the event type.
     * @param status   0 or a negative errno.
     * @param unlinked whether the descriptor goes with this event.
     * @return this.
     */
    EventWriter begin(final LibMd md, final LnetEventType type, final int status, final boolean unlinked)
    {
        queue = md.queue;
        if (null == queue)
        {
            // No event goes out: the fields the caller sets next land in the scratch record and stay there.
            return this;
        }
        event.setMemory(0, LnetEvent.LENGTH, (byte)0);
        event.putLong(LnetEvent.MD_HANDLE_OFFSET, md.handle);
        event.putLong(LnetEvent.USER_PTR_OFFSET, md.userPtr);
        event.putInt(LnetEvent.TYPE_OFFSET, type.ordinal());
        event.putInt(LnetEvent.STATUS_OFFSET, status);
        event.putInt(LnetEvent.UNLINKED_OFFSET, unlinked ? 1 : 0);
        return this;
    }

    EventWriter matchBits(final long matchBits)
    {
        event.putLong(LnetEvent.MATCH_BITS_OFFSET, matchBits);
        return this;
    }

    EventWriter hdrData(final long hdrData)
    {
        event.putLong(LnetEvent.HDR_DATA_OFFSET, hdrData);
        return this;
    }

    EventWriter initiator(final long nid, final int pid)
    {
        event.putLong(LnetEvent.INITIATOR_NID_OFFSET, nid);
        event.putInt(LnetEvent.INITIATOR_PID_OFFSET, pid);
        return this;
    }

    EventWriter target(final long nid, final int pid)
    {
        event.putLong(LnetEvent.TARGET_NID_OFFSET, nid);
        event.putInt(LnetEvent.TARGET_PID_OFFSET, pid);
        return this;
    }

    EventWriter portal(final int portal)
    {
        event.putInt(LnetEvent.PORTAL_OFFSET, portal);
        return this;
    }

    /**
     * @param mlength bytes placed (or sent).
     * @param rlength bytes the message asked for.
     * @param offset  where in the descriptor.
     * @return this.
     */
    EventWriter lengths(final int mlength, final int rlength, final int offset)
    {
        event.putInt(LnetEvent.MLENGTH_OFFSET, mlength);
        event.putInt(LnetEvent.RLENGTH_OFFSET, rlength);
        event.putInt(LnetEvent.OFFSET_OFFSET, offset);
        return this;
    }

    /**
     * Put the event in its queue (counted as dropped there if the queue is full).
     */
    void send()
    {
        final EventQueue q = queue;
        queue = null;
        if (null != q)
        {
            q.offer(event);
        }
    }
}
