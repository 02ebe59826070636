package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockChecksum;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKNAL_KEEPALIVE_PING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The receive path against damaged input on real sockets. Each round a new hand-driven peer (its own address
 * and NID) finishes a V3, V2 (either byte order) or V1 handshake, then sends a valid PUT that is damaged at
 * random (bytes of the headers changed, the message cut short, junk after it, or only junk) and half-closes.
 * For every round the node must close that connection; it must count a protocol error exactly when the
 * project's own decoders (and the ZC-ACK rules) find one in the bytes, and deliver the PUT intact when it
 * was left whole. All the while a second node exchanges messages with the node under test: those all arrive
 * intact and its connections never drop. No exception may escape an agent. The seed is printed; rerun one
 * with {@code -Djsocklnd.test.seed=N}.
 */
@Timeout(120)
class WireGarbageTest
{
    private static final String NODE_IP = "127.0.42.1";
    private static final String OTHER_IP = "127.0.42.2";
    private static final long NODE_NID = Nid.parse(NODE_IP + "@tcp");
    private static final long OTHER_NID = Nid.parse(OTHER_IP + "@tcp");
    private static final int ROUNDS = 120;
    /**
     * Round r sends sequence (r + 1) in each of the seven low bytes: two rounds differ in seven bytes, so no
     * damage of at most four bytes turns one round's sequence into another's (nor into the exchange's range).
     */
    private static final long SEQUENCE_STEP = 0x0001_0101_0101_0101L;
    private static final long EXCHANGE_BASE = 0x2525_0000_0000_0000L;
    private static final int WHOLE = 0;

    private final KsockMsgFlyweight ksock = new KsockMsgFlyweight();
    private final LnetHeaderFlyweight lnet = new LnetHeaderFlyweight();
    private final KsockChecksum checksum = new KsockChecksum();

