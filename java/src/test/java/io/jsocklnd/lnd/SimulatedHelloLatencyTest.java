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
    /** Idle duty cycles of both nodes after which the delayed node's clock moves on. */
    private static final int CYCLES_PER_STEP = 20_000;
    private static final int MAX_LATENCIES = 30;

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
        final ManualClock clock = new ManualClock();
        try (TrafficEndpoint delayed = TrafficEndpoint.start(invoker("127.0.57.1@tcp", LATENCY_MS), 16, clocked(clock));
            TrafficEndpoint plain = TrafficEndpoint.start(invoker("127.0.57.2@tcp", 0), 16))
        {
            final Progress progress = connectAndDeliver(delayed, plain, clock);
            // Three connections one after another, each waiting for its own hello: three latencies at least. The
            // delayed node's clock moves only between idle cycles, so a doWork that waited for it would never return.
            assertTrue(progress.latencies >= 3, progress.toString());
            assertEquals(3L, delayed.node().counters().get("peer 127.0.57.2@tcp connect_attempts"));
        }
    }

    @Test
    void shouldHoldBackEachReplyWithoutBlockingDoWork() throws Exception
    {
        final ManualClock clock = new ManualClock();
        try (TrafficEndpoint delayed = TrafficEndpoint.start(invoker("127.0.57.3@tcp", LATENCY_MS), 16, clocked(clock));
            TrafficEndpoint plain = TrafficEndpoint.start(invoker("127.0.57.4@tcp", 0), 16))
        {
            final Progress progress = connectAndDeliver(plain, delayed, clock);
            assertTrue(progress.latencies >= 3, progress.toString());
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
        final ManualClock clock = new ManualClock();
        try (Node node = Node.start(config, new TestNodes.RecordingHandler(), null, clock))
        {
            final RawPeer first = RawPeer.connect(rawIp, 0, nodeIp, WireConstants.LNET_ACCEPT_PORT);
            first.write(RawPeer.concat(RawPeer.connreq(ByteOrder.LITTLE_ENDIAN, nodeNid), RawPeer.hello(
                ByteOrder.LITTLE_ENDIAN, WireConstants.KSOCK_PROTO_V3, rawNid, nodeNid, WireConstants.LNET_PID_LUSTRE,
                1, SOCKLND_CONN_CONTROL)));
            assertTrue(Await.until(() -> node.counters().containsKey("peer " + rawIp + "@tcp connect_attempts"), 1_000),
                "hello read and admitted");
            first.close();
            assertTrue(Await.until(() -> node.counters().get("acceptor refused_io_error") == 1, 5_000),
                "the reset ends the wait while the node's clock stands still: " + node.counters());

            try (RawPeer second = RawPeer.connect(rawIp, 0, nodeIp, WireConstants.LNET_ACCEPT_PORT))
            {
                second.write(RawPeer.concat(RawPeer.connreq(ByteOrder.LITTLE_ENDIAN, nodeNid), RawPeer.hello(
                    ByteOrder.LITTLE_ENDIAN, WireConstants.KSOCK_PROTO_V3, rawNid, nodeNid,
                    WireConstants.LNET_PID_LUSTRE, 1, SOCKLND_CONN_CONTROL)));
                final RawPeer.Drained early = second.drain(300);
                assertTrue(early.bytes().length == 0 && !early.closed(), "reply held back: " + early);
                clock.advance(latencyMs, TimeUnit.MILLISECONDS);
                final HelloFlyweight reply = RawPeer.decodeHello(second.read(HelloFlyweight.V2_FIXED_LENGTH, 5_000));
                assertEquals(SOCKLND_CONN_CONTROL, reply.ctype(), "admitted again, not refused as a duplicate");
                assertEquals(0L, node.counters().get("peer " + rawIp + "@tcp hellos_refused_duplicate"));
            }
        }
    }

    /**
     * How many latencies the delayed node's clock had to move, and how many duty cycles ran before the first move.
     */
    private record Progress(int latencies, int cyclesBeforeFirst)
    {
    }

    private static TrafficEndpoint.Starter clocked(final ManualClock clock)
    {
        return (config, handler) -> Node.start(config, handler, null, clock);
    }

    /**
     * Drive both invoker nodes until the messages from {@code sender} have arrived and both hold the V3 set, moving
     * the delayed node's clock by one latency whenever both have been idle for a while.
     */
    private static Progress connectAndDeliver(
        final TrafficEndpoint sender, final TrafficEndpoint receiver, final ManualClock clock)
    {
        final Traffic plan = Traffic.plan(57, 2);
        final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
        for (int i = 0; i < plan.count(); i++)
        {
            Traffic.putHeader(header, sender.nid(), receiver.nid(), i, plan.size(i), plan.crc(i));
            assertTrue(sender.node().send(receiver.nid(), WireConstants.LNET_PID_LUSTRE, header, 0,
                plan.payloadAddress(i), plan.size(i), i));
        }
        int latencies = 0;
        int cyclesBeforeFirst = 0;
        for (int step = 0; step < MAX_LATENCIES; step++)
        {
            int idle = 0;
            for (int cycle = 0; cycle < MAX_CYCLES && idle < CYCLES_PER_STEP; cycle++)
            {
                final int work = sender.node().doWork() + receiver.node().doWork();
                idle = work == 0 ? idle + 1 : 0;
                cyclesBeforeFirst += latencies == 0 ? 1 : 0;
                if (receiver.receiver().count() == plan.count() &&
                    sender.connectionTypes(receiver.nid()).equals(BUNDLE) &&
                    receiver.connectionTypes(sender.nid()).equals(BUNDLE))
                {
                    assertTrue(receiver.receiver().report(plan.count(), sender.nid(), 1024).perfect());
                    final Progress progress = new Progress(latencies, cyclesBeforeFirst);
                    System.out.println("SimulatedHelloLatencyTest: " + progress);
                    return progress;
                }
                if (work == 0)
                {
                    Thread.onSpinWait();
                }
            }
            assertTrue(latencies > 0 || sender.connectionTypes(receiver.nid()).isEmpty(),
                "connected before the delayed node's clock moved");
            clock.advance(LATENCY_MS, TimeUnit.MILLISECONDS);
            latencies++;
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
