package io.jsocklnd.nativeio;

import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;

import org.agrona.MutableDirectBuffer;

/**
 * A {@code struct msghdr} in direct memory, for sendmsg and recvmsg.
 * <pre>
 *   0         8            16       24          32          40             48          56
 *   +---------+------------+--------+-----------+-----------+--------------+-----------+
 *   |msg_name |msg_namelen |msg_iov |msg_iovlen |msg_control|msg_controllen|msg_flags  |
 *   |         |(u32 + pad) |        |           |           |              |(i32 + pad)|
 *   +---------+------------+--------+-----------+-----------+--------------+-----------+
 * </pre>
 */
public final class MsghdrFlyweight
{
    public static final int MSG_NAME_OFFSET = 0;
    public static final int MSG_NAMELEN_OFFSET = MSG_NAME_OFFSET + SIZE_OF_LONG;
    public static final int MSG_IOV_OFFSET = MSG_NAMELEN_OFFSET + SIZE_OF_LONG;
    public static final int MSG_IOVLEN_OFFSET = MSG_IOV_OFFSET + SIZE_OF_LONG;
    public static final int MSG_CONTROL_OFFSET = MSG_IOVLEN_OFFSET + SIZE_OF_LONG;
    public static final int MSG_CONTROLLEN_OFFSET = MSG_CONTROL_OFFSET + SIZE_OF_LONG;
    public static final int MSG_FLAGS_OFFSET = MSG_CONTROLLEN_OFFSET + SIZE_OF_LONG;
    public static final int SIZE = MSG_FLAGS_OFFSET + SIZE_OF_INT + SIZE_OF_INT;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * A flyweight over a fresh, zeroed direct buffer.
     */
    public static MsghdrFlyweight allocate()
    {
        return new MsghdrFlyweight().wrap(DirectMemory.allocate(SIZE), 0);
    }

    /**
     * Wraps SIZE bytes at offset of an off-heap buffer.
     */
    public MsghdrFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        DirectMemory.address(buffer, offset);
        buffer.boundsCheck(offset, SIZE);
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Zeroes every field.
     */
    public MsghdrFlyweight clear()
    {
        buffer.setMemory(offset, SIZE, (byte)0);
        return this;
    }

    /**
     * Sets msg_name and msg_namelen (0 and 0 for a connected socket).
     */
    public MsghdrFlyweight name(final long address, final int length)
    {
        buffer.putLong(offset + MSG_NAME_OFFSET, address);
        buffer.putLong(offset + MSG_NAMELEN_OFFSET, length & 0xFFFF_FFFFL);
        return this;
    }

    /**
     * Sets msg_iov and msg_iovlen.
     */
    public MsghdrFlyweight iov(final long address, final int count)
    {
        buffer.putLong(offset + MSG_IOV_OFFSET, address);
        buffer.putLong(offset + MSG_IOVLEN_OFFSET, count);
        return this;
    }

    /**
     * Sets msg_iov to the first count entries of iov.
     */
    public MsghdrFlyweight iov(final IovecArrayFlyweight iov, final int count)
    {
        return iov(iov.address(), count);
    }

    /**
     * Sets msg_control and msg_controllen.
     */
    public MsghdrFlyweight control(final long address, final long length)
    {
        buffer.putLong(offset + MSG_CONTROL_OFFSET, address);
        buffer.putLong(offset + MSG_CONTROLLEN_OFFSET, length);
        return this;
    }

    /**
     * msg_iov.
     */
    public long iovAddress()
    {
        return buffer.getLong(offset + MSG_IOV_OFFSET);
    }

    /**
     * msg_iovlen.
     */
    public long iovCount()
    {
        return buffer.getLong(offset + MSG_IOVLEN_OFFSET);
    }

    /**
     * msg_controllen, which recvmsg sets to the length of the control data it wrote.
     */
    public long controlLength()
    {
        return buffer.getLong(offset + MSG_CONTROLLEN_OFFSET);
    }

    /**
     * msg_flags as recvmsg set them (MSG_TRUNC, MSG_CTRUNC, ...).
     */
    public int flags()
    {
        return buffer.getInt(offset + MSG_FLAGS_OFFSET);
    }

    /**
     * Native address of the struct.
     */
    public long address()
    {
        return DirectMemory.address(buffer, offset);
    }
}
