package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.LogCapture;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * V1 and legacy nodes: a current node falls back V3 -> V2 -> V1 against a node that knows only V1 and then
 * frames every message as a bare LNet header (its RX never reads a ksock header); V1 hellos are answered in
 * V1; legacy nodes refuse newer hellos as the old kernels did; a V1 peer that restarts is tried with V3 again.
 */
@Timeout(60)
class LegacyProtocolTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** What two nodes have in V1: typed connections, as a kernel has with a V1 peer (§7.1). */
    private static final List<String> V1_SET = List.of("BULK_IN V1", "BULK_OUT V1", "CONTROL V1");
    /** What a raw peer whose V1 hello asks for ANY gets. */
    private static final List<String> V1_ANY = List.of("ANY V1");
    private static final List<String> V3_BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");
    private static final int COUNT = 300;

    @Test
    void shouldFallBackToV1AgainstALegacyV1NodeAndFrameNoKsockHeaders() throws Exception
    {
        final String aText = "127.0.36.1@tcp";
        final String bText = "127.0.36.2@tcp";
        final long aNid = Nid.parse(aText);
        final long bNid = Nid.parse(bText);
        try (LogCapture logs = LogCapture.start();
            TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(aText), 4 * COUNT);
            TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(bText).legacyProtocol(1), 4 * COUNT))
        {
            assertNull(a.warmUp(bNid, 10_000));
            assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(V1_SET) && b.connectionTypes(aNid).equals(V1_SET),
                5_000), () -> "a=" + a.node().connections() + " b=" + b.node().connections());

            final long seed = System.nanoTime();
            System.out.println("LegacyProtocolTest V3 node -> legacy V1 node seed=" + seed);
            // In send order on each connection; not checked per size class, whose bound the receiver reckons with a
            // ksock header that V1 frames do not have (payloads 24 bytes under the V2/V3 bound are small in V1).
            assertNull(Exchange.both(a, b, Traffic.plan(seed, COUNT), Traffic.plan(seed + 1, COUNT), 20_000, false));

            final Map<String, Long> ac = a.node().counters();
            final Map<String, Long> bc = b.node().counters();
            assertEquals(2L, ac.get("peer " + bText + " version_fallbacks"), ac::toString);
            assertEquals(0L, ac.get("peer " + bText + " connect_failures"), ac::toString);
            assertEquals(4L, bc.get("acceptor refused_version"), "two closes in a row at V3, then at V2: " + bc);
            assertV1Connections(ac, bText, 3);
            assertV1Connections(bc, aText, 3);
            assertEquals(1, logs.linesWith(bText, "V3 closed once, trying it again").size(), () -> logs.linesWith(bText).toString());
            assertEquals(1, logs.linesWith(bText, "V3 refused, falling back to V2").size(), () -> logs.linesWith(bText).toString());
            assertEquals(1, logs.linesWith(bText, "V2 closed once, trying it again").size(), () -> logs.linesWith(bText).toString());
            assertEquals(1, logs.linesWith(bText, "V2 refused, falling back to V1").size(), () -> logs.linesWith(bText).toString());
            assertEquals(4, logs.linesWith("not understood by a V1 node").size(), () -> logs.linesWith(aText).toString());
        }
    }

    @Test
    void shouldAnswerAV1HelloInV1AndExchangeBareLnetMessages() throws Exception
    {
        final String nodeIp = "127.0.36.11";
        final long nodeNid = Nid.parse(nodeIp + "@tcp");
        final long rawNid = Nid.parse("127.0.36.12@tcp");
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(nodeIp + "@tcp"), 64);
            RawPeer raw = RawPeer.connect("127.0.36.12", 1000, nodeIp, WireConstants.LNET_ACCEPT_PORT))
        {
            raw.write(RawPeer.concat(RawPeer.connreq(LE, nodeNid),
                RawPeer.helloV1(rawNid, WireConstants.LNET_PID_LUSTRE, 77, SOCKLND_CONN_ANY)));
            final HelloFlyweight reply = RawPeer.decodeHello(raw.read(HelloFlyweight.V1_FIXED_LENGTH, 5_000));
            assertEquals(1, reply.version());
            assertEquals(SOCKLND_CONN_ANY, reply.ctype());
            assertEquals(nodeNid, reply.srcNid());
            assertEquals(0, reply.nips());

            exchangeV1(node, raw, nodeNid, rawNid);
            assertEquals(V1_ANY, node.connectionTypes(rawNid));
            assertV1Connections(node.node().counters(), "127.0.36.12@tcp", 1);
        }
    }

    @Test
    void shouldTakeAV1HelloWithoutAcceptorRequestOnlyWithPortalsCompatibility() throws Exception
    {
        final long rawNid = Nid.parse("127.0.36.22@tcp");
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config("127.0.36.21@tcp"), 64))
        {
            try (RawPeer raw = RawPeer.connect("127.0.36.22", 1001, "127.0.36.21", WireConstants.LNET_ACCEPT_PORT))
            {
                raw.write(RawPeer.helloV1(rawNid, WireConstants.LNET_PID_LUSTRE, 78, SOCKLND_CONN_ANY));
                final RawPeer.Drained drained = raw.drain(3_000);
                assertTrue(drained.closed(), drained::toString);
                assertEquals(0, drained.bytes().length, drained::toString);
            }
            assertEquals(1L, node.node().counters().get("acceptor refused_bad_connreq"));
        }

        final long nodeNid = Nid.parse("127.0.36.23@tcp");
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config("127.0.36.23@tcp").portalsCompatibility(true), 64);
            RawPeer raw = RawPeer.connect("127.0.36.22", 1002, "127.0.36.23", WireConstants.LNET_ACCEPT_PORT))
        {
            raw.write(RawPeer.helloV1(rawNid, WireConstants.LNET_PID_LUSTRE, 79, SOCKLND_CONN_ANY));
            final HelloFlyweight reply = RawPeer.decodeHello(raw.read(HelloFlyweight.V1_FIXED_LENGTH, 5_000));
            assertEquals(1, reply.version());
            assertEquals(SOCKLND_CONN_ANY, reply.ctype());
            assertEquals(nodeNid, reply.srcNid());
            exchangeV1(node, raw, nodeNid, rawNid);
            assertEquals(0L, node.node().counters().get("acceptor refused_bad_connreq"));
        }
    }

    @Test
    void shouldAnswerANewerHelloWithAV2NoneHelloAsALegacyV2Node() throws Exception
    {
        final long nodeNid = Nid.parse("127.0.36.31@tcp");
        final long rawNid = Nid.parse("127.0.36.32@tcp");
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config("127.0.36.31@tcp").legacyProtocol(2), 64))
        {
            try (RawPeer raw = RawPeer.connect("127.0.36.32", 1003, "127.0.36.31", WireConstants.LNET_ACCEPT_PORT))
            {
                final HelloFlyweight reply = RawPeer.decodeHello(raw.handshake(LE, 3, rawNid, nodeNid, 80, SOCKLND_CONN_CONTROL));
                assertEquals(2, reply.version());
                assertEquals(SOCKLND_CONN_NONE, reply.ctype());
                assertEquals(nodeNid, reply.srcNid());
                assertEquals(nodeNid, reply.dstNid(), "the kernel names itself as kshm_dst_nid in this reply");
                assertEquals(0, reply.nips());
                final RawPeer.Drained after = raw.drain(3_000);
                assertTrue(after.closed(), after::toString);
                assertEquals(0, after.bytes().length, after::toString);
            }
            assertEquals(1L, node.node().counters().get("acceptor refused_version"));

            try (RawPeer raw = RawPeer.connect("127.0.36.32", 1004, "127.0.36.31", WireConstants.LNET_ACCEPT_PORT))
            {
                raw.write(RawPeer.concat(RawPeer.connreq(LE, nodeNid),
                    RawPeer.helloV1(rawNid, WireConstants.LNET_PID_LUSTRE, 81, SOCKLND_CONN_ANY)));
                final HelloFlyweight reply = RawPeer.decodeHello(raw.read(HelloFlyweight.V1_FIXED_LENGTH, 5_000));
                assertEquals(1, reply.version(), "a V2 node still answers V1");
                assertEquals(SOCKLND_CONN_ANY, reply.ctype());
                exchangeV1(node, raw, nodeNid, rawNid);
            }
        }
    }

    @Test
    void shouldCloseWithoutReplyOnANewerHelloAsALegacyV1Node() throws Exception
    {
        final long nodeNid = Nid.parse("127.0.36.41@tcp");
        final long rawNid = Nid.parse("127.0.36.42@tcp");
        try (LogCapture logs = LogCapture.start();
            TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config("127.0.36.41@tcp").legacyProtocol(1), 64))
        {
            int port = 1005;
            for (final int version : new int[]{3, 2})
            {
                try (RawPeer raw = RawPeer.connect("127.0.36.42", port++, "127.0.36.41", WireConstants.LNET_ACCEPT_PORT))
                {
                    raw.write(RawPeer.concat(RawPeer.connreq(LE, nodeNid),
                        RawPeer.hello(LE, version, rawNid, nodeNid, WireConstants.LNET_PID_LUSTRE, 82, SOCKLND_CONN_CONTROL)));
                    final RawPeer.Drained drained = raw.drain(3_000);
                    assertTrue(drained.closed(), drained::toString);
                    assertEquals(0, drained.bytes().length, "a V1 node never answers a hello it cannot read");
                }
            }
            assertEquals(2L, node.node().counters().get("acceptor refused_version"));
            assertEquals(2, logs.linesWith("127.0.36.42", "not understood by a V1 node").size());

            try (RawPeer raw = RawPeer.connect("127.0.36.42", port, "127.0.36.41", WireConstants.LNET_ACCEPT_PORT))
            {
                raw.write(RawPeer.concat(RawPeer.connreq(LE, nodeNid),
                    RawPeer.helloV1(rawNid, WireConstants.LNET_PID_LUSTRE, 83, SOCKLND_CONN_ANY)));
                final HelloFlyweight reply = RawPeer.decodeHello(raw.read(HelloFlyweight.V1_FIXED_LENGTH, 5_000));
                assertEquals(1, reply.version());
                exchangeV1(node, raw, nodeNid, rawNid);
            }
        }
    }

    /**
     * What was learned of a V1 peer goes with its last connection (§7.9): the same address back as a current
     * node is reached in V3 at once, and back as a V1 node again is found by the fallback again.
     */
    @Test
    void shouldTryTheNewestVersionAgainWhenAV1PeerComesBackWithANewIncarnation() throws Exception
    {
        final String aText = "127.0.36.51@tcp";
        final String bText = "127.0.36.52@tcp";
        final long aNid = Nid.parse(aText);
        final long bNid = Nid.parse(bText);
        final long incarnation = System.currentTimeMillis() * 1_000_000L;
        try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(aText), 64))
        {
            try (TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(bText).legacyProtocol(1).incarnation(incarnation), 64))
            {
                assertNull(a.warmUp(bNid, 10_000));
                assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(V1_SET), 5_000), () -> "a=" + a.node().connections());
            }
            assertTrue(Await.until(() -> a.connectionTypes(bNid).isEmpty(), 5_000));

            try (TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(bText).incarnation(incarnation + 1), 64))
            {
                assertNull(a.warmUp(bNid, 10_000));
                assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(V3_BUNDLE) &&
                    b.connectionTypes(aNid).equals(V3_BUNDLE), 5_000), () -> "a=" + a.node().connections());
                final Map<String, Long> ac = a.node().counters();
                assertEquals(0L, ac.get("peer " + bText + " version_resets"), "nothing learned left to reset: " + ac);
                assertEquals(2L, ac.get("peer " + bText + " version_fallbacks"), "V3 taken at once: " + ac);
            }
            assertTrue(Await.until(() -> a.connectionTypes(bNid).isEmpty(), 5_000));

            try (TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(bText).legacyProtocol(1).incarnation(incarnation + 2), 64))
            {
                assertNull(a.warmUp(bNid, 10_000));
                assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(V1_SET), 5_000), () -> "a=" + a.node().connections());
                final Map<String, Long> ac = a.node().counters();
                assertEquals(0L, ac.get("peer " + bText + " version_resets"), ac::toString);
                assertEquals(4L, ac.get("peer " + bText + " version_fallbacks"), ac::toString);
                assertEquals(0L, ac.get("peer " + bText + " connect_failures"), ac::toString);
            }
        }
    }

    /**
     * Three bare V1 messages each way over an established V1 connection with a raw peer, checked byte for
     * byte: no ksock header in either direction.
     */
    private static void exchangeV1(final TrafficEndpoint node, final RawPeer raw, final long nodeNid, final long rawNid)
        throws Exception
    {
        final SplittableRandom random = new SplittableRandom(nodeNid ^ rawNid);
        final int before = node.receiver().count();
        for (int i = 0; i < 3; i++)
        {
            final byte[] payload = new byte[i * 700];
            random.nextBytes(payload);
            raw.write(RawPeer.putV1(rawNid, nodeNid, i, payload));
        }
        assertTrue(Await.until(() -> node.receiver().count() == before + 3, 5_000), "node received " + node.receiver().count());
        final io.jsocklnd.harness.CheckingReceiver.Report report = node.receiver().report(3, rawNid, 1024);
        assertEquals(3, report.received, report::toString);
        assertTrue(report.perfect(), report::toString);

        final byte[] payload = new byte[1500];
        random.nextBytes(payload);
        final UnsafeBuffer payloadBuffer = DirectMemory.allocate(payload.length);
        payloadBuffer.putBytes(0, payload);
        final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
        Traffic.putHeader(header, nodeNid, rawNid, 42, payload.length, Traffic.crcOf(payloadBuffer, 0, payload.length));
        assertTrue(node.node().send(rawNid, WireConstants.LNET_PID_LUSTRE, header, 0,
            DirectMemory.address(payloadBuffer, 0), payload.length, 42));
        final byte[] expected = RawPeer.putV1(nodeNid, rawNid, 42, payload);
        final byte[] wire = raw.read(expected.length, 5_000);
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(wire), "bare LNet header + payload");
        final RawPeer.Drained nothingElse = raw.drain(200);
        assertFalse(nothingElse.closed(), nothingElse::toString);
        assertEquals(0, nothingElse.bytes().length, "no NOOP or anything else on a V1 connection");
    }

    /**
     * The V1 connections to a peer, as many as expected, have carried LNet messages and their RX never read a
     * ksock header.
     */
    private static void assertV1Connections(final Map<String, Long> counters, final String peerText, final int expected)
    {
        final String prefix = " " + peerText + " ";
        long messages = 0;
        int connections = 0;
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            if (e.getKey().startsWith("conn#") && e.getKey().contains(prefix) && e.getKey().contains(" V1 "))
            {
                if (e.getKey().endsWith(" ksm_headers_in"))
                {
                    connections++;
                    assertEquals(0L, e.getValue(), e.getKey());
                }
                else if (e.getKey().endsWith(" msgs_in"))
                {
                    messages += e.getValue();
                }
            }
        }
        assertEquals(expected, connections, () -> "V1 connections to " + peerText + ": " + counters.keySet());
        assertTrue(messages > 0, "messages in on the V1 connections");
    }
}
