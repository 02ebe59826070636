package io.jsocklnd.lnet;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Describes memory to bind or attach ({@code struct lnet_md}): native memory (a direct buffer, an Agrona
 * buffer over direct memory, or a mapped file region), the operations allowed on it, how many operations it
 * serves before it unlinks itself ({@code threshold}), and the queue its events go to. A description is copied
 * when bound or attached, so one instance can be reused for many descriptors.
 */
public final class MemoryDescriptor
{
    /** Remote PUTs may land here ({@code LNET_MD_OP_PUT}). */
    public static final int OP_PUT = 1 << 0;
    /** Remote GETs may read from here ({@code LNET_MD_OP_GET}). */
    public static final int OP_GET = 1 << 1;
    /** The offset comes from the request, not from this descriptor's running offset ({@code LNET_MD_MANAGE_REMOTE}). */
    public static final int MANAGE_REMOTE = 1 << 2;
    /** A request longer than the room left is truncated rather than dropped ({@code LNET_MD_TRUNCATE}). */
    public static final int TRUNCATE = 1 << 4;
    /** PUTs landing here are never acknowledged, whatever the initiator asked ({@code LNET_MD_ACK_DISABLE}). */
    public static final int ACK_DISABLE = 1 << 5;
    /** No limit on the operations served ({@code LNET_MD_THRESH_INF}). */
    public static final int THRESHOLD_INFINITE = -1;

    long address;
    int length;
    Object memoryOwner;
    int options;
    int threshold = THRESHOLD_INFINITE;
    long userPtr;
    EventQueue eventQueue;
    boolean useDefaultQueue = true;

    /**
     * Native memory by address; the caller keeps it valid until the descriptor is unlinked.
     *
     * @param address native address.
     * @param length  bytes.
     * @return this.
     */
    public MemoryDescriptor memory(final long address, final int length)
    {
        checkLength(length);
        this.address = address;
        this.length = length;
        this.memoryOwner = null;
        return this;
    }

    /**
     * Part of an Agrona buffer over direct memory; the descriptor keeps the buffer reachable.
     *
     * @param buffer a buffer not backed by a heap array.
     * @param offset first byte.
     * @param length bytes.
     * @return this.
     */
    public MemoryDescriptor memory(final DirectBuffer buffer, final int offset, final int length)
    {
        if (buffer.byteArray() != null)
        {
            throw new IllegalArgumentException("buffer is on the heap: capacity=" + buffer.capacity());
        }
        buffer.boundsCheck(offset, length);
        memory(buffer.addressOffset() + offset, length);
        this.memoryOwner = buffer;
        return this;
    }

    /**
     * The bytes between position and limit of a direct (or mapped) byte buffer; the descriptor keeps it reachable.
     *
     * @param buffer a direct buffer.
     * @return this.
     */
    public MemoryDescriptor memory(final ByteBuffer buffer)
    {
        if (!buffer.isDirect())
        {
            throw new IllegalArgumentException("buffer is not direct: capacity=" + buffer.capacity());
        }
        memory(BufferUtil.address(buffer) + buffer.position(), buffer.remaining());
        this.memoryOwner = buffer;
        return this;
    }

    /**
     * A region of a file, mapped into memory: PUTs and REPLYs land in the file, PUTs and GETs are served from it.
     * Writes reach the file through the page cache ({@link MappedByteBuffer#force()} to flush).
     *
     * @param channel  the open file (readable, and writable for {@link FileChannel.MapMode#READ_WRITE}).
     * @param position first byte of the region in the file.
     * @param length   bytes of the region; a read-write mapping past the end grows the file.
     * @param mode     {@link FileChannel.MapMode#READ_ONLY} to send from the file, READ_WRITE to receive into it.
     * @return the mapping, which the descriptor keeps reachable.
     * @throws IOException if the region cannot be mapped.
     */
    public MappedByteBuffer fileRegion(
        final FileChannel channel, final long position, final int length, final FileChannel.MapMode mode)
        throws IOException
    {
        final MappedByteBuffer mapped = channel.map(mode, position, length);
        memory(mapped);
        return mapped;
    }

    /**
     * @param options a set of {@link #OP_PUT}, {@link #OP_GET}, {@link #MANAGE_REMOTE}, {@link #TRUNCATE},
     *                {@link #ACK_DISABLE}.
     * @return this.
     */
    public MemoryDescriptor options(final int options)
    {
        this.options = options;
        return this;
    }

    /**
     * @param threshold operations served before the descriptor unlinks itself, or {@link #THRESHOLD_INFINITE}.
     *                  Sending a PUT counts one, its ACK another; sending a GET one, its REPLY another; each PUT
     *                  or GET served counts one.
     * @return this.
     */
    public MemoryDescriptor threshold(final int threshold)
    {
        if (threshold < THRESHOLD_INFINITE)
        {
            throw new IllegalArgumentException("bad threshold: threshold=" + threshold);
        }
        this.threshold = threshold;
        return this;
    }

    /**
     * Serve one operation, then unlink (a use-once match entry when attached).
     *
     * @return this.
     */
    public MemoryDescriptor useOnce()
    {
        return threshold(1);
    }

    /**
     * Serve operations until unlinked explicitly (a persistent match entry when attached).
     *
     * @return this.
     */
    public MemoryDescriptor persistent()
    {
        return threshold(THRESHOLD_INFINITE);
    }

    /**
     * @param userPtr a value returned in every event of the descriptor ({@code user_ptr}).
     * @return this.
     */
    public MemoryDescriptor userPtr(final long userPtr)
    {
        this.userPtr = userPtr;
        return this;
    }

    /**
     * @param queue where the descriptor's events go; null for none. The node's queue by default.
     * @return this.
     */
    public MemoryDescriptor eventQueue(final EventQueue queue)
    {
        this.eventQueue = queue;
        this.useDefaultQueue = false;
        return this;
    }

    /**
     * @return native address of the first byte.
     */
    public long address()
    {
        return address;
    }

    /**
     * @return bytes described.
     */
    public int length()
    {
        return length;
    }

    private static void checkLength(final int length)
    {
        if (length < 0)
        {
            throw new IllegalArgumentException("bad length: length=" + length);
        }
    }
}
