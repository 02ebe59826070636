package io.jsocklnd.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a nid16 (V4) LNet header: either a valid header that re-encodes to the input with unused
 * union bytes zeroed, or a {@link ProtocolException}.
 */
@Timeout(60)
class LnetHeader16FuzzTest
{
    private final LnetHeader16Flyweight header = new LnetHeader16Flyweight();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[LnetHeader16Flyweight.LENGTH]);

    @FuzzTest
    void fuzzLnetHeader16(final byte[] data)
    {
        final UnsafeBuffer in = new UnsafeBuffer(data);
        try
        {
            header.wrap(in, 0, data.length);
        }
        catch (final ProtocolException ex)
        {
            FuzzChecks.assertNamed(ex, "bad lnet header");
            return;
        }
        final int type = header.type();
        assertTrue(type >= 0 && type <= 3);
        assertTrue(header.destNidEquals(header.destNid()));
        assertEquals(header.srcNid().toNid4(), LargeNid.toNid4(in, LnetHeader16Flyweight.SRC_NID_OFFSET));

        Reencode.lnet16(header, out, 0);
        final byte[] expected = Arrays.copyOf(data, LnetHeader16Flyweight.LENGTH);
        Reencode.canonicalLnet(expected, LnetHeader16Flyweight.MSG_OFFSET, type);
        assertArrayEquals(expected, out.byteArray());
    }
}