    @Test
    void shouldCloseEachDamagedConnectionAloneAndCountExactlyTheProtocolErrors() throws Exception
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        System.out.println("WireGarbageTest seed=" + seed + " (rerun with -Djsocklnd.test.seed=" + seed + ")");
        final SplittableRandom random = new SplittableRandom(seed);
        try (TrafficEndpoint node = TrafficEndpoint.start(TestNodes.config(NODE_IP + "@tcp"), 8192);
            TrafficEndpoint other = TrafficEndpoint.start(TestNodes.config(OTHER_IP + "@tcp"), 8192))
        {
            assertNull(other.warmUp(NODE_NID, 10_000));
            final List<String> otherConnections = other.node().connections();
            final CompletableFuture<String> during = CompletableFuture.supplyAsync(() -> Exchange.both(node, other,
                Traffic.plan(seed, 1500, EXCHANGE_BASE), Traffic.plan(seed + 1, 1500, EXCHANGE_BASE), 60_000, false));

            final int[] byMutation = new int[5];
            int expectedErrors = 0;
            for (int round = 0; round < ROUNDS; round++)
            {
                final String ip = "127.0.42." + (10 + round);
                final long peerNid = Nid.parse(ip + "@tcp");
                final String peerLabel = "peer " + ip + "@tcp";
                final int version = new int[] {3, 3, 2, 1}[random.nextInt(4)];
                final ByteOrder order = version == 1 || random.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
                final int mutation = random.nextInt(byMutation.length);
                byMutation[mutation]++;
                final byte[] payload = new byte[random.nextInt(4096)];
                random.nextBytes(payload);
                final long sequence = SEQUENCE_STEP * (round + 1);
                final byte[] bytes = damage(random, mutation, version,
                    version == 1 ? RawPeer.putV1(peerNid, NODE_NID, sequence, payload)
                        : RawPeer.put(order, 0, peerNid, NODE_NID, sequence, payload));
                final boolean error = predictsProtocolError(bytes, version, order);
                final String context = "seed=" + seed + " round=" + round + " v" + version + " " + order +
                    " mutation=" + mutation + " bytes=" + hex(bytes);

                try (RawPeer peer = RawPeer.connect(ip, 1000, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
                {
                    handshake(peer, version, order, peerNid);
                    peer.write(bytes);
                    peer.shutdownOutput();
                    final RawPeer.Drained drained = peer.drain(5_000);
                    assertTrue(drained.closed(), () -> "connection left open: " + context);
                }
                assertTrue(Await.until(() -> node.connectionTypes(peerNid).isEmpty(), 3_000),
                    () -> "connection still listed: " + node.node().connections() + " " + context);
                final long errors = node.node().counters().getOrDefault(peerLabel + " protocol_errors", -1L);
                assertEquals(error ? 1L : 0L, errors, () -> "protocol errors: " + context);
                expectedErrors += error ? 1 : 0;
                if (mutation == WHOLE)
                {
                    assertTrue(Await.until(() -> node.receiver().report(sequence, 1, peerNid, 1024).received == 1, 3_000),
                        () -> "whole PUT not delivered: " + node.receiver().report(sequence, 1, peerNid, 1024) + " " +
                            node.node().counters().get(peerLabel + " msgs_in") + " msgs in; " + context);
                    final CheckingReceiver.Report report = node.receiver().report(sequence, 1, peerNid, 1024);
                    assertTrue(report.perfect(), () -> report + " " + context);
                }
            }
            System.out.println("WireGarbageTest rounds by mutation " + Arrays.toString(byMutation) +
                ", protocol errors " + expectedErrors);

            assertNull(during.get(), "exchange with the other node while damaged input arrived");
            assertTrue(other.node().connections().containsAll(otherConnections),
                () -> "before " + otherConnections + " after " + other.node().connections());
            assertEquals(0L, node.node().counters().get("peer " + OTHER_IP + "@tcp conns_closed"));
            assertEquals(0L, other.node().counters().get("peer " + NODE_IP + "@tcp conns_closed"));
            assertEquals(0L, node.node().counters().get("peer " + OTHER_IP + "@tcp protocol_errors"));
            assertEquals((long)expectedErrors, node.node().counters().get("io protocol_errors"));
            assertEquals(0L, node.node().counters().get("node agent_errors"));
            assertEquals(0L, other.node().counters().get("node agent_errors"));
        }
    }

    private static void handshake(final RawPeer peer, final int version, final ByteOrder order, final long peerNid)
        throws Exception
    {
        if (version == 1)
        {
            peer.write(RawPeer.concat(RawPeer.connreq(ByteOrder.LITTLE_ENDIAN, NODE_NID),
                RawPeer.helloV1(peerNid, WireConstants.LNET_PID_LUSTRE, 77, SOCKLND_CONN_ANY)));
            final HelloFlyweight reply = RawPeer.decodeHello(peer.read(HelloFlyweight.V1_FIXED_LENGTH, 5_000));
            assertEquals(1, reply.version());
            return;
        }
        final HelloFlyweight reply =
            RawPeer.decodeHello(peer.handshake(order, version, peerNid, NODE_NID, 77, SOCKLND_CONN_CONTROL));
        assertEquals(version, reply.version());
        assertEquals(SOCKLND_CONN_CONTROL, reply.ctype());
    }

    /**
     * Damage a whole message: 0 leaves it whole, 1 changes one to four bytes of its headers, 2 cuts it short,
     * 3 appends junk, 4 replaces it with junk.
     */
    private static byte[] damage(final SplittableRandom random, final int mutation, final int version, final byte[] whole)
    {
        final int headers = (version == 1 ? 0 : KsockMsgFlyweight.LENGTH) + LnetHeaderFlyweight.LENGTH;
        switch (mutation)
        {
            case 1:
            {
                final byte[] bytes = whole.clone();
                final int changes = 1 + random.nextInt(4);
                for (int i = 0; i < changes; i++)
                {
                    bytes[random.nextInt(headers)] = (byte)random.nextInt(256);
                }
                return bytes;
            }
            case 2:
                return Arrays.copyOf(whole, random.nextInt(whole.length));
            case 3:
            {
                final byte[] junk = new byte[1 + random.nextInt(200)];
                random.nextBytes(junk);
                return RawPeer.concat(whole, junk);
            }
            case 4:
            {
                final byte[] junk = new byte[1 + random.nextInt(300)];
                random.nextBytes(junk);
                return junk;
            }
            default:
                return whole;
        }
    }

    /**
     * Walks the bytes message by message with the wire decoders, as the node's receive path should: true when a
     * complete ksock or LNet header fails to decode, a ksock header ACKs a cookie (nothing was sent to this
     * peer, so no cookie is pending; on V3 the keepalive form, [1] = 1 with [0] 0 or 1 on a NOOP, is not an
     * ACK), or a message that carries a checksum is all in and does not match it (V2: the whole message, V3: the
     * payload alone, a NOOP the empty sum). Bytes that end inside a
     * message are no protocol error: the peer just closed early.
     */
    private boolean predictsProtocolError(final byte[] bytes, final int version, final ByteOrder order)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        int at = 0;
        boolean checksummed = false;
        int expectedChecksum = 0;
        int checksumStart = 0;
        while (true)
        {
            if (version >= 2)
            {
                if (bytes.length - at < KsockMsgFlyweight.LENGTH)
                {
                    return false;
                }
                try
                {
                    ksock.wrap(buffer, at, bytes.length - at, order);
                }
                catch (final ProtocolException ex)
                {
                    return true;
                }
                final int messageStart = at;
                // A checksum (not 0) is checked: a NOOP's at once, an LNET message's once all of it is in.
                checksummed = ksock.csum() != 0;
                if (checksummed && ksock.isNoop() &&
                    checksumOf(version, buffer, messageStart, KsockMsgFlyweight.LENGTH) != ksock.csum())
                {
                    return true;
                }
                expectedChecksum = ksock.csum();
                checksumStart = messageStart;
                at += KsockMsgFlyweight.LENGTH;
                final long ack = ksock.zcCookie1();
                if (ack != 0)
                {
                    final long first = ksock.isNoop() ? ksock.zcCookie0() : 0;
                    final boolean keepalive = version == 3 && ack == SOCKNAL_KEEPALIVE_PING && Long.compareUnsigned(first, 1) <= 0;
                    if (!keepalive)
                    {
                        return true;
                    }
                }
                if (ksock.isNoop())
                {
                    continue;
                }
            }
            if (bytes.length - at < LnetHeaderFlyweight.LENGTH)
            {
                return false;
            }
            try
            {
                lnet.wrap(buffer, at, bytes.length - at);
            }
            catch (final ProtocolException ex)
            {
                return true;
            }
            // A message for another NID of the node's network is a protocol error (lnet_parse).
            if (lnet.destNid() != NODE_NID && Nid.net(lnet.destNid()) == Nid.net(NODE_NID))
            {
                return true;
            }
            at += LnetHeaderFlyweight.LENGTH + lnet.payloadLength();
            if (at > bytes.length)
            {
                return false;
            }
            if (checksummed && checksumOf(version, buffer, checksumStart, at - checksumStart) != expectedChecksum)
            {
                return true;
            }
            if (at == bytes.length)
            {
                return false;
            }
        }
    }

    /**
     * The checksum a node computes for a whole message: V2 over all of it, V3 over what follows the two headers.
     */
    private int checksumOf(final int version, final UnsafeBuffer buffer, final int start, final int length)
    {
        if (version == 2)
        {
            return checksum.computeV2(buffer, start, length);
        }
        final int headers = Math.min(length, KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH);
        return checksum.reset().update(buffer, start + headers, length - headers).value();
    }

    private static String hex(final byte[] bytes)
    {
        final String text = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 128));
        return bytes.length > 128 ? text + "...(" + bytes.length + " bytes)" : text;
    }
}
