package io.jsocklnd.nativeio;

import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;

import org.agrona.MutableDirectBuffer;

/**
 * An array of {@code struct epoll_event} in direct memory, filled by epoll_wait. The struct is packed on x86_64, so
 * data sits unaligned at offset 4.
 * <pre>
 *   0       4                12
 *   +-------+----------------+
 *   |events |data (u64)      |  x capacity
 *   +-------+----------------+
 * </pre>
 */
public final class EpollEventArrayFlyweight
{
    public static final int EVENTS_OFFSET = 0;
    public static final int DATA_OFFSET = EVENTS_OFFSET + SIZE_OF_INT;
    public static final int EPOLL_EVENT_SIZE = DATA_OFFSET + SIZE_OF_LONG;

    private MutableDirectBuffer buffer;
    private int offset;
    private int capacity;

    /**
     * A flyweight over a fresh direct buffer of capacity entries.
     */
    public static EpollEventArrayFlyweight allocate(final int capacity)
    {
        return new EpollEventArrayFlyweight().wrap(DirectMemory.allocate(capacity * EPOLL_EVENT_SIZE), 0, capacity);
    }

    /**
     * Wraps capacity entries starting at offset of an off-heap buffer.
     */
    public EpollEventArrayFlyweight wrap(final MutableDirectBuffer buffer, final int offset, final int capacity)
    {
        DirectMemory.address(buffer, offset);
        buffer.boundsCheck(offset, capacity * EPOLL_EVENT_SIZE);
        this.buffer = buffer;
        this.offset = offset;
        this.capacity = capacity;
        return this;
    }

    /**
     * EPOLL* bits of entry index.
     */
    public int events(final int index)
    {
        return buffer.getInt(offset + index * EPOLL_EVENT_SIZE + EVENTS_OFFSET);
    }

    /**
     * data.u64 of entry index, as given to epoll_ctl.
     */
    public long data(final int index)
    {
        return buffer.getLong(offset + index * EPOLL_EVENT_SIZE + DATA_OFFSET);
    }

    /**
     * Native address of entry 0.
     */
    public long address()
    {
        return DirectMemory.address(buffer, offset);
    }

    /**
     * Number of entries the wrapped memory holds.
     */
    public int capacity()
    {
        return capacity;
    }
}
