package io.jsocklnd.harness.flood;

import io.jsocklnd.harness.Await;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnd.NodeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PeerFlood} against a real node: serial CONTROL-only peers and at-once peers with all three connection
 * types are all answered, the node's acceptor saw exactly the connections the flood opened, and a ping the node
 * must not answer (wrong portal, wrong match bits) is reported as a timeout, so the flood can fail. Peer counts
 * stay at or below 100.
 */
@Timeout(60)
class PeerFloodTest
{
    private static final int PORT = 988;
    private static final int PEERS = 50;

    @Test
    void shouldPackTheWorkedExampleOfProtocolSection15()
    {
        final ByteBuffer b = PeerFlood.handshake(PeerFlood.parseNid("10.0.0.1@tcp"), PeerFlood.parseNid("10.0.0.2@tcp"),
            0x1122334455667788L, PeerFlood.CONN_CONTROL);
        final byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        assertEquals(
            "0071ceac" + "01000000" + "0100000a00000200" +
            "63697245" + "03000000" + "0200000a00000200" + "0100000a00000200" + "39300000" + "00000000" +
            "8877665544332211" + "0000000000000000" + "01000000" + "00000000",
            HexFormat.of().formatHex(bytes));
        assertEquals(96, PeerFlood.get(1, 2, 3, 4, 0, PeerFlood.PING_MATCH_BITS).remaining());
    }

    @Test
    void shouldParseTheCommandLineAndNids()
    {
        final PeerFlood.Options o = PeerFlood.parse(new String[] {"--node-address", "127.0.90.9", "--port", "989",
            "--node-nid", "127.0.90.9@tcp3", "--peers", "7", "--all-types", "--serial", "--concurrency", "3",
            "--timeout-ms", "1500", "--seed", "42"});
        assertEquals("127.0.90.9", o.nodeAddress);
        assertEquals(989, o.nodePort);
        assertEquals(0x000200037F005A09L, o.nodeNid);
        assertEquals(7, o.peers);
        assertTrue(o.allTypes);
        assertTrue(o.serial);
        assertEquals(3, o.concurrency);
        assertEquals(1500, o.perPeerTimeoutMs);
        assertEquals(42, o.seed);
        assertEquals("127.10.0.1", PeerFlood.peerAddress(0).getHostAddress());
        assertEquals("127.10.0.254", PeerFlood.peerAddress(253).getHostAddress());
        assertEquals("127.10.1.1", PeerFlood.peerAddress(254).getHostAddress());
        assertEquals("127.0.90.9@tcp3", PeerFlood.nidText(o.nodeNid));
    }

    @Test
    void shouldAnswerSerialControlPeers() throws Exception
    {
        try (Lnet lnet = start("127.0.90.1"))
        {
            assertEquals(lnet.nid(), PeerFlood.parseNid("127.0.90.1@tcp"), "our NID arithmetic matches the node's");
            final PeerFlood.Options o = options("127.0.90.1", PEERS, 0);
            o.serial = true;

            final PeerFlood.Report r = PeerFlood.run(o);
            System.out.println("serial: " + r);

            assertEquals(PEERS, r.peersAnswered, r::toString);
            assertEquals(0, r.peersFailed, r::toString);
            assertEquals(PEERS, r.connectionsOpened, r::toString);
            assertNodeSawEveryPeer(lnet, r);
        }
    }

    /** The node accepted every connection the flood opened, answered every ping, and closed everything after. */
    private static void assertNodeSawEveryPeer(final Lnet lnet, final PeerFlood.Report r)
    {
        assertTrue(Await.until(() -> counter(lnet, "acceptor accepted") == r.connectionsOpened, 5_000),
            summary(lnet));
        assertEquals(PEERS, counter(lnet, "lnet pings_answered"), summary(lnet));
        assertTrue(Await.until(() -> lnet.node().connections().isEmpty(), 5_000),
            () -> lnet.node().connections().toString());
    }

