package io.jsocklnd.lnet;

import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The descriptor slots and their handles: the one structure of the LNet layer that application threads and the IO
 * agent share. A slot is claimed and described by an application thread, published under a new handle (a
 * generation above the slot index) and handed to the IO agent by a command; the IO agent alone runs it from then
 * on and gives it back when it is freed. The published handle lets application calls with a stale handle fail at
 * once: the IO agent withdraws it when the descriptor stops taking operations, and {@link #takeForUnlink} takes
 * it over before the unlink command goes, so exactly one side ends a descriptor.
 */
final class MdTable
{
    /** Bits of a handle that name the slot; the bits above count generations. */
    static final int INDEX_BITS = 24;
    static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    /** Published by a slot that takes no operation from the application. */
    static final long STALE_HANDLE = 0;
    /** Published while the caller of {@link #takeForUnlink} hands the unlink over; never a handle. */
    static final long UNLINK_PENDING = -1;

    private static final AtomicLongFieldUpdater<LibMd> PUBLISHED_HANDLE =
        AtomicLongFieldUpdater.newUpdater(LibMd.class, "publishedHandle");

    private final int capacity;
    private final AtomicReferenceArray<LibMd> slots;
    private final AtomicInteger slotsCreated = new AtomicInteger();
    private final ManyToManyConcurrentArrayQueue<LibMd> freeSlots;
    private final AtomicLong generations = new AtomicLong();

    MdTable(final int capacity)
    {
        if (capacity < 1 || capacity > INDEX_MASK)
        {
            throw new IllegalArgumentException("bad descriptor capacity: capacity=" + capacity);
        }
        this.capacity = capacity;
        slots = new AtomicReferenceArray<>(capacity);
        freeSlots = new ManyToManyConcurrentArrayQueue<>(capacity);
    }

    /**
     * Take a free slot for the calling thread to describe (any thread).
     *
     * @return the slot.
     * @throws IllegalStateException if every slot is in use.
     */
    LibMd claim()
    {
        final LibMd free = freeSlots.poll();
        if (null != free)
        {
            return free;
        }
        int index;
        do
        {
            index = slotsCreated.get();
            if (index >= capacity)
            {
                throw new IllegalStateException("too many memory descriptors: max=" + capacity);
            }
        }
        while (!slotsCreated.compareAndSet(index, index + 1));
        final LibMd md = new LibMd(index);
        slots.set(index, md);
        return md;
    }

    /**
     * Publish a described slot under a new handle (the claiming thread, before its command goes).
     *
     * @param md the slot.
     * @return its handle, never 0 or negative.
     */
    long publish(final LibMd md)
    {
        final long handle = (generations.incrementAndGet() << INDEX_BITS) | md.index;
        md.publishedHandle = handle;
        return handle;
    }

    /**
     * Give back a published slot whose command could not be handed over (the claiming thread).
     *
     * @param md the slot.
     */
    void abandon(final LibMd md)
    {
        md.publishedHandle = STALE_HANDLE;
        release(md);
    }

    /**
     * @param handle a handle from an application.
     * @return its slot while the handle is published, else null (any thread).
     */
    LibMd published(final long handle)
    {
        final LibMd md = slot(handle);
        return null != md && md.publishedHandle == handle ? md : null;
    }

    /**
     * Take a published handle over for an unlink, before the command goes: the IO agent may run the command, and
     * free the slot, before the calling thread runs again.
     *
     * @param md     the slot of {@code handle}.
     * @param handle the handle.
     * @return false if the IO agent withdrew it first (the descriptor was exhausted).
     */
    boolean takeForUnlink(final LibMd md, final long handle)
    {
        return PUBLISHED_HANDLE.compareAndSet(md, handle, UNLINK_PENDING);
    }

    /**
     * Publish a handle again whose unlink command could not be handed over.
     *
     * @param md     the slot.
     * @param handle the handle taken by {@link #takeForUnlink}.
     * @return false if the IO agent withdrew it meanwhile.
     */
    boolean restore(final LibMd md, final long handle)
    {
        return PUBLISHED_HANDLE.compareAndSet(md, UNLINK_PENDING, handle);
    }

    /**
     * @param handle a handle.
     * @return the slot it names, whatever its state, or null.
     */
    LibMd slot(final long handle)
    {
        final long index = handle & INDEX_MASK;
        if (handle <= 0 || index >= capacity)
        {
            return null;
        }
        return slots.get((int)index);
    }

    /**
     * @param handle a handle.
     * @return the live descriptor it names (IO agent thread), or null once it is unlinking or gone.
     */
    LibMd lookup(final long handle)
    {
        final LibMd md = slot(handle);
        return null != md && md.live && md.handle == handle && !md.unlinking ? md : null;
    }

    /**
     * The IO agent takes a slot from its command: it matches and takes operations from now.
     *
     * @param md     the slot.
     * @param handle the handle of the command.
     */
    void activate(final LibMd md, final long handle)
    {
        md.handle = handle;
        md.live = true;
        md.unlinking = false;
        md.localOffset = 0;
        md.refs = 0;
        md.lastPortal = -1;
        md.prev = null;
        md.next = null;
    }

    /**
     * The descriptor takes no more operations (IO agent thread): calls with its handle fail from now.
     *
     * @param md the descriptor.
     */
    void withdraw(final LibMd md)
    {
        md.unlinking = true;
        md.publishedHandle = STALE_HANDLE;
    }

    /**
     * The descriptor's last operation is done (IO agent thread): its slot goes back to the application threads.
     *
     * @param md the descriptor, withdrawn.
     */
    void free(final LibMd md)
    {
        md.live = false;
        release(md);
    }

    private void release(final LibMd md)
    {
        md.owner = null;
        md.queue = null;
        freeSlots.offer(md);
    }
}
