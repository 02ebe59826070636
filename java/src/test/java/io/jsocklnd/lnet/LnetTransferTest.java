package io.jsocklnd.lnet;

import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicInteger;

import static io.jsocklnd.lnet.MemoryDescriptor.ACK_DISABLE;
import static io.jsocklnd.lnet.MemoryDescriptor.MANAGE_REMOTE;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_GET;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_PUT;
import static io.jsocklnd.lnet.MemoryDescriptor.TRUNCATE;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PUT with and without ACK, GET and REPLY, truncation and offsets between two LNet nodes on loopback.
 */
@Timeout(60)
class LnetTransferTest
{
    private static final AtomicInteger PAIR = new AtomicInteger();
    private static final int PORTAL = 12;

    private Lnet a;
    private Lnet b;
    private LnetNodes.Collector aEvents;
    private LnetNodes.Collector bEvents;

    @BeforeEach
    void start() throws Exception
    {
        final int n = PAIR.getAndIncrement();
        a = LnetNodes.start("127.0.60." + (2 * n + 1) + "@tcp");
        b = LnetNodes.start("127.0.60." + (2 * n + 2) + "@tcp");
        aEvents = new LnetNodes.Collector(a);
        bEvents = new LnetNodes.Collector(b);
    }

    @AfterEach
    void stop()
    {
        a.close();
        b.close();
    }

    @Test
    void shouldPutWithAckAndReportSendPutAndAckEvents()
    {
        final UnsafeBuffer sink = LnetNodes.direct(8192);
        final long target = b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0x77, 0,
            new MemoryDescriptor().memory(sink, 0, 8192).options(OP_PUT).persistent().userPtr(99));
        final UnsafeBuffer data = LnetNodes.pattern(5000, 3);
        final long source = a.bind(new MemoryDescriptor().memory(data, 0, 5000).threshold(2).userPtr(7));

        assertEquals(0, a.put(source, true, b.nid(), LNET_PID_LUSTRE, PORTAL, 0x77, 0, 0xABCDEFL));

        final Recorded put = bEvents.await(LnetEventType.PUT, 10_000);
        assertNotNull(put, "no PUT event on the target");
        assertEquals(0, put.status());
        assertEquals(target, put.md());
        assertEquals(99, put.userPtr());
        assertEquals(5000, put.mlength());
        assertEquals(5000, put.rlength());
        assertEquals(0, put.offset());
        assertEquals(0x77, put.matchBits());
        assertEquals(0xABCDEFL, put.hdrData());
        assertEquals(a.nid(), put.initiatorNid());
        assertEquals(PORTAL, put.portal());
        assertFalse(put.unlinked());
        for (int i = 0; i < 5000; i++)
        {
            assertEquals(data.getByte(i), sink.getByte(i), "byte " + i);
        }

