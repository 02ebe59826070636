package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.harness.TrafficSender;
import io.jsocklnd.wire.Nid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes in one JVM exchange a seeded plan of mixed-size messages in both directions at once.
 * Set {@code -Djsocklnd.test.seed=N} to replay a run.
 */
@Timeout(90)
class TwoNodeExchangeTest
{
    private static final String A = "127.0.31.1@tcp";
    private static final String B = "127.0.31.2@tcp";
    private static final int COUNT = 10_000;
    private static final List<String> BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");

    @Test
    void shouldDeliverTenThousandMessagesEachWayIntactOnceAndInOrderPerSizeClass() throws Exception
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        System.out.println("TwoNodeExchangeTest seed=" + seed);
        final Traffic aToB = Traffic.plan(seed, COUNT);
        final Traffic bToA = Traffic.plan(seed + 1, COUNT);
        final long aNid = Nid.parse(A);
        final long bNid = Nid.parse(B);

        try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(A), COUNT + 16);
            TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(B), COUNT + 16))
        {
            assertNull(a.warmUp(bNid, 10_000));
            assertNull(b.warmUp(aNid, 10_000));
            assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(BUNDLE) && b.connectionTypes(aNid).equals(BUNDLE),
                10_000), () -> "a=" + a.node().connections() + " b=" + b.node().connections());
            final List<String> aConnections = a.node().connections();
            final List<String> bConnections = b.node().connections();

            final long startNs = System.nanoTime();
            final TrafficSender sendAB = a.send(bNid, aToB, 60_000);
            final TrafficSender sendBA = b.send(aNid, bToA, 60_000);
            final int expected = COUNT + 2;
            assertTrue(Await.until(() -> b.receiver().count() >= expected && a.receiver().count() >= expected &&
                sendAB.finished() && sendBA.finished(), 60_000),
                () -> "b received " + b.receiver().count() + ", a received " + a.receiver().count() +
                    " ab: " + sendAB.summary() + " ba: " + sendBA.summary());
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            System.out.printf("TwoNodeExchangeTest: %d messages each way, %.1f MiB a->b, %.1f MiB b->a in %d ms%n",
                COUNT, aToB.totalBytes() / 1048576.0, bToA.totalBytes() / 1048576.0, elapsedMs);

            assertTrue(sendAB.perfect(), "a->b sends: " + sendAB.summary());
            assertTrue(sendBA.perfect(), "b->a sends: " + sendBA.summary());
            checkArrivals(b, aNid, aToB, "a->b");
            checkArrivals(a, bNid, bToA, "b->a");
            assertEquals(aConnections, a.node().connections(), "a's connections changed during the run");
            assertEquals(bConnections, b.node().connections(), "b's connections changed during the run");
        }
    }

    private static void checkArrivals(
        final TrafficEndpoint receiver, final long senderNid, final Traffic plan, final String direction)
    {
        final CheckingReceiver.Report report = receiver.receiver().report(plan.count(), senderNid, 1024);
        System.out.println("TwoNodeExchangeTest " + direction + ": " + report);
        assertTrue(report.perfectInClassOrder(), direction + ": " + report);
        assertEquals(plan.count(), report.received, direction);
        assertEquals(1, report.smallConnections.size(), direction + ": small messages used one connection");
        assertEquals(1, report.largeConnections.size(), direction + ": large messages used one connection");
        assertEquals("CONTROL", receiver.typeOf(report.smallConnections.first()), direction);
        assertEquals("BULK_IN", receiver.typeOf(report.largeConnections.first()), direction);
    }
}
