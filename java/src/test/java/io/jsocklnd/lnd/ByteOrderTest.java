package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that sends in big-endian order (acceptor request, hello, ksock headers; LNet headers stay
 * little-endian) is understood, and is answered in little-endian order.
 */
@Timeout(30)
class ByteOrderTest
{
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final String NODE_IP = "127.0.34.1";
    private static final String PEER_IP = "127.0.34.2";
    private static final long NODE_NID = Nid.parse(NODE_IP + "@tcp");
    private static final long PEER_NID = Nid.parse(PEER_IP + "@tcp");
    private static final long PEER_INCARNATION = 0x1122334455667788L;
    private static final long NODE_INCARNATION = 0x0102030405060708L;

    @Test
    void shouldAcceptBigEndianHelloAndReplyLittleEndianWithCorrectNids() throws Exception
    {
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp").incarnation(NODE_INCARNATION), 16);
            RawPeer peer = RawPeer.connect(PEER_IP, 1000, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
        {
            final byte[] replyBytes = peer.handshake(BE, 3, PEER_NID, NODE_NID, PEER_INCARNATION, SOCKLND_CONN_CONTROL);
            final HelloFlyweight reply = RawPeer.decodeHello(replyBytes);

            assertEquals(ByteOrder.LITTLE_ENDIAN, reply.byteOrder());
            assertArrayEquals(new byte[]{0x63, 0x69, 0x72, 0x45}, Arrays.copyOf(replyBytes, 4), "kshm_magic little-endian");
            assertEquals(3, reply.version());
            assertEquals(NODE_NID, reply.srcNid());
            assertEquals(PEER_NID, reply.dstNid());
            assertEquals(WireConstants.LNET_PID_LUSTRE, reply.srcPid());
            assertEquals(0, reply.dstPid(), "kshm_dst_pid echoed from the hello, as the kernel writes it");
            assertEquals(NODE_INCARNATION, reply.srcIncarnation());
            assertEquals(SOCKLND_CONN_CONTROL, reply.ctype());
            assertEquals(0, reply.nips());

            final byte[] payload = new byte[700];
            new SplittableRandom(34).nextBytes(payload);
            peer.write(RawPeer.concat(
                RawPeer.ksockHeader(BE, KSOCK_MSG_NOOP, 0, 0),
                RawPeer.put(BE, 0, PEER_NID, NODE_NID, 7, payload)));

            assertTrue(Await.until(() -> node.receiver().count() == 1, 5_000), "the PUT did not arrive");
            final CheckingReceiver.Report report = node.receiver().report(7, 1, PEER_NID, 1024);
            assertTrue(report.perfect(), report.toString());
            assertEquals(1, report.received);
            assertEquals(List.of("CONTROL V3"), node.connectionTypes(PEER_NID));
            assertFalse(peer.drain(200).closed(), "the node closed the connection");
        }
    }

    @Test
    void shouldAckZcRequestOfBigEndianPeerInLittleEndianOnTheBulkConnection() throws Exception
    {
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp"), 16);
            RawPeer peer = RawPeer.connect(PEER_IP, 1001, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
        {
            final HelloFlyweight reply =
                RawPeer.decodeHello(peer.handshake(BE, 3, PEER_NID, NODE_NID, PEER_INCARNATION, SOCKLND_CONN_BULK_OUT));
            assertEquals(SOCKLND_CONN_BULK_IN, reply.ctype());
            assertEquals(ByteOrder.LITTLE_ENDIAN, reply.byteOrder());

            final byte[] payload = new byte[64 * 1024];
            new SplittableRandom(35).nextBytes(payload);
            final long cookie = 0x0000_0102_0304_0506L;
            peer.write(RawPeer.put(BE, cookie, PEER_NID, NODE_NID, 8, payload));

            final byte[] ack = peer.read(KsockMsgFlyweight.LENGTH, 5_000);
            final KsockMsgFlyweight noop = new KsockMsgFlyweight().wrap(new UnsafeBuffer(ack), 0, ack.length, ByteOrder.LITTLE_ENDIAN);
            assertTrue(noop.isNoop(), "ksm_type read little-endian");
            assertEquals(0, noop.zcCookie0());
            assertEquals(cookie, noop.zcCookie1());
            assertTrue(Await.until(() -> node.receiver().count() == 1, 5_000));
            assertTrue(node.receiver().report(8, 1, PEER_NID, 1024).perfect());
            assertEquals(List.of("BULK_IN V3"), node.connectionTypes(PEER_NID));
        }
    }
}
