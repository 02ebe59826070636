package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.HandBytes;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static io.jsocklnd.harness.HandBytes.CONN_CONTROL;
import static io.jsocklnd.harness.HandBytes.PID_LUSTRE;
import static io.jsocklnd.harness.HandBytes.intAt;
import static io.jsocklnd.harness.HandBytes.longAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Source ports and identity (§3.2, §3.4), with raw peers writing the bytes by hand: under {@code accept=all} a
 * peer on a port above 1023 is a userspace process whose identity comes from its socket (PID = port |
 * {@code LNET_PID_USERFLAG}, NID = its address on this network), written over the source of every LNet header
 * it sends, and never connected to; under {@code accept=secure} only ports above 1023 are refused.
 */
@Timeout(60)
class UserspacePeerTest
{
    private static final String NODE_IP = "127.0.82.1";
    private static final long NODE_NID = HandBytes.tcpNid(127, 0, 82, 1);
    private static final long INCARNATION = 0x0102030405060708L;

    @Test
    void shouldGiveAPeerOnAnUnprivilegedPortTheIdentityOfItsSocketUnderAcceptAll() throws Exception
    {
        final String rawIp = "127.0.82.2";
        final long socketNid = HandBytes.tcpNid(127, 0, 82, 2);
        final long claimedNid = HandBytes.tcpNid(127, 0, 82, 9);
        final HeaderLog headers = new HeaderLog();
        final NodeConfig config = TestNodes.config(NODE_IP + "@tcp").acceptMode(NodeConfig.AcceptMode.ALL);
        final TestNodes.Completions completions = new TestNodes.Completions();
        try (ServerSocket rawListener = RawPeer.listen(rawIp, 988);
            Node node = Node.start(config, headers))
        {
            final int port;
            try (RawPeer raw = RawPeer.connect(rawIp, 0, NODE_IP, 988))
            {
                port = raw.localPort();
                assertTrue(port > 1023);
                final int userPid = port | HandBytes.PID_USERFLAG;
                raw.write(HandBytes.concat(HandBytes.connreq(NODE_NID),
                    HandBytes.hello(3, claimedNid, NODE_NID, INCARNATION, CONN_CONTROL)));
                final byte[] reply = raw.read(HandBytes.HELLO_LENGTH, 5_000);
                assertEquals(CONN_CONTROL, intAt(reply, HandBytes.HELLO_CTYPE));
                assertEquals(socketNid, longAt(reply, HandBytes.HELLO_DST_NID), "the peer is named by its address");
                assertTrue(Await.until(() -> HelloCloseTest.typesOf(node, socketNid).equals(List.of("CONTROL V3")),
                    5_000), () -> node.connections().toString());

                raw.write(HandBytes.concat(HandBytes.ksock(HandBytes.MSG_LNET, 0, 0, 0),
                    HandBytes.putHeader(NODE_NID, claimedNid, PID_LUSTRE, 7, 0, 0)));
                assertTrue(Await.until(() -> !headers.seen.isEmpty(), 5_000), "the PUT arrives");
                final long[] seen = headers.seen.poll();
                assertEquals(socketNid, seen[0], "src_nid written over with the socket's identity");
                assertEquals(userPid, (int)seen[1], "src_pid = source port | LNET_PID_USERFLAG");
                assertEquals(7L, seen[2]);
            }
            assertTrue(Await.until(() -> HelloCloseTest.typesOf(node, socketNid).isEmpty(), 5_000));

            // Reachable only over connections it opens: a send to it fails instead of connecting to its address.
            assertTrue(node.send(socketNid, port | HandBytes.PID_USERFLAG, TestNodes.putHeader(NODE_NID, socketNid, 8,
                ByteBuffer.allocateDirect(0), 0), 0, 0, 0, 8));
            assertTrue(Await.until(() ->
            {
                node.pollCompletions(completions, 16);
                return !completions.done.isEmpty();
            }, 5_000), "the send completes");
            assertEquals(-Errno.EHOSTUNREACH, completions.done.get(0)[1]);
            assertNull(RawPeer.accept(rawListener, 200), "no connection to a userspace process");
        }
    }

    @Test
    void shouldRefuseOnlyPortsAbove1023UnderAcceptSecure() throws Exception
    {
        final long rawNid = HandBytes.tcpNid(127, 0, 82, 3);
        try (Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), new TestNodes.RecordingHandler()))
        {
            try (RawPeer low = RawPeer.connect("127.0.82.3", 511, NODE_IP, 988))
            {
                low.write(HandBytes.concat(HandBytes.connreq(NODE_NID),
                    HandBytes.hello(3, rawNid, NODE_NID, INCARNATION, CONN_CONTROL)));
                final byte[] reply = low.read(HandBytes.HELLO_LENGTH, 5_000);
                assertEquals(CONN_CONTROL, intAt(reply, HandBytes.HELLO_CTYPE), "port 511 is privileged: answered");
            }
            try (RawPeer high = RawPeer.connect("127.0.82.3", 0, NODE_IP, 988))
            {
                high.write(HandBytes.concat(HandBytes.connreq(NODE_NID),
                    HandBytes.hello(3, rawNid, NODE_NID, INCARNATION, HandBytes.CONN_BULK_IN)));
                final RawPeer.Drained drained = high.drain(3_000);
                assertTrue(drained.closed(), drained::toString);
                assertEquals(0, drained.bytes().length);
            }
            assertEquals(1L, node.counters().get("acceptor refused_insecure_port"));
        }
    }

    /**
     * Keeps the source NID and PID and the match bits of each header the layer above is given.
     */
    private static final class HeaderLog implements MessageHandler
    {
        final ConcurrentLinkedQueue<long[]> seen = new ConcurrentLinkedQueue<>();

        public void onHeader(
            final long connectionId, final long srcNid, final LnetHeaderFlyweight header, final RxDecision decision)
        {
            seen.add(new long[]{header.srcNid(), header.srcPid(), header.matchBits()});
            decision.drop();
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength,
            final int payloadLength)
        {
        }
    }
}
