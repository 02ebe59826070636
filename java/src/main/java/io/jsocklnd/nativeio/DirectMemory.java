package io.jsocklnd.nativeio;

import java.nio.ByteBuffer;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Off-heap buffers whose addresses can cross into libjsl: page-aligned ones for zero-copy sends and small aligned
 * ones for the structs the flyweights lay out.
 */
public final class DirectMemory
{
    /** Alignment of buffers for structs: a cache line, more than any struct libjsl reads needs. */
    public static final int STRUCT_ALIGNMENT = 64;

    private DirectMemory()
    {
    }

    /**
     * The kernel's page size, from {@code sysconf(_SC_PAGESIZE)}.
     */
    public static int pageSize()
    {
        return JslNative.pageSize();
    }

    /**
     * A zeroed off-heap buffer of capacity bytes starting on a page boundary, for MSG_ZEROCOPY, vmsplice and
     * sendfile sources; the returned buffer keeps the memory reachable.
     */
    public static UnsafeBuffer allocatePageAligned(final int capacity)
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity, pageSize()));
    }

    /**
     * A zeroed off-heap buffer of capacity bytes aligned to {@link #STRUCT_ALIGNMENT}, for iovec, msghdr,
     * epoll_event arrays and socket addresses.
     */
    public static UnsafeBuffer allocate(final int capacity)
    {
        final ByteBuffer buffer = BufferUtil.allocateDirectAligned(Math.max(capacity, 1), STRUCT_ALIGNMENT);
        return new UnsafeBuffer(buffer, 0, capacity);
    }

    /**
     * The native address of byte offset in buffer.
     *
     * @throws IllegalArgumentException when buffer is on the Java heap, whose address the kernel cannot use.
     */
    public static long address(final DirectBuffer buffer, final int offset)
    {
        if (buffer.byteArray() != null)
        {
            throw new IllegalArgumentException("buffer is on the heap: capacity=" + buffer.capacity());
        }
        return buffer.addressOffset() + offset;
    }
}
