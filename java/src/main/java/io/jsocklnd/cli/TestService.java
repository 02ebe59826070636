package io.jsocklnd.cli;

import io.jsocklnd.wire.WireConstants;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * The test service that {@code serve} offers and {@code put} and {@code get} use, so that every transfer is checked:
 * <ul>
 *   <li>portal {@value #PUT_PORTAL}: a sink of {@value #SINK_SLOTS} slots of 1 MiB. A PUT carries its session in
 *   the match bits, the CRC32C of its payload in {@code hdr_data} and its slot in the remote offset; the server
 *   checks each PUT against its CRC and counts good and bad chunks per session;</li>
 *   <li>portal {@value #GET_PORTAL}, match bits {@value #PATTERN_MATCHBITS}: {@value #PATTERN_LENGTH} bytes of a
 *   deterministic pattern (64-bit words {@code splitmix64(i)}, little-endian) served from any offset;</li>
 *   <li>portal {@value #GET_PORTAL}, match bits {@value #REPORT_MATCHBITS}: the report, {@value #REPORT_ENTRIES}
 *   entries of 32 bytes, little-endian: session, chunks good, chunks bad, bytes good.</li>
 * </ul>
 * Both portals are above Lustre's own portals and LNet self-test's (50 to 52).
 */
public final class TestService
{
    /** Portal of the PUT sink. */
    public static final int PUT_PORTAL = 60;
    /** Portal of the GET pattern and the report. */
    public static final int GET_PORTAL = 61;
    /** Match bits of the pattern on {@link #GET_PORTAL}. */
    public static final long PATTERN_MATCHBITS = 0;
    /** Match bits of the report on {@link #GET_PORTAL}. */
    public static final long REPORT_MATCHBITS = 1;
    /** Bytes per PUT or GET: the LNet maximum payload. */
    public static final int CHUNK = WireConstants.LNET_MAX_PAYLOAD;
    /** Slots of the PUT sink; a client keeps fewer PUTs than this in flight. */
    public static final int SINK_SLOTS = 64;
    /** Bytes of the served pattern. */
    public static final int PATTERN_LENGTH = 2 * CHUNK;
    /** Entries of the report. */
    public static final int REPORT_ENTRIES = 256;
    /** Bytes per report entry. */
    public static final int REPORT_ENTRY_LENGTH = 32;
    /** Bytes of the report. */
    public static final int REPORT_LENGTH = REPORT_ENTRIES * REPORT_ENTRY_LENGTH;

    private TestService()
    {
    }

    /**
     * Fill a buffer with the pattern from its first byte.
     *
     * @param buffer destination.
     * @param length bytes, a multiple of 8.
     */
    public static void fillPattern(final MutableDirectBuffer buffer, final int length)
    {
        for (int i = 0; i < length / 8; i++)
        {
            buffer.putLong(i * 8, splitmix64(i), ByteOrder.LITTLE_ENDIAN);
        }
    }

    /**
     * @param chunk chunk index of a GET.
     * @return the pattern offset the chunk is read from: varies per chunk, leaves room for a full chunk.
     */
    public static int patternOffset(final long chunk)
    {
        return (int)((chunk * 7 * 65536) % CHUNK);
    }

    /**
     * @param buffer a buffer.
     * @param offset first byte.
     * @param length bytes.
     * @return CRC32C of those bytes.
     */
    public static long crc32c(final ByteBuffer buffer, final int offset, final int length)
    {
        final CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().limit(offset + length).position(offset));
        return crc.getValue();
    }

    /**
     * Parse a byte count: digits with an optional binary suffix {@code k}, {@code m}, {@code g} (also {@code KiB},
     * {@code MiB}, {@code GiB}).
     *
     * @param text the count.
     * @return bytes.
     */
    public static long parseSize(final String text)
    {
        final String t = text.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long multiplier = 1;
        String digits = t;
        if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g"))
        {
            multiplier = switch (t.charAt(t.length() - 1))
            {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                default -> 1L << 30;
            };
            digits = t.substring(0, t.length() - 1);
        }
        final long value = Long.parseLong(digits) * multiplier;
        if (value <= 0)
        {
            throw new IllegalArgumentException("bad size: " + text);
        }
        return value;
    }

    static long splitmix64(final long index)
    {
        long z = index * 0x9E3779B97F4A7C15L + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
