package io.jsocklnd.lnet;

import io.jsocklnd.harness.Await;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import static io.jsocklnd.lnet.MemoryDescriptor.MANAGE_REMOTE;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waiting for events on real sockets: a parked reader is woken by the event an IO agent writes, several IO agents
 * writing one queue lose no wake-up, nothing is returned when nothing comes, and an invoker node is driven while
 * its application waits. Readers wait far longer than the test runs, so a reader still parked when the test has
 * waited {@link #PATIENCE_MS} for it missed its wake-up (its last look at its timeout would find the event).
 */
@Timeout(120)
class EventQueueWaitTest
{
    private static final int PORTAL = 21;
    /** A reader's timeout, never reached here. */
    private static final long LONG_WAIT_S = TimeUnit.MINUTES.toSeconds(10);
    /** How long the test waits for a reader to take an event written. */
    private static final long PATIENCE_MS = 10_000;

    @Test
    void shouldWakeAReaderParkedWithALongTimeoutWhenAPutArrives() throws Exception
    {
        try (Lnet sender = LnetNodes.start("127.0.112.1@tcp"); Lnet target = LnetNodes.start("127.0.112.2@tcp"))
        {
            final EventQueue queue = new EventQueue(1 << 16);
            final UnsafeBuffer sink = LnetNodes.direct(64);
            final long sinkMd = target.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0x5, 0,
                new MemoryDescriptor().memory(sink, 0, 64).options(OP_PUT).persistent().userPtr(77).eventQueue(queue));
            final UnsafeBuffer data = LnetNodes.pattern(48, 9);
            final long source = sender.bind(new MemoryDescriptor().memory(data, 0, 48).useOnce());
            final List<Recorded> events = new ArrayList<>();
            final AtomicInteger delivered = new AtomicInteger(-1);
            final Thread reader = new Thread(() ->
                delivered.set(queue.poll(e -> events.add(Recorded.of(e)), 16, LONG_WAIT_S, TimeUnit.SECONDS)), "reader");
            reader.start();
            final boolean parked = Await.until(() -> LockSupport.getBlocker(reader) == queue, PATIENCE_MS);

            final int putRc = sender.put(source, false, target.nid(), LNET_PID_LUSTRE, PORTAL, 0x5, 0, 0x1234L);
            reader.join(PATIENCE_MS);
            final boolean woken = !reader.isAlive();
            reader.interrupt();
            reader.join(PATIENCE_MS);

            assertTrue(parked, "the reader was parked on the queue before the PUT was sent");
            assertEquals(0, putRc);
            assertTrue(woken, "the PUT woke the parked reader");
            assertEquals(1, delivered.get());
            final Recorded put = events.get(0);
            assertEquals(LnetEventType.PUT, put.type());
            assertEquals(0, put.status());
            assertEquals(sinkMd, put.md());
            assertEquals(77, put.userPtr());
            assertEquals(0x1234L, put.hdrData());
            assertEquals(0x5, put.matchBits());
            assertEquals(48, put.mlength());
            assertEquals(sender.nid(), put.initiatorNid());
            for (int i = 0; i < 48; i++)
            {
                assertEquals(data.getByte(i), sink.getByte(i), "byte " + i);
            }
            assertEquals(0, queue.dropped());
        }
    }

    @Test
    void shouldReturnZeroWhenNothingArrivesBeforeTheTimeout() throws Exception
    {
        try (Lnet target = LnetNodes.start("127.0.112.3@tcp"))
        {
            final EventQueue queue = new EventQueue(1 << 12);
            target.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0, 0, new MemoryDescriptor()
                .memory(LnetNodes.direct(64), 0, 64).options(OP_PUT).persistent().eventQueue(queue));
            final AtomicInteger handled = new AtomicInteger();

            assertEquals(0, queue.poll(e -> handled.incrementAndGet(), 16, 50, TimeUnit.MILLISECONDS));
            assertEquals(0, queue.poll(e -> handled.incrementAndGet(), 16, 0, TimeUnit.SECONDS));
            assertEquals(0, target.poll(e -> handled.incrementAndGet(), 16, 20, TimeUnit.MILLISECONDS));
            assertEquals(0, handled.get());
        }
    }

    @Test
    @Timeout(20)
    void shouldStopWaitingWhenInterruptedAndKeepTheInterrupt()
    {
        final EventQueue queue = new EventQueue(1 << 12);
        final AtomicInteger handled = new AtomicInteger();
        Thread.currentThread().interrupt();

        final int delivered = queue.poll(e -> handled.incrementAndGet(), 16, 10 * LONG_WAIT_S, TimeUnit.SECONDS);

        assertTrue(Thread.interrupted(), "the interrupt stays set");
        assertEquals(0, delivered);
        assertEquals(0, handled.get());
    }

    @Test
    void shouldWakeTheReaderForEveryEventAsTheRingGoesRound() throws Exception
    {
        lockstep(1, 200, 40);
    }

    @Test
    void shouldLoseNoWakeUpWhenSeveralNodesWriteOneQueue() throws Exception
    {
        lockstep(3, 250, 10);
    }

    /**
     * Writers PUT from their own nodes to their own targets, whose descriptors all name one small queue, one PUT
     * outstanding each: the next goes only once the reader took the last, so a wake-up lost while the reader parks
     * stalls the writers (with one writer, at once); a writer that waits in vain stops the reader.
     */
    private static void lockstep(final int writers, final int putsEach, final int firstHost) throws Exception
    {
        final Lnet[] senders = new Lnet[writers];
        final Lnet[] targets = new Lnet[writers];
        try
        {
            for (int i = 0; i < writers; i++)
            {
                senders[i] = LnetNodes.start("127.0.112." + (firstHost + i) + "@tcp");
                targets[i] = LnetNodes.start("127.0.112." + (firstHost + 5 + i) + "@tcp");
            }
            // A small ring, which the events go round many times: a look may find only the padding at its end.
            final EventQueue queue = new EventQueue(1 << 12);
            final AtomicLongArray consumed = new AtomicLongArray(writers);
            final AtomicInteger outOfOrder = new AtomicInteger();
            final AtomicInteger failedPuts = new AtomicInteger();
            final Thread reader = Thread.currentThread();
            final List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < writers; i++)
            {
                targets[i].attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0, 0, new MemoryDescriptor()
                    .memory(LnetNodes.direct(64), 0, 64).options(OP_PUT | MANAGE_REMOTE).persistent().eventQueue(queue));
                final int w = i;
                final long source = senders[i].bind(new MemoryDescriptor().memory(LnetNodes.direct(16), 0, 16)
                    .persistent().eventQueue(null));
                threads.add(new Thread(() ->
                {
                    for (int k = 0; k < putsEach && failedPuts.get() == 0; k++)
                    {
                        final long want = k + 1;
                        if (senders[w].put(source, false, targets[w].nid(), LNET_PID_LUSTRE, PORTAL, 0, 0, k) != 0 ||
                            !Await.until(() -> consumed.get(w) >= want, PATIENCE_MS))
                        {
                            if (failedPuts.incrementAndGet() == 1)
                            {
                                reader.interrupt();
                            }
                        }
                    }
                }, "writer-" + i));
            }
            threads.forEach(Thread::start);

            final int total = writers * putsEach;
            int received = 0;
            int emptyWaits = 0;
            final EventHandler handler = e ->
            {
                for (int w = 0; w < writers; w++)
                {
                    if (e.initiatorNid() == senders[w].nid())
                    {
                        if (e.hdrData() != consumed.get(w))
                        {
                            outOfOrder.incrementAndGet();
                        }
                        consumed.incrementAndGet(w);
                    }
                }
            };
            for (int i = 0; i < total && received < total && emptyWaits == 0 && failedPuts.get() == 0; i++)
            {
                final int n = queue.poll(handler, 64, LONG_WAIT_S, TimeUnit.SECONDS);
                received += n;
                emptyWaits += n == 0 ? 1 : 0;
            }
            Thread.interrupted();
            for (final Thread t : threads)
            {
                t.join(PATIENCE_MS);
            }

            assertEquals(0, failedPuts.get(), () -> "a writer waited in vain for the reader to take its PUT: consumed=" +
                consumed + " " + counters(senders) + " " + counters(targets));
            assertEquals(0, emptyWaits);
            assertEquals(total, received);
            for (int w = 0; w < writers; w++)
            {
                assertEquals(putsEach, consumed.get(w), "events from " + senders[w].nid());
            }
            assertEquals(0, outOfOrder.get());
            assertEquals(0, queue.dropped());
            for (final Thread t : threads)
            {
                assertFalse(t.isAlive());
            }
        }
        finally
        {
            for (int i = 0; i < writers; i++)
            {
                closeQuietly(senders[i]);
                closeQuietly(targets[i]);
            }
        }
    }

    @Test
    void shouldDriveAnInvokerNodeWhileItsApplicationWaits() throws Exception
    {
        try (Lnet server = LnetNodes.start("127.0.112.30@tcp");
            Lnet client = Lnet.start(new NodeConfig().nid("127.0.112.31@tcp").port(WireConstants.LNET_ACCEPT_PORT)
                .reconnect(200, 2000, TimeUnit.MILLISECONDS).threadingMode(NodeConfig.ThreadingMode.INVOKER)))
        {
            server.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0, 0, new MemoryDescriptor()
                .memory(LnetNodes.direct(64), 0, 64).options(OP_PUT).persistent().eventQueue(null));
            final long source = client.bind(new MemoryDescriptor().memory(LnetNodes.direct(8), 0, 8).threshold(2));
            assertEquals(0, client.put(source, true, server.nid(), LNET_PID_LUSTRE, PORTAL, 0, 0, 0));

            final List<Recorded> events = new ArrayList<>();
            int emptyWaits = 0;
            for (int i = 0; i < 100 && events.stream().noneMatch(r -> r.type() == LnetEventType.ACK) && 0 == emptyWaits;
                i++)
            {
                emptyWaits += client.poll(e -> events.add(Recorded.of(e)), 16, PATIENCE_MS, TimeUnit.MILLISECONDS) == 0 ?
                    1 : 0;
            }

            assertEquals(0, emptyWaits, "the wait drove the node until its events came");
            assertTrue(events.stream().anyMatch(r -> r.type() == LnetEventType.SEND && r.status() == 0));
            assertTrue(events.stream().anyMatch(r -> r.type() == LnetEventType.ACK && r.mlength() == 8));
        }
    }

    private static String counters(final Lnet[] nodes)
    {
        final StringBuilder text = new StringBuilder();
        for (final Lnet lnet : nodes)
        {
            lnet.counters().forEach((name, value) ->
            {
                if (name.startsWith("lnet ") && value != 0)
                {
                    text.append(' ').append(name, 5, name.length()).append('=').append(value);
                }
            });
            text.append(';');
        }
        return text.toString();
    }

    private static void closeQuietly(final Lnet lnet)
    {
        if (null != lnet)
        {
            lnet.close();
        }
    }
}
