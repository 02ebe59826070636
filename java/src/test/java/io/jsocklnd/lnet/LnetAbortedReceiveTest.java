package io.jsocklnd.lnet;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.Arrays;

import static io.jsocklnd.lnet.MemoryDescriptor.OP_PUT;
import static io.jsocklnd.lnet.MemoryDescriptor.TRUNCATE;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A raw V3 peer that resets its connection in the middle of a payload being received into a descriptor: the
 * PUT (or the REPLY of a GET) ends with an error event, the descriptor is released, and the node goes on
 * serving other peers.
 */
@Timeout(60)
class LnetAbortedReceiveTest
{
    private static final String NODE_IP = "127.0.68.1";
    private static final String RAW_IP = "127.0.68.2";
    private static final long RAW_NID = Nid.parse(RAW_IP + "@tcp");
    private static final int PORTAL = 7;
    private static final int PAYLOAD = 1 << 20;
    private static final int SENT = 64 * 1024;

    private Lnet node;
    private LnetNodes.Collector events;

    @BeforeEach
    void start() throws Exception
    {
        node = LnetNodes.start(NODE_IP + "@tcp");
        events = new LnetNodes.Collector(node);
    }

    @AfterEach
    void stop()
    {
        node.close();
    }

    @Test
    void shouldFailAPutCutOffInItsPayloadAndReleaseTheUseOnceDescriptor() throws Exception
    {
        final UnsafeBuffer sink = LnetNodes.direct(PAYLOAD);
        final long md = node.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0x51, 0,
            new MemoryDescriptor().memory(sink, 0, PAYLOAD).options(OP_PUT).useOnce().userPtr(5));

        try (RawPeer peer = RawPeer.connect(RAW_IP, 1000, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
        {
            peer.handshake(ByteOrder.LITTLE_ENDIAN, 3, RAW_NID, node.nid(), 0x7777L, SOCKLND_CONN_CONTROL);
            final byte[] header = new byte[LnetHeaderFlyweight.LENGTH];
            new LnetHeaderFlyweight().wrapForEncode(new UnsafeBuffer(header), 0, header.length, LNET_MSG_PUT)
                .destNid(node.nid()).srcNid(RAW_NID).destPid(LNET_PID_LUSTRE).srcPid(LNET_PID_LUSTRE)
                .payloadLength(PAYLOAD).wmdInterfaceCookie(0x1234).wmdObjectCookie(0x5678)
                .matchBits(0x51).putHdrData(0xFEED).putPtlIndex(PORTAL).putOffset(0);
            final byte[] part = new byte[SENT];
            Arrays.fill(part, (byte)0x3C);
            peer.write(RawPeer.concat(RawPeer.ksockHeader(ByteOrder.LITTLE_ENDIAN, KSOCK_MSG_LNET, 0, 0), header, part));

            // The header has been matched and part of the payload stored before the peer goes away.
            final String received = "peer " + RAW_IP + "@tcp bytes_in";
            assertTrue(Await.until(() -> node.node().counters().getOrDefault(received, 0L) >=
                KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + SENT, 10_000), () -> node.counters().toString());
            assertEquals(1, node.counter("puts_in"));
            assertNull(events.await(LnetEventType.PUT, 100), "no PUT event while the payload is incomplete");
        }

        final Recorded put = events.await(LnetEventType.PUT, 10_000);
        assertNotNull(put, "the cut-off PUT ends with an event");
        assertEquals(-Errno.EIO, put.status());
        assertTrue(put.unlinked(), "the use-once descriptor goes with its only operation");
        assertEquals(md, put.md());
        assertEquals(5, put.userPtr());
        assertEquals(PORTAL, put.portal());
        assertEquals(0x51, put.matchBits());
        assertEquals(0xFEED, put.hdrData());
        assertEquals(RAW_NID, put.initiatorNid());
        assertEquals(PAYLOAD, put.rlength());
        assertEquals(PAYLOAD, put.mlength(), "mlength is what was matched, as LNet reports a failed receive");
        assertEquals(-Errno.ENOENT, node.unlink(md), "the handle is stale: the descriptor was released");
        assertEquals(1, node.counter("receives_aborted"));
        assertEquals(0, node.counter("acks_out"), "a failed PUT is not acknowledged");
        assertEquals(1, events.ofType(LnetEventType.PUT).size());
        assertEquals(0x3C, sink.getByte(SENT - 1));

        // Another peer is served as before, into a fresh descriptor on the same portal.
        try (Lnet other = LnetNodes.start("127.0.68.3@tcp"))
        {
            final UnsafeBuffer second = LnetNodes.direct(4096);
            final long next = node.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0x52, 0,
                new MemoryDescriptor().memory(second, 0, 4096).options(OP_PUT).useOnce());
            final UnsafeBuffer data = LnetNodes.pattern(4096, 9);
            assertEquals(0, other.put(other.bind(new MemoryDescriptor().memory(data, 0, 4096).useOnce()),
                false, node.nid(), LNET_PID_LUSTRE, PORTAL, 0x52, 0, 0));
            final Recorded ok = events.await(r -> r.type() == LnetEventType.PUT && r.md() == next, 10_000);
            assertNotNull(ok);
            assertEquals(0, ok.status());
            assertEquals(4096, ok.mlength());
            for (int i = 0; i < 4096; i++)
            {
                assertEquals(data.getByte(i), second.getByte(i), "byte " + i);
            }
        }
        assertEquals(1, node.counter("receives_aborted"));
    }

