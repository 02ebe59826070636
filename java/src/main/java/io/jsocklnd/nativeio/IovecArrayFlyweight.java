package io.jsocklnd.nativeio;

import static org.agrona.BitUtil.SIZE_OF_LONG;

import org.agrona.MutableDirectBuffer;

/**
 * An array of {@code struct iovec} in direct memory, for readv, writev, vmsplice and msghdr.msg_iov.
 * <pre>
 *   0        8        16
 *   +--------+--------+
 *   |iov_base|iov_len |  x capacity
 *   +--------+--------+
 * </pre>
 */
public final class IovecArrayFlyweight
{
    public static final int IOV_BASE_OFFSET = 0;
    public static final int IOV_LEN_OFFSET = IOV_BASE_OFFSET + SIZE_OF_LONG;
    public static final int IOVEC_SIZE = IOV_LEN_OFFSET + SIZE_OF_LONG;

    private MutableDirectBuffer buffer;
    private int offset;
    private int capacity;

    /**
     * A flyweight over a fresh direct buffer of capacity entries.
     */
    public static IovecArrayFlyweight allocate(final int capacity)
    {
        return new IovecArrayFlyweight().wrap(DirectMemory.allocate(capacity * IOVEC_SIZE), 0, capacity);
    }

    /**
     * Wraps capacity entries starting at offset of an off-heap buffer.
     */
    public IovecArrayFlyweight wrap(final MutableDirectBuffer buffer, final int offset, final int capacity)
    {
        DirectMemory.address(buffer, offset);
        buffer.boundsCheck(offset, capacity * IOVEC_SIZE);
        this.buffer = buffer;
        this.offset = offset;
        this.capacity = capacity;
        return this;
    }

    /**
     * Sets entry index to length bytes at address.
     */
    public IovecArrayFlyweight set(final int index, final long address, final long length)
    {
        final int at = offset + index * IOVEC_SIZE;
        buffer.putLong(at + IOV_BASE_OFFSET, address);
        buffer.putLong(at + IOV_LEN_OFFSET, length);
        return this;
    }

    /**
     * iov_base of entry index.
     */
    public long base(final int index)
    {
        return buffer.getLong(offset + index * IOVEC_SIZE + IOV_BASE_OFFSET);
    }

    /**
     * iov_len of entry index.
     */
    public long length(final int index)
    {
        return buffer.getLong(offset + index * IOVEC_SIZE + IOV_LEN_OFFSET);
    }

    /**
     * Sum of iov_len over the first count entries.
     */
    public long totalLength(final int count)
    {
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            total += length(i);
        }
        return total;
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
