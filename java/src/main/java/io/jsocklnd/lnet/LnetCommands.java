package io.jsocklnd.lnet;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Application calls handed over to the IO agent: a many-to-one ring of fixed records, written in place by
 * application threads and read by the IO agent at the start of each duty cycle, in order.
 *
 * <p>An application thread that finds the ring full waits for room with {@link #awaitRoom}: it announces itself
 * in one of {@link #ROOM_WAITER_SLOTS} slots before its last look at the free space and parks; the IO agent, after
 * a read that freed space, does a full fence and reads the count of announced threads, so either the thread sees
 * the room or the IO agent sees the thread and unparks it. Threads beyond the slots look again every
 * {@link #UNANNOUNCED_WAIT_NS}.
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
    /** Free bytes that hold one more record wherever the ring's tail is (a record, and padding to the end). */
    private static final int ROOM_BYTES = 2 * (RecordDescriptor.HEADER_LENGTH + LENGTH + RecordDescriptor.ALIGNMENT);

    static final int ROOM_WAITER_SLOTS = 8;
    static final long UNANNOUNCED_WAIT_NS = 50_000;

    private final ManyToOneRingBuffer ring;
    private final ControlledMessageHandler reader = this::onRecord;
    private final AtomicReferenceArray<Thread> roomWaiters = new AtomicReferenceArray<>(ROOM_WAITER_SLOTS);
    private final AtomicInteger roomWaiting = new AtomicInteger();
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
        final int taken = ring.controlledRead(reader, limit);
        if (taken > 0)
        {
            wakeRoomWaiters();
        }
        return taken;
    }

    /**
     * An application thread that found the ring full: wait until the IO agent has taken commands and a record
     * fits, or the deadline; return at once if it fits now. The caller writes again after, and may find the room
     * taken by another thread (then it waits again). Allocates nothing.
     *
     * @param deadlineNs {@link System#nanoTime()} to give up at.
     */
    void awaitRoom(final long deadlineNs)
    {
        final Thread self = Thread.currentThread();
        int slot = -1;
        for (int i = 0; i < ROOM_WAITER_SLOTS && slot < 0; i++)
        {
            if (null == roomWaiters.get(i) && roomWaiters.compareAndSet(i, null, self))
            {
                slot = i;
            }
        }
        if (slot >= 0)
        {
            // After the slot, before the last look: the IO agent that reads the count non-zero reads the slot too.
            roomWaiting.incrementAndGet();
        }
        try
        {
            final long remainingNs = deadlineNs - System.nanoTime();
            if (!hasRoom() && remainingNs > 0)
            {
                LockSupport.parkNanos(this, slot < 0 ? Math.min(remainingNs, UNANNOUNCED_WAIT_NS) : remainingNs);
            }
        }
        finally
        {
            if (slot >= 0)
            {
                roomWaiting.decrementAndGet();
                roomWaiters.set(slot, null);
            }
        }
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

    private boolean hasRoom()
    {
        return ring.capacity() - ring.size() >= ROOM_BYTES;
    }

    /**
     * The IO agent, after a read freed space: unpark the threads that wait for room. The ring's head moved with an
     * ordered store; the fence orders it before the read of the count.
     */
    private void wakeRoomWaiters()
    {
        VarHandle.fullFence();
        if (roomWaiting.get() > 0)
        {
            for (int i = 0; i < ROOM_WAITER_SLOTS; i++)
            {
                final Thread waiter = roomWaiters.get(i);
                if (null != waiter)
                {
                    LockSupport.unpark(waiter);
                }
            }
        }
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
