package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.HandBytes;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.wire.Nid;
import org.agrona.BufferUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.harness.HandBytes.CONN_CONTROL;
import static io.jsocklnd.harness.HandBytes.PROTO_MAGIC;
import static io.jsocklnd.harness.HandBytes.TCP_MAGIC;
import static io.jsocklnd.harness.HandBytes.intAt;
import static io.jsocklnd.harness.HandBytes.longAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that closes the connection during the hello, driven by hand on a listener of its own: a current kernel
 * closes one hello for reasons of its own and then answers, and stays on V3; a peer that speaks only V1 closes
 * every V3 and V2 hello and is still reached; and what was learned of a peer's version is forgotten when its last
 * connection closes (§7.9). The node's clock moves only when the test moves it.
 */
@Timeout(60)
class HelloCloseTest
{
    private static final String NODE_IP = "127.0.80.1";
    private static final long MIN_RECONNECT_MS = 1_000;
    private static final long INCARNATION = 0x1122334455667788L;

    private final ManualClock clock = new ManualClock();

    @Test
    void shouldStayOnV3WhenACurrentPeerClosesOneHelloAndThenAnswers() throws Exception
    {
        final String rawIp = "127.0.80.2";
        final long rawNid = HandBytes.tcpNid(127, 0, 80, 2);
        try (ServerSocket listener = RawPeer.listen(rawIp, 988);
            Node node = startNode())
        {
            send(node, rawNid, 1);
            try (RawPeer first = accept(listener))
            {
                final byte[] hello = readHello(first, rawNid);
                assertEquals(3, version(hello));
                assertEquals(CONN_CONTROL, intAt(hello, HandBytes.HELLO_CTYPE));
            }
            // The node's clock stays where it is: the next attempt comes within the reconnect interval (at once).
            final List<RawPeer> connections = new ArrayList<>();
            try
            {
                RawPeer control = null;
                for (int i = 0; i < 3; i++)
                {
                    final RawPeer c = accept(listener);
                    connections.add(c);
                    final byte[] hello = readHello(c, rawNid);
                    assertEquals(3, version(hello), "attempt " + i + " after the close is V3 again");
                    final int ctype = intAt(hello, HandBytes.HELLO_CTYPE);
                    c.write(HandBytes.hello(3, rawNid, node.config().nid(), INCARNATION, invert(ctype)));
                    if (ctype == CONN_CONTROL)
                    {
                        control = c;
                    }
                }
                assertNotNull(control);
                assertTrue(Await.until(() -> typesOf(node, rawNid).equals(
                    List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3")), 5_000), () -> node.connections().toString());

                final byte[] message = control.read(HandBytes.KSOCK_LENGTH + HandBytes.LNET_LENGTH, 5_000);
                assertEquals(HandBytes.MSG_LNET, intAt(message, 0));
                assertEquals(1L, longAt(message, HandBytes.KSOCK_LENGTH + HandBytes.LNET_MATCH_BITS),
                    "the PUT waiting since the close goes out on the V3 CONTROL connection");
                final Map<String, Long> counters = node.counters();
                assertEquals(0L, counters.get(peer(rawNid) + "version_fallbacks"), counters::toString);
            }
            finally
            {
                for (final RawPeer c : connections)
                {
                    c.close();
                }
            }
        }
    }

    /**
     * A peer that speaks only V1 is reached by the fallback, and then gets the typed connections a kernel opens to
     * a V1 peer (CONTROL, then BULK_IN, then BULK_OUT, each V1 hello naming its type in {@code msg.hello.type}:
     * the types do not depend on the version, §7.1), chosen by size as the V1 matcher does: a small message on
     * CONTROL, one of {@code min_bulk} bytes or more on BULK_OUT. What was learned goes with the last connection.
     */
    @Test
    void shouldReachAPeerThatSpeaksOnlyV1WithTypedConnectionsAndForgetV1WhenItsLastConnectionCloses() throws Exception
    {
        final String rawIp = "127.0.80.3";
        final long rawNid = HandBytes.tcpNid(127, 0, 80, 3);
        try (ServerSocket listener = RawPeer.listen(rawIp, 988);
            Node node = startNode())
        {
            send(node, rawNid, 1);
            final List<Integer> versions = new ArrayList<>();
            long advancedMs = 0;
            RawPeer v1 = null;
            for (int i = 0; i < 20 && null == v1; i++)
            {
                final RawPeer c = RawPeer.accept(listener, 300);
                if (null == c)
                {
                    clock.advance(MIN_RECONNECT_MS, TimeUnit.MILLISECONDS);
                    advancedMs += MIN_RECONNECT_MS;
                    continue;
                }
                final byte[] hello = readHello(c, rawNid);
                versions.add(version(hello));
                if (version(hello) == 1)
                {
                    assertEquals(CONN_CONTROL, intAt(hello, HandBytes.V1_CTYPE), "a V1 hello names its type");
                    c.write(HandBytes.helloV1(rawNid, HandBytes.PID_LUSTRE, INCARNATION, CONN_CONTROL));
                    v1 = c;
                }
                else
                {
                    c.close();
                }
            }
            assertEquals(List.of(3, 3, 2, 2, 1), versions, "two closes in a row at a version before the next older");
            assertTrue(advancedMs <= 30_000, "reached within 30 s on the node's clock: " + advancedMs + " ms");
            assertNotNull(v1);
            try (RawPeer control = v1;
                RawPeer bulkIn = acceptV1(listener, rawNid, HandBytes.CONN_BULK_IN);
                RawPeer bulkOut = acceptV1(listener, rawNid, HandBytes.CONN_BULK_OUT))
            {
                assertTrue(Await.until(() -> typesOf(node, rawNid).equals(
                    List.of("BULK_IN V1", "BULK_OUT V1", "CONTROL V1")), 5_000), () -> node.connections().toString());
                final byte[] message = control.read(HandBytes.LNET_LENGTH, 5_000);
                assertEquals(rawNid, longAt(message, HandBytes.LNET_DEST_NID), "a bare V1 LNet header");
                assertEquals(1L, longAt(message, HandBytes.LNET_MATCH_BITS), "a small message on CONTROL");
                assertEquals(2L, node.counters().get(peer(rawNid) + "version_fallbacks"));

                final int length = 4096;
                final ByteBuffer payload = ByteBuffer.allocateDirect(length);
                assertTrue(node.send(rawNid, HandBytes.PID_LUSTRE, TestNodes.putHeader(
                    node.config().nid(), rawNid, 2, payload, length), 0, BufferUtil.address(payload), length, 2));
                final byte[] bulk = bulkOut.read(HandBytes.LNET_LENGTH + length, 5_000);
                assertEquals(2L, longAt(bulk, HandBytes.LNET_MATCH_BITS), "a message of min_bulk or more on BULK_OUT");
                assertEquals(length, intAt(bulk, HandBytes.LNET_PAYLOAD_LENGTH));
                final RawPeer.Drained none = bulkIn.drain(200);
                assertEquals(0, none.bytes().length, "nothing on BULK_IN while BULK_OUT and CONTROL are up");
            }

            // Its connections gone, what was negotiated with the peer is forgotten: V3 is offered again.
            assertTrue(Await.until(() -> typesOf(node, rawNid).isEmpty(), 5_000), () -> node.connections().toString());
            send(node, rawNid, 3);
            try (RawPeer next = accept(listener))
            {
                assertEquals(3, version(readHello(next, rawNid)), "the V1 learned is forgotten with the connections");
            }
        }
    }

    /**
     * Accept the node's next connection, a V1 hello of the type given, and answer it as a V1 kernel does (the
     * inverse type).
     */
    private static RawPeer acceptV1(final ServerSocket listener, final long rawNid, final int ctype) throws IOException
    {
        final RawPeer c = accept(listener);
        final byte[] hello = readHello(c, rawNid);
        assertEquals(1, version(hello));
        assertEquals(ctype, intAt(hello, HandBytes.V1_CTYPE));
        c.write(HandBytes.helloV1(rawNid, HandBytes.PID_LUSTRE, INCARNATION, invert(ctype)));
        return c;
    }

    private Node startNode() throws Exception
    {
        final NodeConfig config = TestNodes.config(NODE_IP + "@tcp")
            .reconnect(MIN_RECONNECT_MS, 4 * MIN_RECONNECT_MS, TimeUnit.MILLISECONDS)
            .sockTimeout(600, TimeUnit.SECONDS);
        return Node.start(config, new TestNodes.RecordingHandler(), null, clock);
    }

    private static void send(final Node node, final long rawNid, final long sequence)
    {
        assertTrue(node.send(rawNid, HandBytes.PID_LUSTRE, TestNodes.putHeader(
            node.config().nid(), rawNid, sequence, ByteBuffer.allocateDirect(0), 0), 0, 0, 0, sequence));
    }

    private static RawPeer accept(final ServerSocket listener) throws IOException
    {
        final RawPeer c = RawPeer.accept(listener, 5_000);
        assertNotNull(c, "the node connects");
        return c;
    }

    /**
     * Read the acceptor request and the hello a node sends (V1, V2 or V3, no IPs) and check the request.
     */
    static byte[] readHello(final RawPeer c, final long rawNid) throws IOException
    {
        final byte[] connreq = c.read(HandBytes.CONNREQ_LENGTH, 5_000);
        assertEquals(HandBytes.ACCEPTOR_MAGIC, intAt(connreq, 0));
        assertEquals(1, intAt(connreq, 4));
        assertEquals(rawNid, longAt(connreq, 8));
        final byte[] prefix = c.read(8, 5_000);
        final int magic = intAt(prefix, 0);
        assertTrue(magic == PROTO_MAGIC || magic == TCP_MAGIC, "hello magic 0x" + Integer.toHexString(magic));
        final int length = magic == PROTO_MAGIC ? HandBytes.HELLO_LENGTH : HandBytes.HELLO_V1_LENGTH;
        return HandBytes.concat(prefix, c.read(length - prefix.length, 5_000));
    }

    static int version(final byte[] hello)
    {
        return intAt(hello, 0) == TCP_MAGIC ? 1 : intAt(hello, HandBytes.HELLO_VERSION);
    }

    static int invert(final int ctype)
    {
        return ctype == HandBytes.CONN_BULK_IN ? HandBytes.CONN_BULK_OUT :
            ctype == HandBytes.CONN_BULK_OUT ? HandBytes.CONN_BULK_IN : ctype;
    }

    static List<String> typesOf(final Node node, final long peerNid)
    {
        return TrafficEndpoint.connectionTypes(node, peerNid);
    }

    private static String peer(final long nid)
    {
        return "peer " + Nid.toString(nid) + " ";
    }
}
