package io.jsocklnd.harness;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.WireConstants;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A seeded plan of PUT messages for exchange tests: payload sizes (skewed: mostly small, a few up to
 * 1 MiB, always including 0 and exactly 1 MiB), payload slices of one random source buffer, and the
 * header each message carries: its sequence in {@code match_bits} and the CRC32C of its payload in
 * {@code hdr_data}.
 */
public final class Traffic
{
    /** Largest payload, {@code LNET_MAX_PAYLOAD}. */
    public static final int MAX_PAYLOAD = WireConstants.LNET_MAX_PAYLOAD;
    /** Portal the test PUTs go to. */
    public static final int PORTAL = 4;
    /** Sequences with this bit set are warm-up messages, not part of a plan. */
    public static final long WARMUP_FLAG = 1L << 62;

    private static final int SOURCE_LENGTH = MAX_PAYLOAD + 64 * 1024;

    private final long seed;
    private final long base;
    private final int[] sizes;
    private final int[] offsets;
    private final UnsafeBuffer source;
    private final long sourceAddress;

    private Traffic(final long seed, final long base, final int[] sizes, final int[] offsets, final UnsafeBuffer source)
    {
        this.seed = seed;
        this.base = base;
        this.sizes = sizes;
        this.offsets = offsets;
        this.source = source;
        this.sourceAddress = DirectMemory.address(source, 0);
    }

    /**
     * Make a plan.
     *
     * @param seed  drives sizes, offsets and payload bytes.
     * @param count number of messages (at least 2).
     * @return the plan.
     */
    public static Traffic plan(final long seed, final int count)
    {
        return plan(seed, count, 0);
    }

    /**
     * Make a plan whose sequences start at {@code base}, so several plans can go to one receiver.
     *
     * @param seed  drives sizes, offsets and payload bytes.
     * @param count number of messages (at least 2).
     * @param base  sequence of the first message.
     * @return the plan.
     */
    public static Traffic plan(final long seed, final int count, final long base)
    {
        if (count < 2)
        {
            throw new IllegalArgumentException("count must be at least 2: count=" + count);
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final int[] sizes = new int[count];
        final int[] offsets = new int[count];
        for (int i = 0; i < count; i++)
        {
            sizes[i] = skewedSize(random);
        }
        final int zeroAt = random.nextInt(count);
        int maxAt = random.nextInt(count);
        if (maxAt == zeroAt)
        {
            maxAt = (zeroAt + 1) % count;
        }
        sizes[zeroAt] = 0;
        sizes[maxAt] = MAX_PAYLOAD;
        for (int i = 0; i < count; i++)
        {
            offsets[i] = random.nextInt(SOURCE_LENGTH - sizes[i] + 1);
        }
        final UnsafeBuffer source = DirectMemory.allocate(SOURCE_LENGTH);
        final byte[] bytes = new byte[SOURCE_LENGTH];
        random.nextBytes(bytes);
        source.putBytes(0, bytes);
        return new Traffic(seed, base, sizes, offsets, source);
    }

    /**
     * 70% below 1 KiB, 25% up to 32 KiB, 4.5% up to 256 KiB, 0.5% up to 1 MiB: the total stays near
     * 14 KiB a message on average while every size class appears.
     */
    private static int skewedSize(final SplittableRandom random)
    {
        final int bucket = random.nextInt(1000);
        if (bucket < 700)
        {
            return random.nextInt(1024);
        }
        if (bucket < 950)
        {
            return 1024 + random.nextInt(32 * 1024 - 1024);
        }
        if (bucket < 995)
        {
            return 32 * 1024 + random.nextInt(256 * 1024 - 32 * 1024);
        }
        return 256 * 1024 + random.nextInt(MAX_PAYLOAD - 256 * 1024 + 1);
    }

    /**
     * @return the seed the plan was made from.
     */
    public long seed()
    {
        return seed;
    }

    /**
     * @return sequence of message 0.
     */
    public long base()
    {
        return base;
    }

    /**
     * @return number of messages.
     */
    public int count()
    {
        return sizes.length;
    }

    /**
     * @param index message index.
     * @return its payload length.
     */
    public int size(final int index)
    {
        return sizes[index];
    }

    /**
     * @param index message index.
     * @return native address of its payload (stays valid and unchanged for the plan's lifetime).
     */
    public long payloadAddress(final int index)
    {
        return sourceAddress + offsets[index];
    }

    /**
     * @return total payload bytes of the plan.
     */
    public long totalBytes()
    {
        long total = 0;
        for (final int size : sizes)
        {
            total += size;
        }
        return total;
    }

    /**
     * CRC32C of a payload slice.
     *
     * @param index message index.
     * @return the CRC, 0 for an empty payload.
     */
    public long crc(final int index)
    {
        return crcOf(source, offsets[index], sizes[index]);
    }

    /**
     * Write the PUT header of one message.
     *
     * @param header   destination (72 bytes from 0).
     * @param srcNid   sender NID.
     * @param dstNid   receiver NID.
     * @param sequence value for {@code match_bits}.
     * @param length   payload length.
     * @param crc      value for {@code hdr_data}.
     */
    public static void putHeader(
        final MutableDirectBuffer header,
        final long srcNid,
        final long dstNid,
        final long sequence,
        final int length,
        final long crc)
    {
        new LnetHeaderFlyweight().wrapForEncode(header, 0, LnetHeaderFlyweight.LENGTH, WireConstants.LNET_MSG_PUT)
            .destNid(dstNid)
            .srcNid(srcNid)
            .destPid(WireConstants.LNET_PID_LUSTRE)
            .srcPid(WireConstants.LNET_PID_LUSTRE)
            .payloadLength(length)
            .wmdInterfaceCookie(WireConstants.LNET_WIRE_HANDLE_COOKIE_NONE)
            .wmdObjectCookie(WireConstants.LNET_WIRE_HANDLE_COOKIE_NONE)
            .matchBits(sequence)
            .putHdrData(crc)
            .putPtlIndex(PORTAL)
            .putOffset(0);
    }

    /**
     * CRC32C of bytes in a buffer.
     *
     * @param buffer the bytes.
     * @param offset first byte.
     * @param length byte count.
     * @return the CRC, 0 for no bytes.
     */
    public static long crcOf(final UnsafeBuffer buffer, final int offset, final int length)
    {
        if (length == 0)
        {
            return 0;
        }
        final CRC32C crc = new CRC32C();
        final ByteBuffer bytes = buffer.byteBuffer().duplicate();
        final int base = buffer.wrapAdjustment();
        bytes.limit(base + offset + length).position(base + offset);
        crc.update(bytes);
        return crc.getValue();
    }

    /**
     * Whether a payload goes on CONTROL (below {@code min_bulk} with framing and LNet header) rather than
     * a bulk connection, as the V2/V3 matchers decide.
     *
     * @param payloadLength payload bytes.
     * @param minBulk       the {@code min_bulk} setting.
     * @return true for a small message.
     */
    public static boolean isSmall(final int payloadLength, final int minBulk)
    {
        return KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + payloadLength < minBulk;
    }
}
