package io.jsocklnd.nativeio;

import static org.agrona.BitUtil.SIZE_OF_BYTE;
import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_SHORT;

import org.agrona.MutableDirectBuffer;

/**
 * One MSG_ZEROCOPY completion, {@code struct jsl_zc_completion}, as {@code jsl_recv_zc_completion} copies it out of
 * the kernel's {@code struct sock_extended_err}: send ids lo..hi (inclusive) of the socket are done with their pages.
 * <pre>
 *   0      4      8         12       13     14    16
 *   +------+------+---------+--------+------+-----+
 *   |zc_lo |zc_hi |zc_errno |origin  |code  |pad  |
 *   +------+------+---------+--------+------+-----+
 * </pre>
 */
public final class ZcCompletionFlyweight
{
    public static final int ZC_LO_OFFSET = 0;
    public static final int ZC_HI_OFFSET = ZC_LO_OFFSET + SIZE_OF_INT;
    public static final int ZC_ERRNO_OFFSET = ZC_HI_OFFSET + SIZE_OF_INT;
    public static final int ZC_ORIGIN_OFFSET = ZC_ERRNO_OFFSET + SIZE_OF_INT;
    public static final int ZC_CODE_OFFSET = ZC_ORIGIN_OFFSET + SIZE_OF_BYTE;
    public static final int SIZE = ZC_CODE_OFFSET + SIZE_OF_BYTE + SIZE_OF_SHORT;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * A flyweight over a fresh direct buffer.
     */
    public static ZcCompletionFlyweight allocate()
    {
        return new ZcCompletionFlyweight().wrap(DirectMemory.allocate(SIZE), 0);
    }

    /**
     * Wraps SIZE bytes at offset of an off-heap buffer.
     */
    public ZcCompletionFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        DirectMemory.address(buffer, offset);
        buffer.boundsCheck(offset, SIZE);
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * First send id covered (ee_info), unsigned.
     */
    public long lo()
    {
        return buffer.getInt(offset + ZC_LO_OFFSET) & 0xFFFF_FFFFL;
    }

    /**
     * Last send id covered, inclusive (ee_data), unsigned.
     */
    public long hi()
    {
        return buffer.getInt(offset + ZC_HI_OFFSET) & 0xFFFF_FFFFL;
    }

    /**
     * ee_errno: 0 for a completion.
     */
    public int errno()
    {
        return buffer.getInt(offset + ZC_ERRNO_OFFSET);
    }

    /**
     * ee_origin: {@link NativeConstants#SO_EE_ORIGIN_ZEROCOPY} for a completion.
     */
    public int origin()
    {
        return buffer.getByte(offset + ZC_ORIGIN_OFFSET) & 0xFF;
    }

    /**
     * ee_code: has {@link NativeConstants#SO_EE_CODE_ZEROCOPY_COPIED} when the kernel copied the data after all.
     */
    public int code()
    {
        return buffer.getByte(offset + ZC_CODE_OFFSET) & 0xFF;
    }

    /**
     * Whether this is a MSG_ZEROCOPY completion (and not another error-queue message).
     */
    public boolean isZeroCopyCompletion()
    {
        return origin() == NativeConstants.SO_EE_ORIGIN_ZEROCOPY;
    }

    /**
     * Whether the kernel copied instead of sending from the pages (always so on loopback).
     */
    public boolean isCopied()
    {
        return (code() & NativeConstants.SO_EE_CODE_ZEROCOPY_COPIED) != 0;
    }

    /**
     * Native address of the struct.
     */
    public long address()
    {
        return DirectMemory.address(buffer, offset);
    }
}
