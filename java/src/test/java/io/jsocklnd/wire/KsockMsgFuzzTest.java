package io.jsocklnd.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a ksock header in both byte orders: decoded headers re-encode byte for byte, and a
 * header decodes in one order exactly when its byte-reversed fields decode in the other.
 */
@Timeout(60)
class KsockMsgFuzzTest
{
    private final KsockMsgFlyweight msg = new KsockMsgFlyweight();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[KsockMsgFlyweight.LENGTH]);
    private final UnsafeBuffer swapped = new UnsafeBuffer(new byte[KsockMsgFlyweight.LENGTH]);

    @FuzzTest
    void fuzzKsockMsg(final byte[] data)
    {
        final UnsafeBuffer in = new UnsafeBuffer(data);
        for (final ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN})
        {
            try
            {
                msg.wrap(in, 0, data.length, order);
            }
            catch (final ProtocolException ex)
            {
                FuzzChecks.assertNamed(ex, "bad ksock msg");
                continue;
            }
            assertTrue(msg.isNoop() || msg.isLnet());
            Reencode.ksock(msg, out, 0);
            assertArrayEquals(Arrays.copyOf(data, KsockMsgFlyweight.LENGTH), out.byteArray());

            final ByteOrder other = order == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            KsockMsgFlyweight.encode(swapped, 0, other, msg.type(), msg.csum(), msg.zcCookie0(), msg.zcCookie1());
            final KsockMsgFlyweight flipped = new KsockMsgFlyweight().wrap(swapped, 0, KsockMsgFlyweight.LENGTH, other);
            assertEquals(msg.type(), flipped.type());
            assertEquals(msg.csum(), flipped.csum());
            assertEquals(msg.zcCookie0(), flipped.zcCookie0());
            assertEquals(msg.zcCookie1(), flipped.zcCookie1());
        }
    }
}
