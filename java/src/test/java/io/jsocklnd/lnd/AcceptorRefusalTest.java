package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.LogCapture;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.SocketException;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acceptor refuses bad connection attempts one by one, each with one log line naming the reason, one
 * counter, and no effect on a healthy peer that exchanges messages with the node meanwhile and after.
 */
@Timeout(60)
class AcceptorRefusalTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final String NODE_IP = "127.0.35.1";
    private static final String HEALTHY_IP = "127.0.35.2";
    private static final String RAW_IP = "127.0.35.3";
    private static final long NODE_NID = Nid.parse(NODE_IP + "@tcp");
    private static final long HEALTHY_NID = Nid.parse(HEALTHY_IP + "@tcp");
    private static final long RAW_NID = Nid.parse(RAW_IP + "@tcp");
    private static final long ACCEPT_TIMEOUT_MS = 500;
    private static final List<String> COUNTERS = List.of(
        "acceptor refused_insecure_port",
        "acceptor refused_bad_connreq",
        "acceptor refused_wrong_nid",
        "acceptor refused_bad_hello",
        "acceptor refused_timeout",
        "acceptor refused_version");

    private final ManualClock clock = new ManualClock();
    private TrafficEndpoint node;
    private TrafficEndpoint healthy;
    private List<String> healthyConnections;
    private long seed;

    /** What a misbehaving client does; returns its local port once the node has closed the connection. */
    @FunctionalInterface
    private interface Misbehaviour
    {
        int run() throws Exception;
    }

    @BeforeEach
    void startNodes() throws Exception
    {
        node = TrafficEndpoint.start(
            TestNodes.config(NODE_IP + "@tcp").acceptTimeout(ACCEPT_TIMEOUT_MS, TimeUnit.MILLISECONDS), 8192,
            (config, handler) -> Node.start(config, handler, null, clock));
        healthy = TrafficEndpoint.start(TestNodes.config(HEALTHY_IP + "@tcp"), 8192);
        assertNull(healthy.warmUp(NODE_NID, 10_000));
        final List<String> bundle = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");
        assertTrue(Await.until(() -> healthy.connectionTypes(NODE_NID).equals(bundle) &&
            node.connectionTypes(HEALTHY_NID).equals(bundle), 10_000));
        healthyConnections = healthy.node().connections();
        seed = System.nanoTime();
        System.out.println("AcceptorRefusalTest seed=" + seed);
    }

    @AfterEach
    void closeNodes()
    {
        if (null != healthy)
        {
            healthy.close();
        }
        if (null != node)
        {
            node.close();
        }
    }

    @Test
    void shouldRefuseAcceptorRequestForAnotherNid() throws Exception
    {
        assertRefusedAlone("acceptor refused_wrong_nid", "no matching NI", () ->
        {
            try (RawPeer raw = RawPeer.connect(RAW_IP, 1000, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
            {
                raw.write(RawPeer.concat(RawPeer.connreq(LE, Nid.parse("127.0.35.99@tcp")),
                    RawPeer.hello(LE, 3, RAW_NID, NODE_NID, WireConstants.LNET_PID_LUSTRE, 1, SOCKLND_CONN_CONTROL)));
                return closedByNode(raw);
            }
        });
    }

    @Test
    void shouldRefuseUnprivilegedSourcePortOnSecureAcceptor() throws Exception
    {
        final int port = 20_000 + (int)(System.nanoTime() % 20_000);
        assertRefusedAlone("acceptor refused_insecure_port", "insecure port", () ->
        {
            final RawPeer raw;
            try
            {
                raw = RawPeer.connect(RAW_IP, port, NODE_IP, WireConstants.LNET_ACCEPT_PORT);
            }
            catch (final SocketException ex)
            {
                return port;
            }
            try (raw)
            {
                raw.write(RawPeer.connreq(LE, NODE_NID));
                return closedByNode(raw);
            }
            catch (final SocketException ex)
            {
                return port;
            }
        });
    }

    @Test
    void shouldRefuseBadAcceptorMagic() throws Exception
    {
        assertRefusedAlone("acceptor refused_bad_connreq", "bad magic", () ->
        {
            try (RawPeer raw = RawPeer.connect(RAW_IP, 1001, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
            {
                final byte[] connreq = RawPeer.connreq(LE, NODE_NID);
                connreq[0] ^= 0x5a;
                raw.write(connreq);
                return closedByNode(raw);
            }
        });
    }

    @Test
    void shouldRefuseHelloWithBadMagic() throws Exception
    {
        assertRefusedAlone("acceptor refused_bad_hello", "kshm_magic", () ->
        {
            try (RawPeer raw = RawPeer.connect(RAW_IP, 1002, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
            {
                final byte[] hello = RawPeer.hello(LE, 3, RAW_NID, NODE_NID, WireConstants.LNET_PID_LUSTRE, 1, SOCKLND_CONN_CONTROL);
                hello[3] = 0x46;
                raw.write(RawPeer.concat(RawPeer.connreq(LE, NODE_NID), hello));
                return closedByNode(raw);
            }
        });
    }

    @Test
    void shouldRefuseTruncatedHello() throws Exception
    {
        assertRefusedAlone("acceptor refused_bad_hello", "truncated", () ->
        {
            try (RawPeer raw = RawPeer.connect(RAW_IP, 1003, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
            {
                final byte[] hello = RawPeer.hello(LE, 3, RAW_NID, NODE_NID, WireConstants.LNET_PID_LUSTRE, 1, SOCKLND_CONN_CONTROL);
                raw.write(RawPeer.concat(RawPeer.connreq(LE, NODE_NID), Arrays.copyOf(hello, hello.length / 2)));
                raw.shutdownOutput();
                return closedByNode(raw);
            }
        });
    }

    @Test
    void shouldRefuseHelloNotFinishedInTime() throws Exception
    {
        assertRefusedAlone("acceptor refused_timeout", "not finished in time", () ->
        {
            final long acceptedBefore = node.node().counters().get("acceptor accepted");
            try (RawPeer raw = RawPeer.connect(RAW_IP, 1004, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
            {
                final byte[] hello = RawPeer.hello(LE, 3, RAW_NID, NODE_NID, WireConstants.LNET_PID_LUSTRE, 1, SOCKLND_CONN_CONTROL);
                raw.write(RawPeer.concat(RawPeer.connreq(LE, NODE_NID), Arrays.copyOf(hello, hello.length / 2)));
                // The hello's deadline counts from the end of the acceptor request, on the node's clock: move it only
                // once the node has read all that was written (the request and half the hello).
                assertTrue(Await.until(() -> node.node().counters().get("acceptor accepted") == acceptedBefore + 1,
                    3_000), "accepted");
                assertTrue(Await.until(() -> raw.unreadByRemote() == 0, 3_000), "the node read what was written");
                clock.advance(ACCEPT_TIMEOUT_MS - 100, TimeUnit.MILLISECONDS);
                assertFalse(raw.drain(300).closed(), "closed before the accept timeout had passed on the node's clock");
                clock.advance(200, TimeUnit.MILLISECONDS);
                return closedByNode(raw);
            }
        });
    }

    private static int closedByNode(final RawPeer raw) throws Exception
    {
        final RawPeer.Drained drained = raw.drain(3_000);
        assertTrue(drained.closed(), "the node did not close the connection: " + drained);
        assertEquals(0, drained.bytes().length, "the node answered: " + drained);
        return raw.localPort();
    }

    private void assertRefusedAlone(final String counter, final String reason, final Misbehaviour misbehaviour)
        throws Exception
    {
        final Map<String, Long> before = node.node().counters();
        try (LogCapture logs = LogCapture.start())
        {
            final CompletableFuture<String> during = CompletableFuture.supplyAsync(() -> Exchange.both(
                node, healthy, Traffic.plan(seed, 400, 0), Traffic.plan(seed + 1, 400, 0), 20_000, true));
            final String address = RAW_IP + ":" + misbehaviour.run();

            assertTrue(Await.until(() -> node.node().counters().get(counter) == before.get(counter) + 1, 2_000),
                () -> counter + " " + node.node().counters());
            for (final String other : COUNTERS)
            {
                if (!other.equals(counter))
                {
                    assertEquals(before.get(other), node.node().counters().get(other), other);
                }
            }
            assertTrue(Await.until(() -> !logs.linesWith(address).isEmpty(), 2_000), "no log line for " + address);
            Await.sleep(100);
            final List<String> lines = logs.linesWith(address);
            assertEquals(1, lines.size(), () -> "log lines for " + address + ": " + lines);
            assertTrue(lines.get(0).contains(reason), lines.get(0));
            assertTrue(lines.get(0).contains("rc=-"), lines.get(0));
            assertNull(during.get(30, TimeUnit.SECONDS), "exchange with the healthy peer during the refusal");
        }
        assertNull(Exchange.both(node, healthy, Traffic.plan(seed + 2, 400, 400), Traffic.plan(seed + 3, 400, 400),
            20_000, true), "exchange with the healthy peer after the refusal");
        assertEquals(healthyConnections, healthy.node().connections());
        assertEquals(0L, node.node().counters().get("peer " + HEALTHY_IP + "@tcp conns_closed"));
        assertEquals(0L, healthy.node().counters().get("peer " + NODE_IP + "@tcp conns_closed"));
    }
}
