package io.jsocklnd.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as an acceptor connection request: either a v1/v2 request that re-encodes byte for byte and
 * whose length the streaming check predicted, or a {@link ProtocolException}.
 */
@Timeout(60)
class AcceptorRequestFuzzTest
{
    private final AcceptorRequestFlyweight connreq = new AcceptorRequestFlyweight();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[AcceptorRequestFlyweight.V2_LENGTH]);

    @FuzzTest
    void fuzzAcceptorRequest(final byte[] data)
    {
        final UnsafeBuffer in = new UnsafeBuffer(data);
        int required = -1;
        try
        {
            required = AcceptorRequestFlyweight.requiredLength(in, 0, data.length);
            connreq.wrap(in, 0, data.length);
        }
        catch (final ProtocolException ex)
        {
            FuzzChecks.assertNamed(ex, "bad connreq");
            if (required > data.length)
            {
                assertEquals("length", ex.field(), ex.getMessage());
            }
            return;
        }
        assertEquals(required, connreq.length());
        assertTrue(connreq.version() == 1 || connreq.version() == 2);
        final long nid4 = connreq.nid4();
        // nid_type is one byte: lnet_nid4_to_nid keeps only the low byte of a nid4's LND type.
        final boolean narrowed = connreq.version() == 1 && nid4 != Nid.ANY && Nid.lndType(nid4) >= 0xFF;
        if (!narrowed)
        {
            assertEquals(nid4, connreq.nid().toNid4());
        }

        final int n = Reencode.connreq(connreq, out, 0);
        assertEquals(connreq.length(), n);
        final byte[] actual = new byte[n];
        out.getBytes(0, actual);
        assertArrayEquals(Arrays.copyOf(data, n), actual);
    }
}
