package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.HandBytes;
import io.jsocklnd.harness.LogCapture;
import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.nativeio.DirectMemory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

import static io.jsocklnd.harness.HandBytes.CONN_BULK_IN;
import static io.jsocklnd.harness.HandBytes.CONN_BULK_OUT;
import static io.jsocklnd.harness.HandBytes.CONN_CONTROL;
import static io.jsocklnd.harness.HandBytes.MSG_LNET;
import static io.jsocklnd.harness.HandBytes.PID_LUSTRE;
import static io.jsocklnd.harness.HandBytes.intAt;
import static io.jsocklnd.harness.HandBytes.longAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the receiving side checks in the messages of a raw V3 peer that has opened CONTROL, BULK_IN and BULK_OUT
 * and writes every byte by hand: a failure closes the connection and its siblings (§5.4) and counts a protocol
 * error; a message that is only not for this node's network is left to the layer above.
 */
@Timeout(60)
class ReceiveRulesTest
{
    private static final String NODE_IP = "127.0.83.1";
    private static final long NODE_NID = HandBytes.tcpNid(127, 0, 83, 1);
    private static final long INCARNATION = 0x0A0B0C0D0E0F1011L;

    @Test
    void shouldCloseThePeerOnAMessageForAnotherNidOfThisNetwork() throws Exception
    {
        final String rawIp = "127.0.83.2";
        final long rawNid = HandBytes.tcpNid(127, 0, 83, 2);
        final TestNodes.RecordingHandler handler = new TestNodes.RecordingHandler();
        try (LogCapture logs = LogCapture.start();
            Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), handler))
        {
            final RawPeer[] bundle = openBundle(node, rawIp, rawNid, 1000);
            try
            {
                final RawPeer control = bundle[0];
                control.write(put(HandBytes.onNet(NODE_NID, 1), rawNid, 1));
                assertTrue(Await.until(() -> handler.received.size() == 1, 5_000), "another network's: passed up");
                assertFalse(control.drain(200).closed());

                control.write(put(HandBytes.tcpNid(127, 0, 83, 7), rawNid, 2));
                for (final RawPeer c : bundle)
                {
                    final RawPeer.Drained drained = c.drain(3_000);
                    assertTrue(drained.closed(), "the connection and its siblings close: " + drained);
                }
                assertEquals(1, handler.received.size(), "the message for another NID is not passed up");
                final Map<String, Long> counters = node.counters();
                assertEquals(1L, counters.get("peer 127.0.83.2@tcp protocol_errors"), counters::toString);
                final String reason = "dest_nid=127.0.83.7@tcp is on this node's network but not its NID";
                assertTrue(Await.until(() -> logs.linesWith(": closed: " + reason).size() == 1 &&
                    logs.linesWith("closed: sibling conn#", reason).size() == 2, 5_000),
                    () -> logs.linesWith("127.0.83").toString());
            }
            finally
            {
                closeAll(bundle);
            }
        }
    }

    @Test
    void shouldReleaseTheKnownCookiesOfAPairAckNamingAnUnknownOneThenClose() throws Exception
    {
        final String rawIp = "127.0.83.3";
        final long rawNid = HandBytes.tcpNid(127, 0, 83, 3);
        final int size = 20_000;
        final TestNodes.Completions completions = new TestNodes.Completions();
        // Zero copy asked for: AUTO may copy, and a copied send carries no ZC request.
        try (Node node = Node.start(TestNodes.config(NODE_IP + "@tcp").zcMode(ZcProbe.zeroCopyMode()),
            new TestNodes.RecordingHandler()))
        {
            final RawPeer[] bundle = openBundle(node, rawIp, rawNid, 1003);
            try
            {
                final UnsafeBuffer payload = DirectMemory.allocate(size);
                final long[] cookies = new long[3];
                for (int i = 0; i < cookies.length; i++)
                {
                    assertTrue(node.send(rawNid, PID_LUSTRE, TestNodes.putHeader(NODE_NID, rawNid, i,
                        ByteBuffer.allocateDirect(size), size), 0, DirectMemory.address(payload, 0), size, i));
                    // Bulk goes out on the node's BULK_OUT, the raw peer's BULK_IN.
                    final byte[] message = bundle[1].read(HandBytes.KSOCK_LENGTH + HandBytes.LNET_LENGTH + size, 5_000);
                    assertEquals(MSG_LNET, intAt(message, 0));
                    cookies[i] = longAt(message, 8);
                    assertTrue(cookies[i] >= 2, "a ZC request: cookie " + cookies[i]);
                }

                // The pair {[0] = unknown, [1] = the second request's cookie}: [0] > [1] names both.
                final long unknown = cookies[2] + 100;
                bundle[0].write(HandBytes.ksock(HandBytes.MSG_NOOP, 0, unknown, cookies[1]));
                for (final RawPeer c : bundle)
                {
                    assertTrue(c.drain(3_000).closed(), "the connection and its siblings close");
                }
                assertTrue(Await.until(() ->
                {
                    node.pollCompletions(completions, 16);
                    return completions.done.size() == 3;
                }, 5_000), () -> "completions: " + completions.done.size());
                final Map<Long, Integer> status = new HashMap<>();
                for (final long[] done : completions.done)
                {
                    status.put(done[0], (int)done[1]);
                }
                assertEquals(0, status.get(1L), "the ACKed request is released: " + status);
                assertTrue(status.get(0L) < 0 && status.get(2L) < 0, "the others fail with the close: " + status);
                assertEquals(1L, node.counters().get("peer 127.0.83.3@tcp protocol_errors"));
            }
            finally
            {
                closeAll(bundle);
            }
        }
    }

    /**
     * A V3 peer's non-zero {@code ksm_csum} is checked as a V3 kernel checks it (§11): over the payload alone, as
     * {@code crc32_le} seeded with all ones and not inverted (the NOT of the standard CRC-32); a NOOP carrying one
     * against the empty sum. A mismatch is a protocol error that closes the connection and its siblings, and the
     * message is not delivered.
     */
    @Test
    void shouldVerifyAV3ChecksumOverThePayloadAloneAndCloseOnAMismatch() throws Exception
    {
        final String rawIp = "127.0.83.4";
        final long rawNid = HandBytes.tcpNid(127, 0, 83, 4);
        final TestNodes.RecordingHandler handler = new TestNodes.RecordingHandler();
        try (LogCapture logs = LogCapture.start();
            Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), handler))
        {
            final RawPeer[] bundle = openBundle(node, rawIp, rawNid, 1006);
            try
            {
                final byte[] payload = new byte[3000];
                for (int i = 0; i < payload.length; i++)
                {
                    payload[i] = (byte)(i * 31 + 7);
                }
                final CRC32 crc32 = new CRC32();
                crc32.update(payload);
                final int payloadCsum = (int)~crc32.getValue();
                final CRC32C crc32c = new CRC32C();
                crc32c.update(payload);
                final byte[] header = HandBytes.putHeader(NODE_NID, rawNid, PID_LUSTRE, 1, crc32c.getValue(), payload.length);

                final RawPeer bulkOut = bundle[2];
                bulkOut.write(HandBytes.concat(HandBytes.ksock(MSG_LNET, payloadCsum, 0, 0), header, payload));
                bundle[1].write(HandBytes.ksock(HandBytes.MSG_NOOP, 0xFFFFFFFF, 0, 1));
                assertTrue(Await.until(() -> handler.received.size() == 1, 5_000), "the checked message is delivered");
                assertTrue(handler.received.peek().intact());
                for (final RawPeer c : bundle)
                {
                    assertFalse(c.drain(200).closed(), "a checksum that matches closes nothing");
                }

                // The sum a V2 sender writes (ksock header with ksm_csum as 0, LNet header, payload) is not what V3
                // checks.
                final byte[] ksock = HandBytes.ksock(MSG_LNET, 0, 0, 0);
                final CRC32 whole = new CRC32();
                whole.update(ksock);
                whole.update(header);
                whole.update(payload);
                bulkOut.write(HandBytes.concat(HandBytes.ksock(MSG_LNET, (int)~whole.getValue(), 0, 0), header, payload));
                for (final RawPeer c : bundle)
                {
                    final RawPeer.Drained drained = c.drain(3_000);
                    assertTrue(drained.closed(), "the connection and its siblings close: " + drained);
                }
                assertEquals(1, handler.received.size(), "the message that fails its checksum is not delivered");
                final Map<String, Long> counters = node.counters();
                assertEquals(1L, counters.get("peer 127.0.83.4@tcp checksum_errors"), counters::toString);
                assertEquals(1L, counters.get("peer 127.0.83.4@tcp protocol_errors"), counters::toString);
                assertTrue(Await.until(() -> logs.linesWith("127.0.83.4", "checksum mismatch").size() >= 1, 5_000),
                    () -> logs.linesWith("127.0.83").toString());
            }
            finally
            {
                closeAll(bundle);
            }
        }
    }

    /**
     * Open CONTROL, BULK_IN and BULK_OUT to the node as a V3 peer from consecutive privileged ports.
     *
     * @return the connections in that order.
     */
    static RawPeer[] openBundle(final Node node, final String rawIp, final long rawNid, final int firstPort)
        throws Exception
    {
        final RawPeer[] bundle = openV3(NODE_IP, NODE_NID, rawIp, rawNid, firstPort,
            CONN_CONTROL, CONN_BULK_IN, CONN_BULK_OUT);
        try
        {
            assertTrue(Await.until(() -> HelloCloseTest.typesOf(node, rawNid).equals(
                List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3")), 5_000), () -> node.connections().toString());
            return bundle;
        }
        catch (final AssertionError ex)
        {
            closeAll(bundle);
            throw ex;
        }
    }

    /**
     * Open connections of the types given to a node as a V3 peer from consecutive privileged ports, each taken
     * with the inverse type in the reply (none refused).
     *
     * @return the connections in that order.
     */
    static RawPeer[] openV3(
        final String nodeIp, final long nodeNid, final String rawIp, final long rawNid, final int firstPort,
        final int... types) throws Exception
    {
        return openV3Windowed(nodeIp, nodeNid, rawIp, rawNid, firstPort, 0, types);
    }

    /**
     * As {@link #openV3(String, long, String, long, int, int...)}, each connection with a receive buffer this
     * small (0: the system's).
     */
    static RawPeer[] openV3Windowed(
        final String nodeIp, final long nodeNid, final String rawIp, final long rawNid, final int firstPort,
        final int receiveBuffer, final int... types) throws Exception
    {
        final RawPeer[] opened = new RawPeer[types.length];
        try
        {
            for (int i = 0; i < types.length; i++)
            {
                opened[i] = RawPeer.connect(rawIp, firstPort + i, nodeIp, 988, receiveBuffer);
                opened[i].write(HandBytes.concat(HandBytes.connreq(nodeNid),
                    HandBytes.hello(3, rawNid, nodeNid, INCARNATION, types[i])));
                final byte[] reply = opened[i].read(HandBytes.HELLO_LENGTH, 5_000);
                assertEquals(HelloCloseTest.invert(types[i]), intAt(reply, HandBytes.HELLO_CTYPE),
                    "connection " + i + " taken with the inverse type");
            }
            return opened;
        }
        catch (final Exception | AssertionError ex)
        {
            closeAll(opened);
            throw ex;
        }
    }

    static void closeAll(final RawPeer[] bundle) throws Exception
    {
        for (final RawPeer c : bundle)
        {
            if (null != c)
            {
                c.close();
            }
        }
    }

    /**
     * A V3 LNET message: ksock header with no cookies, a PUT header from the raw peer, no payload.
     */
    private static byte[] put(final long destNid, final long rawNid, final long matchBits)
    {
        return HandBytes.concat(HandBytes.ksock(MSG_LNET, 0, 0, 0),
            HandBytes.putHeader(destNid, rawNid, PID_LUSTRE, matchBits, 0, 0));
    }
}
