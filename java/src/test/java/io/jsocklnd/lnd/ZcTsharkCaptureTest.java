package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.pcap.Tshark;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wireshark's LNet dissector as an independent reader of our V3 ZC traffic, captured live on loopback:
 * request cookies only on messages from {@code zc_min_payload} on, each ACKed exactly once by the receiver's
 * NOOPs, and no malformed frame.
 * <p>
 * Wireshark 4.0's LNet dissector flags every PUT whose payload is not a Lustre RPC as malformed
 * ({@code msg_type:1 ib_type:00}, real kernel captures show it too) and then stops dissecting the rest of that
 * TCP segment, so some gathered messages are not shown. Those frames are the only malformed ones allowed, and
 * the ACK cookies (NOOPs, never cut short) must be exactly the cookies the sender issued.
 */
@Timeout(120)
class ZcTsharkCaptureTest
{
    private static final String A = "127.0.53.1@tcp";
    private static final String B = "127.0.53.2@tcp";
    private static final long A_NID = Nid.parse(A);
    private static final long B_NID = Nid.parse(B);
    private static final int MESSAGES = 300;

    @Test
    void shouldShowRequestCookiesOnLargeMessagesAndEachAckedOnceInALiveCapture() throws Exception
    {
        Assumptions.assumeTrue(onPath("tshark"), "tshark is not installed");
        final Path dir = Files.createTempDirectory("jsocklnd-zc-capture");
        final Path capture = dir.resolve("zc.pcapng");
        final Path err = dir.resolve("tshark.err");
        final List<Integer> sizes = new ArrayList<>();
        final Process tshark = new ProcessBuilder("tshark", "-i", "lo", "-B", "128", "-f", "net 127.0.53.0/24", "-w", capture.toString())
            .redirectError(err.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        try
        {
            assertTrue(Await.until(() -> read(err).contains("Capturing on"), 15_000),
                () -> "live capture did not start: " + read(err));

            try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(A).zcMode(ZcProbe.zeroCopyMode()), 16);
                TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(B).zcMode(ZcProbe.zeroCopyMode()),
                    MESSAGES + 16))
            {
                final SplittableRandom random = new SplittableRandom(53);
                final UnsafeBuffer payload = DirectMemory.allocatePageAligned(64 * 1024);
                final byte[] bytes = new byte[64 * 1024];
                random.nextBytes(bytes);
                payload.putBytes(0, bytes);
                final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
                final int[] completed = new int[1];
                final int[] failed = new int[1];

                // "Capturing on" comes before packets are really taken: prove the capture live with a first
                // small exchange before the plan starts.
                final long emptySize = size(capture);
                int probes = 0;
                for (int i = 0; i < 50 && size(capture) <= emptySize + 1_000; i++)
                {
                    Traffic.putHeader(header, A_NID, B_NID, Traffic.WARMUP_FLAG | i, 100, Traffic.crcOf(payload, 0, 100));
                    assertTrue(a.node().send(B_NID, WireConstants.LNET_PID_LUSTRE, header, 0,
                        DirectMemory.address(payload, 0), 100, -1 - i));
                    probes++;
                    Await.sleep(200);
                }
                final int probesSent = probes;
                assertTrue(size(capture) > emptySize + 1_000, "capture does not grow");
                final int[] probesDone = new int[1];
                assertTrue(Await.until(() -> a.node().pollCompletions((id, status) -> probesDone[0]++, 64) >= 0 &&
                    probesDone[0] == probesSent, 10_000));
                // Paced in rounds of 10 so the capture keeps up on a small machine.
                for (int i = 0; i < MESSAGES; i++)
                {
                    final int size = i % 3 == 0 ? 1 + random.nextInt(16 * 1024 - 1) : 16 * 1024 + random.nextInt(48 * 1024 + 1);
                    sizes.add(size);
                    Traffic.putHeader(header, A_NID, B_NID, i, size, Traffic.crcOf(payload, 0, size));
                    assertTrue(a.node().send(B_NID, WireConstants.LNET_PID_LUSTRE, header, 0,
                        DirectMemory.address(payload, 0), size, i));
                    if (i % 10 == 9)
                    {
                        final int expected = i + 1;
                        assertTrue(Await.until(() ->
                        {
                            a.node().pollCompletions((id, status) ->
                            {
                                completed[0]++;
                                failed[0] += status == 0 ? 0 : 1;
                            }, 1024);
                            return completed[0] == expected;
                        }, 20_000));
                        Await.sleep(5);
                    }
                }
                assertEquals(0, failed[0]);
                assertTrue(b.receiver().report(MESSAGES, A_NID, 1024).perfect());
                Await.sleep(300);
            }
        }
        finally
        {
            tshark.destroy();
            if (!tshark.waitFor(20, TimeUnit.SECONDS))
            {
                tshark.destroyForcibly();
            }
        }

        assertTrue(!read(err).contains("dropped") || read(err).contains(" 0 packets dropped"),
            () -> "the capture lost packets: " + read(err));
        final List<Tshark.Row> rows = Tshark.fields(capture, List.of("-Y", "lnet.ksm_type"),
            "ip.src", "lnet.ksm_type", "lnet.ksm_zc_req_cookie", "lnet.ksm_zc_ack_cookie", "lnet.payload_length");
        final List<Long> requests = new ArrayList<>();
        final List<Long> acked = new ArrayList<>();
        int lnetFromA = 0;
        int largeFromA = 0;
        for (final Tshark.Row row : rows)
        {
            final List<String> types = row.all("lnet.ksm_type");
            final List<String> req = row.all("lnet.ksm_zc_req_cookie");
            final List<String> ack = row.all("lnet.ksm_zc_ack_cookie");
            final List<String> length = row.all("lnet.payload_length");
            final String src = row.one("ip.src");
            for (int i = 0; i < types.size(); i++)
            {
                final long type = Tshark.parseNumber(types.get(i));
                final long c0 = Tshark.parseNumber(req.get(i));
                final long c1 = Tshark.parseNumber(ack.get(i));
                if (type == WireConstants.KSOCK_MSG_LNET)
                {
                    assertEquals("127.0.53.1", src, "only A sends LNET messages");
                    assertEquals(0, c1, "A has nothing to ACK");
                    final long payloadLength = Tshark.parseNumber(length.get(i));
                    lnetFromA++;
                    if (payloadLength >= 16 * 1024)
                    {
                        largeFromA++;
                        assertTrue(c0 >= 2, "request cookie on a " + payloadLength + "-byte message");
                        requests.add(c0);
                    }
                    else
                    {
                        assertEquals(0, c0, "no request cookie on a " + payloadLength + "-byte message");
                    }
                }
                else
                {
                    assertEquals(WireConstants.KSOCK_MSG_NOOP, type);
                    assertEquals("127.0.53.2", src, "only B sends NOOPs");
                    if (c0 == 0)
                    {
                        acked.add(c1);
                    }
                    else if (Long.compareUnsigned(c0, c1) > 0)
                    {
                        acked.add(c1);
                        acked.add(c0);
                    }
                    else
                    {
                        for (long c = c0; c <= c1; c++)
                        {
                            acked.add(c);
                        }
                    }
                }
            }
        }
        final long expectedLarge = sizes.stream().filter(s -> s >= 16 * 1024).count();
        assertTrue(lnetFromA > MESSAGES / 2 && lnetFromA <= MESSAGES + 50, "LNET messages decoded: " + lnetFromA);
        assertTrue(largeFromA > 0 && largeFromA <= expectedLarge, "large messages decoded: " + largeFromA);
        assertEquals(requests.size(), new TreeSet<>(requests).size(), "request cookies unique");
        final Set<Long> ackedSet = new TreeSet<>(acked);
        assertEquals(acked.size(), ackedSet.size(), "no cookie ACKed twice");
        final Set<Long> issued = new TreeSet<>();
        for (long c = 2; c < 2 + expectedLarge; c++)
        {
            issued.add(c);
        }
        assertEquals(issued, ackedSet, "every cookie issued is ACKed once, nothing else");
        assertTrue(issued.containsAll(requests), "request cookies seen: " + requests);

        final String malformed = Tshark.run("-r", capture.toString(), "-n", "-Y",
            "_ws.malformed && !(lnet.msg_type == 1 && lnet.payload_length > 0)");
        assertEquals("", malformed.trim(), "malformed frames other than the dissector's PUT-payload quirk");
        Files.deleteIfExists(capture);
        Files.deleteIfExists(err);
        Files.deleteIfExists(dir);
    }

    private static long size(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.size(file) : 0;
        }
        catch (final java.io.IOException ex)
        {
            return 0;
        }
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        }
        catch (final java.io.IOException ex)
        {
            return ex.toString();
        }
    }

    private static boolean onPath(final String name)
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return false;
        }
        for (final String dir : path.split(File.pathSeparator))
        {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name)))
            {
                return true;
            }
        }
        return false;
    }
}
