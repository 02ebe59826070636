package io.jsocklnd.lnd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static io.jsocklnd.lnd.ZcRequestTable.NOTHING_RELEASED;
import static io.jsocklnd.lnd.ZcRequestTable.UNKNOWN_COOKIE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ZcRequestTableTest
{
    private final ZcRequestTable<String> table = new ZcRequestTable<>();
    private final List<String> released = new ArrayList<>();

    @Test
    void shouldStartCookiesAtTwoAndCountUp()
    {
        assertEquals(2, table.register("a", 0));
        assertEquals(3, table.register("b", 0));
        assertEquals(4, table.register("c", 0));
        assertEquals(3, table.pendingCount());
    }

    @Test
    void shouldWrapPastLargestUnsignedCookieBackToTwo()
    {
        table.nextCookie(-1L);
        assertEquals(-1L, table.register("last", 0));
        assertEquals(2, table.register("wrapped", 0));
        assertEquals(1, table.onAck(true, 0, -1L, true, released::add));
        assertEquals(List.of("last"), released);
    }

    @Test
    void shouldSkipCookiesStillPendingAfterTheCounterWrapped()
    {
        final long two = table.register("old2", 0);
        final long three = table.register("old3", 0);
        assertEquals(1, table.onAck(true, 0, three, true, released::add));
        table.nextCookie(-1L);
        assertEquals(-1L, table.register("last", 0));
        assertEquals(three, table.register("reused3", 0), "2 is still pending, 3 was released");
        assertEquals(4, table.register("next", 0));
        assertEquals(1, table.onAck(true, 0, two, true, released::add));
        assertEquals(List.of("old3", "old2"), released);
    }

    @Test
    void shouldRemoveAPendingSendWithoutAnAckSoALaterAckOfItIsUnknown()
    {
        final long a = table.register("a", 0);
        final long b = table.register("b", 0);
        assertEquals("a", table.remove(a));
        assertNull(table.remove(a), "removed once only");
        assertEquals(UNKNOWN_COOKIE, table.onAck(true, 0, a, true, released::add));
        assertEquals(1, table.onAck(false, 0, b, true, released::add));
        assertEquals(List.of("b"), released);
        assertEquals(Long.MAX_VALUE, table.oldestDeadlineNs());
    }

    @Test
    void shouldReleaseSingleCookieAckedByNoop()
    {
        table.register("a", 0);
        final long b = table.register("b", 0);

        assertEquals(1, table.onAck(true, 0, b, true, released::add));
        assertEquals(List.of("b"), released);
        assertTrue(table.isPending(2));
        assertFalse(table.isPending(b));
    }

    @Test
    void shouldReleaseOnlyPiggybackedCookieOfLnetMessage()
    {
        final long a = table.register("a", 0);
        table.register("b", 0);

        // cookies[0] of an LNET message is the sender's own request, never an ACK.
        assertEquals(1, table.onAck(false, 3, a, true, released::add));
        assertEquals(List.of("a"), released);
        assertTrue(table.isPending(3));
    }

    @Test
    void shouldReleaseBothCookiesOfPair()
    {
        for (int i = 0; i < 6; i++)
        {
            table.register("tx" + (i + 2), 0);
        }

        assertEquals(2, table.onAck(true, 7, 3, true, released::add));
        assertEquals(List.of("tx3", "tx7"), released);
        assertEquals(4, table.pendingCount());
        assertTrue(table.isPending(5));
    }

    @Test
    void shouldReleaseInclusiveRange()
    {
        for (int i = 0; i < 8; i++)
        {
            table.register("tx" + (i + 2), 0);
        }

        assertEquals(4, table.onAck(true, 4, 7, true, released::add));
        assertEquals(List.of("tx4", "tx5", "tx6", "tx7"), released);
        assertEquals(4, table.pendingCount());
    }

    @Test
    void shouldReportUnknownCookie()
    {
        table.register("a", 0);
        assertEquals(UNKNOWN_COOKIE, table.onAck(true, 0, 99, true, released::add));
        assertEquals(1, table.pendingCount());
        assertTrue(released.isEmpty());
    }

    @Test
    void shouldReportCookieAckedTwiceAsUnknown()
    {
        final long a = table.register("a", 0);
        assertEquals(1, table.onAck(true, 0, a, true, released::add));
        assertEquals(UNKNOWN_COOKIE, table.onAck(false, 0, a, true, released::add));
        assertEquals(List.of("a"), released);
    }

    @Test
    void shouldReleaseTheKnownCookieOfAPairWithAnUnknownOne()
    {
        table.register("a", 0);
        table.register("b", 0);

        assertEquals(UNKNOWN_COOKIE, table.onAck(true, 9, 2, true, released::add));
        assertEquals(1, table.pendingCount());
        assertEquals(List.of("a"), released);
    }

    @Test
    void shouldReleaseTheKnownCookiesOfARangeWithAGap()
    {
        for (int i = 0; i < 5; i++)
        {
            table.register("tx" + (i + 2), 0);
        }
        assertEquals(1, table.onAck(true, 0, 4, true, released::add));
        released.clear();

        assertEquals(UNKNOWN_COOKIE, table.onAck(true, 2, 6, true, released::add));
        assertEquals(0, table.pendingCount());
        assertEquals(List.of("tx2", "tx3", "tx5", "tx6"), released);
    }

    @Test
    void shouldReleaseThePendingWithinARangeLargerThanPendingWithoutWalkingIt()
    {
        table.register("a", 0);
        table.register("b", 0);
        table.register("c", 0);

        assertEquals(UNKNOWN_COOKIE, table.onAck(true, 3, Long.MAX_VALUE, true, released::add));
        assertEquals(1, table.pendingCount());
        assertEquals(List.of("b", "c"), released);
    }

    @Test
    void shouldIgnoreKeepaliveWhenProtocolDefinesIt()
    {
        table.register("a", 0);
        assertEquals(NOTHING_RELEASED, table.onAck(true, 0, 1, true, released::add));
        assertEquals(1, table.pendingCount());
    }

    @Test
    void shouldTreatKeepaliveCookieAsUnknownWhenProtocolLacksIt()
    {
        table.register("a", 0);
        assertEquals(UNKNOWN_COOKIE, table.onAck(true, 0, 1, false, released::add));
    }

    @Test
    void shouldRejectKeepaliveCookieInsidePair()
    {
        final long a = table.register("a", 0);
        assertEquals(UNKNOWN_COOKIE, table.onAck(true, a, 1, true, released::add));
        assertEquals(1, table.pendingCount());
    }

    @Test
    void shouldReleaseNothingWithoutAckCookie()
    {
        table.register("a", 0);
        assertEquals(NOTHING_RELEASED, table.onAck(false, 2, 0, true, released::add));
        assertEquals(1, table.pendingCount());
    }

    @Test
    void shouldReportOldestPendingDeadlineSkippingReleasedSends()
    {
        assertEquals(Long.MAX_VALUE, table.oldestDeadlineNs());
        final long a = table.register("a", 100);
        table.register("b", 200);
        table.register("c", 300);

        assertEquals(100, table.oldestDeadlineNs());
        assertNull(table.firstExpired(99));
        assertSame("a", table.firstExpired(100));

        table.onAck(true, 0, a, true, released::add);
        assertEquals(200, table.oldestDeadlineNs());
        assertNull(table.firstExpired(150));
        assertSame("b", table.firstExpired(250));
    }

    @Test
    void shouldRemoveSendsOfOneConnection()
    {
        table.register("conn1:a", 0);
        table.register("conn2:b", 0);
        table.register("conn1:c", 0);

        final List<String> failed = new ArrayList<>();
        assertEquals(2, table.removeIf(tx -> tx.startsWith("conn1:"), failed::add));
        failed.sort(String::compareTo);
        assertEquals(List.of("conn1:a", "conn1:c"), failed);
        assertEquals(1, table.pendingCount());
        assertTrue(table.isPending(3));
        assertEquals(0, table.oldestDeadlineNs());
    }

    @Test
    void shouldMatchModelUnderRandomRegistrationsAndAcks()
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        final Random random = new Random(seed);
        final TreeMap<Long, String> model = new TreeMap<>();

        for (int step = 0; step < 20_000; step++)
        {
            final int action = random.nextInt(10);
            if (action < 5 || model.isEmpty())
            {
                final String tx = "tx" + step;
                model.put(table.register(tx, step), tx);
                continue;
            }

            final List<Long> pending = new ArrayList<>(model.keySet());
            final long a = pending.get(random.nextInt(pending.size()));
            final long b = pending.get(random.nextInt(pending.size()));
            final boolean bogus = action == 9;
            final long probe = bogus ? a + pending.size() + 1 + random.nextInt(3) : b;
            final long c0 = action == 5 ? 0 : a;
            final long c1 = probe;

            final List<Long> named = namedCookies(c0, c1);
            final List<Long> known = new ArrayList<>();
            named.forEach(cookie -> known.addAll(model.containsKey(cookie) ? List.of(cookie) : List.of()));
            released.clear();
            final int result = table.onAck(true, c0, c1, true, released::add);
            final String context = "seed=" + seed + " step=" + step + " c0=" + c0 + " c1=" + c1;
            // The pending sends named are released; one named that is not pending makes the ACK unknown.
            assertEquals(known.size() == named.size() ? named.size() : UNKNOWN_COOKIE, result, context);
            final List<String> expectedTx = new ArrayList<>();
            known.forEach(cookie -> expectedTx.add(model.remove(cookie)));
            assertEquals(expectedTx, released, context);
            assertEquals(model.size(), table.pendingCount(), context);
        }
    }

    /**
     * The cookies a NOOP {c0, c1} names, in ascending order.
     */
    private static List<Long> namedCookies(final long c0, final long c1)
    {
        final long first = c0 == 0 ? c1 : c0;
        final List<Long> cookies = new ArrayList<>();
        if (first == c1)
        {
            cookies.add(c1);
        }
        else if (first > c1)
        {
            cookies.add(c1);
            cookies.add(first);
        }
        else
        {
            for (long c = first; c <= c1; c++)
            {
                cookies.add(c);
            }
        }
        return cookies;
    }
}
