package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes that start sending to each other at the same moment connect to each other at once; the race
 * rule leaves exactly one connection of each type on each side, none opened and dropped on the way, and
 * every message arrives once. With threads the crossing is left to timing; driven in lockstep it is forced.
 */
@Timeout(120)
class ConnectionRaceTest
{
    private static final int ROUNDS = 20;
    private static final int COUNT = 60;
    private static final List<String> BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");

    @Test
    void shouldEndWithOneConnectionSetWhenBothNodesConnectAtOnce() throws Exception
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        System.out.println("ConnectionRaceTest seed=" + seed);
        long raceRefusals = 0;
        long retries = 0;
        for (int round = 0; round < ROUNDS; round++)
        {
            final String aText = "127.0.37." + (2 * round + 1) + "@tcp";
            final String bText = "127.0.37." + (2 * round + 2) + "@tcp";
            final long aNid = Nid.parse(aText);
            final long bNid = Nid.parse(bText);
            try (TrafficEndpoint a = TrafficEndpoint.start(config(aText), 4 * COUNT);
                TrafficEndpoint b = TrafficEndpoint.start(config(bText), 4 * COUNT))
            {
                final String problems = Exchange.both(
                    a, b, Traffic.plan(seed + 2L * round, COUNT), Traffic.plan(seed + 2L * round + 1, COUNT), 20_000, false);
                assertNull(problems, "round " + round);

                assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(BUNDLE) && b.connectionTypes(aNid).equals(BUNDLE),
                    5_000), () -> "a=" + a.node().connections() + " b=" + b.node().connections());
                Await.sleep(200);
                final Map<String, Long> ac = a.node().counters();
                final Map<String, Long> bc = b.node().counters();
                final String round1 = "round " + round + " a=" + ac + " b=" + bc;
                assertEquals(BUNDLE, a.connectionTypes(bNid), round1);
                assertEquals(BUNDLE, b.connectionTypes(aNid), round1);
                assertEquals(3L, ac.get("peer " + bText + " conns_opened"), round1);
                assertEquals(3L, bc.get("peer " + aText + " conns_opened"), round1);
                assertEquals(0L, ac.get("peer " + bText + " conns_closed"), round1);
                assertEquals(0L, bc.get("peer " + aText + " conns_closed"), round1);
                assertEquals(0L, ac.get("peer " + bText + " connect_failures"), round1);
                assertEquals(0L, bc.get("peer " + aText + " connect_failures"), round1);
                raceRefusals += ac.get("peer " + bText + " hellos_refused_race") + bc.get("peer " + aText + " hellos_refused_race");
                retries += ac.get("peer " + bText + " hellos_refused_by_peer") + bc.get("peer " + aText + " hellos_refused_by_peer");
            }
        }
        System.out.println("ConnectionRaceTest: " + ROUNDS + " rounds, race refusals=" + raceRefusals +
            " hellos refused by peer=" + retries);
    }

    /**
     * Driven in lockstep, both nodes start connecting in the same cycle, before either hello has arrived:
     * the higher NID refuses the lower one's hello (race rule), the lower retries later and finds the set
     * complete.
     */
    @Test
    void shouldResolveConnectionsCrossingInFlightByTheRaceRule() throws Exception
    {
        for (int round = 0; round < 5; round++)
        {
            final String aText = "127.0.37." + (101 + 2 * round) + "@tcp";
            final String bText = "127.0.37." + (102 + 2 * round) + "@tcp";
            final long aNid = Nid.parse(aText);
            final long bNid = Nid.parse(bText);
            try (TrafficEndpoint a = TrafficEndpoint.start(config(aText).threadingMode(NodeConfig.ThreadingMode.INVOKER), 64);
                TrafficEndpoint b = TrafficEndpoint.start(config(bText).threadingMode(NodeConfig.ThreadingMode.INVOKER), 64))
            {
                final Traffic ab = Traffic.plan(round, 10);
                final Traffic ba = Traffic.plan(round + 100, 10);
                final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
                for (int i = 0; i < ab.count(); i++)
                {
                    Traffic.putHeader(header, aNid, bNid, i, ab.size(i), ab.crc(i));
                    assertTrue(a.node().send(bNid, WireConstants.LNET_PID_LUSTRE, header, 0, ab.payloadAddress(i), ab.size(i), i));
                    Traffic.putHeader(header, bNid, aNid, i, ba.size(i), ba.crc(i));
                    assertTrue(b.node().send(aNid, WireConstants.LNET_PID_LUSTRE, header, 0, ba.payloadAddress(i), ba.size(i), i));
                }
                final int[] completions = new int[2];
                final int[] failures = new int[1];
                final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                for (int cycle = 0; cycle < 10_000_000 && System.nanoTime() - deadlineNs < 0; cycle++)
                {
                    a.node().doWork();
                    b.node().doWork();
                    a.node().pollCompletions((id, status) -> { completions[0]++; failures[0] += status == 0 ? 0 : 1; }, 64);
                    b.node().pollCompletions((id, status) -> { completions[1]++; failures[0] += status == 0 ? 0 : 1; }, 64);
                    if (completions[0] == ab.count() && completions[1] == ba.count() &&
                        a.connectionTypes(bNid).equals(BUNDLE) && b.connectionTypes(aNid).equals(BUNDLE))
                    {
                        break;
                    }
                }
                final long settleNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (System.nanoTime() - settleNs < 0)
                {
                    a.node().doWork();
                    b.node().doWork();
                }
                final Map<String, Long> ac = a.node().counters();
                final Map<String, Long> bc = b.node().counters();
                final String state = "round " + round + " a=" + ac + " b=" + bc;
                assertEquals(1L, bc.get("peer " + aText + " hellos_refused_race"), state);
                assertEquals(1L, ac.get("peer " + bText + " hellos_refused_by_peer"), state);
                assertEquals(0L, ac.get("peer " + bText + " hellos_refused_race"), "the lower NID never refuses: " + state);
                assertEquals(BUNDLE, a.connectionTypes(bNid), state);
                assertEquals(BUNDLE, b.connectionTypes(aNid), state);
                assertEquals(3L, ac.get("peer " + bText + " conns_opened"), state);
                assertEquals(3L, bc.get("peer " + aText + " conns_opened"), state);
                assertEquals(ab.count(), completions[0]);
                assertEquals(ba.count(), completions[1]);
                assertEquals(0, failures[0]);
                assertTrue(b.receiver().report(ab.count(), aNid, 1024).perfect());
                assertTrue(a.receiver().report(ba.count(), bNid, 1024).perfect());
                assertEquals(ab.count(), b.receiver().report(ab.count(), aNid, 1024).received);
                assertEquals(ba.count(), a.receiver().report(ba.count(), bNid, 1024).received);
            }
        }
    }

    private static NodeConfig config(final String nid)
    {
        return TestNodes.config(nid).reconnect(50, 500, TimeUnit.MILLISECONDS);
    }
}
