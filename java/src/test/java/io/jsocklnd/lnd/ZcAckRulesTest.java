package io.jsocklnd.lnd;

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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ACK enqueue rules of a node driven step by step ({@link NodeConfig.ThreadingMode#INVOKER}) against a
 * raw peer: which bytes each rule puts on the wire and on which connection.
 */
@Timeout(60)
class ZcAckRulesTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final String NODE_IP = "127.0.52.1";
    private static final String PEER_IP = "127.0.52.3";
    private static final long NODE_NID = Nid.parse(NODE_IP + "@tcp");
    private static final long PEER_NID = Nid.parse(PEER_IP + "@tcp");
    private static final int MAX_CYCLES = 100_000;

    /** A message parsed off a connection: ksock type, cookies, match bits (-1 for a NOOP), payload length. */
    record Msg(int type, long cookie0, long cookie1, long sequence, int payloadLength)
    {
    }

    /** A raw peer's typed connections to an invoker-mode node. */
    private static final class Bundle implements AutoCloseable
    {
        final RawPeer control;
        final RawPeer bulkIn;
        final RawPeer bulkOut;

        Bundle(final Node node, final int firstPort, final int version) throws IOException
        {
            control = open(node, firstPort, version, SOCKLND_CONN_CONTROL);
            bulkIn = open(node, firstPort + 1, version, SOCKLND_CONN_BULK_IN);
            bulkOut = open(node, firstPort + 2, version, SOCKLND_CONN_BULK_OUT);
        }

        private static RawPeer open(final Node node, final int port, final int version, final int ctype) throws IOException
        {
            final int before = node.connections().size();
            final RawPeer peer = RawPeer.connect(PEER_IP, port, NODE_IP, WireConstants.LNET_ACCEPT_PORT);
            peer.write(RawPeer.concat(RawPeer.connreq(LE, NODE_NID),
                RawPeer.hello(LE, version, PEER_NID, NODE_NID, WireConstants.LNET_PID_LUSTRE, 52L, ctype)));
            drive(node, () -> node.connections().size() > before);
            final HelloFlyweight reply = RawPeer.decodeHello(peer.read(HelloFlyweight.V2_FIXED_LENGTH, 5_000));
            assertEquals(version, reply.version());
            return peer;
        }

        public void close() throws IOException
        {
            control.close();
            bulkIn.close();
            bulkOut.close();
        }
    }

    private static NodeConfig config()
    {
        return TestNodes.config(NODE_IP + "@tcp").threadingMode(NodeConfig.ThreadingMode.INVOKER);
    }

    @Test
    void shouldBatchAcksIntoARangeAPairAndASingleOnTheV3AckConnection() throws Exception
    {
        try (Node node = Node.start(config(), new TestNodes.RecordingHandler());
            Bundle peer = new Bundle(node, 950, 3))
        {
            final long[] cookies = {2, 3, 4, 5, 9, 11, 20};
            final ByteArrayOutputStream puts = new ByteArrayOutputStream();
            for (final long cookie : cookies)
            {
                puts.writeBytes(RawPeer.put(LE, cookie, PEER_NID, NODE_NID, cookie, new byte[100]));
            }
            peer.bulkOut.write(puts.toByteArray());

            final List<Msg> acks = readMessages(node, peer.bulkOut, 3);
            assertEquals(List.of(
                new Msg(KSOCK_MSG_NOOP, 2, 5, -1, 0),
                new Msg(KSOCK_MSG_NOOP, 11, 9, -1, 0),
                new Msg(KSOCK_MSG_NOOP, 0, 20, -1, 0)), acks, "range 2..5, pair (11, 9), single 20");
            assertEquals(0, drainWhileDriving(node, peer.control, 20).length, "nothing on CONTROL");
            assertEquals(0, drainWhileDriving(node, peer.bulkIn, 20).length, "nothing on the node's BULK_OUT");
            assertEquals(3L, node.counters().get("io zc_ack_noops_sent"));
            assertEquals(1L, node.counters().get("io zc_ack_pairs_sent"));
            assertEquals(1L, node.counters().get("io zc_ack_ranges_sent"));
            assertEquals(4L, node.counters().get("io zc_noops_merged"));
            assertEquals(7L, node.counters().get("io zc_acks_queued"));
        }
    }

    @Test
    void shouldAckOnControlPiggybackOnAQueuedMessageAndLetAMessageTakeOverAWaitingNoopOnV2() throws Exception
    {
        // COPY: the 1 MiB message must be gathered like the rest (a ZC payload would end the gather).
        final NodeConfig config = config().minBulk(4 << 20).bufferSizes(16 * 1024, 0).zcMode(NodeConfig.ZcMode.COPY);
        try (Node node = Node.start(config, new TestNodes.RecordingHandler());
            Bundle peer = new Bundle(node, 953, 2))
        {
            // An ACK with nothing queued goes out as a NOOP on CONTROL.
            peer.bulkOut.write(RawPeer.put(LE, 7, PEER_NID, NODE_NID, 7, new byte[100]));
            assertEquals(List.of(new Msg(KSOCK_MSG_NOOP, 0, 7, -1, 0)), readMessages(node, peer.control, 1));

            // An ACK finding a message queued in the same duty cycle rides in its ksm_zc_cookies[1].
            final UnsafeBuffer small = DirectMemory.allocate(100);
            final UnsafeBuffer big = DirectMemory.allocatePageAligned(WireConstants.LNET_MAX_PAYLOAD);
            peer.bulkOut.write(RawPeer.put(LE, 8, PEER_NID, NODE_NID, 8, new byte[100]));
            Thread.sleep(50);
            send(node, small, 100, 100);
            node.doWork();
            assertEquals(List.of(new Msg(KSOCK_MSG_LNET, 0, 8, 100, 100)), readMessages(node, peer.control, 1));
            assertEquals(1L, node.counters().get("io zc_acks_piggybacked"));

            // Block CONTROL: a 1 MiB message the peer does not read and more fill the writev gather.
            final int fillers = TxWriter.MAX_GATHER - 1;
            send(node, big, WireConstants.LNET_MAX_PAYLOAD, 101);
            for (int i = 0; i < fillers; i++)
            {
                send(node, small, 100, 102 + i);
            }
            for (int i = 0; i < 100; i++)
            {
                node.doWork();
            }

            // Nothing queued: the ACK waits as a NOOP, and the next message takes over its cookie and place.
            peer.bulkOut.write(RawPeer.put(LE, 9, PEER_NID, NODE_NID, 9, new byte[100]));
            drive(node, () -> node.counters().get("io zc_acks_queued") == 3L);
            send(node, small, 100, 200);
            node.doWork();
            assertEquals(1L, node.counters().get("io zc_noops_merged"));

            // That message now waits un-ACKed... a further message carries the next ACK.
            send(node, small, 100, 201);
            node.doWork();
            peer.bulkOut.write(RawPeer.put(LE, 10, PEER_NID, NODE_NID, 10, new byte[100]));
            drive(node, () -> node.counters().get("io zc_acks_queued") == 4L);
            assertEquals(2L, node.counters().get("io zc_acks_piggybacked"));

            final List<Msg> rest = readMessages(node, peer.control, fillers + 3);
            assertEquals(new Msg(KSOCK_MSG_LNET, 0, 0, 101, WireConstants.LNET_MAX_PAYLOAD), rest.get(0));
            for (int i = 0; i < fillers; i++)
            {
                assertEquals(new Msg(KSOCK_MSG_LNET, 0, 0, 102 + i, 100), rest.get(1 + i));
            }
            assertEquals(new Msg(KSOCK_MSG_LNET, 0, 9, 200, 100), rest.get(fillers + 1), "took over the NOOP's cookie");
            assertEquals(new Msg(KSOCK_MSG_LNET, 0, 10, 201, 100), rest.get(fillers + 2), "piggybacked");
            assertEquals(0, drainWhileDriving(node, peer.control, 50).length, "no NOOP left behind");
            assertEquals(1L, node.counters().get("io zc_ack_noops_sent"));
        }
    }

    private static void send(final Node node, final UnsafeBuffer payload, final int size, final long sequence)
    {
        final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
        Traffic.putHeader(header, NODE_NID, PEER_NID, sequence, size, 0);
        assertTrue(node.send(PEER_NID, WireConstants.LNET_PID_LUSTRE, header, 0, DirectMemory.address(payload, 0),
            size, sequence));
    }

    private static void drive(final Node node, final java.util.function.BooleanSupplier done)
    {
        for (int i = 0; i < MAX_CYCLES && !done.getAsBoolean(); i++)
        {
            node.doWork();
        }
        assertTrue(done.getAsBoolean(), "condition not reached in " + MAX_CYCLES + " cycles");
    }

    private static byte[] drainWhileDriving(final Node node, final RawPeer peer, final int rounds) throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < rounds; i++)
        {
            node.doWork();
            bytes.writeBytes(peer.drain(5).bytes());
        }
        return bytes.toByteArray();
    }

    /**
     * Drive the node and read until {@code count} whole messages arrived on the peer's connection.
     */
    private static List<Msg> readMessages(final Node node, final RawPeer peer, final int count) throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Msg> messages = List.of();
        for (int i = 0; i < 2_000 && messages.size() < count; i++)
        {
            node.doWork();
            bytes.writeBytes(peer.drain(2).bytes());
            messages = parse(bytes.toByteArray(), n -> true);
        }
        assertEquals(count, messages.size(), () -> "messages " + bytes.size() + " bytes");
        return messages;
    }

    private static List<Msg> parse(final byte[] bytes, final IntPredicate keep)
    {
        final List<Msg> messages = new ArrayList<>();
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final KsockMsgFlyweight ksm = new KsockMsgFlyweight();
        final LnetHeaderFlyweight lnet = new LnetHeaderFlyweight();
        int at = 0;
        while (bytes.length - at >= KsockMsgFlyweight.LENGTH)
        {
            ksm.wrap(buffer, at, KsockMsgFlyweight.LENGTH, LE);
            if (ksm.isNoop())
            {
                messages.add(new Msg(KSOCK_MSG_NOOP, ksm.zcCookie0(), ksm.zcCookie1(), -1, 0));
                at += KsockMsgFlyweight.LENGTH;
                continue;
            }
            if (bytes.length - at < KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH)
            {
                break;
            }
            lnet.wrap(buffer, at + KsockMsgFlyweight.LENGTH, LnetHeaderFlyweight.LENGTH);
            final int total = KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + lnet.payloadLength();
            if (bytes.length - at < total)
            {
                break;
            }
            messages.add(new Msg(KSOCK_MSG_LNET, ksm.zcCookie0(), ksm.zcCookie1(), lnet.matchBits(), lnet.payloadLength()));
            at += total;
        }
        return messages;
    }
}
