package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.HandBytes;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Errno;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.harness.HandBytes.CONN_BULK_IN;
import static io.jsocklnd.harness.HandBytes.CONN_BULK_OUT;
import static io.jsocklnd.harness.HandBytes.CONN_CONTROL;
import static io.jsocklnd.harness.HandBytes.PID_LUSTRE;
import static io.jsocklnd.harness.HandBytes.intAt;
import static io.jsocklnd.harness.HandBytes.longAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bytes waiting in a connection's socket count as the kernel counts them (§9, {@code ksnc_tx_bufnob}): a peer
 * that stops reading after the node's last write is timed out within {@code sock_timeout}, and a socket send
 * queue that shrinks is progress and a live peer. The peer is a raw V3 socket with a small receive buffer
 * (CONTROL, BULK_OUT = the node's ACK connection, BULK_IN = the node's BULK_OUT); the node's send buffer holds a
 * whole message it cannot deliver; the node's clock moves only when the test moves it.
 */
@Timeout(60)
class SocketQueueTest
{
    private static final String NODE_IP = "127.0.86.1";
    private static final long NODE_NID = HandBytes.tcpNid(127, 0, 86, 1);
    private static final int[] TYPES = {CONN_CONTROL, CONN_BULK_OUT, CONN_BULK_IN};
    private static final List<String> ONE_BULK_TAKEN = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");
    private static final int RAW_RECEIVE_BUFFER = 4096;
    private static final int FIRST_SIZE = 100_000;
    private static final int MESSAGE_OVERHEAD = HandBytes.KSOCK_LENGTH + HandBytes.LNET_LENGTH;
    /** The raw peer's BULK_IN connections are the node's BULK_OUT: two to choose from for bulk sends. */
    private static final int[] TWO_BULK = {CONN_CONTROL, CONN_BULK_OUT, CONN_BULK_IN, CONN_BULK_IN};
    private static final List<String> TWO_BULK_TAKEN =
        List.of("BULK_IN V3", "BULK_OUT V3", "BULK_OUT V3", "CONTROL V3");

    private final ManualClock clock = new ManualClock();
    private final TestNodes.Completions completions = new TestNodes.Completions();
    /** Payloads stay reachable until their sends complete. */
    private final List<UnsafeBuffer> payloads = new ArrayList<>();

    @Test
    void shouldTimeOutAPeerThatStopsReadingWithTheLastMessageInTheSocket() throws Exception
    {
        withOneBulkPeer(600, 50, 2, 1010, (node, rawNid, bundle) ->
        {
            sendWhole(node, rawNid, bundle[2]);

            // A second send 28 s later, larger than the socket takes: the socket's bytes have not moved
            // since, so its deadline does not start again.
            clock.advance(28, TimeUnit.SECONDS);
            final int second = 1 << 20;
            send(node, rawNid, 2, second);
            assertTrue(Await.until(() -> bundle[2].unsentByRemote() > 2 * FIRST_SIZE, 5_000),
                () -> "the second message fills the node's socket: " + bundle[2].unsentByRemote());
            clock.advance(10, TimeUnit.SECONDS);
            assertFalse(bundle[0].drain(500).closed(), "40 s without progress: the peer stays");
            node.pollCompletions(completions, 16);
            assertEquals(1, completions.done.size(), "the second send still pending");

            clock.advance(15, TimeUnit.SECONDS);
            assertTrue(bundle[0].drain(3_000).closed(), "past sock_timeout: the connections close");
            assertTrue(bundle[1].drain(1_000).closed());
            assertTrue(Await.until(() ->
            {
                node.pollCompletions(completions, 16);
                return completions.done.size() == 2;
            }, 5_000), () -> "completions: " + completions.done.size());
            assertEquals(2L, completions.done.get(1)[0]);
            assertEquals(-Errno.ETIMEDOUT, (int)completions.done.get(1)[1], "the pending send fails");
            assertEquals(1L, node.counters().get("peer 127.0.86.2@tcp timeouts"));
        });
    }

    @Test
    void shouldCountAPeerAliveWhileItsSocketQueueShrinks() throws Exception
    {
        withOneBulkPeer(30, 600, 3, 1013, (node, rawNid, bundle) ->
        {
            sendWhole(node, rawNid, bundle[2]);

            clock.advance(18, TimeUnit.SECONDS);
            assertEquals(0, keepalives(bundle[1], 300));

            // The peer sends nothing but reads some of what is queued to it: the node's socket queue shrinks.
            final long queuedBefore = bundle[2].unsentByRemote();
            bundle[2].read(16_384, 5_000);
            assertTrue(Await.until(() -> bundle[2].unsentByRemote() < queuedBefore, 5_000));
            awaitSteadyQueue(bundle[2]);

            clock.advance(10, TimeUnit.SECONDS);
            assertEquals(0, keepalives(bundle[1], 500),
                "30 s since the peer last sent, but its socket queue moved: no keepalive");

            clock.advance(30, TimeUnit.SECONDS);
            assertEquals(1, keepalives(bundle[1], 1_000), "nothing moved for 30 s: a keepalive");
        });
    }

