package io.jsocklnd.lnet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jsocklnd.lnet.MemoryDescriptor.OP_GET;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Match entries on a portal: match and ignore bits, source NID/PID filters, use-once and persistent entries,
 * list order, the operation allowed, and messages that match nothing (dropped and counted). A and C send to B;
 * each test uses its own portal.
 */
@Timeout(60)
class LnetMatchingTest
{
    private static final AtomicInteger PORTAL = new AtomicInteger(20);
    private static Lnet a;
    private static Lnet b;
    private static Lnet c;

    @BeforeAll
    static void start() throws Exception
    {
        a = LnetNodes.start("127.0.61.1@tcp");
        b = LnetNodes.start("127.0.61.2@tcp");
        c = LnetNodes.start("127.0.61.3@tcp");
    }

    @AfterAll
    static void stop()
    {
        a.close();
        b.close();
        c.close();
    }

    private static long sendPut(final Lnet from, final int portal, final long bits, final long tag)
    {
        final long md = from.bind(new MemoryDescriptor().memory(LnetNodes.pattern(16, (int)tag), 0, 16).useOnce()
            .eventQueue(null));
        assertEquals(0, from.put(md, false, b.nid(), LNET_PID_LUSTRE, portal, bits, 0, tag));
        return md;
    }

    /** Wait until B has seen a PUT with this hdr_data, or give up. */
    private static Recorded arrival(final LnetNodes.Collector events, final long tag, final long timeoutMs)
    {
        return events.await(r -> r.type() == LnetEventType.PUT && r.hdrData() == tag, timeoutMs);
    }

    @Test
    void shouldMatchWhenBitsAgreeOutsideTheIgnoreBits()
    {
        final int portal = PORTAL.getAndIncrement();
        final LnetNodes.Collector events = new LnetNodes.Collector(b);
        final long md = b.attach(portal, LNET_NID_ANY, LNET_PID_ANY, 0x1200, 0x00FF,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_PUT));
        final long dropsBefore = b.counter("drop_no_match");

        sendPut(a, portal, 0x12AB, 1);
        sendPut(a, portal, 0x1300, 2);
        sendPut(a, portal, 0x1200, 3);

