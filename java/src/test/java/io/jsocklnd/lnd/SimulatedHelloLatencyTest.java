package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test-only simulated hello latency ({@link NodeConfig#simulatedHelloLatency}) holds back every hello a
 * node writes, its own hellos and its replies alike, without ever blocking the conductor, and a connection
 * that fails during the wait ends it at once with its admission given back.
 */
@Timeout(60)
class SimulatedHelloLatencyTest
{
    private static final long LATENCY_MS = 300;
    private static final List<String> BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");
    private static final int MAX_CYCLES = 10_000_000;

    @Test
    void shouldBeOffByDefaultAndRefuseANegativeLatency()
    {
        assertEquals(0L, new NodeConfig().simulatedHelloLatencyNs());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(7), new NodeConfig().simulatedHelloLatency(7, TimeUnit.MILLISECONDS)
            .simulatedHelloLatencyNs());
        assertThrows(IllegalArgumentException.class, () -> new NodeConfig().simulatedHelloLatency(-1, TimeUnit.MILLISECONDS));
    }

    @Test
    void shouldHoldBackEachActiveHelloWithoutBlockingDoWork() throws Exception
    {
        try (TrafficEndpoint delayed = TrafficEndpoint.start(invoker("127.0.57.1@tcp", LATENCY_MS), 16);
            TrafficEndpoint plain = TrafficEndpoint.start(invoker("127.0.57.2@tcp", 0), 16))
        {
            final Timing timing = connectAndDeliver(delayed, plain);
            // Three connections one after another, each waiting for its own hello: at least three latencies.
            assertTrue(timing.elapsedMs >= 3 * LATENCY_MS, timing.toString());
            assertTrue(timing.longestDoWorkMs < LATENCY_MS && timing.cycles >= 100,
                "doWork never waits out the latency: " + timing);
            assertEquals(3L, delayed.node().counters().get("peer 127.0.57.2@tcp connect_attempts"));
        }
    }

    @Test
    void shouldHoldBackEachReplyWithoutBlockingDoWork() throws Exception
    {
        try (TrafficEndpoint delayed = TrafficEndpoint.start(invoker("127.0.57.3@tcp", LATENCY_MS), 16);
            TrafficEndpoint plain = TrafficEndpoint.start(invoker("127.0.57.4@tcp", 0), 16))
        {
            final Timing timing = connectAndDeliver(plain, delayed);
            assertTrue(timing.elapsedMs >= 3 * LATENCY_MS, timing.toString());
            assertTrue(timing.longestDoWorkMs < LATENCY_MS && timing.cycles >= 100,
                "doWork never waits out the latency: " + timing);
            assertEquals(3L, plain.node().counters().get("peer 127.0.57.3@tcp connect_attempts"));
        }
    }

    /**
     * The peer resets the connection while the reply to its hello is held back: the reset wakes the wait
     * (the socket asks for no events then, but errors are always reported), the write fails, and the
     * admission is given back, so the same peer's next connection of that type is taken, not refused as a
     * duplicate.
     */
    @Test
    void shouldEndTheWaitAtOnceWhenThePeerResetsDuringIt() throws Exception
    {
        final long latencyMs = 2_000;
        final String nodeIp = "127.0.57.5";
        final String rawIp = "127.0.57.6";
        final long nodeNid = Nid.parse(nodeIp + "@tcp");
        final long rawNid = Nid.parse(rawIp + "@tcp");
        final NodeConfig config = TestNodes.config(nodeIp + "@tcp").simulatedHelloLatency(latencyMs, TimeUnit.MILLISECONDS)
            .acceptMode(NodeConfig.AcceptMode.ALL);
        try (Node node = Node.start(config, new TestNodes.RecordingHandler()))
        {
            final RawPeer first = RawPeer.connect(rawIp, 0, nodeIp, WireConstants.LNET_ACCEPT_PORT);
            first.write(RawPeer.concat(RawPeer.connreq(ByteOrder.LITTLE_ENDIAN, nodeNid), RawPeer.hello(
                ByteOrder.LITTLE_ENDIAN, WireConstants.KSOCK_PROTO_V3, rawNid, nodeNid, WireConstants.LNET_PID_LUSTRE,
                1, SOCKLND_CONN_CONTROL)));
            assertTrue(Await.until(() -> node.counters().containsKey("peer " + rawIp + "@tcp connect_attempts"), 1_000),
                "hello read and admitted");
            final long resetNs = System.nanoTime();
            first.close();
            assertTrue(Await.until(() -> node.counters().get("acceptor refused_io_error") == 1, latencyMs / 2),
                "reset seen during the wait: " + node.counters());
            final long seenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resetNs);
            System.out.println("SimulatedHelloLatencyTest: reset ended a " + latencyMs + " ms wait after " + seenMs + " ms");

            try (RawPeer second = RawPeer.connect(rawIp, 0, nodeIp, WireConstants.LNET_ACCEPT_PORT))
            {
                final long startNs = System.nanoTime();
                final HelloFlyweight reply = RawPeer.decodeHello(second.handshake(ByteOrder.LITTLE_ENDIAN,
                    WireConstants.KSOCK_PROTO_V3, rawNid, nodeNid, 1, SOCKLND_CONN_CONTROL));
                final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
                assertEquals(SOCKLND_CONN_CONTROL, reply.ctype(), "admitted again, not refused as a duplicate");
                assertTrue(waitedMs >= latencyMs - 50, "reply held back: " + waitedMs + " ms");
                assertEquals(0L, node.counters().get("peer " + rawIp + "@tcp hellos_refused_duplicate"));
            }
        }
    }

    private record Timing(long elapsedMs, long longestDoWorkMs, int cycles)
    {
    }

    /**
     * Drive both invoker nodes until the messages from {@code sender} have arrived and both hold the V3 set.
     */
    private static Timing connectAndDeliver(final TrafficEndpoint sender, final TrafficEndpoint receiver)
    {
        final Traffic plan = Traffic.plan(57, 2);
        final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
        for (int i = 0; i < plan.count(); i++)
        {
            Traffic.putHeader(header, sender.nid(), receiver.nid(), i, plan.size(i), plan.crc(i));
            assertTrue(sender.node().send(receiver.nid(), WireConstants.LNET_PID_LUSTRE, header, 0,
                plan.payloadAddress(i), plan.size(i), i));
        }
        final long startNs = System.nanoTime();
        final long deadlineNs = startNs + TimeUnit.SECONDS.toNanos(20);
        long longestNs = 0;
        for (int cycle = 1; cycle <= MAX_CYCLES && System.nanoTime() - deadlineNs < 0; cycle++)
        {
            for (final TrafficEndpoint endpoint : List.of(sender, receiver))
            {
                final long beforeNs = System.nanoTime();
                endpoint.node().doWork();
                longestNs = Math.max(longestNs, System.nanoTime() - beforeNs);
            }
            if (receiver.receiver().count() == plan.count() && sender.connectionTypes(receiver.nid()).equals(BUNDLE) &&
                receiver.connectionTypes(sender.nid()).equals(BUNDLE))
            {
                final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
                assertTrue(receiver.receiver().report(plan.count(), sender.nid(), 1024).perfect());
                final Timing timing = new Timing(elapsedMs, TimeUnit.NANOSECONDS.toMillis(longestNs), cycle);
                System.out.println("SimulatedHelloLatencyTest: " + timing);
                return timing;
            }
        }
        throw new AssertionError("not connected: sender=" + sender.node().connections() + " receiver=" +
            receiver.node().connections());
    }

    private static NodeConfig invoker(final String nid, final long latencyMs)
    {
        return TestNodes.config(nid).threadingMode(NodeConfig.ThreadingMode.INVOKER)
            .simulatedHelloLatency(latencyMs, TimeUnit.MILLISECONDS);
    }
}
