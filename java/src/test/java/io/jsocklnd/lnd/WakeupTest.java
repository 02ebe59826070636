package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An IO agent with nothing to do waits in {@code epoll_wait} (it does not park and poll); a send from an
 * application thread wakes it through its eventfd, and so does an incoming message through its socket. Every
 * message of a run of sends spaced so that the agents fall asleep between them arrives.
 */
@Timeout(60)
class WakeupTest
{
    private static final String A = "127.0.79.1@tcp";
    private static final String B = "127.0.79.2@tcp";
    private static final int SENDS = 20;

    @Test
    void shouldSleepWhenIdleAndWakeForEachSendFromAnApplicationThread() throws Exception
    {
        final TestNodes.RecordingHandler atB = new TestNodes.RecordingHandler();
        try (Node a = Node.start(TestNodes.config(A), new TestNodes.RecordingHandler());
            Node b = Node.start(TestNodes.config(B), atB))
        {
            final long bNid = Nid.parse(B);
            final TestNodes.Completions completions = new TestNodes.Completions();
            for (int i = 0; i < SENDS; i++)
            {
                final long sleepsBefore = a.counters().get("io sleeps");
                assertTrue(Await.until(() -> a.counters().get("io sleeps") > sleepsBefore + 1, 10_000),
                    "the idle IO agent waits in epoll_wait");
                assertTrue(a.send(bNid, WireConstants.LNET_PID_LUSTRE, TestNodes.putHeader(Nid.parse(A), bNid, i,
                    ByteBuffer.allocateDirect(0), 0), 0, 0, 0, i));
                final int expected = i + 1;
                assertTrue(Await.until(() -> atB.received.size() == expected, 10_000), "message " + i + " arrives");
                assertTrue(Await.until(() ->
                {
                    a.pollCompletions(completions, 16);
                    return completions.done.size() == expected;
                }, 10_000), "send " + i + " completes");
            }
            assertTrue(a.counters().get("io wakeups") >= 1, "sends woke the sleeping agent: " + a.counters());
            for (final long[] done : completions.done)
            {
                assertEquals(0, done[1], "status of send " + done[0]);
            }
            assertEquals(0L, a.counters().get("node agent_errors"));
            assertEquals(0L, b.counters().get("node agent_errors"));
        }
    }
}
