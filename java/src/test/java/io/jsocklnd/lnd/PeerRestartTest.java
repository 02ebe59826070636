package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that restarts (same NID, new incarnation) is reconnected and messages flow again; the old
 * connections are counted closed, and a restart the node did not see (old connections still open)
 * closes them before the new ones are admitted.
 */
@Timeout(60)
class PeerRestartTest
{
    private static final List<String> BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");

    @Test
    void shouldReconnectToARestartedPeerAndExchangeAgain() throws Exception
    {
        restartAndExchange("127.0.36.1@tcp", "127.0.36.2@tcp", true);
    }

    @Test
    void shouldAcceptARestartedPeerThatConnectsFirst() throws Exception
    {
        restartAndExchange("127.0.36.3@tcp", "127.0.36.4@tcp", false);
    }

    private static void restartAndExchange(final String aText, final String bText, final boolean survivorSendsFirst)
        throws Exception
    {
        final long aNid = Nid.parse(aText);
        final long bNid = Nid.parse(bText);
        final long seed = System.nanoTime();
        System.out.println("PeerRestartTest seed=" + seed);
        final String peerB = "peer " + bText + " ";
        try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(aText), 4096))
        {
            try (TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(bText).incarnation(1_000), 4096))
            {
                assertNull(a.warmUp(bNid, 10_000));
                assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(BUNDLE) && b.connectionTypes(aNid).equals(BUNDLE),
                    10_000));
                assertNull(Exchange.both(a, b, Traffic.plan(seed, 300, 0), Traffic.plan(seed + 1, 300, 0), 20_000, true));
            }
            assertTrue(Await.until(() -> a.connectionTypes(bNid).isEmpty(), 5_000), () -> a.node().connections().toString());
            assertEquals(3L, a.node().counters().get(peerB + "conns_closed"));

            try (TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(bText).incarnation(2_000), 4096))
            {
                if (survivorSendsFirst)
                {
                    assertNull(a.warmUp(bNid, 10_000));
                }
                else
                {
                    assertNull(b.warmUp(aNid, 10_000));
                }
                assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(BUNDLE) && b.connectionTypes(aNid).equals(BUNDLE),
                    10_000), () -> "a=" + a.node().connections() + " b=" + b.node().connections());
                assertNull(Exchange.both(a, b, Traffic.plan(seed + 2, 300, 1000), Traffic.plan(seed + 3, 300, 1000), 20_000, true));

                assertEquals(6L, a.node().counters().get(peerB + "conns_opened"), () -> a.node().counters().toString());
                assertEquals(3L, a.node().counters().get(peerB + "conns_closed"));
                assertEquals(0L, a.node().counters().get(peerB + "sends_failed"));
                assertEquals(0L, a.node().counters().get(peerB + "connect_failures"));
            }
        }
    }

    @Test
    void shouldCloseOldConnectionsWhenAPeerReturnsWithANewIncarnation() throws Exception
    {
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        final String nodeIp = "127.0.36.5";
        final String peerIp = "127.0.36.6";
        final long nodeNid = Nid.parse(nodeIp + "@tcp");
        final long peerNid = Nid.parse(peerIp + "@tcp");
        final int[] types = {SOCKLND_CONN_CONTROL, SOCKLND_CONN_BULK_IN, SOCKLND_CONN_BULK_OUT};
        final List<RawPeer> old = new ArrayList<>();
        final List<RawPeer> fresh = new ArrayList<>();
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(nodeIp + "@tcp"), 16))
        {
            for (int i = 0; i < types.length; i++)
            {
                final RawPeer raw = RawPeer.connect(peerIp, 1000 + i, nodeIp, WireConstants.LNET_ACCEPT_PORT);
                old.add(raw);
                assertTrue(RawPeer.decodeHello(raw.handshake(le, 3, peerNid, nodeNid, 1, types[i])).ctype() != SOCKLND_CONN_NONE);
            }
            assertTrue(Await.until(() -> node.connectionTypes(peerNid).equals(BUNDLE), 5_000));
            final List<String> before = node.node().connections();

            try (RawPeer rejected = RawPeer.connect(peerIp, 1003, nodeIp, WireConstants.LNET_ACCEPT_PORT))
            {
                final HelloFlyweight reply = RawPeer.decodeHello(rejected.handshake(le, 3, peerNid, nodeNid, 2, SOCKLND_CONN_CONTROL));
                assertEquals(SOCKLND_CONN_NONE, reply.ctype(), "the first hello of the new incarnation is refused");
                assertEquals(3, reply.version(), "same version: retry later (EALREADY-like), not a version change");
                assertTrue(rejected.drain(2_000).closed());
            }
            for (final RawPeer raw : old)
            {
                final RawPeer.Drained drained = raw.drain(2_000);
                assertTrue(drained.closed(), "old connection still open: " + drained);
            }
            assertEquals(1L, node.node().counters().get("peer " + peerIp + "@tcp hellos_refused_stale"));
            assertTrue(Await.until(() -> node.connectionTypes(peerNid).isEmpty(), 2_000));

            int port = 1004;
            final RawPeer[] accepted = new RawPeer[types.length];
            for (int i = 0; i < types.length; i++)
            {
                HelloFlyweight reply = null;
                for (int attempt = 0; attempt < 5 && (null == reply || reply.ctype() == SOCKLND_CONN_NONE); attempt++)
                {
                    if (null != reply)
                    {
                        Await.sleep(100);
                    }
                    final RawPeer raw = RawPeer.connect(peerIp, port++, nodeIp, WireConstants.LNET_ACCEPT_PORT);
                    fresh.add(raw);
                    reply = RawPeer.decodeHello(raw.handshake(le, 3, peerNid, nodeNid, 2, types[i]));
                    accepted[i] = raw;
                }
                assertEquals(SocklndProtocol.invertType(types[i]), reply.ctype(), "retried on NONE as a kernel would");
            }
            assertTrue(Await.until(() -> node.connectionTypes(peerNid).equals(BUNDLE), 5_000));
            final List<String> after = node.node().connections();
            for (final String line : after)
            {
                assertFalse(before.contains(line), "old connection survived: " + line);
            }

            final byte[] payload = new byte[500];
            new SplittableRandom(36).nextBytes(payload);
            accepted[0].write(RawPeer.put(le, 0, peerNid, nodeNid, 3, payload));
            assertTrue(Await.until(() -> node.receiver().count() == 1, 5_000));
            assertTrue(node.receiver().report(3, 1, peerNid, 1024).perfect());
            assertEquals(6L, node.node().counters().get("peer " + peerIp + "@tcp conns_opened"));
            assertEquals(3L, node.node().counters().get("peer " + peerIp + "@tcp conns_closed"));
        }
        finally
        {
            for (final RawPeer raw : old)
            {
                raw.close();
            }
            for (final RawPeer raw : fresh)
            {
                raw.close();
            }
        }
    }
}
