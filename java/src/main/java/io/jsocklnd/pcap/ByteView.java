package io.jsocklnd.pcap;

import java.nio.ByteOrder;

/**
 * Bounds-checked reads over a byte array whose index 0 sits at a known file offset, so that every failure names
 * the field and its absolute file offset instead of raising an index error.
 */
final class ByteView
{
    private final byte[] data;
    private final int limit;
    private final long fileOffset;
    private final String context;

    ByteView(final byte[] data, final int limit, final long fileOffset, final String context)
    {
        this.data = data;
        this.limit = limit;
        this.fileOffset = fileOffset;
        this.context = context;
    }

    int limit()
    {
        return limit;
    }

    long fileOffset(final int index)
    {
        return fileOffset + index;
    }

    void require(final int index, final long length, final String field)
    {
        if (index < 0 || length < 0 || index + length > limit)
        {
            throw new CaptureFormatException(
                "truncated " + context, field, fileOffset + index,
                "need=" + length + " available=" + Math.max(0, limit - Math.max(0, index)));
        }
    }

    CaptureFormatException bad(final String field, final int index, final String detail)
    {
        return new CaptureFormatException("bad " + context, field, fileOffset + index, detail);
    }

    int u8(final int index, final String field)
    {
        require(index, 1, field);
        return data[index] & 0xFF;
    }

    int u16(final int index, final ByteOrder order, final String field)
    {
        require(index, 2, field);
        final int b0 = data[index] & 0xFF;
        final int b1 = data[index + 1] & 0xFF;
        return order == ByteOrder.BIG_ENDIAN ? (b0 << 8) | b1 : (b1 << 8) | b0;
    }

    int u16be(final int index, final String field)
    {
        return u16(index, ByteOrder.BIG_ENDIAN, field);
    }

    int i32(final int index, final ByteOrder order, final String field)
    {
        require(index, 4, field);
        int value = 0;
        if (order == ByteOrder.BIG_ENDIAN)
        {
            for (int i = 0; i < 4; i++)
            {
                value = (value << 8) | (data[index + i] & 0xFF);
            }
        }
        else
        {
            for (int i = 3; i >= 0; i--)
            {
                value = (value << 8) | (data[index + i] & 0xFF);
            }
        }
        return value;
    }

    long u32(final int index, final ByteOrder order, final String field)
    {
        return i32(index, order, field) & 0xFFFF_FFFFL;
    }

    long u32be(final int index, final String field)
    {
        return u32(index, ByteOrder.BIG_ENDIAN, field);
    }

    long i64(final int index, final ByteOrder order, final String field)
    {
        require(index, 8, field);
        final long first = u32(index, order, field);
        final long second = u32(index + 4, order, field);
        return order == ByteOrder.BIG_ENDIAN ? (first << 32) | second : (second << 32) | first;
    }

    byte[] copy(final int index, final int length, final String field)
    {
        require(index, length, field);
        final byte[] out = new byte[length];
        System.arraycopy(data, index, out, 0, length);
        return out;
    }
}
