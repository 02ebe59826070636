package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.ChildNode;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.harness.TrafficSender;
import io.jsocklnd.wire.Nid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exchange of {@link TwoNodeExchangeTest} between this JVM and a node in a child JVM
 * ({@link io.jsocklnd.harness.NodeProcess}). Set {@code -Djsocklnd.test.seed=N} to replay a run.
 */
@Timeout(120)
class TwoProcessExchangeTest
{
    private static final String A = "127.0.32.1@tcp";
    private static final String B = "127.0.32.2@tcp";
    private static final int COUNT = 10_000;
    private static final List<String> BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");

    @Test
    void shouldDeliverTenThousandMessagesEachWayBetweenTwoProcesses() throws Exception
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        System.out.println("TwoProcessExchangeTest seed=" + seed);
        final Traffic aToB = Traffic.plan(seed, COUNT);
        final long aNid = Nid.parse(A);
        final long bNid = Nid.parse(B);

        try (ChildNode b = ChildNode.start("--nid", B);
            TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(A), COUNT + 16))
        {
            assertNull(a.warmUp(bNid, 10_000));
            assertEquals("WARM", b.call("warmup " + A, 15_000));
            assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(BUNDLE) &&
                    ("CONNECTIONS " + String.join(",", BUNDLE)).equals(b.call("connections " + A, 5_000)), 10_000),
                () -> "a=" + a.node().connections() + " b: " + b.call("connections " + A, 5_000));
            final List<String> aConnections = a.node().connections();

            final long startNs = System.nanoTime();
            assertEquals("SENDING", b.call("send " + A + " " + COUNT + " " + (seed + 1), 10_000));
            final TrafficSender sendAB = a.send(bNid, aToB, 60_000);
            final String childResult = b.call("await " + A + " " + COUNT + " 60000", 70_000);
            assertNotNull(childResult, "no answer from the child");
            assertTrue(Await.until(() -> a.receiver().count() >= COUNT + 2 && sendAB.finished(), 60_000),
                () -> "a received " + a.receiver().count() + " ab: " + sendAB.summary());
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            System.out.println("TwoProcessExchangeTest: " + COUNT + " messages each way in " + elapsedMs + " ms");
            System.out.println("TwoProcessExchangeTest child (a->b, b's sends): " + childResult);

            assertTrue(childResult.startsWith("RESULT "), childResult);
            final CheckingReceiver.Report atB = CheckingReceiver.Report.parse(childResult.substring("RESULT ".length()));
            assertTrue(atB.perfectInClassOrder(), "a->b: " + atB);
            assertEquals(COUNT, atB.received, "a->b");
            assertTrue(childResult.contains(" small_type=CONTROL "), childResult);
            assertTrue(childResult.contains(" large_type=BULK_IN "), childResult);
            assertTrue(childResult.contains(" sender_perfect=true"), "b->a sends: " + childResult);

            assertTrue(sendAB.perfect(), "a->b sends: " + sendAB.summary());
            final CheckingReceiver.Report atA = a.receiver().report(COUNT, bNid, 1024);
            System.out.println("TwoProcessExchangeTest b->a: " + atA);
            assertTrue(atA.perfectInClassOrder(), "b->a: " + atA);
            assertEquals(COUNT, atA.received, "b->a");
            assertEquals(1, atA.smallConnections.size());
            assertEquals(1, atA.largeConnections.size());
            assertEquals("CONTROL", a.typeOf(atA.smallConnections.first()));
            assertEquals("BULK_IN", a.typeOf(atA.largeConnections.first()));
            assertEquals(aConnections, a.node().connections(), "a's connections changed during the run");
        }
    }
}
