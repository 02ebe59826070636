package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockChecksum;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ksm_csum} from a V2 peer (a kernel with {@code enable_csum=1}): a message whose checksum matches is
 * delivered, in either byte order; a NOOP or LNET message whose checksum does not match is a protocol error
 * that closes the connection, and the damaged payload never reaches the layer above. V3 connections do not
 * check (V3 kernels never send a checksum). With {@code enable_csum}, V2 sends carry the checksum, whatever the
 * payload path.
 */
@Timeout(30)
class ChecksumTest
{
    private static final String NODE_IP = "127.0.45.1";
    private static final long NODE_NID = Nid.parse(NODE_IP + "@tcp");

    @ParameterizedTest
    @ValueSource(strings = {"LITTLE_ENDIAN", "BIG_ENDIAN"})
    void shouldDeliverV2MessagesWhoseChecksumMatchesAndCloseOnOneThatDoesNot(final String orderName) throws Exception
    {
        final ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        final String peerIp = order == ByteOrder.BIG_ENDIAN ? "127.0.45.3" : "127.0.45.2";
        final long peerNid = Nid.parse(peerIp + "@tcp");
        final String peer = "peer " + peerIp + "@tcp ";
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp"), 64);
            RawPeer raw = RawPeer.connect(peerIp, 1000, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
        {
            final HelloFlyweight reply = RawPeer.decodeHello(raw.handshake(order, 2, peerNid, NODE_NID, 9, SOCKLND_CONN_CONTROL));
            assertEquals(2, reply.version());

            final SplittableRandom random = new SplittableRandom(45);
            raw.write(withChecksum(RawPeer.put(order, 0, peerNid, NODE_NID, 1, payload(random, 3000)), order));
            raw.write(withChecksum(RawPeer.put(order, 0, peerNid, NODE_NID, 2, new byte[0]), order));
            raw.write(withChecksum(RawPeer.ksockHeader(order, KSOCK_MSG_NOOP, 0, 0), order));
            raw.write(withChecksum(RawPeer.put(order, 0, peerNid, NODE_NID, 3, payload(random, 70_000)), order));
            assertTrue(Await.until(() -> node.receiver().count() == 3, 5_000), () -> "received " + node.receiver().count());
            assertTrue(node.receiver().report(1, 3, peerNid, 1024).perfect());
            assertEquals(0L, node.node().counters().get(peer + "checksum_errors"));
            assertFalse(raw.drain(100).closed());

            final byte[] damaged = withChecksum(RawPeer.put(order, 0, peerNid, NODE_NID, 4, payload(random, 5000)), order);
            damaged[damaged.length - 17] ^= 0x01;
            raw.write(damaged);
            assertTrue(raw.drain(5_000).closed(), "connection closed on the checksum mismatch");
            assertEquals(1L, node.node().counters().get(peer + "checksum_errors"));
            assertEquals(1L, node.node().counters().get(peer + "protocol_errors"));
            assertEquals(3, node.receiver().count(), "the damaged payload was not delivered");
        }
    }

    @Test
    void shouldCloseOnAV2NoopWhoseChecksumDoesNotMatch() throws Exception
    {
        final String peerIp = "127.0.45.4";
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp"), 16);
            RawPeer raw = handshaken(peerIp, 2))
        {
            final byte[] noop = withChecksum(RawPeer.ksockHeader(ByteOrder.LITTLE_ENDIAN, KSOCK_MSG_NOOP, 0, 0),
                ByteOrder.LITTLE_ENDIAN);
            noop[KsockMsgFlyweight.KSM_CSUM_OFFSET] ^= 0x40;
            raw.write(noop);
            assertTrue(raw.drain(5_000).closed());
            assertEquals(1L, node.node().counters().get("peer " + peerIp + "@tcp checksum_errors"));
        }
    }

