package io.jsocklnd.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a {@code struct lnet_nid}: the 20 bytes re-encode exactly, compare and convert
 * consistently, and their text is either refused by the parser or parses to a NID printing the same text.
 */
@Timeout(60)
class LargeNidFuzzTest
{
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[LargeNid.LENGTH]);

    @FuzzTest
    void fuzzLargeNid(final byte[] data)
    {
        final UnsafeBuffer in = new UnsafeBuffer(data);
        final LargeNid nid;
        try
        {
            nid = LargeNid.decode(in, 0, data.length);
        }
        catch (final ProtocolException ex)
        {
            FuzzChecks.assertNamed(ex, "bad lnet nid");
            assertTrue(data.length < LargeNid.LENGTH);
            return;
        }
        assertEquals(LargeNid.LENGTH, nid.encode(out, 0));
        assertArrayEquals(Arrays.copyOf(data, LargeNid.LENGTH), out.byteArray());
        assertTrue(nid.equalsAt(in, 0));
        assertEquals(nid.toNid4(), LargeNid.toNid4(in, 0));
        assertEquals(0, nid.compareTo(LargeNid.decode(out, 0)));
        if (nid.isNid4() && !nid.isAny() && nid.addrWord(1) == 0 && nid.addrWord(2) == 0 && nid.addrWord(3) == 0)
        {
            assertEquals(nid, LargeNid.fromNid4(nid.toNid4()));
        }

        final String text = nid.toString();
        final LargeNid parsed;
        try
        {
            parsed = LargeNid.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            assertTrue(ex.getMessage().endsWith("text=" + text), ex.getMessage());
            return;
        }
        assertEquals(text, parsed.toString());
    }
}