    @Test
    void shouldChooseTheBulkConnectionWithTheFewestBytesInItsSocket() throws Exception
    {
        withPeer(config(), 4, 1016, RAW_RECEIVE_BUFFER, TWO_BULK, TWO_BULK_TAKEN, (node, rawNid, bundle) ->
        {
            sendWhole(node, rawNid, bundle[2], bundle[3]);
            final int stalled = bundle[2].unsentByRemote() > 0 ? 2 : 3;
            final int other = 5 - stalled;

            send(node, rawNid, 2, FIRST_SIZE);
            assertTrue(Await.until(() -> bundle[other].unsentByRemote() > 0, 5_000),
                "the second message avoids the connection whose socket holds the first");

            // The peer reads the second message whole: that socket empties, the first stays stuck, and the
            // least queued wins over the least recently used.
            bundle[other].read(MESSAGE_OVERHEAD + FIRST_SIZE, 5_000);
            assertTrue(Await.until(() -> bundle[other].unsentByRemote() == 0, 5_000));
            final long stuck = bundle[stalled].unsentByRemote();
            send(node, rawNid, 3, FIRST_SIZE);
            final byte[] third = bundle[other].read(MESSAGE_OVERHEAD + FIRST_SIZE, 5_000);
            assertEquals(3L, longAt(third, HandBytes.KSOCK_LENGTH + HandBytes.LNET_MATCH_BITS));
            assertEquals(stuck, bundle[stalled].unsentByRemote(), "nothing more on the stalled connection");
        });
    }

    @Test
    void shouldTakeEquallyQueuedBulkConnectionsInTurn() throws Exception
    {
        withPeer(config(), 5, 1005, 0, TWO_BULK, TWO_BULK_TAKEN, (node, rawNid, bundle) ->
        {
            final int size = 4_000;
            int previous = -1;
            for (int i = 0; i < 6; i++)
            {
                send(node, rawNid, i, size);
                final int got = arrivedOn(bundle, MESSAGE_OVERHEAD + size);
                assertTrue(got != previous, "message " + i + " on the connection not used last: " + got);
                previous = got;
                assertTrue(Await.until(() -> bundle[2].unsentByRemote() == 0 && bundle[3].unsentByRemote() == 0,
                    5_000), "both sockets empty before the next choice");
            }
        });
    }

    @Test
    void shouldStartAZcRequestsDeadlineAtItsFirstTransmit() throws Exception
    {
        // Zero copy asked for: AUTO may copy, and a copied send carries no ZC request.
        final NodeConfig config = config().zcMode(ZcProbe.zeroCopyMode()).keepalive(600, TimeUnit.SECONDS)
            .sockTimeout(50, TimeUnit.SECONDS);
        withPeer(config, 6, 1000, RAW_RECEIVE_BUFFER, TYPES, ONE_BULK_TAKEN, (node, rawNid, bundle) ->
        {
            final int size = 1 << 20;
            send(node, rawNid, 1, size);
            send(node, rawNid, 2, size);
            assertTrue(Await.until(() -> bundle[2].unsentByRemote() > 0, 5_000));

            // The first request takes 45 s to go out; the second waits behind it, not transmitted yet.
            clock.advance(45, TimeUnit.SECONDS);
            final byte[] first = bundle[2].read(MESSAGE_OVERHEAD + size, 10_000);
            final long cookie = longAt(first, 8);
            assertTrue(cookie >= 2, "a ZC request: cookie " + cookie);
            bundle[1].write(HandBytes.ksock(HandBytes.MSG_NOOP, 0, 0, cookie));
            assertTrue(Await.until(() ->
            {
                node.pollCompletions(completions, 16);
                return completions.done.size() == 1;
            }, 5_000), "the first request is ACKed");
            assertEquals(0L, completions.done.get(0)[1]);
            assertTrue(Await.until(() -> bundle[2].unsentByRemote() > 0, 5_000), "the second goes out now");

            clock.advance(15, TimeUnit.SECONDS);
            assertFalse(bundle[0].drain(500).closed(), "queued 60 s ago, first transmitted 15 s ago: the peer stays");
            assertEquals(0L, node.counters().get("io zc_timeouts"));

            clock.advance(36, TimeUnit.SECONDS);
            assertTrue(bundle[0].drain(3_000).closed(), "un-ACKed for sock_timeout since its first transmit");
            assertEquals(1L, node.counters().get("io zc_timeouts"));
        });
    }

    /**
     * Read one whole message from whichever of the raw peer's two BULK_IN connections it came on.
     *
     * @return the index of that connection in the bundle.
     */
    private static int arrivedOn(final RawPeer[] bundle, final int length) throws Exception
    {
        for (int round = 0; round < 50; round++)
        {
            for (int i = 2; i <= 3; i++)
            {
                if (bundle[i].unreadLocally() > 0)
                {
                    bundle[i].read(length, 5_000);
                    return i;
                }
            }
            Await.sleep(20);
        }
        throw new AssertionError("no message on either BULK_IN connection");
    }

