package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * While a node is accepting a connection from a peer (the peer's hello read, the reply not yet written), it
 * does not start connecting to that peer itself ({@code ksnp_accepting}): a message queued for the peer then
 * waits, and goes out on the accepted connection once it is up, with no connection attempt of the node's own.
 */
@Timeout(60)
class AcceptingDeferralTest
{
    private static final long LATENCY_MS = 600;

    @Test
    void shouldNotConnectToAPeerWhileAcceptingFromItAndSendOnTheAcceptedConnection() throws Exception
    {
        final String nodeIp = "127.0.43.1";
        final String rawIp = "127.0.43.2";
        final long nodeNid = Nid.parse(nodeIp + "@tcp");
        final long rawNid = Nid.parse(rawIp + "@tcp");
        final String peer = "peer " + rawIp + "@tcp ";
        final NodeConfig config = TestNodes.config(nodeIp + "@tcp")
            .simulatedHelloLatency(LATENCY_MS, TimeUnit.MILLISECONDS);
        try (ServerSocket rawAcceptor = new ServerSocket();
            Node node = Node.start(config, new TestNodes.RecordingHandler());
            RawPeer raw = RawPeer.connect(rawIp, 1000, nodeIp, WireConstants.LNET_ACCEPT_PORT))
        {
            rawAcceptor.setReuseAddress(true);
            rawAcceptor.bind(new InetSocketAddress(rawIp, WireConstants.LNET_ACCEPT_PORT));
            raw.write(RawPeer.concat(RawPeer.connreq(ByteOrder.LITTLE_ENDIAN, nodeNid), RawPeer.hello(
                ByteOrder.LITTLE_ENDIAN, WireConstants.KSOCK_PROTO_V3, rawNid, nodeNid, WireConstants.LNET_PID_LUSTRE,
                5, SOCKLND_CONN_CONTROL)));
            assertTrue(Await.until(() -> node.counters().containsKey(peer + "connect_attempts"), 1_000),
                "hello read and admitted");
            final long admittedNs = System.nanoTime();

            final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
            final UnsafeBuffer payload = DirectMemory.allocate(100);
            payload.setMemory(0, 100, (byte)0x5a);
            Traffic.putHeader(header, nodeNid, rawNid, 77, 100, Traffic.crcOf(payload, 0, 100));
            assertTrue(node.send(rawNid, WireConstants.LNET_PID_LUSTRE, header, 0, DirectMemory.address(payload, 0), 100, 77));

            assertTrue(Await.until(() -> node.counters().get(peer + "connects_deferred_accepting") >= 1, 300),
                () -> "a connect was due while accepting: " + node.counters());
            assertEquals(0L, node.counters().get(peer + "connect_attempts"), "no connect while accepting");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - admittedNs) < LATENCY_MS,
                "still inside the held-back reply");
            rawAcceptor.setSoTimeout(1);
            assertTrue(noConnection(rawAcceptor), "the node connected to the peer while accepting from it");

            final HelloFlyweight reply = RawPeer.decodeHello(raw.read(HelloFlyweight.V2_FIXED_LENGTH, 5_000));
            assertEquals(SOCKLND_CONN_CONTROL, reply.ctype());
            final byte[] message = raw.read(KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + 100, 5_000);
            final LnetHeaderFlyweight received = new LnetHeaderFlyweight()
                .wrap(new UnsafeBuffer(message), KsockMsgFlyweight.LENGTH, LnetHeaderFlyweight.LENGTH);
            assertEquals(77L, received.matchBits(), "the queued message went out on the accepted connection");
            assertEquals(100, received.payloadLength());
            node.pollCompletions((id, status) -> assertEquals(0, status), 16);
        }
    }

    private static boolean noConnection(final ServerSocket acceptor) throws Exception
    {
        try
        {
            acceptor.accept().close();
            return false;
        }
        catch (final SocketTimeoutException ex)
        {
            return true;
        }
    }
}