    @Test
    void shouldAnswerPeersAtOnceHoldingAllTheirConnections() throws Exception
    {
        try (Lnet lnet = start("127.0.90.2"))
        {
            final PeerFlood.Options o = options("127.0.90.2", PEERS, 1000);
            o.allTypes = true;
            o.concurrency = 256;
            final int expected = PEERS * 3;
            final int[] liveWhileHeld = {-1};
            o.whileHeld = () ->
            {
                Await.until(() -> lnet.node().connections().size() >= expected, 5_000);
                liveWhileHeld[0] = lnet.node().connections().size();
            };

            final PeerFlood.Report r = PeerFlood.run(o);
            System.out.println("at-once: " + r);

            assertEquals(PEERS, r.peersAnswered, r::toString);
            assertEquals(0, r.peersFailed, r::toString);
            assertEquals(expected, r.connectionsOpened, r::toString);
            assertEquals(0, r.heldLost, r::toString);
            assertEquals(expected, liveWhileHeld[0], "the node held every peer's connections at once");
            assertNodeSawEveryPeer(lnet, r);
        }
    }

    @Test
    void shouldReportATimeoutWhenThePingCannotMatch() throws Exception
    {
        try (Lnet lnet = start("127.0.90.3"))
        {
            final PeerFlood.Options wrongPortal = options("127.0.90.3", 2, 2000);
            wrongPortal.pingPortal = 5;
            wrongPortal.perPeerTimeoutMs = 500;
            final PeerFlood.Options wrongBits = options("127.0.90.3", 2, 2100);
            wrongBits.pingMatchBits = 0x1234;
            wrongBits.perPeerTimeoutMs = 500;

            for (final PeerFlood.Options o : new PeerFlood.Options[] {wrongPortal, wrongBits})
            {
                final PeerFlood.Report r = PeerFlood.run(o);
                System.out.println("unanswerable: " + r);
                assertEquals(0, r.peersAnswered, r::toString);
                assertEquals(2, r.peersFailed, r::toString);
                assertEquals(2, r.timeouts, r::toString);
                assertEquals(0, r.refusals + r.resets, r::toString);
                assertEquals(2, r.connectionsOpened, "the handshakes themselves succeeded: " + r);
                assertFalse(r.firstFailures.isEmpty());
                assertTrue(r.firstFailures.get(0).contains("timeout") && r.firstFailures.get(0).contains("pinged=true"),
                    r::toString);
            }
            assertTrue(Await.until(() -> counter(lnet, "lnet drop_no_match") >= 4, 5_000), summary(lnet));
            assertEquals(0, counter(lnet, "lnet pings_answered"), summary(lnet));
        }
    }

    private static Lnet start(final String ip) throws Exception
    {
        return Lnet.start(new NodeConfig().nid(ip + "@tcp").port(PORT).reconnect(200, 2000, TimeUnit.MILLISECONDS));
    }

    private static PeerFlood.Options options(final String nodeIp, final int peers, final int firstAddressIndex)
    {
        final PeerFlood.Options o = PeerFlood.Options.toward(nodeIp + "@tcp", peers, firstAddressIndex);
        o.nodePort = PORT;
        o.perPeerTimeoutMs = 10_000;
        o.overallTimeoutMs = 25_000;
        o.seed = 0x5eedL;
        return o;
    }

    private static long counter(final Lnet lnet, final String name)
    {
        final Long value = lnet.counters().get(name);
        return null == value ? -1 : value;
    }

    /** The node's acceptor, LNet and agent totals (not its per-peer counters). */
    private static Supplier<String> summary(final Lnet lnet)
    {
        return () ->
        {
            final Map<String, Long> totals = new TreeMap<>();
            lnet.counters().forEach((k, v) ->
            {
                if (k.startsWith("acceptor ") || k.startsWith("lnet ") || k.startsWith("node ") || k.startsWith("io "))
                {
                    totals.put(k, v);
                }
            });
            return totals.toString();
        };
    }
}
