package io.jsocklnd.lnet;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * Application calls handed over to the IO agent: a many-to-one ring of fixed records, written in place by
 * application threads and read by the IO agent at the start of each duty cycle, in order.
 */
final class LnetCommands
{
    /**
     * The IO agent's side: told of each command, in order.
     */
    interface Handler
    {
        /**
         * @return whether a PUT or GET may start now; if not, it and the commands after it wait in the ring.
         */
        boolean canStartSend();

        void onBind(long handle);

        void onAttach(long handle);

        void onUnlink(long handle);

        void onPut(
            long handle, long targetNid, int targetPid, int portal, long matchBits, int remoteOffset, long hdrData,
            boolean ack);

        void onGet(long handle, long targetNid, int targetPid, int portal, long matchBits, int remoteOffset);
    }

    static final int BIND = 1;
    static final int ATTACH = 2;
    static final int UNLINK = 3;
    private static final int PUT = 4;
    private static final int GET = 5;

    private static final int HANDLE_OFFSET = 0;
    private static final int TARGET_NID_OFFSET = HANDLE_OFFSET + 8;
    private static final int MATCH_BITS_OFFSET = TARGET_NID_OFFSET + 8;
    private static final int HDR_DATA_OFFSET = MATCH_BITS_OFFSET + 8;
    private static final int TARGET_PID_OFFSET = HDR_DATA_OFFSET + 8;
    private static final int PORTAL_OFFSET = TARGET_PID_OFFSET + 4;
    private static final int REMOTE_OFFSET_OFFSET = PORTAL_OFFSET + 4;
    private static final int ACK_OFFSET = REMOTE_OFFSET_OFFSET + 4;
    private static final int LENGTH = ACK_OFFSET + 4;

    private final ManyToOneRingBuffer ring;
    private final ControlledMessageHandler reader = this::onRecord;
    private Handler target;
    private boolean stalled;

    /**
     * @param capacity bytes of the ring, a power of two.
     */
    LnetCommands(final int capacity)
    {
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    boolean put(
        final long handle, final long targetNid, final int targetPid, final int portal, final long matchBits,
        final int remoteOffset, final long hdrData, final boolean ack)
    {
        return initiate(PUT, handle, targetNid, targetPid, portal, matchBits, remoteOffset, hdrData, ack);
    }

    boolean get(
        final long handle, final long targetNid, final int targetPid, final int portal, final long matchBits,
        final int remoteOffset)
    {
        return initiate(GET, handle, targetNid, targetPid, portal, matchBits, remoteOffset, 0, false);
    }

    /**
     * Hand the waiting commands to the IO agent's handler, in order, up to the first PUT or GET it cannot start
     * now (IO agent thread).
     *
     * @param handler told of each.
     * @param limit   most commands to take.
     * @return commands taken.
     */
    int read(final Handler handler, final int limit)
    {
        target = handler;
        stalled = false;
        return ring.controlledRead(reader, limit);
    }

    /**
     * Write a command that names a descriptor only (any thread).
     *
     * @param type   {@link #BIND}, {@link #ATTACH} or {@link #UNLINK}.
     * @param handle the descriptor's handle.
     * @return false if the ring is full.
     */
    boolean writeHandle(final int type, final long handle)
    {
        final int index = ring.tryClaim(type, LENGTH);
        if (index < 0)
        {
            return false;
        }
        final AtomicBuffer record = ring.buffer();
        record.setMemory(index, LENGTH, (byte)0);
        record.putLong(index + HANDLE_OFFSET, handle);
        ring.commit(index);
        return true;
    }

    /**
     * @return whether commands wait for the IO agent (any thread).
     */
    boolean hasPending()
    {
        return ring.size() > 0;
    }

    /**
     * @return whether the last {@link #read} stopped at a PUT or GET that could not start (IO agent thread).
     */
    boolean stalled()
    {
        return stalled;
    }

    private boolean initiate(
        final int type, final long handle, final long targetNid, final int targetPid, final int portal,
        final long matchBits, final int remoteOffset, final long hdrData, final boolean ack)
    {
        final int index = ring.tryClaim(type, LENGTH);
        if (index < 0)
        {
            return false;
        }
        final AtomicBuffer record = ring.buffer();
        record.putLong(index + HANDLE_OFFSET, handle);
        record.putLong(index + TARGET_NID_OFFSET, targetNid);
        record.putLong(index + MATCH_BITS_OFFSET, matchBits);
        record.putLong(index + HDR_DATA_OFFSET, hdrData);
        record.putInt(index + TARGET_PID_OFFSET, targetPid);
        record.putInt(index + PORTAL_OFFSET, portal);
        record.putInt(index + REMOTE_OFFSET_OFFSET, remoteOffset);
        record.putInt(index + ACK_OFFSET, ack ? 1 : 0);
        ring.commit(index);
        return true;
    }

    private ControlledMessageHandler.Action onRecord(
        final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if ((type == PUT || type == GET) && !target.canStartSend())
        {
            stalled = true;
            return ControlledMessageHandler.Action.ABORT;
        }
        final long handle = buffer.getLong(index + HANDLE_OFFSET);
        switch (type)
        {
            case BIND:
                target.onBind(handle);
                break;
            case ATTACH:
                target.onAttach(handle);
                break;
            case UNLINK:
                target.onUnlink(handle);
                break;
            case PUT:
                target.onPut(handle, buffer.getLong(index + TARGET_NID_OFFSET), buffer.getInt(index + TARGET_PID_OFFSET),
                    buffer.getInt(index + PORTAL_OFFSET), buffer.getLong(index + MATCH_BITS_OFFSET),
                    buffer.getInt(index + REMOTE_OFFSET_OFFSET), buffer.getLong(index + HDR_DATA_OFFSET),
                    buffer.getInt(index + ACK_OFFSET) != 0);
                break;
            case GET:
                target.onGet(handle, buffer.getLong(index + TARGET_NID_OFFSET), buffer.getInt(index + TARGET_PID_OFFSET),
                    buffer.getInt(index + PORTAL_OFFSET), buffer.getLong(index + MATCH_BITS_OFFSET),
                    buffer.getInt(index + REMOTE_OFFSET_OFFSET));
                break;
            default:
                throw new IllegalStateException("unknown lnet command: type=" + type);
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }
}
