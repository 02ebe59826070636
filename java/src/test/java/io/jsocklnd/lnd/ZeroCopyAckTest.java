package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ACK connection with a hand-driven, kernel-like V3 peer: every ZC request is ACKed once on the
 * node's ACK connection (its BULK_IN), keepalives go there when the peer is silent, and an ACK for a
 * cookie the node never issued closes every connection of that peer while another peer carries on.
 */
@Timeout(60)
class ZeroCopyAckTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final String NODE_IP = "127.0.38.1";
    private static final String OTHER_IP = "127.0.38.2";
    private static final String KERNEL_IP = "127.0.38.3";
    private static final long NODE_NID = Nid.parse(NODE_IP + "@tcp");
    private static final long OTHER_NID = Nid.parse(OTHER_IP + "@tcp");
    private static final long KERNEL_NID = Nid.parse(KERNEL_IP + "@tcp");
    private static final List<String> BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");

    /** The kernel-like peer's three connections, named by its own view of their type. */
    private static final class KernelPeer implements AutoCloseable
    {
        final RawPeer control;
        final RawPeer bulkIn;
        final RawPeer bulkOut;

        KernelPeer(final int firstPort) throws IOException
        {
            control = open(firstPort, SOCKLND_CONN_CONTROL, SOCKLND_CONN_CONTROL);
            bulkIn = open(firstPort + 1, SOCKLND_CONN_BULK_IN, SOCKLND_CONN_BULK_OUT);
            bulkOut = open(firstPort + 2, SOCKLND_CONN_BULK_OUT, SOCKLND_CONN_BULK_IN);
        }

        private static RawPeer open(final int port, final int ctype, final int expectedReply) throws IOException
        {
            final RawPeer peer = RawPeer.connect(KERNEL_IP, port, NODE_IP, WireConstants.LNET_ACCEPT_PORT);
            final HelloFlyweight reply = RawPeer.decodeHello(peer.handshake(LE, 3, KERNEL_NID, NODE_NID, 42L, ctype));
            assertEquals(expectedReply, reply.ctype(), "reply ctype");
            assertEquals(3, reply.version());
            return peer;
        }

        public void close() throws IOException
        {
            control.close();
            bulkIn.close();
            bulkOut.close();
        }
    }

    @Test
    void shouldAckEveryZcRequestExactlyOnceOnTheAckConnection() throws Exception
    {
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp"), 64);
            KernelPeer kernel = new KernelPeer(1000))
        {
            assertTrue(Await.until(() -> node.connectionTypes(KERNEL_NID).equals(BUNDLE), 5_000),
                () -> node.node().connections().toString());
            final SplittableRandom random = new SplittableRandom(38);
            final List<Long> cookies = new ArrayList<>();
            for (long cookie = 2; cookie <= 6; cookie++)
            {
                final byte[] payload = new byte[32 * 1024 + (int)cookie];
                random.nextBytes(payload);
                kernel.bulkOut.write(RawPeer.put(LE, cookie, KERNEL_NID, NODE_NID, cookie, payload));
                cookies.add(cookie);
            }
            final byte[] controlPayload = new byte[20 * 1024];
            random.nextBytes(controlPayload);
            kernel.control.write(RawPeer.put(LE, 7, KERNEL_NID, NODE_NID, 7, controlPayload));
            cookies.add(7L);
            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, WireConstants.SOCKNAL_KEEPALIVE_PING));

            assertTrue(Await.until(() -> node.receiver().count() == cookies.size(), 5_000),
                () -> "received " + node.receiver().count());
            assertTrue(node.receiver().report(2, cookies.size(), KERNEL_NID, 1024).perfect());

            final List<Long> acked = new ArrayList<>();
            final long deadlineNs = System.nanoTime() + 5_000_000_000L;
            while (acked.size() < cookies.size() && System.nanoTime() - deadlineNs < 0)
            {
                acked.addAll(decodeAcks(kernel.bulkOut.read(KsockMsgFlyweight.LENGTH, 5_000)));
            }
            final RawPeer.Drained rest = kernel.bulkOut.drain(300);
            acked.addAll(decodeAcks(rest.bytes()));
            acked.sort(Long::compare);
            assertEquals(cookies, acked, "each cookie ACKed once, on the node's BULK_IN");
            assertFalse(rest.closed());

            final RawPeer.Drained onControl = kernel.control.drain(100);
            final RawPeer.Drained onBulkIn = kernel.bulkIn.drain(100);
            assertEquals(0, onControl.bytes().length, () -> "CONTROL got " + onControl);
            assertEquals(0, onBulkIn.bytes().length, () -> "node's BULK_OUT sent " + onBulkIn);
            assertFalse(onControl.closed() || onBulkIn.closed());
            assertEquals((long)cookies.size(), node.node().counters().get("io zc_acks_queued"));
            assertEquals(0L, node.node().counters().get("peer " + KERNEL_IP + "@tcp protocol_errors"));
        }
    }

    @Test
    void shouldCloseEveryConnectionOfAPeerThatAcksAnUnknownCookieAndLeaveOtherPeersAlone() throws Exception
    {
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp"), 4096);
            TrafficEndpoint other = TrafficEndpoint.start(TestNodes.config(OTHER_IP + "@tcp"), 4096);
            KernelPeer kernel = new KernelPeer(1003))
        {
            assertNull(other.warmUp(NODE_NID, 10_000));
            assertTrue(Await.until(() -> node.connectionTypes(OTHER_NID).equals(BUNDLE) &&
                other.connectionTypes(NODE_NID).equals(BUNDLE) && node.connectionTypes(KERNEL_NID).equals(BUNDLE), 10_000),
                () -> node.node().connections() + " " + other.node().connections());
            final List<String> otherConnections = other.node().connections();

            final long seed = System.nanoTime();
            System.out.println("ZeroCopyAckTest seed=" + seed);
            final CompletableFuture<String> during = CompletableFuture.supplyAsync(() ->
                Exchange.both(node, other, Traffic.plan(seed, 1000, 0), Traffic.plan(seed + 1, 1000, 0), 20_000, true));

            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 999));

            final RawPeer.Drained bulkIn = kernel.bulkIn.drain(3_000);
            final RawPeer.Drained bulkOut = kernel.bulkOut.drain(3_000);
            final RawPeer.Drained control = kernel.control.drain(3_000);
            assertTrue(bulkIn.closed() && bulkOut.closed() && control.closed(),
                () -> "bulk_in " + bulkIn + " bulk_out " + bulkOut + " control " + control);
            assertTrue(Await.until(() -> node.connectionTypes(KERNEL_NID).isEmpty(), 2_000));
            assertEquals(1L, node.node().counters().get("peer " + KERNEL_IP + "@tcp protocol_errors"));
            assertEquals(3L, node.node().counters().get("peer " + KERNEL_IP + "@tcp conns_closed"));
            Await.sleep(300);
            assertEquals(0L, node.node().counters().get("peer " + KERNEL_IP + "@tcp connect_attempts"),
                "no reconnect to a peer closed for a protocol error while nothing waits to be sent to it");

            assertNull(during.get(), "exchange with the other peer while the kernel peer was closed");
            assertNull(Exchange.both(node, other, Traffic.plan(seed + 2, 500, 1000), Traffic.plan(seed + 3, 500, 1000),
                20_000, true), "exchange with the other peer afterwards");
            assertEquals(otherConnections, other.node().connections());
            assertEquals(BUNDLE, node.connectionTypes(OTHER_NID));
            assertEquals(0L, node.node().counters().get("peer " + OTHER_IP + "@tcp conns_closed"));
        }
    }

    @Test
    void shouldSendKeepaliveNoopOnTheAckConnectionWhenThePeerIsSilent() throws Exception
    {
        final long keepaliveMs = 300;
        final ManualClock clock = new ManualClock();
        try (Node node = Node.start(
            TestNodes.config(NODE_IP + "@tcp").keepalive(keepaliveMs, TimeUnit.MILLISECONDS),
            new TestNodes.RecordingHandler(), null, clock);
            KernelPeer kernel = new KernelPeer(1006))
        {
            assertTrue(Await.until(() -> node.connections().size() == 3, 5_000), () -> node.connections().toString());
            clock.advance(keepaliveMs - 50, TimeUnit.MILLISECONDS);
            assertEquals(0, kernel.bulkOut.drain(300).bytes().length, "silent for less than keepalive: no NOOP yet");

            clock.advance(100, TimeUnit.MILLISECONDS);
            final byte[] bytes = kernel.bulkOut.read(KsockMsgFlyweight.LENGTH, 3_000);
            final KsockMsgFlyweight noop = new KsockMsgFlyweight().wrap(new UnsafeBuffer(bytes), 0, bytes.length, LE);
            assertTrue(noop.isNoop());
            assertEquals(0, noop.zcCookie0());
            assertEquals(WireConstants.SOCKNAL_KEEPALIVE_PING, noop.zcCookie1());
            assertEquals(0, kernel.control.drain(100).bytes().length, "nothing on CONTROL");
            assertEquals(0, kernel.bulkIn.drain(100).bytes().length, "nothing on the node's BULK_OUT");
        }
    }

    /**
     * The cookies a run of NOOPs ACKs: single {@code [1]}, a pair ({@code [0] > [1]}) or a range
     * ({@code [0] < [1]}); the keepalive cookie is not an ACK.
     */
    private static List<Long> decodeAcks(final byte[] bytes)
    {
        assertEquals(0, bytes.length % KsockMsgFlyweight.LENGTH, "whole NOOPs only");
        final List<Long> cookies = new ArrayList<>();
        final KsockMsgFlyweight msg = new KsockMsgFlyweight();
        for (int at = 0; at < bytes.length; at += KsockMsgFlyweight.LENGTH)
        {
            msg.wrap(new UnsafeBuffer(bytes), at, KsockMsgFlyweight.LENGTH, LE);
            assertTrue(msg.isNoop(), "only NOOPs on the ACK connection");
            final long c0 = msg.zcCookie0();
            final long c1 = msg.zcCookie1();
            if (c1 == 0 || (c0 == 0 && c1 == WireConstants.SOCKNAL_KEEPALIVE_PING))
            {
                continue;
            }
            if (c0 == 0)
            {
                cookies.add(c1);
            }
            else if (c0 > c1)
            {
                cookies.add(c0);
                cookies.add(c1);
            }
            else
            {
                for (long c = c0; c <= c1; c++)
                {
                    cookies.add(c);
                }
            }
        }
        return cookies;
    }
}
