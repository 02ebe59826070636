package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MSG_ZEROCOPY over loopback: every byte arrives and the completions name every send id exactly once. Loopback
 * delivery always copies, so each completion carries SO_EE_CODE_ZEROCOPY_COPIED.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZeroCopySendTest
{
    private static final int TOTAL = 8 * 1024 * 1024;
    private static final int CHUNK = 256 * 1024;

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void shouldDeliverIntactDataAndCompleteEverySendIdOnce(final String address) throws Exception
    {
        final long seed = System.nanoTime();
        final byte[] expected = new byte[TOTAL];
        new Random(seed).nextBytes(expected);
        final UnsafeBuffer out = DirectMemory.allocatePageAligned(TOTAL);
        final UnsafeBuffer in = DirectMemory.allocate(TOTAL);
        out.putBytes(0, expected);
        final IovecArrayFlyweight iov = IovecArrayFlyweight.allocate(1);
        final MsghdrFlyweight msg = MsghdrFlyweight.allocate();
        final ZcCompletionFlyweight completion = ZcCompletionFlyweight.allocate();
        final BitSet completed = new BitSet();

        try (LoopbackPair pair = LoopbackPair.open(address))
        {
            pair.client.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_ZEROCOPY, 1);
            int sent = 0;
            int received = 0;
            int sends = 0;
            int completions = 0;
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            for (int i = 0; i < 1_000_000 && (received < TOTAL || completed.cardinality() < sends); i++)
            {
                assertTrue(System.nanoTime() < deadlineNs, "deadline: sent=" + sent + ", received=" + received);
                if (sent < TOTAL)
                {
                    iov.set(0, out.addressOffset() + sent, Math.min(CHUNK, TOTAL - sent));
                    msg.clear().iov(iov, 1);
                    final long n = sendZeroCopy(pair.client, msg);
                    if (n > 0)
                    {
                        sent += (int)n;
                        sends++;
                    }
                }
                received += LoopbackPair.drain(pair.server, in, received, TOTAL - received);
                while (pair.client.readZcCompletion(completion))
                {
                    completions++;
                    assertTrue(completion.isZeroCopyCompletion(), "origin=" + completion.origin());
                    assertEquals(0, completion.errno());
                    assertTrue(completion.isCopied(), "loopback copies: code=" + completion.code());
                    assertTrue(completion.lo() <= completion.hi() && completion.hi() < sends,
                        "lo=" + completion.lo() + ", hi=" + completion.hi() + ", sends=" + sends);
                    final int lo = (int)completion.lo();
                    final int hi = (int)completion.hi() + 1;
                    assertEquals(-1, nextSetIn(completed, lo, hi), "id completed twice");
                    completed.set(lo, hi);
                }
                if (sent == TOTAL)
                {
                    pair.server.poll(NativeConstants.POLLIN, 1);
                }
            }

            assertEquals(TOTAL, sent);
            assertEquals(TOTAL, received);
            assertTrue(sends >= TOTAL / CHUNK, "sends=" + sends);
            assertTrue(completions > 0 && completions <= sends, "completions=" + completions);
            assertEquals(sends, completed.cardinality());
            assertEquals(sends, completed.nextClearBit(0), "ids 0..sends-1 contiguous");
            assertFalse(pair.client.readZcCompletion(completion), "error queue empty at the end");
            final byte[] got = new byte[TOTAL];
            in.getBytes(0, got);
            assertArrayEquals(expected, got, "seed=" + seed);
        }
    }

    /** ENOBUFS means the socket's option memory for pending notifications is full: read completions, retry. */
    private static long sendZeroCopy(final NativeSocket socket, final MsghdrFlyweight msg) throws NativeIoException
    {
        try
        {
            return socket.sendmsg(msg, NativeConstants.MSG_ZEROCOPY);
        }
        catch (final NativeIoException ex)
        {
            if (ex.errno() == Errno.ENOBUFS)
            {
                return 0;
            }
            throw ex;
        }
    }

    private static int nextSetIn(final BitSet bits, final int from, final int to)
    {
        final int next = bits.nextSetBit(from);
        return next >= 0 && next < to ? next : -1;
    }
}
