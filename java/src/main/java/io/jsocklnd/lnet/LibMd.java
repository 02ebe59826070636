package io.jsocklnd.lnet;

/**
 * A memory descriptor and its match entry ({@code struct lnet_libmd} + {@code struct lnet_me}). The description
 * fields are written by the application thread that claimed the slot from the {@link MdTable}, before its
 * command; from the command until the slot is freed every field but {@link #publishedHandle} belongs to the IO
 * agent, which alone ever writes {@link #handle}, {@link #live} and {@link #unlinking}.
 */
final class LibMd
{
    final int index;
    long handle;
    boolean live;
    boolean unlinking;
    long address;
    int length;
    Object owner;
    int options;
    int threshold;
    long userPtr;
    EventQueue queue;
    int localOffset;
    int refs;
    int portal = -1;
    /** Portal of the latest PUT or GET this descriptor initiated, reported with its ACK or REPLY. */
    int lastPortal = -1;
    /** The handle the application may use, or a value no handle has: written by the binding thread and the IO agent. */
    volatile long publishedHandle;
    long matchNid;
    int matchPid;
    long matchBits;
    long ignoreBits;
    LibMd prev;
    LibMd next;

    LibMd(final int index)
    {
        this.index = index;
    }

    /**
     * Copy an application's description in (binding thread, before the handle is published).
     */
    void describe(final MemoryDescriptor spec, final EventQueue defaultQueue)
    {
        address = spec.address;
        length = spec.length;
        owner = spec.memoryOwner;
        options = spec.options;
        threshold = spec.threshold;
        userPtr = spec.userPtr;
        queue = spec.useDefaultQueue ? defaultQueue : spec.eventQueue;
    }

    /**
     * Where the descriptor matches incoming messages (binding thread, before the handle is published).
     */
    void matchEntry(final int portal, final long matchNid, final int matchPid, final long matchBits, final long ignoreBits)
    {
        this.portal = portal;
        this.matchNid = matchNid;
        this.matchPid = matchPid;
        this.matchBits = matchBits;
        this.ignoreBits = ignoreBits;
    }

    /**
     * One operation of its threshold is used: the descriptor is exhausted when none is left (infinite if negative).
     *
     * @return true if that was the last one.
     */
    boolean consume()
    {
        return threshold > 0 && --threshold == 0;
    }

    /**
     * @return whether its last operation is done after it stopped matching: it may be freed.
     */
    boolean isDone()
    {
        return unlinking && refs == 0;
    }
}
