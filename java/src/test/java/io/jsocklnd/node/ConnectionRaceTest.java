package io.jsocklnd.node;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.wire.Nid;
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
 * every message arrives once.
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
        assertTrue(raceRefusals > 0, "the rounds never raced");
    }

    private static NodeConfig config(final String nid)
    {
        return TestNodes.config(nid).reconnect(50, 500, TimeUnit.MILLISECONDS);
    }
}
