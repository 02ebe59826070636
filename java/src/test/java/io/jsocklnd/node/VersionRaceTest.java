package io.jsocklnd.node;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.ChildNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connection races between two processes, each case {@value #ROUNDS} rounds: both nodes start sending to
 * each other with a seeded random skew of 0-50 ms, so both connect at once. Every round ends with one set
 * of connections on each side within 5 s, no connection opened and dropped on the way, and every message
 * delivered once and intact (CRC32C). The two child JVMs stay up for all rounds; each round restarts the
 * node inside them on fresh addresses with a new incarnation (spawning 2 x 200 JVMs would take minutes).
 * Set {@code -Djsocklnd.test.seed=N} to replay the skews and payloads. A hello exchange on loopback takes
 * well under a millisecond, so only the rounds with the smallest skews cross in flight; the totals printed
 * say how many did, and {@link V1RaceLockstepTest} forces the crossing of each case.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VersionRaceTest
{
    private static final int ROUNDS = 50;
    private static final int COUNT = 20;
    private static final int MAX_SKEW_MS = 50;
    private static final String V3_SET = "CONNECTIONS BULK_IN V3,BULK_OUT V3,CONTROL V3";
    private static final String V1_SET = "CONNECTIONS ANY V1";

    private final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
    private ChildNode x;
    private ChildNode y;

    @BeforeAll
    void startChildren() throws Exception
    {
        System.out.println("VersionRaceTest seed=" + seed);
        x = ChildNode.start("--nid", "127.0.40.1@tcp", "--reconnect-ms", "50");
        y = ChildNode.start("--nid", "127.0.40.2@tcp", "--reconnect-ms", "50");
    }

    @AfterAll
    void stopChildren()
    {
        if (null != x)
        {
            x.close();
        }
        if (null != y)
        {
            y.close();
        }
    }

    @Test
    void shouldSettleRacesBetweenTwoCurrentNodesOnOneV3Set()
    {
        run(1, 0, Placement.RANDOM, false, V3_SET);
    }

    @Test
    void shouldSettleRacesBetweenANodeAlreadyUsingV1AndALegacyV1Node()
    {
        run(2, 1, Placement.RANDOM, true, V1_SET);
    }

    @Test
    void shouldSettleRacesOfAV3ConnectAgainstAV1NodeThatWins()
    {
        run(3, 1, Placement.LEGACY_HIGHER, false, V1_SET);
    }

    @Test
    void shouldSettleRacesOfAV3ConnectAgainstAV1NodeThatLosesAndIsRescheduled()
    {
        run(4, 1, Placement.LEGACY_LOWER, false, V1_SET);
    }

    private enum Placement
    {
        RANDOM,
        LEGACY_HIGHER,
        LEGACY_LOWER
    }

    private record Totals(long raceRefusalsByX, long raceRefusalsByY, long fallbacks)
    {
    }

    /**
     * Rounds of one case: x is always a current node, y a current or legacy node.
     */
    private void run(final int caseNumber, final int yLegacy, final Placement placement, final boolean learnV1First,
        final String expected)
    {
        final SplittableRandom random = new SplittableRandom(seed + caseNumber);
        long raceByX = 0;
        long raceByY = 0;
        long fallbacks = 0;
        for (int round = 0; round < ROUNDS; round++)
        {
            final String low = "127.0." + (40 + caseNumber) + "." + (2 * round + 1) + "@tcp";
            final String high = "127.0." + (40 + caseNumber) + "." + (2 * round + 2) + "@tcp";
            final boolean yHigh = placement == Placement.LEGACY_HIGHER ||
                (placement == Placement.RANDOM && random.nextBoolean());
            final String xNid = yHigh ? low : high;
            final String yNid = yHigh ? high : low;
            final boolean xFirst = random.nextBoolean();
            final int skewMs = random.nextInt(MAX_SKEW_MS + 1);
            final long planSeed = random.nextLong();
            final String where = "case " + caseNumber + " round " + round + " x=" + xNid + " y=" + yNid + " (legacy " +
                yLegacy + ") " + (xFirst ? "x" : "y") + " first by " + skewMs + " ms";

            assertEquals("READY " + xNid, x.call("restart " + xNid + " 0", 10_000), where);
            assertEquals("READY " + yNid, y.call("restart " + yNid + " " + yLegacy, 10_000), where);

            long xFallbacksBefore = 0;
            if (learnV1First)
            {
                assertEquals("WARM", x.call("warmup " + yNid, 15_000), where);
                awaitConnections(xNid, yNid, V1_SET, where);
                xFallbacksBefore = value(counters(x, yNid), "peer " + yNid + " version_fallbacks");
                assertEquals(2L, xFallbacksBefore, where + ": V3 and V2 refused before V1");
                assertEquals("DISCONNECTED", x.call("disconnect " + yNid, 5_000), where);
                awaitConnections(xNid, yNid, "CONNECTIONS ", where);
            }
            final Map<String, Long> xBefore = counters(x, yNid);
            final Map<String, Long> yBefore = counters(y, xNid);

            final ChildNode first = xFirst ? x : y;
            final ChildNode second = xFirst ? y : x;
            assertEquals("SENDING", first.call("send " + (xFirst ? yNid : xNid) + " " + COUNT + " " + planSeed, 5_000), where);
            sleep(skewMs);
            assertEquals("SENDING", second.call("send " + (xFirst ? xNid : yNid) + " " + COUNT + " " + (planSeed + 1), 5_000), where);

            checkDelivery(x, yNid, where + " at x");
            checkDelivery(y, xNid, where + " at y");
            awaitConnections(xNid, yNid, expected, where);
            sleep(20);
            assertEquals(expected, x.call("connections " + yNid, 5_000), where);
            assertEquals(expected, y.call("connections " + xNid, 5_000), where);

            final Map<String, Long> xAfter = counters(x, yNid);
            final Map<String, Long> yAfter = counters(y, xNid);
            final String state = where + " x=" + xAfter + " y=" + yAfter;
            assertEquals(value(xBefore, "peer " + yNid + " conns_closed"), value(xAfter, "peer " + yNid + " conns_closed"),
                "no connection opened and dropped at x: " + state);
            assertEquals(value(yBefore, "peer " + xNid + " conns_closed"), value(yAfter, "peer " + xNid + " conns_closed"),
                "no connection opened and dropped at y: " + state);
            assertEquals(0L, value(xAfter, "peer " + yNid + " connect_failures"), state);
            assertEquals(0L, value(yAfter, "peer " + xNid + " connect_failures"), state);
            if (learnV1First)
            {
                assertEquals(xFallbacksBefore, value(xAfter, "peer " + yNid + " version_fallbacks"),
                    "x went straight to V1: " + state);
            }
            raceByX += value(xAfter, "peer " + yNid + " hellos_refused_race");
            raceByY += value(yAfter, "peer " + xNid + " hellos_refused_race");
            fallbacks += value(xAfter, "peer " + yNid + " version_fallbacks") - xFallbacksBefore;
        }
        System.out.println("VersionRaceTest case " + caseNumber + ": " + ROUNDS + " rounds, " +
            new Totals(raceByX, raceByY, fallbacks));
    }

    private void checkDelivery(final ChildNode node, final String peer, final String where)
    {
        final String result = node.call("await " + peer + " " + COUNT + " 20000", 25_000);
        assertNotNull(result, where + ": no answer");
        assertTrue(result.startsWith("RESULT "), where + ": " + result);
        final CheckingReceiver.Report report = CheckingReceiver.Report.parse(result.substring("RESULT ".length()));
        assertEquals(COUNT, report.received, where + ": " + result);
        assertTrue(report.perfect(), where + ": " + result);
        assertTrue(result.contains(" sender_perfect=true"), where + ": " + result);
    }

    private void awaitConnections(final String xNid, final String yNid, final String expected, final String where)
    {
        assertTrue(Await.until(() -> expected.equals(x.call("connections " + yNid, 5_000)) &&
            expected.equals(y.call("connections " + xNid, 5_000)), 5_000),
            () -> where + ": expected " + expected + " x: " + x.call("connections " + yNid, 5_000) +
                " y: " + y.call("connections " + xNid, 5_000));
    }

    private static Map<String, Long> counters(final ChildNode node, final String peer)
    {
        final String line = node.call("counters " + peer, 5_000);
        assertNotNull(line);
        assertTrue(line.startsWith("COUNTERS "), line);
        final Map<String, Long> values = new HashMap<>();
        for (final String entry : line.substring("COUNTERS ".length()).split(";"))
        {
            final int at = entry.lastIndexOf('=');
            if (at > 0)
            {
                values.put(entry.substring(0, at), Long.parseLong(entry.substring(at + 1)));
            }
        }
        return values;
    }

    private static long value(final Map<String, Long> counters, final String label)
    {
        return counters.getOrDefault(label, 0L);
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
