package io.jsocklnd.lnd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.jsocklnd.lnd.ZcAckCoalescer.KEEPALIVE_DROPPED;
import static io.jsocklnd.lnd.ZcAckCoalescer.MERGED;
import static io.jsocklnd.lnd.ZcAckCoalescer.NOT_MERGED;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.SOCKNAL_KEEPALIVE_PING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class TxQueueTest
{
    private static final long KEEPALIVE = SOCKNAL_KEEPALIVE_PING;

    private final TxQueue queue = new TxQueue();

    @Test
    void shouldQueueNoopWhenNoLnetMessageIsQueued()
    {
        final Tx noop = new Tx().noop(7);
        assertFalse(queue.queueAck(noop));
        assertSame(noop, queue.head());
        assertSame(noop, queue.carrier());
    }

    @Test
    void shouldPiggybackAckOnWaitingLnetMessage()
    {
        final Tx msg = new Tx().lnet();
        assertNull(queue.queueMessage(msg));
        assertSame(msg, queue.carrier());

        assertTrue(queue.queueAck(new Tx().noop(9)));
        assertEquals(9, msg.cookies().cookie1());
        assertEquals(1, queue.size());
        assertNull(queue.carrier());
    }

    @Test
    void shouldPiggybackOneAckPerMessageThenQueueNoop()
    {
        final Tx m1 = new Tx().lnet();
        final Tx m2 = new Tx().lnet();
        queue.queueMessage(m1);
        queue.queueMessage(m2);

        assertTrue(queue.queueAck(new Tx().noop(4)));
        assertTrue(queue.queueAck(new Tx().noop(5)));
        final Tx noop = new Tx().noop(6);
        assertFalse(queue.queueAck(noop));

        assertEquals(4, m1.cookies().cookie1());
        assertEquals(5, m2.cookies().cookie1());
        assertEquals(List.of(m1, m2, noop), drain());
    }

    @Test
    void shouldMergeNoopIntoLnetMessageQueuedAfterEarlierNoop()
    {
        final Tx n1 = new Tx().noop(3);
        queue.queueAck(n1);
        final Tx m1 = new Tx().lnet();
        assertSame(n1, queue.queueMessage(m1));
        final Tx m2 = new Tx().lnet();
        queue.queueMessage(m2);

        assertTrue(queue.queueAck(new Tx().noop(8)));
        assertEquals(3, m1.cookies().cookie1());
        assertEquals(8, m2.cookies().cookie1());
    }

    @Test
    void shouldLetLnetMessageTakeOverWaitingNoopAndItsPlace()
    {
        final Tx first = new Tx().lnet();
        queue.queueMessage(first);
        queue.queueAck(new Tx().noop(2));
        final Tx n1 = new Tx().noop(3);
        final Tx n2 = new Tx().noop(4);
        queue.queueAck(n1);
        queue.queueAck(n2);
        assertSame(n1, queue.carrier());

        final Tx msg = new Tx().lnet();
        assertSame(n1, queue.queueMessage(msg));
        assertFalse(n1.isQueued());
        assertEquals(3, msg.cookies().cookie1());
        assertSame(n2, queue.carrier());
        assertEquals(List.of(first, msg, n2), drain());
    }

    @Test
    void shouldNotPutCookieOnMessageAlreadyBeingSent()
    {
        final Tx msg = new Tx().lnet();
        queue.queueMessage(msg);
        assertSame(msg, queue.poll());

        final Tx noop = new Tx().noop(5);
        assertFalse(queue.queueAck(noop));
        assertEquals(0, msg.cookies().cookie1());
        assertSame(noop, queue.head());
    }

    @Test
    void shouldMoveCarrierPastPolledHead()
    {
        final Tx m1 = new Tx().lnet();
        final Tx m2 = new Tx().lnet();
        queue.queueMessage(m1);
        queue.queueMessage(m2);
        queue.poll();

        assertSame(m2, queue.carrier());
        assertTrue(queue.queueAck(new Tx().noop(11)));
        assertEquals(11, m2.cookies().cookie1());
    }

    @Test
    void shouldBatchAcksIntoPairAndRangeOnAckConnection()
    {
        final Tx n1 = new Tx().noop(10);
        assertEquals(NOT_MERGED, queue.queueBatchedAck(n1, KEEPALIVE));
        assertEquals(MERGED, queue.queueBatchedAck(new Tx().noop(11), KEEPALIVE));
        assertEquals(11, n1.cookies().cookie0());
        assertEquals(10, n1.cookies().cookie1());

        assertEquals(MERGED, queue.queueBatchedAck(new Tx().noop(12), KEEPALIVE));
        assertEquals(10, n1.cookies().cookie0());
        assertEquals(12, n1.cookies().cookie1());

        final Tx far = new Tx().noop(20);
        assertEquals(NOT_MERGED, queue.queueBatchedAck(far, KEEPALIVE));
        assertSame(far, queue.carrier());
        assertEquals(List.of(n1, far), drain());
    }

    @Test
    void shouldDropKeepaliveBehindQueuedAckAndReplaceQueuedKeepalive()
    {
        final Tx keepalive = new Tx().noop(KEEPALIVE);
        queue.queueBatchedAck(keepalive, KEEPALIVE);
        assertEquals(MERGED, queue.queueBatchedAck(new Tx().noop(6), KEEPALIVE));
        assertEquals(6, keepalive.cookies().cookie1());
        assertEquals(KEEPALIVE_DROPPED, queue.queueBatchedAck(new Tx().noop(KEEPALIVE), KEEPALIVE));
        assertEquals(1, queue.size());
    }

    @Test
    void shouldRefuseTxQueuedTwice()
    {
        final Tx msg = new Tx().lnet();
        queue.queueMessage(msg);
        assertThrows(IllegalStateException.class, () -> queue.queueMessage(msg));
        assertThrows(IllegalStateException.class, () -> new TxQueue().remove(msg));
    }

    @Test
    void shouldRemoveCarrierAndAdvanceIt()
    {
        final Tx m1 = new Tx().lnet();
        final Tx m2 = new Tx().lnet();
        queue.queueMessage(m1);
        queue.queueMessage(m2);
        queue.remove(m1);
        assertSame(m2, queue.carrier());
        assertEquals(List.of(m2), drain());
    }

    /**
     * Random mixes of messages, ACKs and sends: every ACK cookie leaves exactly once (piggybacked or in a
     * NOOP), LNET messages leave in the order queued, and no message carries more than one ACK.
     */
    @Test
    void shouldCarryEveryAckExactlyOnceAndKeepMessageOrder()
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        final Random random = new Random(seed);

        for (int round = 0; round < 100; round++)
        {
            final TxQueue q = new TxQueue();
            final List<Tx> sent = new ArrayList<>();
            final List<Tx> queuedMessages = new ArrayList<>();
            long nextCookie = 2;
            int piggybacked = 0;
            for (int step = 0; step < 300; step++)
            {
                final int action = random.nextInt(3);
                if (action == 0)
                {
                    final Tx msg = new Tx().lnet();
                    queuedMessages.add(msg);
                    q.queueMessage(msg);
                }
                else if (action == 1)
                {
                    piggybacked += q.queueAck(new Tx().noop(nextCookie++)) ? 1 : 0;
                }
                else if (!q.isEmpty())
                {
                    sent.add(q.poll());
                }
            }
            while (!q.isEmpty())
            {
                sent.add(q.poll());
            }

            final String context = "seed=" + seed + " round=" + round;
            final Set<Long> acked = new HashSet<>();
            final List<Tx> sentMessages = new ArrayList<>();
            int carriedByMessages = 0;
            for (final Tx tx : sent)
            {
                assertEquals(0, tx.cookies().cookie0(), context);
                if (tx.cookies().cookie1() != 0)
                {
                    assertTrue(acked.add(tx.cookies().cookie1()), context);
                }
                if (tx.type() == KSOCK_MSG_LNET)
                {
                    sentMessages.add(tx);
                    carriedByMessages += tx.cookies().cookie1() != 0 ? 1 : 0;
                }
            }
            assertEquals(nextCookie - 2, acked.size(), context);
            assertEquals(queuedMessages, sentMessages, context);
            assertTrue(carriedByMessages >= piggybacked, context);
        }
    }

    private List<Tx> drain()
    {
        final List<Tx> out = new ArrayList<>();
        Tx tx;
        while ((tx = queue.poll()) != null)
        {
            out.add(tx);
        }
        return out;
    }
}
