package io.jsocklnd.lnd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.jsocklnd.lnd.ZcAckCoalescer.DUPLICATE;
import static io.jsocklnd.lnd.ZcAckCoalescer.KEEPALIVE_DROPPED;
import static io.jsocklnd.lnd.ZcAckCoalescer.MERGED;
import static io.jsocklnd.lnd.ZcAckCoalescer.MERGED_CARRIER_FULL;
import static io.jsocklnd.lnd.ZcAckCoalescer.NOT_MERGED;
import static io.jsocklnd.wire.WireConstants.SOCKNAL_KEEPALIVE_PING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

@Timeout(10)
class ZcAckCoalescerTest
{
    private static final long KEEPALIVE = SOCKNAL_KEEPALIVE_PING;

    private final ZcCookieSlots carrier = new ZcCookieSlots();

    @Test
    void shouldFormPairWithLargerCookieFirst()
    {
        carrier.set(0, 5);
        assertEquals(MERGED, ZcAckCoalescer.merge(carrier, 6, KEEPALIVE));
        assertSlots(6, 5);

        carrier.set(0, 9);
        assertEquals(MERGED, ZcAckCoalescer.merge(carrier, 7, KEEPALIVE));
        assertSlots(9, 7);
    }

    @Test
    void shouldCloseCarrierWhenPairIsMoreThanTwoApart()
    {
        carrier.set(0, 5);
        assertEquals(MERGED_CARRIER_FULL, ZcAckCoalescer.merge(carrier, 9, KEEPALIVE));
        assertSlots(9, 5);
    }

    @Test
    void shouldTurnPairTwoApartIntoRangeWithMiddleCookie()
    {
        carrier.set(7, 5);
        assertEquals(MERGED, ZcAckCoalescer.merge(carrier, 6, KEEPALIVE));
        assertSlots(5, 7);
    }

    @Test
    void shouldTurnAdjacentPairIntoRangeFromEitherEnd()
    {
        carrier.set(6, 5);
        assertEquals(MERGED, ZcAckCoalescer.merge(carrier, 4, KEEPALIVE));
        assertSlots(4, 6);

        carrier.set(6, 5);
        assertEquals(MERGED, ZcAckCoalescer.merge(carrier, 7, KEEPALIVE));
        assertSlots(5, 7);
    }

    @Test
    void shouldNotMergeCookieThatLeavesGapInPair()
    {
        carrier.set(7, 5);
        assertEquals(NOT_MERGED, ZcAckCoalescer.merge(carrier, 8, KEEPALIVE));
        assertEquals(NOT_MERGED, ZcAckCoalescer.merge(carrier, 4, KEEPALIVE));
        carrier.set(6, 5);
        assertEquals(NOT_MERGED, ZcAckCoalescer.merge(carrier, 8, KEEPALIVE));
        assertSlots(6, 5);
    }

    @Test
    void shouldExtendRangeAtEitherEnd()
    {
        carrier.set(5, 7);
        assertEquals(MERGED, ZcAckCoalescer.merge(carrier, 8, KEEPALIVE));
        assertSlots(5, 8);
        assertEquals(MERGED, ZcAckCoalescer.merge(carrier, 4, KEEPALIVE));
        assertSlots(4, 8);
        assertEquals(NOT_MERGED, ZcAckCoalescer.merge(carrier, 10, KEEPALIVE));
        assertEquals(NOT_MERGED, ZcAckCoalescer.merge(carrier, 2, KEEPALIVE));
    }

    @Test
    void shouldReportDuplicateCookieWithoutChangingCarrier()
    {
        carrier.set(0, 5);
        assertEquals(DUPLICATE, ZcAckCoalescer.merge(carrier, 5, KEEPALIVE));
        assertSlots(0, 5);

        carrier.set(7, 5);
        assertEquals(DUPLICATE, ZcAckCoalescer.merge(carrier, 7, KEEPALIVE));

        carrier.set(5, 9);
        assertEquals(DUPLICATE, ZcAckCoalescer.merge(carrier, 6, KEEPALIVE));
        assertSlots(5, 9);
    }

    @Test
    void shouldDropKeepaliveWhileCarrierIsQueued()
    {
        carrier.set(0, 5);
        assertEquals(KEEPALIVE_DROPPED, ZcAckCoalescer.merge(carrier, KEEPALIVE, KEEPALIVE));
        assertSlots(0, 5);
    }