        final Recorded ack = aEvents.await(LnetEventType.ACK, 10_000);
        assertNotNull(ack, "no ACK event on the initiator");
        assertEquals(source, ack.md());
        assertEquals(5000, ack.mlength());
        assertEquals(0x77, ack.matchBits());
        final Recorded send = aEvents.await(LnetEventType.SEND, 10_000);
        assertNotNull(send);
        assertEquals(0, send.status());
        assertEquals(7, send.userPtr());
        assertEquals(b.nid(), send.targetNid());
        assertTrue(send.unlinked() || ack.unlinked(), "the threshold-2 descriptor unlinks with its last event");
        assertEquals(-io.jsocklnd.nativeio.Errno.ENOENT, a.unlink(source), "the handle is stale after auto-unlink");
        assertEquals(1, b.counter("acks_out"));
        assertEquals(1, a.counter("acks_in"));
    }

    @Test
    void shouldPutWithoutAckAndSendNoAck()
    {
        final UnsafeBuffer sink = LnetNodes.direct(100);
        b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 1, 0, new MemoryDescriptor().memory(sink, 0, 100).options(OP_PUT));
        final long source = a.bind(new MemoryDescriptor().memory(LnetNodes.pattern(100, 1), 0, 100).useOnce());

        assertEquals(0, a.put(source, false, b.nid(), LNET_PID_LUSTRE, PORTAL, 1, 0, 0));

        assertNotNull(bEvents.await(LnetEventType.PUT, 10_000));
        final Recorded send = aEvents.await(LnetEventType.SEND, 10_000);
        assertNotNull(send);
        assertTrue(send.unlinked(), "a use-once source unlinks after its send");
        aEvents.settle(200);
        assertTrue(aEvents.ofType(LnetEventType.ACK).isEmpty(), "no ACK was asked for");
        assertEquals(0, b.counter("acks_out"));
    }

    @Test
    void shouldNotAckWhenTheTargetDisablesAcks()
    {
        b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 1, 0,
            new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).options(OP_PUT | ACK_DISABLE));
        final long source = a.bind(new MemoryDescriptor().memory(LnetNodes.direct(64), 0, 64).threshold(2));

        assertEquals(0, a.put(source, true, b.nid(), LNET_PID_LUSTRE, PORTAL, 1, 0, 0));

        assertNotNull(bEvents.await(LnetEventType.PUT, 10_000));
        aEvents.settle(200);
        assertTrue(aEvents.ofType(LnetEventType.ACK).isEmpty());
        assertEquals(0, b.counter("acks_out"));
    }

    @Test
    void shouldTruncatePutWhenTheDescriptorAllowsIt()
    {
        final UnsafeBuffer sink = LnetNodes.direct(100);
        b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 5, 0,
            new MemoryDescriptor().memory(sink, 0, 100).options(OP_PUT | TRUNCATE));
        final UnsafeBuffer data = LnetNodes.pattern(300, 9);
        final long source = a.bind(new MemoryDescriptor().memory(data, 0, 300).threshold(2));

        assertEquals(0, a.put(source, true, b.nid(), LNET_PID_LUSTRE, PORTAL, 5, 0, 0));

        final Recorded put = bEvents.await(LnetEventType.PUT, 10_000);
        assertNotNull(put);
        assertEquals(100, put.mlength());
        assertEquals(300, put.rlength());
        for (int i = 0; i < 100; i++)
        {
            assertEquals(data.getByte(i), sink.getByte(i));
        }
        final Recorded ack = aEvents.await(LnetEventType.ACK, 10_000);
        assertNotNull(ack);
        assertEquals(100, ack.mlength(), "the ACK reports the bytes accepted");
    }

    @Test
    void shouldDropPutLongerThanTheDescriptorWithoutTruncate()
    {
        b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 5, 0,
            new MemoryDescriptor().memory(LnetNodes.direct(100), 0, 100).options(OP_PUT));
        final long big = a.bind(new MemoryDescriptor().memory(LnetNodes.pattern(101, 1), 0, 101).threshold(2));
        final long fits = a.bind(new MemoryDescriptor().memory(LnetNodes.pattern(100, 1), 0, 100).threshold(2));

        assertEquals(0, a.put(big, true, b.nid(), LNET_PID_LUSTRE, PORTAL, 5, 0, 0));
        assertEquals(0, a.put(fits, true, b.nid(), LNET_PID_LUSTRE, PORTAL, 5, 0, 0));

        final Recorded put = bEvents.await(LnetEventType.PUT, 10_000);
        assertNotNull(put, "the PUT that fits still lands after the dropped one");
        assertEquals(100, put.rlength());
        final Recorded ack = aEvents.await(LnetEventType.ACK, 10_000);
        assertEquals(fits, ack.md());
        assertEquals(1, b.counter("drop_too_long"));
        bEvents.settle(100);
        assertEquals(1, bEvents.ofType(LnetEventType.PUT).size());
    }

    @Test
    void shouldPlacePutAtTheRemoteOffsetWhenTheTargetManagesRemoteOffsets()
    {
        final UnsafeBuffer sink = LnetNodes.direct(4096);
        b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 2, 0,
            new MemoryDescriptor().memory(sink, 0, 4096).options(OP_PUT | MANAGE_REMOTE));
        final UnsafeBuffer data = LnetNodes.pattern(100, 5);
        final long source = a.bind(new MemoryDescriptor().memory(data, 0, 100));

        assertEquals(0, a.put(source, false, b.nid(), LNET_PID_LUSTRE, PORTAL, 2, 1000, 0));

        final Recorded put = bEvents.await(LnetEventType.PUT, 10_000);
        assertNotNull(put);
        assertEquals(1000, put.offset());
        for (int i = 0; i < 100; i++)
        {
            assertEquals(data.getByte(i), sink.getByte(1000 + i));
        }
        assertEquals(0, sink.getByte(999));
        assertEquals(0, sink.getByte(1100));
    }

    @Test
    void shouldAdvanceTheLocalOffsetWhenTheTargetManagesItsOwnOffsets()
    {
        final UnsafeBuffer sink = LnetNodes.direct(250);
        b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 2, 0,
            new MemoryDescriptor().memory(sink, 0, 250).options(OP_PUT | TRUNCATE));
        final UnsafeBuffer first = LnetNodes.pattern(100, 1);
        final UnsafeBuffer second = LnetNodes.pattern(100, 2);
        final UnsafeBuffer third = LnetNodes.pattern(100, 3);
        final long s1 = a.bind(new MemoryDescriptor().memory(first, 0, 100));
        final long s2 = a.bind(new MemoryDescriptor().memory(second, 0, 100));
        final long s3 = a.bind(new MemoryDescriptor().memory(third, 0, 100));

        assertEquals(0, a.put(s1, false, b.nid(), LNET_PID_LUSTRE, PORTAL, 2, 4000, 0));
        assertNotNull(bEvents.await(r -> r.type() == LnetEventType.PUT && r.offset() == 0, 10_000));
        assertEquals(0, a.put(s2, false, b.nid(), LNET_PID_LUSTRE, PORTAL, 2, 4000, 0));
        assertNotNull(bEvents.await(r -> r.type() == LnetEventType.PUT && r.offset() == 100, 10_000));
        assertEquals(0, a.put(s3, false, b.nid(), LNET_PID_LUSTRE, PORTAL, 2, 4000, 0));
        final Recorded last = bEvents.await(r -> r.type() == LnetEventType.PUT && r.offset() == 200, 10_000);
        assertNotNull(last, "the remote offset is ignored; the third PUT lands after the second");
        assertEquals(50, last.mlength(), "only 50 bytes were left");
        for (int i = 0; i < 100; i++)
        {
            assertEquals(first.getByte(i), sink.getByte(i));
            assertEquals(second.getByte(i), sink.getByte(100 + i));
        }
        for (int i = 0; i < 50; i++)
        {
            assertEquals(third.getByte(i), sink.getByte(200 + i));
        }
    }

    @Test
    void shouldServeGetFromTheRemoteOffsetAndDeliverTheReply()
    {
        final UnsafeBuffer source = LnetNodes.pattern(4096, 11);
        final long served = b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0x99, 0,
            new MemoryDescriptor().memory(source, 0, 4096).options(OP_GET | MANAGE_REMOTE));
        final UnsafeBuffer sink = LnetNodes.direct(1000);
        final long getMd = a.bind(new MemoryDescriptor().memory(sink, 0, 1000).threshold(2));

        assertEquals(0, a.get(getMd, b.nid(), LNET_PID_LUSTRE, PORTAL, 0x99, 500));

        final Recorded reply = aEvents.await(LnetEventType.REPLY, 10_000);
        assertNotNull(reply);
        assertEquals(0, reply.status());
        assertEquals(1000, reply.mlength());
        assertEquals(1000, reply.rlength());
        assertEquals(b.nid(), reply.initiatorNid());
        for (int i = 0; i < 1000; i++)
        {
            assertEquals(source.getByte(500 + i), sink.getByte(i));
        }
        assertNotNull(aEvents.await(LnetEventType.SEND, 10_000));
        final Recorded get = bEvents.await(LnetEventType.GET, 10_000);
        assertNotNull(get);
        assertEquals(served, get.md());
        assertEquals(0, get.status());
        assertEquals(500, get.offset());
        assertEquals(1000, get.mlength());
        assertEquals(1000, get.rlength());
        assertEquals(a.nid(), get.initiatorNid());
        assertEquals(0x99, get.matchBits());
    }

    @Test
    void shouldTruncateGetToWhatTheSourceHasLeft()
    {
        final UnsafeBuffer source = LnetNodes.pattern(300, 4);
        b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 1, 0,
            new MemoryDescriptor().memory(source, 0, 300).options(OP_GET | MANAGE_REMOTE | TRUNCATE));
        final UnsafeBuffer sink = LnetNodes.direct(1000);
        final long getMd = a.bind(new MemoryDescriptor().memory(sink, 0, 1000).threshold(2));

        assertEquals(0, a.get(getMd, b.nid(), LNET_PID_LUSTRE, PORTAL, 1, 100));

        final Recorded reply = aEvents.await(LnetEventType.REPLY, 10_000);
        assertNotNull(reply);
        assertEquals(200, reply.mlength());
        final Recorded get = bEvents.await(LnetEventType.GET, 10_000);
        assertEquals(1000, get.rlength());
        assertEquals(200, get.mlength());
        for (int i = 0; i < 200; i++)
        {
            assertEquals(source.getByte(100 + i), sink.getByte(i));
        }
    }

    @Test
    void shouldAskForNoMoreThanTheSinkHoldsSoTheReplyFitsWithoutTruncate()
    {
        b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 1, 0,
            new MemoryDescriptor().memory(LnetNodes.pattern(300, 4), 0, 300).options(OP_GET | TRUNCATE));
        final UnsafeBuffer sink = LnetNodes.direct(100);
        final long getMd = a.bind(new MemoryDescriptor().memory(sink, 0, 100).threshold(2));

        assertEquals(0, a.get(getMd, b.nid(), LNET_PID_LUSTRE, PORTAL, 1, 0));

        final Recorded reply = aEvents.await(LnetEventType.REPLY, 10_000);
        assertNotNull(reply, "the target replies with what the GET asked for (sink_length), so it fits");
        assertEquals(100, reply.mlength());
    }

    @Test
    void shouldReportAFailedSendToAnUnreachablePeer()
    {
        final long source = a.bind(new MemoryDescriptor().memory(LnetNodes.direct(10), 0, 10).threshold(1));

        assertEquals(0, a.put(source, false, Nid.parse("127.0.59.254@tcp"), LNET_PID_LUSTRE, PORTAL, 0, 0, 0));

        final Recorded send = aEvents.await(LnetEventType.SEND, 20_000);
        assertNotNull(send);
        assertTrue(send.status() < 0, "status " + send.status());
        assertTrue(send.unlinked());
    }

    @Test
    void shouldRefuseStaleHandlesAndBadPortals()
    {
        final long md = a.bind(new MemoryDescriptor().memory(LnetNodes.direct(10), 0, 10));
        assertEquals(-io.jsocklnd.nativeio.Errno.EINVAL, a.put(md, false, b.nid(), LNET_PID_LUSTRE, 64, 0, 0, 0));
        assertEquals(0, a.unlink(md));
        final Recorded unlink = aEvents.await(LnetEventType.UNLINK, 1_000);
        assertNotNull(unlink);
        assertEquals(md, unlink.md());
        assertTrue(unlink.unlinked());
        assertEquals(-io.jsocklnd.nativeio.Errno.ENOENT, a.put(md, false, b.nid(), LNET_PID_LUSTRE, 1, 0, 0, 0));
        assertEquals(-io.jsocklnd.nativeio.Errno.ENOENT, a.get(md, b.nid(), LNET_PID_LUSTRE, 1, 0, 0));
        assertEquals(-io.jsocklnd.nativeio.Errno.ENOENT, a.unlink(md));
    }
}
