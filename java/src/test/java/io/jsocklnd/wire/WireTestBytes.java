package io.jsocklnd.wire;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.HexFormat;

/**
 * Hex helpers for the codec tests.
 */
final class WireTestBytes
{
    private WireTestBytes()
    {
    }

    /**
     * @param hex hex digits; spaces and {@code |} are ignored.
     * @return the bytes.
     */
    static byte[] bytes(final String hex)
    {
        return HexFormat.of().parseHex(hex.replace(" ", "").replace("|", ""));
    }

    /**
     * @param hex hex digits.
     * @return a buffer holding exactly those bytes.
     */
    static UnsafeBuffer buffer(final String hex)
    {
        return new UnsafeBuffer(bytes(hex));
    }

    /**
     * @param buffer buffer.
     * @param offset first byte.
     * @param length number of bytes.
     * @return lowercase hex of the range.
     */
    static String hex(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final byte[] out = new byte[length];
        buffer.getBytes(offset, out, 0, length);
        return HexFormat.of().formatHex(out);
    }

    /**
     * @param hex hex digits, with optional spaces and {@code |}.
     * @return the same digits, lowercase and without separators.
     */
    static String clean(final String hex)
    {
        return hex.replace(" ", "").replace("|", "").toLowerCase();
    }
}