    /**
     * V3 checks a non-zero checksum too, over the payload alone (§11): one that is not the payload's closes the
     * connection. Once this test had V3 ignore any checksum; V3 kernels check it as below.
     */
    @Test
    void shouldCheckAV3ChecksumAgainstThePayloadAlone() throws Exception
    {
        final String peerIp = "127.0.45.5";
        final long peerNid = Nid.parse(peerIp + "@tcp");
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp"), 16);
            RawPeer raw = handshaken(peerIp, 3))
        {
            final byte[] payload = payload(new SplittableRandom(5), 500);
            final byte[] put = RawPeer.put(ByteOrder.LITTLE_ENDIAN, 0, peerNid, NODE_NID, 1, payload);
            final KsockChecksum csum = new KsockChecksum();
            new UnsafeBuffer(put).putInt(KsockMsgFlyweight.KSM_CSUM_OFFSET,
                csum.reset().update(payload, 0, payload.length).value(), ByteOrder.LITTLE_ENDIAN);
            raw.write(put);
            assertTrue(Await.until(() -> node.receiver().count() == 1, 5_000));
            assertTrue(node.receiver().report(1, 1, peerNid, 1024).perfect());
            assertEquals(0L, node.node().counters().get("peer " + peerIp + "@tcp checksum_errors"));
            assertFalse(raw.drain(100).closed());

            final byte[] other = RawPeer.put(ByteOrder.LITTLE_ENDIAN, 0, peerNid, NODE_NID, 2, payload);
            new UnsafeBuffer(other).putInt(KsockMsgFlyweight.KSM_CSUM_OFFSET, 0x12345678, ByteOrder.LITTLE_ENDIAN);
            raw.write(other);
            assertTrue(raw.drain(5_000).closed(), "connection closed on the checksum mismatch");
            assertEquals(1L, node.node().counters().get("peer " + peerIp + "@tcp checksum_errors"));
            assertEquals(1, node.receiver().count(), "the message was not delivered");
        }
    }

    @Test
    void shouldPutTheV2ChecksumOnEverySendWhenEnabled() throws Exception
    {
        final String peerIp = "127.0.45.6";
        final long peerNid = Nid.parse(peerIp + "@tcp");
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp").enableCsum(true), 16);
            RawPeer raw = handshaken(peerIp, 2))
        {
            final int[] sizes = {0, 100, 1000};
            final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
            final UnsafeBuffer payload = DirectMemory.allocate(1000);
            for (int i = 0; i < 1000; i++)
            {
                payload.putByte(i, (byte)(i * 7));
            }
            for (int i = 0; i < sizes.length; i++)
            {
                Traffic.putHeader(header, NODE_NID, peerNid, i, sizes[i], Traffic.crcOf(payload, 0, sizes[i]));
                assertTrue(node.node().send(peerNid, WireConstants.LNET_PID_LUSTRE, header, 0,
                    DirectMemory.address(payload, 0), sizes[i], i));
            }
            for (final int size : sizes)
            {
                final byte[] message = raw.read(KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + size, 5_000);
                final UnsafeBuffer buffer = new UnsafeBuffer(message);
                final int csum = buffer.getInt(KsockMsgFlyweight.KSM_CSUM_OFFSET, ByteOrder.LITTLE_ENDIAN);
                assertTrue(csum != 0, "ksm_csum set");
                assertEquals(new KsockChecksum().computeV2(buffer, 0, message.length), csum, "size " + size);
            }
        }
    }

    @Test
    void shouldExchangeChecksummedTrafficBetweenTwoV2NodesOnEveryPayloadPath() throws Exception
    {
        final String a = "127.0.45.7@tcp";
        final String b = "127.0.45.8@tcp";
        try (TrafficEndpoint left = TrafficEndpoint.start(
                TestNodes.config(a).protocolVersion(2).enableCsum(true).zcMode(NodeConfig.ZcMode.SPLICE), 1024);
            TrafficEndpoint right = TrafficEndpoint.start(
                TestNodes.config(b).protocolVersion(2).enableCsum(true).zcMode(NodeConfig.ZcMode.MSG_ZEROCOPY), 1024))
        {
            assertNull(left.warmUp(right.nid(), 10_000));
            assertNull(Exchange.both(left, right, Traffic.plan(45, 300), Traffic.plan(46, 300), 30_000, false));
            for (final TrafficEndpoint end : new TrafficEndpoint[] {left, right})
            {
                final Map<String, Long> counters = end.node().counters();
                final String other = end == left ? b : a;
                assertEquals(0L, counters.get("peer " + other + " checksum_errors"));
                assertEquals(0L, counters.get("peer " + other + " protocol_errors"));
                assertTrue(counters.get("peer " + other + " zc_requests_sent") > 0, "zero-copy sends were checksummed too");
            }
            assertEquals(List.of("BULK_IN V2", "BULK_OUT V2", "CONTROL V2"), left.connectionTypes(right.nid()));
        }
    }

    /** A little-endian peer at {@code peerIp} with a CONTROL connection of the given version to the node. */
    private static RawPeer handshaken(final String peerIp, final int version) throws IOException
    {
        final RawPeer raw = RawPeer.connect(peerIp, 1000, NODE_IP, WireConstants.LNET_ACCEPT_PORT);
        try
        {
            final HelloFlyweight reply = RawPeer.decodeHello(raw.handshake(
                ByteOrder.LITTLE_ENDIAN, version, Nid.parse(peerIp + "@tcp"), NODE_NID, 9, SOCKLND_CONN_CONTROL));
            assertEquals(version, reply.version());
            return raw;
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            raw.close();
            throw ex;
        }
    }

    /** Writes the V2 checksum of a whole message (ksock header, LNet header, payload) into its header. */
    static byte[] withChecksum(final byte[] message, final ByteOrder order)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(message);
        final int csum = new KsockChecksum().computeV2(buffer, 0, message.length);
        buffer.putInt(KsockMsgFlyweight.KSM_CSUM_OFFSET, csum, order);
        assertTrue(message.length == KsockMsgFlyweight.LENGTH ||
            message.length >= KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH);
        return message;
    }

    private static byte[] payload(final SplittableRandom random, final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