        final Recorded first = arrival(events, 1, 10_000);
        assertNotNull(first);
        assertEquals(md, first.md());
        assertEquals(0x12AB, first.matchBits(), "the event carries the message's bits, not the entry's");
        assertNotNull(arrival(events, 3, 10_000));
        assertNull(arrival(events, 2, 200), "0x1300 differs in a bit that is not ignored");
        assertEquals(dropsBefore + 1, b.counter("drop_no_match"));
    }

    @Test
    void shouldFilterBySourceNidAndPid()
    {
        final int portal = PORTAL.getAndIncrement();
        final LnetNodes.Collector events = new LnetNodes.Collector(b);
        final long fromC = b.attach(portal, c.nid(), LNET_PID_ANY, 7, 0,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_PUT));
        final long wrongPid = b.attach(portal, LNET_NID_ANY, 4242, 7, 0,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_PUT));
        final long dropsBefore = b.counter("drop_no_match");

        sendPut(a, portal, 7, 10);
        sendPut(c, portal, 7, 11);

        final Recorded fromCArrival = arrival(events, 11, 10_000);
        assertNotNull(fromCArrival);
        assertEquals(fromC, fromCArrival.md());
        assertEquals(c.nid(), fromCArrival.initiatorNid());
        assertNull(arrival(events, 10, 200), "A is neither C nor PID 4242");
        assertEquals(dropsBefore + 1, b.counter("drop_no_match"));

        final long anyPid = b.attach(portal, a.nid(), LNET_PID_LUSTRE, 7, 0,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_PUT));
        sendPut(a, portal, 7, 12);
        final Recorded fromA = arrival(events, 12, 10_000);
        assertNotNull(fromA);
        assertEquals(anyPid, fromA.md());
        assertTrue(wrongPid != fromA.md());
    }

    @Test
    void shouldUnlinkAUseOnceEntryAfterOneMessage()
    {
        final int portal = PORTAL.getAndIncrement();
        final LnetNodes.Collector events = new LnetNodes.Collector(b);
        final long once = b.attach(portal, LNET_NID_ANY, LNET_PID_ANY, 1, 0,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_PUT).useOnce());
        final long dropsBefore = b.counter("drop_no_match");

        sendPut(a, portal, 1, 20);
        final Recorded first = arrival(events, 20, 10_000);
        assertNotNull(first);
        assertEquals(once, first.md());
        assertTrue(first.unlinked(), "the one operation unlinks it");

        sendPut(a, portal, 1, 21);
        assertNull(arrival(events, 21, 300));
        assertEquals(dropsBefore + 1, b.counter("drop_no_match"));
        assertEquals(-io.jsocklnd.nativeio.Errno.ENOENT, b.unlink(once));
    }

    @Test
    void shouldKeepAPersistentEntryUntilUnlinked()
    {
        final int portal = PORTAL.getAndIncrement();
        final LnetNodes.Collector events = new LnetNodes.Collector(b);
        final long kept = b.attach(portal, LNET_NID_ANY, LNET_PID_ANY, 1, 0,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64)
                .options(OP_PUT | MemoryDescriptor.MANAGE_REMOTE).persistent());

        for (int i = 0; i < 5; i++)
        {
            sendPut(a, portal, 1, 30 + i);
        }
        for (int i = 0; i < 5; i++)
        {
            final Recorded r = arrival(events, 30 + i, 10_000);
            assertNotNull(r, "PUT " + i);
            assertEquals(kept, r.md());
            assertFalse(r.unlinked());
        }
        assertEquals(0, b.unlink(kept));
        final Recorded unlink = events.await(r -> r.type() == LnetEventType.UNLINK && r.md() == kept, 1_000);
        assertNotNull(unlink);
        assertTrue(unlink.unlinked());
        final long dropsBefore = b.counter("drop_no_match");
        sendPut(a, portal, 1, 40);
        assertNull(arrival(events, 40, 300));
        assertEquals(dropsBefore + 1, b.counter("drop_no_match"));
    }

    @Test
    void shouldTakeTheFirstMatchingEntryInListOrderAndSkipEntriesNotAllowingTheOperation()
    {
        final int portal = PORTAL.getAndIncrement();
        final LnetNodes.Collector events = new LnetNodes.Collector(b);
        final long getOnly = b.attach(portal, LNET_NID_ANY, LNET_PID_ANY, 0, -1L,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_GET));
        final long first = b.attach(portal, LNET_NID_ANY, LNET_PID_ANY, 0, -1L,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_PUT).useOnce());
        final long second = b.attach(portal, LNET_NID_ANY, LNET_PID_ANY, 0, -1L,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_PUT).useOnce());

        sendPut(a, portal, 0xDEAD, 50);
        final Recorded r1 = arrival(events, 50, 10_000);
        assertNotNull(r1);
        sendPut(a, portal, 0xBEEF, 51);
        final Recorded r2 = arrival(events, 51, 10_000);
        assertNotNull(r2);
        assertEquals(List.of(first, second), List.of(r1.md(), r2.md()));
        assertTrue(getOnly != r1.md());
    }

    @Test
    void shouldCountAndSkipPutsToAnEmptyPortalAndGetsThatMatchNothing()
    {
        final int portal = PORTAL.getAndIncrement();
        final LnetNodes.Collector aEvents = new LnetNodes.Collector(a);
        final long putsBefore = b.counter("puts_in");
        final long getsBefore = b.counter("gets_in");
        final long dropsBefore = b.counter("drop_no_match");

        sendPut(a, portal, 1, 60);
        final UnsafeBuffer sink = LnetNodes.direct(32);
        final long getMd = a.bind(new MemoryDescriptor().memory(sink, 0, 32).threshold(2));
        assertEquals(0, a.get(getMd, b.nid(), LNET_PID_LUSTRE, portal, 1, 0));

        assertTrue(io.jsocklnd.harness.Await.until(() -> b.counter("drop_no_match") == dropsBefore + 2, 10_000));
        assertEquals(putsBefore + 1, b.counter("puts_in"));
        assertEquals(getsBefore + 1, b.counter("gets_in"));
        assertNotNull(aEvents.await(LnetEventType.SEND, 10_000));
        aEvents.settle(200);
        assertTrue(aEvents.ofType(LnetEventType.REPLY).isEmpty(), "an unmatched GET gets no reply");
        assertEquals(0, a.unlink(getMd));
    }
}
