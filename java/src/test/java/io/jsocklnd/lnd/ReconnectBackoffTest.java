package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer nobody answers for: each failed connect waits out a backoff that starts at {@code min_reconnectms} and
 * doubles up to {@code max_reconnectms}, as the kernel's {@code ksnr_retry_interval} does, measured on the
 * node's own clock; sends waiting for it fail with {@code -EHOSTUNREACH} after each failed attempt.
 */
@Timeout(60)
class ReconnectBackoffTest
{
    private static final String NODE_IP = "127.0.78.1";
    /** Nothing listens there. */
    private static final String SILENT_IP = "127.0.78.2";
    private static final long SILENT_NID = Nid.parse(SILENT_IP + "@tcp");
    private static final String ATTEMPTS = "peer " + SILENT_IP + "@tcp connect_attempts";
    private static final String FAILURES = "peer " + SILENT_IP + "@tcp connect_failures";

    private final ManualClock clock = new ManualClock();
    private final TestNodes.Completions completions = new TestNodes.Completions();

    @Test
    void shouldDoubleTheWaitAfterEachFailedConnectUpToTheMaximum() throws Exception
    {
        final NodeConfig config = TestNodes.config(NODE_IP + "@tcp")
            .reconnect(1_000, 4_000, TimeUnit.MILLISECONDS)
            .sockTimeout(600, TimeUnit.SECONDS);
        try (Node node = Node.start(config, new TestNodes.RecordingHandler(), null, clock))
        {
            sendAndAwaitFailure(node, 0, 1);

            // Each row: a send asks for a connection at once; it starts only once the wait since the last failure
            // has passed on the node's clock.
            final long[] waitsMs = {1_000, 2_000, 4_000, 4_000};
            for (int i = 0; i < waitsMs.length; i++)
            {
                final long attempts = i + 1;
                assertTrue(node.send(SILENT_NID, WireConstants.LNET_PID_LUSTRE, TestNodes.putHeader(
                    config.nid(), SILENT_NID, i + 1, ByteBuffer.allocateDirect(0), 0), 0, 0, 0, i + 1));
                clock.advance(waitsMs[i] - 100, TimeUnit.MILLISECONDS);
                Await.sleep(300);
                assertEquals(attempts, node.counters().get(ATTEMPTS),
                    "no attempt before " + waitsMs[i] + " ms on the node's clock (row " + i + ")");
                clock.advance(100, TimeUnit.MILLISECONDS);
                awaitFailure(node, i + 1, attempts + 1);
            }
            assertEquals(5L, node.counters().get(FAILURES));
        }
    }

    private void sendAndAwaitFailure(final Node node, final long id, final long attempts)
    {
        assertTrue(node.send(SILENT_NID, WireConstants.LNET_PID_LUSTRE, TestNodes.putHeader(
            node.config().nid(), SILENT_NID, id, ByteBuffer.allocateDirect(0), 0), 0, 0, 0, id));
        awaitFailure(node, id, attempts);
    }

    private void awaitFailure(final Node node, final long id, final long attempts)
    {
        assertTrue(Await.until(() ->
        {
            node.pollCompletions(completions, 16);
            return completions.done.stream().anyMatch(c -> c[0] == id);
        }, 10_000), "send " + id + " completes");
        assertEquals(-Errno.EHOSTUNREACH, completions.done.stream().filter(c -> c[0] == id).findFirst()
            .orElseThrow()[1]);
        assertEquals(attempts, node.counters().get(ATTEMPTS));
    }
}