    @Test
    void shouldFailAGetWhoseReplyIsCutOff() throws Exception
    {
        final UnsafeBuffer sink = LnetNodes.direct(PAYLOAD);
        try (RawPeer peer = RawPeer.connect(RAW_IP, 1001, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
        {
            peer.handshake(ByteOrder.LITTLE_ENDIAN, 3, RAW_NID, node.nid(), 0x8888L, SOCKLND_CONN_CONTROL);
            final long md = node.bind(new MemoryDescriptor().memory(sink, 0, PAYLOAD).options(TRUNCATE).threshold(2));
            assertEquals(0, node.get(md, RAW_NID, LNET_PID_LUSTRE, 21, 0x99, 0));

            // The GET arrives on the only connection: ksock header, then the LNet header with the reply handle.
            final byte[] get = peer.read(KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH, 10_000);
            final LnetHeaderFlyweight request = new LnetHeaderFlyweight()
                .wrap(new UnsafeBuffer(get), KsockMsgFlyweight.LENGTH, LnetHeaderFlyweight.LENGTH);
            assertEquals(LNET_MSG_GET, request.type());
            assertEquals(PAYLOAD, request.getSinkLength());
            final Recorded send = events.await(LnetEventType.SEND, 10_000);
            assertNotNull(send);
            assertEquals(0, send.status());

            final byte[] header = new byte[LnetHeaderFlyweight.LENGTH];
            new LnetHeaderFlyweight().wrapForEncode(new UnsafeBuffer(header), 0, header.length, LNET_MSG_REPLY)
                .destNid(node.nid()).srcNid(RAW_NID).destPid(LNET_PID_LUSTRE).srcPid(LNET_PID_LUSTRE)
                .payloadLength(PAYLOAD).wmdInterfaceCookie(request.wmdInterfaceCookie())
                .wmdObjectCookie(request.wmdObjectCookie());
            peer.write(RawPeer.concat(RawPeer.ksockHeader(ByteOrder.LITTLE_ENDIAN, KSOCK_MSG_LNET, 0, 0), header,
                new byte[SENT]));
            final String received = "peer " + RAW_IP + "@tcp bytes_in";
            assertTrue(Await.until(() -> node.node().counters().getOrDefault(received, 0L) >=
                KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + SENT, 10_000), () -> node.counters().toString());
            assertEquals(1, node.counter("replies_in"));
            assertNull(events.await(LnetEventType.REPLY, 100));
        }

        final Recorded reply = events.await(LnetEventType.REPLY, 10_000);
        assertNotNull(reply, "the cut-off REPLY ends with an event");
        assertEquals(-Errno.EIO, reply.status());
        assertTrue(reply.unlinked(), "the GET's descriptor (threshold 2: GET and REPLY) goes with it");
        assertEquals(21, reply.portal(), "the portal of the GET the REPLY answers");
        assertEquals(PAYLOAD, reply.rlength());
        assertFalse(events.ofType(LnetEventType.UNLINK).size() > 0);
        assertEquals(1, node.counter("receives_aborted"));
    }
}