    @Test
    void shouldReplaceQueuedKeepaliveWithRealCookie()
    {
        carrier.set(0, KEEPALIVE);
        assertEquals(MERGED, ZcAckCoalescer.merge(carrier, 12, KEEPALIVE));
        assertSlots(0, 12);
    }

    /**
     * Drives a model ACK connection queue the way the engine will (carrier per the kernel's rules, NOOPs
     * sent from the head at random moments) and checks that decoding every NOOP through a request table
     * releases each ACKed cookie exactly once and never reports an unknown cookie.
     */
    @Test
    void shouldProduceNoopsThatReleaseEveryAckedCookieExactlyOnce()
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        final Random random = new Random(seed);

        for (int round = 0; round < 200; round++)
        {
            final ZcRequestTable<Long> table = new ZcRequestTable<>();
            final List<Long> cookies = new ArrayList<>();
            final int count = 1 + random.nextInt(200);
            for (int i = 0; i < count; i++)
            {
                cookies.add(table.register((long)i, 0));
            }
            // ACKs arrive mostly in order with local reordering, as payloads complete on several connections.
            for (int i = 0; i < count; i++)
            {
                final int j = Math.min(count - 1, i + random.nextInt(4));
                Collections.swap(cookies, i, j);
            }

            final List<ZcCookieSlots> queue = new ArrayList<>();
            final List<ZcCookieSlots> sent = new ArrayList<>();
            int carrierIndex = -1;
            int merges = 0;
            for (final long cookie : cookies)
            {
                if (random.nextInt(8) == 0)
                {
                    queueAck(queue, carrierIndex, KEEPALIVE);
                    carrierIndex = carrierAfterAck(queue, carrierIndex, KEEPALIVE);
                }
                final int before = queue.size();
                carrierIndex = queueAndAdvance(queue, carrierIndex, cookie);
                merges += queue.size() == before ? 1 : 0;

                while (!queue.isEmpty() && random.nextInt(5) == 0)
                {
                    sent.add(queue.remove(0));
                    carrierIndex = carrierIndex <= 0 ? (carrierIndex == 0 && !queue.isEmpty() ? 0 : -1) :
                        carrierIndex - 1;
                }
            }
            sent.addAll(queue);

            final Set<Long> releasedTx = new HashSet<>();
            for (final ZcCookieSlots noop : sent)
            {
                final int result = table.onAck(true, noop.cookie0(), noop.cookie1(), true,
                    tx -> assertEquals(true, releasedTx.add(tx), "released twice: seed=" + seed));
                assertNotEquals(ZcRequestTable.UNKNOWN_COOKIE, result, "seed=" + seed + " noop=" + noop);
            }
            assertEquals(count, releasedTx.size(), "seed=" + seed);
            assertEquals(0, table.pendingCount(), "seed=" + seed);
            assertEquals(true, sent.size() <= count + 1 + count / 8 * 2, "seed=" + seed);
            assertEquals(true, count < 8 || merges > 0, "no batching at all: seed=" + seed);
        }
    }

    private static void queueAck(final List<ZcCookieSlots> queue, final int carrierIndex, final long cookie)
    {
        if (carrierIndex < 0)
        {
            queue.add(new ZcCookieSlots().set(0, cookie));
        }
        else if (ZcAckCoalescer.merge(queue.get(carrierIndex), cookie, KEEPALIVE) == NOT_MERGED)
        {
            queue.add(new ZcCookieSlots().set(0, cookie));
        }
    }

    private static int carrierAfterAck(final List<ZcCookieSlots> queue, final int carrierIndex, final long cookie)
    {
        return carrierIndex < 0 ? queue.size() - 1 : carrierIndex;
    }

    private static int queueAndAdvance(final List<ZcCookieSlots> queue, final int carrierIndex, final long cookie)
    {
        if (carrierIndex < 0)
        {
            queue.add(new ZcCookieSlots().set(0, cookie));
            return queue.size() - 1;
        }

        final int result = ZcAckCoalescer.merge(queue.get(carrierIndex), cookie, KEEPALIVE);
        if (result == NOT_MERGED)
        {
            queue.add(new ZcCookieSlots().set(0, cookie));
            return carrierIndex + 1;
        }
        if (result == MERGED_CARRIER_FULL)
        {
            return carrierIndex + 1 < queue.size() ? carrierIndex + 1 : -1;
        }
        return carrierIndex;
    }

    private void assertSlots(final long cookie0, final long cookie1)
    {
        assertEquals(cookie0, carrier.cookie0(), "cookie0");
        assertEquals(cookie1, carrier.cookie1(), "cookie1");
    }
}