    private static NodeConfig config()
    {
        return TestNodes.config(NODE_IP + "@tcp").zcMode(NodeConfig.ZcMode.COPY).bufferSizes(256 * 1024, 0);
    }

    /**
     * Run a test body against a node on this test's clock and a raw V3 peer 127.0.86.HOST that opened connections
     * of the types given from consecutive ports, each with that receive buffer (0: the system's).
     */
    private void withPeer(
        final NodeConfig config, final int host, final int firstPort, final int receiveBuffer, final int[] types,
        final List<String> taken, final PeerBody body) throws Exception
    {
        final long rawNid = HandBytes.tcpNid(127, 0, 86, host);
        try (Node node = Node.start(config, new TestNodes.RecordingHandler(), null, clock))
        {
            final RawPeer[] bundle = ReceiveRulesTest.openV3Windowed(
                NODE_IP, NODE_NID, "127.0.86." + host, rawNid, firstPort, receiveBuffer, types);
            try
            {
                assertTrue(Await.until(() -> HelloCloseTest.typesOf(node, rawNid).equals(taken), 5_000),
                    () -> node.connections().toString());
                body.run(node, rawNid, bundle);
            }
            finally
            {
                ReceiveRulesTest.closeAll(bundle);
            }
        }
    }

    /**
     * {@link #withPeer} with a copying node of these keepalive and sock_timeout seconds, and a peer with one
     * connection of each type.
     */
    private void withOneBulkPeer(
        final long keepaliveSeconds, final long sockTimeoutSeconds, final int host, final int firstPort,
        final PeerBody body) throws Exception
    {
        final NodeConfig config = config().keepalive(keepaliveSeconds, TimeUnit.SECONDS)
            .sockTimeout(sockTimeoutSeconds, TimeUnit.SECONDS);
        withPeer(config, host, firstPort, RAW_RECEIVE_BUFFER, TYPES, ONE_BULK_TAKEN, body);
    }

    private interface PeerBody
    {
        void run(Node node, long rawNid, RawPeer[] bundle) throws Exception;
    }

    /**
     * Send a message the node's socket takes whole but the raw peer does not read, and let the node's timer see
     * what its socket keeps: then nothing moves until the peer reads.
     */
    private void sendWhole(final Node node, final long rawNid, final RawPeer... bulkIn) throws Exception
    {
        send(node, rawNid, 1, FIRST_SIZE);
        assertTrue(Await.until(() ->
        {
            node.pollCompletions(completions, 16);
            return completions.done.size() == 1;
        }, 5_000), "a copied send completes once in the socket");
        assertEquals(0L, completions.done.get(0)[1]);
        long queued = 0;
        for (final RawPeer c : bulkIn)
        {
            queued += c.unsentByRemote();
        }
        assertTrue(queued > FIRST_SIZE / 2, "queued in the node's socket: " + queued);
        for (int i = 0; i < 2; i++)
        {
            clock.advance(1, TimeUnit.SECONDS);
            Await.sleep(500);
        }
    }

    private void send(final Node node, final long rawNid, final long correlationId, final int size)
    {
        final UnsafeBuffer payload = DirectMemory.allocate(size);
        payloads.add(payload);
        assertTrue(node.send(rawNid, PID_LUSTRE, TestNodes.putHeader(NODE_NID, rawNid, correlationId,
            ByteBuffer.allocateDirect(size), size), 0, DirectMemory.address(payload, 0), size, correlationId));
    }

    /**
     * Wait until the node's socket queue to the raw peer stops changing (the window the peer's read opened is
     * full again).
     */
    private static void awaitSteadyQueue(final RawPeer bulkIn)
    {
        final long[] last = {-2};
        assertTrue(Await.until(() ->
        {
            final long now = bulkIn.unsentByRemote();
            final boolean steady = now == last[0];
            last[0] = now;
            Await.sleep(100);
            return steady;
        }, 5_000));
    }

    /**
     * Keepalive NOOPs {0, 1} arriving on the raw peer's BULK_OUT connection (the node's ACK connection).
     */
    private static int keepalives(final RawPeer ackConnection, final int waitMs) throws Exception
    {
        final byte[] bytes = ackConnection.drain(waitMs).bytes();
        assertEquals(0, bytes.length % HandBytes.KSOCK_LENGTH, "whole ksock headers only");
        for (int at = 0; at < bytes.length; at += HandBytes.KSOCK_LENGTH)
        {
            assertEquals(HandBytes.MSG_NOOP, intAt(bytes, at));
            assertEquals(0L, longAt(bytes, at + 8));
            assertEquals(1L, longAt(bytes, at + 16));
        }
        return bytes.length / HandBytes.KSOCK_LENGTH;
    }
}
