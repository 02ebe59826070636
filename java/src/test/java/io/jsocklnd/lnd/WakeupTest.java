package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agent threads with nothing to do wait in {@code epoll_wait} (they do not park and poll). A send from an
 * application thread wakes the IO agent through its eventfd, and so does an incoming message through its socket;
 * a connect request from the IO agent wakes the conductor. With one thread for both agents (SHARED), the thread
 * waits once, in the IO agent's epoll set that watches the conductor's: the accepting side's conductor is woken by
 * that nesting, as no eventfd is written for it. Every message of a run of sends spaced so that the agents fall
 * asleep between them, each new peer needing a connection first, arrives.
 */
@Timeout(60)
class WakeupTest
{
    private static final String A = "127.0.79.1@tcp";
    private static final String[] PEERS = {"127.0.79.2@tcp", "127.0.79.3@tcp", "127.0.79.4@tcp"};
    private static final int SENDS_PER_PEER = 4;

    @ParameterizedTest
    @EnumSource(value = NodeConfig.ThreadingMode.class, names = {"DEDICATED", "SHARED"})
    void shouldSleepWhenIdleAndWakeForEachSendAndEachConnection(final NodeConfig.ThreadingMode mode) throws Exception
    {
        final TestNodes.RecordingHandler[] atPeer = new TestNodes.RecordingHandler[PEERS.length];
        final Node[] peers = new Node[PEERS.length];
        try (Node a = Node.start(TestNodes.config(A).threadingMode(mode), new TestNodes.RecordingHandler()))
        {
            for (int p = 0; p < PEERS.length; p++)
            {
                atPeer[p] = new TestNodes.RecordingHandler();
                peers[p] = Node.start(TestNodes.config(PEERS[p]).threadingMode(mode), atPeer[p]);
            }
            final TestNodes.Completions completions = new TestNodes.Completions();
            final int sends = PEERS.length * SENDS_PER_PEER;
            for (int i = 0; i < sends; i++)
            {
                final int p = i / SENDS_PER_PEER;
                final long peerNid = Nid.parse(PEERS[p]);
                awaitAsleep(a, "io sleeps");
                awaitAsleep(peers[p], "io sleeps");
                if (mode == NodeConfig.ThreadingMode.DEDICATED)
                {
                    awaitAsleep(a, "conductor sleeps");
                    awaitAsleep(peers[p], "conductor sleeps");
                }
                assertTrue(a.send(peerNid, WireConstants.LNET_PID_LUSTRE, TestNodes.putHeader(Nid.parse(A), peerNid, i,
                    ByteBuffer.allocateDirect(0), 0), 0, 0, 0, i));
                final int expectedAtPeer = i % SENDS_PER_PEER + 1;
                final TestNodes.RecordingHandler handler = atPeer[p];
                assertTrue(Await.until(() -> handler.received.size() == expectedAtPeer, 10_000),
                    "message " + i + " arrives");
                final int expected = i + 1;
                assertTrue(Await.until(() ->
                {
                    a.pollCompletions(completions, 16);
                    return completions.done.size() == expected;
                }, 10_000), "send " + i + " completes");
            }
            assertTrue(a.counters().get("io wakeups") >= 1, "sends woke the sleeping IO agent: " + a.counters());
            if (mode == NodeConfig.ThreadingMode.DEDICATED)
            {
                assertTrue(a.counters().get("conductor wakeups") >= 1,
                    "connect requests woke the sleeping conductor: " + a.counters());
            }
            else
            {
                assertEquals(0L, a.counters().get("conductor sleeps"), "one wait serves both agents");
                assertEquals(0L, a.counters().get("conductor wakeups"));
            }
            for (final long[] done : completions.done)
            {
                assertEquals(0, done[1], "status of send " + done[0]);
            }
            assertEquals(0L, a.counters().get("node agent_errors"));
            for (final Node peer : peers)
            {
                assertEquals(0L, peer.counters().get("node agent_errors"));
            }
        }
        finally
        {
            for (final Node peer : peers)
            {
                if (null != peer)
                {
                    peer.close();
                }
            }
        }
    }

    private static void awaitAsleep(final Node node, final String sleeps)
    {
        final long before = node.counters().get(sleeps);
        assertTrue(Await.until(() -> node.counters().get(sleeps) > before, 10_000),
            "the idle agent waits in epoll_wait (" + sleeps + ")");
    }
}
