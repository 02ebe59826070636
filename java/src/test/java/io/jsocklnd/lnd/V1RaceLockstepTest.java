package io.jsocklnd.lnd;

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
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The V1 connection races forced: both nodes are driven in lockstep ({@code ThreadingMode.INVOKER}) and
 * start connecting in the same cycle, so each hello arrives while its receiver is itself connecting. Each
 * case ends with the typed V1 connections a kernel has with a V1 peer (CONTROL, BULK_IN, BULK_OUT: the types do
 * not depend on the version, §7.1) on each side and every message delivered once, intact.
 */
@Timeout(60)
class V1RaceLockstepTest
{
    private static final List<String> V1_SET = List.of("BULK_IN V1", "BULK_OUT V1", "CONTROL V1");
    private static final int COUNT = 10;

    /**
     * Case B: the current node has fallen back to V1 towards the legacy node (two closes at V3, two at V2) when
     * the legacy node starts sending too: both V1 hellos are under way at once, the higher NID refuses the lower
     * one's hello, the lower retries after the backoff and finds the connection made.
     */
    @Test
    void shouldResolveCrossingV1HellosByTheRaceRule() throws Exception
    {
        final String current = "127.0.39.2@tcp";
        final String legacy = "127.0.39.1@tcp";
        try (TrafficEndpoint x = start(current, 0);
            TrafficEndpoint y = start(legacy, 1))
        {
            final long xNid = x.nid();
            final long yNid = y.nid();
            final Map<String, Long> xBefore = x.node().counters();
            final Map<String, Long> yBefore = y.node().counters();
            final Traffic xy = Traffic.plan(11, COUNT, 100);
            final Traffic yx = Traffic.plan(12, COUNT, 100);
            sendPlan(x, yNid, xy, 100);
            drive(x, y, () -> x.node().counters().getOrDefault("peer " + legacy + " version_fallbacks", 0L) == 2);
            assertTrue(y.connectionTypes(xNid).isEmpty() && x.connectionTypes(yNid).isEmpty());
            sendPlan(y, xNid, yx, 100);
            final int[] completions = new int[2];
            drive(y, x, () -> pollAll(x, completions, 0) >= COUNT && pollAll(y, completions, 1) >= COUNT &&
                x.connectionTypes(yNid).equals(V1_SET) && y.connectionTypes(xNid).equals(V1_SET));
            settle(x, y);

            final String state = "x=" + x.node().counters() + " y=" + y.node().counters();
            assertEquals(1L, delta(x, xBefore, "peer " + legacy + " hellos_refused_race"), state);
            assertEquals(1L, delta(y, yBefore, "peer " + current + " hellos_refused_by_peer"), state);
            assertEquals(2L, delta(x, xBefore, "peer " + legacy + " version_fallbacks"), "no fallback past V1: " + state);
            assertEndState(x, y, xy, yx, completions, xBefore, yBefore, state);
        }
    }

    /**
     * Case C, the V1 node loses: its V1 hello reaches the new node while that one is connecting with V3 and
     * has the higher NID, so it is refused (NONE, in V1) and rescheduled; the refused hello tells the new node
     * that the peer speaks V1, so once the V1 node has closed its V3 hello the new node offers V1 at once (no
     * second V3, no V2), which is taken, and the V1 node's retry finds the connection there.
     */
    @Test
    void shouldRescheduleTheV1NodeWhenItLosesTheRaceAgainstAV3Connect() throws Exception
    {
        final String current = "127.0.39.12@tcp";
        final String legacy = "127.0.39.11@tcp";
        try (TrafficEndpoint x = start(current, 0);
            TrafficEndpoint y = start(legacy, 1))
        {
            final Map<String, Long> xBefore = x.node().counters();
            final Map<String, Long> yBefore = y.node().counters();
            final Traffic xy = Traffic.plan(21, COUNT, 100);
            final Traffic yx = Traffic.plan(22, COUNT, 100);
            sendPlan(x, y.nid(), xy, 100);
            sendPlan(y, x.nid(), yx, 100);
            final int[] completions = new int[2];
            drive(y, x, () -> pollAll(x, completions, 0) >= COUNT && pollAll(y, completions, 1) >= COUNT &&
                x.connectionTypes(y.nid()).equals(V1_SET) && y.connectionTypes(x.nid()).equals(V1_SET));
            settle(x, y);

            final String state = "x=" + x.node().counters() + " y=" + y.node().counters();
            assertEquals(1L, delta(x, xBefore, "peer " + legacy + " hellos_refused_race"), state);
            assertEquals(1L, delta(y, yBefore, "peer " + current + " hellos_refused_by_peer"), state);
            assertEquals(0L, delta(x, xBefore, "peer " + legacy + " version_fallbacks"),
                "the refused V1 hello told the new node V1: " + state);
            assertEquals(1L, delta(y, yBefore, "acceptor refused_version"), "one close at V3: " + state);
            assertEndState(x, y, xy, yx, completions, xBefore, yBefore, state);
        }
    }

