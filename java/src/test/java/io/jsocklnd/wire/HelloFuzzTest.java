package io.jsocklnd.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a hello: either they decode, agree with the streaming length, and re-encode to the
 * canonical form of the input, or the decoder throws {@link ProtocolException}; nothing else.
 */
@Timeout(60)
class HelloFuzzTest
{
    private final HelloFlyweight hello = new HelloFlyweight();
    private final HelloFlyweight again = new HelloFlyweight();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[256]);

    @FuzzTest
    void fuzzHello(final byte[] data)
    {
        final UnsafeBuffer in = new UnsafeBuffer(data);
        final int required;
        try
        {
            required = HelloFlyweight.requiredLength(in, 0, data.length);
        }
        catch (final ProtocolException ex)
        {
            FuzzChecks.assertNamed(ex, "bad hello");
            assertThrowsProtocol(in, data.length);
            return;
        }
        try
        {
            hello.wrap(in, 0, data.length);
        }
        catch (final ProtocolException ex)
        {
            FuzzChecks.assertNamed(ex, "bad hello");
            if (required > data.length || data.length < HelloFlyweight.PREFIX_LENGTH)
            {
                assertEquals("length", ex.field(), ex.getMessage());
            }
            return;
        }
        assertTrue(required <= data.length, "decoded with fewer bytes than required");
        assertEquals(required, hello.length());

        final int n = Reencode.hello(hello, out, 0);
        final byte[] expected = Arrays.copyOf(data, hello.length());
        Reencode.canonicalHello(expected, hello.version());
        assertEquals(expected.length, n);
        final byte[] actual = new byte[n];
        out.getBytes(0, actual);
        assertArrayEquals(expected, actual);

        again.wrap(out, 0, n);
        assertEquals(hello.srcLargeNid(), again.srcLargeNid());
        assertEquals(hello.dstLargeNid(), again.dstLargeNid());
        assertEquals(hello.srcIncarnation(), again.srcIncarnation());
        assertEquals(hello.byteOrder(), again.byteOrder());
    }

    private void assertThrowsProtocol(final UnsafeBuffer in, final int length)
    {
        try
        {
            hello.wrap(in, 0, length);
        }
        catch (final ProtocolException ex)
        {
            FuzzChecks.assertNamed(ex, "bad hello");
            return;
        }
        throw new AssertionError("requiredLength refused bytes that wrap accepted");
    }
}
