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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sending side of ZC requests against a hand-driven kernel-like peer: which sends carry a cookie, that a
 * ZC send completes only when the peer ACKs it (single, pair, range, piggybacked), and that unknown or
 * duplicate ACKs, a reset peer and a missing ACK each fail the pending sends exactly once.
 */
@Timeout(60)
class ZeroCopySendTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final String NODE_IP = "127.0.50.1";
    private static final String KERNEL_IP = "127.0.50.3";
    private static final long NODE_NID = Nid.parse(NODE_IP + "@tcp");
    private static final long KERNEL_NID = Nid.parse(KERNEL_IP + "@tcp");
    private static final String PEER = "peer " + KERNEL_IP + "@tcp ";
    private static final int PID = WireConstants.LNET_PID_LUSTRE;

    /** One message as the kernel-like peer read it off a connection. */
    record WireMessage(int type, long cookie0, long cookie1, long sequence, byte[] payload)
    {
    }

    /** The kernel-like peer's three connections, named by its own view of their type. */
    private static final class KernelPeer implements AutoCloseable
    {
        final RawPeer control;
        final RawPeer bulkIn;
        final RawPeer bulkOut;

        KernelPeer(final int firstPort, final int version) throws IOException
        {
            control = open(firstPort, version, SOCKLND_CONN_CONTROL, SOCKLND_CONN_CONTROL);
            bulkIn = open(firstPort + 1, version, SOCKLND_CONN_BULK_IN, SOCKLND_CONN_BULK_OUT);
            bulkOut = open(firstPort + 2, version, SOCKLND_CONN_BULK_OUT, SOCKLND_CONN_BULK_IN);
        }

        private static RawPeer open(final int port, final int version, final int ctype, final int expectedReply)
            throws IOException
        {
            final RawPeer peer = RawPeer.connect(KERNEL_IP, port, NODE_IP, WireConstants.LNET_ACCEPT_PORT);
            final HelloFlyweight reply =
                RawPeer.decodeHello(peer.handshake(LE, version, KERNEL_NID, NODE_NID, 42L, ctype));
            assertEquals(expectedReply, reply.ctype(), "reply ctype");
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

    /** Completions by correlation id, counting repeats. */
    private static final class Completions implements CompletionHandler
    {
        final Map<Long, Integer> status = new ConcurrentHashMap<>();
        final AtomicInteger total = new AtomicInteger();
        final AtomicInteger repeats = new AtomicInteger();

        public void onCompletion(final long correlationId, final int status)
        {
            total.incrementAndGet();
            if (this.status.put(correlationId, status) != null)
            {
                repeats.incrementAndGet();
            }
        }

        int poll(final Node node)
        {
            return node.pollCompletions(this, 1024);
        }
    }

    /**
     * A node that sends zero copy whichever path measured fastest here (AUTO may copy).
     */
    private static NodeConfig config()
    {
        return TestNodes.config(NODE_IP + "@tcp").zcMode(ZcProbe.zeroCopyMode());
    }

    @ParameterizedTest
    @EnumSource(value = NodeConfig.ZcMode.class, names = {"SPLICE", "MSG_ZEROCOPY"})
    void shouldCarryUniqueCookiesFromThresholdOnAndCompleteEachOnlyWhenItsAckArrives(final NodeConfig.ZcMode mode)
        throws Exception
    {
        final int[] sizes = {100, 800, 2000, 16383, 16384, 20000, 65536, 200_000, 16384, 1 << 20};
        try (Node node = Node.start(config().zcMode(mode), new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(910, 3))
        {
            awaitBundle(node);
            final Completions completions = new Completions();
            final UnsafeBuffer[] payloads = send(node, sizes, 0);

            final List<WireMessage> onControl = new ArrayList<>();
            final List<WireMessage> onBulk = new ArrayList<>();
            for (final int size : sizes)
            {
                if (size + 96 < 1024)
                {
                    onControl.add(readMessage(kernel.control));
                }
                else
                {
                    onBulk.add(readMessage(kernel.bulkIn));
                }
            }
            final List<WireMessage> all = new ArrayList<>(onControl);
            all.addAll(onBulk);
            final List<Long> cookies = new ArrayList<>();
            for (final WireMessage m : all)
            {
                final int size = sizes[(int)m.sequence];
                assertEquals(KSOCK_MSG_LNET, m.type);
                assertEquals(0, m.cookie1, "nothing to ACK from the node");
                assertArrayEquals(bytes(payloads[(int)m.sequence], size), m.payload, "payload of " + m.sequence);
                if (size >= 16384)
                {
                    assertNotEquals(0, m.cookie0, "ZC request expected for size " + size);
                    cookies.add(m.cookie0);
                }
                else
                {
                    assertEquals(0, m.cookie0, "no ZC request expected for size " + size);
                }
            }
            assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L), cookies, "per-peer cookies from 2, in send order");

            final Set<Long> zcIds = new HashSet<>();
            for (int i = 0; i < sizes.length; i++)
            {
                if (sizes[i] >= 16384)
                {
                    zcIds.add((long)i);
                }
            }
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == sizes.length - zcIds.size(), 5_000));
            Await.sleep(300);
            completions.poll(node);
            for (final long id : zcIds)
            {
                assertFalse(completions.status.containsKey(id), "ZC send " + id + " completed before its ACK");
            }
            assertEquals(sizes.length - zcIds.size(), completions.total.get());

            final long[] byCookie = new long[8];
            for (final WireMessage m : onBulk)
            {
                if (m.cookie0 != 0)
                {
                    byCookie[(int)m.cookie0] = m.sequence;
                }
            }

            // range 2..4 on the ACK connection (the node's BULK_OUT = the peer's BULK_IN)
            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 2, 4));
            expectCompleted(node, completions, sizes.length - zcIds.size() + 3, byCookie[2], byCookie[3], byCookie[4]);
            assertFalse(completions.status.containsKey(byCookie[5]));

            // pair (7, 5) on CONTROL
            kernel.control.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 7, 5));
            expectCompleted(node, completions, sizes.length - zcIds.size() + 5, byCookie[5], byCookie[7]);
            assertFalse(completions.status.containsKey(byCookie[6]));

            // cookie 6 piggybacked on an LNET message from the peer
            final byte[] put = RawPeer.put(LE, 0, KERNEL_NID, NODE_NID, 99, new byte[10]);
            new UnsafeBuffer(put).putLong(16, 6, LE);
            kernel.control.write(put);
            expectCompleted(node, completions, sizes.length, byCookie[6]);

            Await.sleep(100);
            completions.poll(node);
            assertEquals(sizes.length, completions.total.get());
            assertEquals(0, completions.repeats.get());
            for (final int status : completions.status.values())
            {
                assertEquals(0, status);
            }
            final Map<String, Long> counters = node.counters();
            assertEquals(6L, counters.get(PEER + "zc_requests_sent"));
            assertEquals(6L, counters.get(PEER + "zc_acks_received"));
            assertEquals(0L, counters.get(PEER + "protocol_errors"));
            final String modeCounter = mode == NodeConfig.ZcMode.SPLICE ? "splice" : "msg_zerocopy";
            assertEquals(16384L * 2 + 20000 + 65536 + 200_000 + (1 << 20),
                counters.get(PEER + "payload_bytes_" + modeCounter));
            assertEquals(100L + 800 + 2000 + 16383, counters.get(PEER + "payload_bytes_copy"));
        }
    }

    @Test
    void shouldIssueNoZcRequestsInCopyModeOrBelowAConfiguredThreshold() throws Exception
    {
        final int[] sizes = {4096, 8191, 8192, 100_000};
        try (Node copy = Node.start(config().zcMode(NodeConfig.ZcMode.COPY), new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(913, 3))
        {
            awaitBundle(copy);
            send(copy, sizes, 0);
            for (int i = 0; i < sizes.length; i++)
            {
                assertEquals(0, readMessage(kernel.bulkIn).cookie0, "COPY mode never asks for a ZC-ACK");
            }
            final Completions completions = new Completions();
            assertTrue(Await.until(() -> completions.poll(copy) >= 0 && completions.total.get() == sizes.length, 5_000));
        }
        try (Node low = Node.start(config().zcMinPayload(8192), new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(916, 3))
        {
            awaitBundle(low);
            send(low, sizes, 0);
            final List<Long> cookies = new ArrayList<>();
            for (int i = 0; i < sizes.length; i++)
            {
                final WireMessage m = readMessage(kernel.bulkIn);
                cookies.add(sizes[(int)m.sequence] >= 8192 ? m.cookie0 : -m.cookie0);
            }
            assertEquals(List.of(0L, 0L, 2L, 3L), cookies);
            assertEquals(2048, new NodeConfig().zcMinPayload(100).zcMinPayload(), "floor of zc_min_payload");
        }
    }

    @Test
    void shouldSendAFileRegionBySendfileAndCompleteItOnItsAck() throws Exception
    {
        final Path file = Files.createTempFile("jsocklnd-zc", ".bin");
        final byte[] content = new byte[300_000];
        new SplittableRandom(50).nextBytes(content);
        Files.write(file, content);
        final int fd = io.jsocklnd.nativeio.NativeIo.open(file, 0, 0);
        try (Node node = Node.start(config(), new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(919, 3))
        {
            awaitBundle(node);
            final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
            Traffic.putHeader(header, NODE_NID, KERNEL_NID, 0, 100_000, 0);
            assertTrue(node.sendFile(KERNEL_NID, PID, header, 0, fd, 12_345, 100_000, 0));
            Traffic.putHeader(header, NODE_NID, KERNEL_NID, 1, 5000, 0);
            assertTrue(node.sendFile(KERNEL_NID, PID, header, 0, fd, 7, 5000, 1));

            final WireMessage zc = readMessage(kernel.bulkIn);
            final WireMessage small = readMessage(kernel.bulkIn);
            assertEquals(2, zc.cookie0);
            assertArrayEquals(java.util.Arrays.copyOfRange(content, 12_345, 112_345), zc.payload);
            assertEquals(0, small.cookie0);
            assertArrayEquals(java.util.Arrays.copyOfRange(content, 7, 5007), small.payload);

            final Completions completions = new Completions();
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.status.containsKey(1L), 5_000));
            Await.sleep(200);
            completions.poll(node);
            assertFalse(completions.status.containsKey(0L), "file region completed before its ACK");
            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 2));
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.status.containsKey(0L), 5_000));
            assertEquals(0, completions.status.get(0L));
            assertEquals(105_000L, node.counters().get(PEER + "payload_bytes_sendfile"));
        }
        finally
        {
            io.jsocklnd.nativeio.NativeIo.close(fd);
            Files.deleteIfExists(file);
        }
    }

    @Test
    void shouldCompleteAZcSendAckedBeforeItsLastByteOnlyOnceItIsWritten() throws Exception
    {
        try (Node node = Node.start(config().bufferSizes(16 * 1024, 0), new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(922, 3))
        {
            awaitBundle(node);
            final int size = WireConstants.LNET_MAX_PAYLOAD;
            final UnsafeBuffer[] payloads = send(node, new int[]{size}, 0);
            final byte[] head = kernel.bulkIn.read(KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH, 5_000);
            assertEquals(2, new UnsafeBuffer(head).getLong(8, LE));
            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 2));

            final Completions completions = new Completions();
            Await.sleep(300);
            completions.poll(node);
            assertEquals(0, completions.total.get(), "ACKed but not written: no completion yet");
            assertEquals(1L, node.counters().get(PEER + "zc_acks_received"));

            final byte[] payload = kernel.bulkIn.read(size, 5_000);
            assertArrayEquals(bytes(payloads[0], size), payload);
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == 1, 5_000));
            Await.sleep(100);
            completions.poll(node);
            assertEquals(1, completions.total.get());
            assertEquals(0, completions.status.get(0L));
        }
    }

    @Test
    void shouldCloseThePeerOnADuplicateAckAndFailTheOtherPendingSendsOnce() throws Exception
    {
        try (Node node = Node.start(config(), new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(925, 3))
        {
            awaitBundle(node);
            send(node, new int[]{20_000, 30_000, 40_000}, 0);
            for (int i = 0; i < 3; i++)
            {
                readMessage(kernel.bulkIn);
            }
            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 2));
            final Completions completions = new Completions();
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == 1, 5_000));
            assertEquals(0, completions.status.get(0L));

            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 2));
            assertAllClosed(kernel);
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == 3, 5_000));
            Await.sleep(200);
            completions.poll(node);
            assertEquals(3, completions.total.get());
            assertEquals(0, completions.repeats.get());
            assertEquals(0, completions.status.get(0L));
            assertTrue(completions.status.get(1L) < 0 && completions.status.get(2L) < 0, completions.status::toString);
            assertEquals(1L, node.counters().get(PEER + "protocol_errors"));
            assertEquals(3L, node.counters().get(PEER + "conns_closed"));
        }
    }

    @Test
    void shouldReleaseTheKnownCookiesOfARangeNamingAnUnknownOneThenCloseThePeer() throws Exception
    {
        try (Node node = Node.start(config(), new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(928, 3))
        {
            awaitBundle(node);
            send(node, new int[]{20_000, 30_000}, 0);
            readMessage(kernel.bulkIn);
            readMessage(kernel.bulkIn);
            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 2, 4));
            assertAllClosed(kernel);
            final Completions completions = new Completions();
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == 2, 5_000));
            Await.sleep(200);
            completions.poll(node);
            assertEquals(2, completions.total.get());
            assertEquals(0, completions.repeats.get());
            // The range 2..4 names cookie 4, never sent: 2 and 3 are released all the same (ksocknal_handle_zcack).
            assertTrue(completions.status.get(0L) == 0 && completions.status.get(1L) == 0, completions.status::toString);
            assertEquals(1L, node.counters().get(PEER + "protocol_errors"));
            assertEquals(1L, node.counters().get("io protocol_errors"));
        }
    }

    @Test
    void shouldFailEveryPendingZcSendOnceWhenThePeerResets() throws Exception
    {
        try (Node node = Node.start(config(), new TestNodes.RecordingHandler()))
        {
            final int n = 20;
            final int[] sizes = new int[n];
            java.util.Arrays.fill(sizes, 50_000);
            final Completions completions = new Completions();
            try (KernelPeer kernel = new KernelPeer(931, 3))
            {
                awaitBundle(node);
                send(node, sizes, 0);
                for (int i = 0; i < n / 2; i++)
                {
                    readMessage(kernel.bulkIn);
                }
                kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 2, 3));
                assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == 2, 5_000));
            }
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == n, 5_000),
                () -> "completions " + completions.total);
            Await.sleep(200);
            completions.poll(node);
            assertEquals(n, completions.total.get());
            assertEquals(0, completions.repeats.get());
            int failed = 0;
            for (final int status : completions.status.values())
            {
                failed += status < 0 ? 1 : 0;
            }
            assertEquals(n - 2, failed, completions.status::toString);
            assertEquals((long)(n - 2), node.counters().get(PEER + "sends_failed"));
        }
    }

    @Test
    void shouldClosePeerWhoseZcRequestsStayUnackedPastTheTimeout() throws Exception
    {
        final ManualClock clock = new ManualClock();
        try (Node node = Node.start(config().sockTimeout(1, TimeUnit.SECONDS), new TestNodes.RecordingHandler(), null,
            clock);
            KernelPeer kernel = new KernelPeer(934, 3))
        {
            awaitBundle(node);
            send(node, new int[]{20_000, 20_000}, 0);
            readMessage(kernel.bulkIn);
            readMessage(kernel.bulkIn);
            clock.advance(900, TimeUnit.MILLISECONDS);
            assertFalse(kernel.bulkIn.drain(500).closed(), "un-ACKed for less than the timeout: the peer stays");
            assertEquals(0L, node.counters().get("io zc_timeouts"));

            clock.advance(200, TimeUnit.MILLISECONDS);
            assertTrue(kernel.bulkIn.drain(3_000).closed(), "no ACK past the timeout: the node closes the peer");
            assertTrue(kernel.control.drain(1_000).closed());
            final Completions completions = new Completions();
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == 2, 5_000));
            assertTrue(completions.status.get(0L) < 0 && completions.status.get(1L) < 0);
            assertEquals(1L, node.counters().get(PEER + "zc_timeouts"));
            assertEquals(1L, node.counters().get("io zc_timeouts"));
        }
    }

    @Test
    void shouldReportAZcSendOnceWrittenInTheUnsafeModeAndNotAgainOnItsAckOrItsFailure() throws Exception
    {
        final NodeConfig config;
        System.setProperty(NodeConfig.UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY, "true");
        try
        {
            config = config();
        }
        finally
        {
            System.clearProperty(NodeConfig.UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY);
        }
        try (Node node = Node.start(config, new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(940, 3))
        {
            awaitBundle(node);
            send(node, new int[]{20_000, 30_000}, 0);
            assertEquals(2, readMessage(kernel.bulkIn).cookie0());
            assertEquals(3, readMessage(kernel.bulkIn).cookie0());
            final Completions completions = new Completions();
            expectCompleted(node, completions, 2, 0L, 1L);

            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 2));
            assertTrue(Await.until(() -> node.counters().get(PEER + "zc_acks_received") == 1L, 5_000));
            kernel.bulkIn.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 9));
            assertAllClosed(kernel);
            assertTrue(Await.until(() -> node.counters().get(PEER + "sends_failed") == 1L, 5_000),
                "the reported send still waiting for its ACK fails with the peer");
            Await.sleep(200);
            completions.poll(node);
            assertEquals(2, completions.total.get(), completions.status::toString);
            assertEquals(0, completions.repeats.get());
            assertEquals(0L, node.counters().get("io sends_failed"));
            assertEquals(0L, node.counters().get("node agent_errors"));
        }
    }

    @Test
    void shouldIssueZcRequestsOnV2AndTakeTheirAcksOnControl() throws Exception
    {
        try (Node node = Node.start(config(), new TestNodes.RecordingHandler());
            KernelPeer kernel = new KernelPeer(937, 2))
        {
            awaitBundle(node);
            send(node, new int[]{20_000, 30_000}, 0);
            final WireMessage a = readMessage(kernel.bulkIn);
            final WireMessage b = readMessage(kernel.bulkIn);
            assertEquals(List.of(2L, 3L), List.of(a.cookie0, b.cookie0));
            kernel.control.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 3));
            kernel.control.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 2));
            final Completions completions = new Completions();
            assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() == 2, 5_000));
            assertEquals(Map.of(0L, 0, 1L, 0), Map.copyOf(completions.status));
            // V2 has no keepalive: cookie 1 is just an unknown cookie
            kernel.control.write(RawPeer.ksockHeader(LE, KSOCK_MSG_NOOP, 0, 1));
            assertAllClosed(kernel);
        }
    }

    /**
     * Wait until the IO agent holds all three connections, so a close of the peer finds them all.
     */
    private static void awaitBundle(final Node node)
    {
        assertTrue(Await.until(() -> node.connections().stream().filter(line -> line.contains(KERNEL_IP)).count() == 3,
            5_000), () -> node.connections().toString());
    }

    private static void assertAllClosed(final KernelPeer kernel) throws IOException
    {
        final RawPeer.Drained bulkIn = kernel.bulkIn.drain(3_000);
        final RawPeer.Drained bulkOut = kernel.bulkOut.drain(3_000);
        final RawPeer.Drained control = kernel.control.drain(3_000);
        assertTrue(bulkIn.closed() && bulkOut.closed() && control.closed(),
            () -> "bulk_in " + bulkIn + " bulk_out " + bulkOut + " control " + control);
    }

    private static void expectCompleted(
        final Node node, final Completions completions, final int total, final long... ids)
    {
        assertTrue(Await.until(() -> completions.poll(node) >= 0 && completions.total.get() >= total, 5_000),
            () -> "completions " + completions.status);
        for (final long id : ids)
        {
            assertEquals(0, completions.status.get(id), "completion of " + id);
        }
        assertEquals(total, completions.total.get(), completions.status::toString);
    }

    /**
     * Send one PUT per size with random payloads; correlation id and match bits are the index.
     */
    private static UnsafeBuffer[] send(final Node node, final int[] sizes, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
        final UnsafeBuffer[] payloads = new UnsafeBuffer[sizes.length];
        for (int i = 0; i < sizes.length; i++)
        {
            payloads[i] = DirectMemory.allocatePageAligned(sizes[i]);
            final byte[] bytes = new byte[sizes[i]];
            random.nextBytes(bytes);
            payloads[i].putBytes(0, bytes);
            final CRC32C crc = new CRC32C();
            crc.update(bytes);
            Traffic.putHeader(header, NODE_NID, KERNEL_NID, i, sizes[i], crc.getValue());
            assertTrue(node.send(KERNEL_NID, PID, header, 0, DirectMemory.address(payloads[i], 0), sizes[i], i));
        }
        return payloads;
    }

    private static byte[] bytes(final UnsafeBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    static WireMessage readMessage(final RawPeer peer) throws IOException
    {
        final byte[] ksm = peer.read(KsockMsgFlyweight.LENGTH, 5_000);
        final KsockMsgFlyweight msg = new KsockMsgFlyweight().wrap(new UnsafeBuffer(ksm), 0, ksm.length, LE);
        if (msg.isNoop())
        {
            return new WireMessage(KSOCK_MSG_NOOP, msg.zcCookie0(), msg.zcCookie1(), -1, new byte[0]);
        }
        final byte[] lnet = peer.read(LnetHeaderFlyweight.LENGTH, 5_000);
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight().wrap(new UnsafeBuffer(lnet), 0, lnet.length);
        final byte[] payload = header.payloadLength() == 0 ? new byte[0] : peer.read(header.payloadLength(), 5_000);
        return new WireMessage(KSOCK_MSG_LNET, msg.zcCookie0(), msg.zcCookie1(), header.matchBits(), payload);
    }
}