    /**
     * Case C, the V1 node wins: it has the higher NID, so the new node takes its V1 hello even while
     * connecting; the new node's V3 hello is closed by the V1 node and, once the V1 node's connection is
     * up, not retried in an older version.
     */
    @Test
    void shouldKeepTheV1NodesConnectionWhenItWinsTheRaceAgainstAV3Connect() throws Exception
    {
        final String current = "127.0.39.21@tcp";
        final String legacy = "127.0.39.22@tcp";
        try (TrafficEndpoint x = start(current, 0);
            TrafficEndpoint y = start(legacy, 1))
        {
            final Map<String, Long> xBefore = x.node().counters();
            final Map<String, Long> yBefore = y.node().counters();
            final Traffic xy = Traffic.plan(31, COUNT, 100);
            final Traffic yx = Traffic.plan(32, COUNT, 100);
            sendPlan(x, y.nid(), xy, 100);
            sendPlan(y, x.nid(), yx, 100);
            final int[] completions = new int[2];
            drive(y, x, () -> pollAll(x, completions, 0) >= COUNT && pollAll(y, completions, 1) >= COUNT &&
                x.connectionTypes(y.nid()).equals(V1_SET) && y.connectionTypes(x.nid()).equals(V1_SET));
            settle(x, y);

            final String state = "x=" + x.node().counters() + " y=" + y.node().counters();
            assertEquals(0L, delta(x, xBefore, "peer " + legacy + " hellos_refused_race"), state);
            assertEquals(0L, delta(y, yBefore, "peer " + current + " hellos_refused_by_peer"), "the V1 node's hello is taken: " + state);
            final long fallbacks = delta(x, xBefore, "peer " + legacy + " version_fallbacks");
            assertEquals(0L, fallbacks, "one close at V3 is tried again, by then the V1 node's connection is up: " + state);
            assertEquals(1L, delta(y, yBefore, "acceptor refused_version"), state);
            assertEndState(x, y, xy, yx, completions, xBefore, yBefore, state);
        }
    }

    private static TrafficEndpoint start(final String nid, final int legacy) throws Exception
    {
        return TrafficEndpoint.start(TestNodes.config(nid).legacyProtocol(legacy)
            .reconnect(50, 500, TimeUnit.MILLISECONDS).threadingMode(NodeConfig.ThreadingMode.INVOKER), 256);
    }

    private static void sendPlan(final TrafficEndpoint from, final long to, final Traffic plan, final long base)
    {
        final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
        for (int i = 0; i < plan.count(); i++)
        {
            Traffic.putHeader(header, from.nid(), to, base + i, plan.size(i), plan.crc(i));
            assertTrue(from.node().send(to, WireConstants.LNET_PID_LUSTRE, header, 0, plan.payloadAddress(i), plan.size(i),
                base + i));
        }
    }

    private static int pollAll(final TrafficEndpoint node, final int[] completions, final int slot)
    {
        node.node().pollCompletions((id, status) -> completions[slot] += status == 0 ? 1 : 1_000_000, 64);
        return completions[slot];
    }

    /**
     * Run both nodes' duty cycles in turn, {@code first} first in each cycle, until done.
     */
    private static void drive(final TrafficEndpoint first, final TrafficEndpoint second, final BooleanSupplier done)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int cycle = 0; cycle < 10_000_000 && System.nanoTime() - deadlineNs < 0; cycle++)
        {
            first.node().doWork();
            second.node().doWork();
            if (done.getAsBoolean())
            {
                return;
            }
        }
        throw new AssertionError("not done in 10 s: " + first.node().connections() + " / " + second.node().connections());
    }

    private static void settle(final TrafficEndpoint x, final TrafficEndpoint y)
    {
        final long endNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
        while (System.nanoTime() - endNs < 0)
        {
            x.node().doWork();
            y.node().doWork();
        }
    }

    private static long delta(final TrafficEndpoint node, final Map<String, Long> before, final String label)
    {
        return node.node().counters().getOrDefault(label, 0L) - before.getOrDefault(label, 0L);
    }

    private static void assertEndState(
        final TrafficEndpoint x,
        final TrafficEndpoint y,
        final Traffic xy,
        final Traffic yx,
        final int[] completions,
        final Map<String, Long> xBefore,
        final Map<String, Long> yBefore,
        final String state)
    {
        final String xText = Nid.toString(x.nid());
        final String yText = Nid.toString(y.nid());
        assertEquals(V1_SET, x.connectionTypes(y.nid()), state);
        assertEquals(V1_SET, y.connectionTypes(x.nid()), state);
        assertEquals(3L, delta(x, xBefore, "peer " + yText + " conns_opened"), state);
        assertEquals(3L, delta(y, yBefore, "peer " + xText + " conns_opened"), state);
        assertEquals(0L, delta(x, xBefore, "peer " + yText + " conns_closed"), state);
        assertEquals(0L, delta(y, yBefore, "peer " + xText + " conns_closed"), state);
        assertEquals(0L, delta(x, xBefore, "peer " + yText + " connect_failures"), state);
        assertEquals(0L, delta(y, yBefore, "peer " + xText + " connect_failures"), state);
        assertEquals(COUNT, completions[0], "x's sends completed once each with status 0");
        assertEquals(COUNT, completions[1], "y's sends completed once each with status 0");
        final io.jsocklnd.harness.CheckingReceiver.Report atY = y.receiver().report(xy.base(), COUNT, x.nid(), 1024);
        final io.jsocklnd.harness.CheckingReceiver.Report atX = x.receiver().report(yx.base(), COUNT, y.nid(), 1024);
        assertTrue(atY.perfect() && atY.received == COUNT, "x->y: " + atY);
        assertTrue(atX.perfect() && atX.received == COUNT, "y->x: " + atX);
    }
}
