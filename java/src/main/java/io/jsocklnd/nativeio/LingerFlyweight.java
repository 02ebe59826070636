package io.jsocklnd.nativeio;

import static org.agrona.BitUtil.SIZE_OF_INT;

import org.agrona.MutableDirectBuffer;

/**
 * A {@code struct linger} in direct memory, for SO_LINGER.
 * <pre>
 *   0         4          8
 *   +---------+----------+
 *   |l_onoff  |l_linger  |
 *   +---------+----------+
 * </pre>
 */
public final class LingerFlyweight
{
    public static final int L_ONOFF_OFFSET = 0;
    public static final int L_LINGER_OFFSET = L_ONOFF_OFFSET + SIZE_OF_INT;
    public static final int SIZE = L_LINGER_OFFSET + SIZE_OF_INT;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * Wraps SIZE bytes at offset of an off-heap buffer.
     */
    public LingerFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        DirectMemory.address(buffer, offset);
        buffer.boundsCheck(offset, SIZE);
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Sets l_onoff and l_linger.
     */
    public LingerFlyweight set(final boolean on, final int seconds)
    {
        buffer.putInt(offset + L_ONOFF_OFFSET, on ? 1 : 0);
        buffer.putInt(offset + L_LINGER_OFFSET, seconds);
        return this;
    }

    /**
     * l_onoff != 0.
     */
    public boolean on()
    {
        return buffer.getInt(offset + L_ONOFF_OFFSET) != 0;
    }

    /**
     * l_linger in seconds.
     */
    public int seconds()
    {
        return buffer.getInt(offset + L_LINGER_OFFSET);
    }

    /**
     * Native address of the struct.
     */
    public long address()
    {
        return DirectMemory.address(buffer, offset);
    }
}
