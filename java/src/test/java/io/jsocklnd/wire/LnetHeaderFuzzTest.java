package io.jsocklnd.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a nid4 LNet header: either a valid header that re-encodes to the input with unused union
 * bytes zeroed, or a {@link ProtocolException}.
 */
@Timeout(60)
class LnetHeaderFuzzTest
{
    private final LnetHeaderFlyweight header = new LnetHeaderFlyweight();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH]);

    @FuzzTest
    void fuzzLnetHeader(final byte[] data)
    {
        try
        {
            header.wrap(new UnsafeBuffer(data), 0, data.length);
        }
        catch (final ProtocolException ex)
        {
            FuzzChecks.assertNamed(ex, "bad lnet header");
            return;
        }
        final int type = header.type();
        assertTrue(type >= 0 && type <= 3);
        assertTrue(Integer.compareUnsigned(header.payloadLength(), WireConstants.LNET_MAX_PAYLOAD) <= 0);
        assertEquals(LnetHeaderFlyweight.LENGTH + header.payloadLength(), header.messageLength());

        Reencode.lnet(header, out, 0);
        final byte[] expected = Arrays.copyOf(data, LnetHeaderFlyweight.LENGTH);
        Reencode.canonicalLnet(expected, LnetHeaderFlyweight.MSG_OFFSET, type);
        assertArrayEquals(expected, out.byteArray());
    }
}
