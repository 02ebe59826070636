package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.collections.IntArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sender that overwrites each payload buffer the instant its completion is polled and sends from it again
 * at once: the receiver's checksum of every payload proves that a ZC send completes only when the peer has
 * all of its bytes (the ZC-ACK), never when the kernel merely took them.
 */
@Timeout(120)
class ZeroCopyScribbleTest
{
    private static final String A = "127.0.51.1@tcp";
    private static final String B = "127.0.51.2@tcp";
    private static final long A_NID = Nid.parse(A);
    private static final long B_NID = Nid.parse(B);
    private static final int MESSAGES = 10_000;
    private static final int BUFFERS = 32;
    private static final int MIN_SIZE = 16 * 1024;
    private static final int MAX_SIZE = 128 * 1024;

    @ParameterizedTest
    @EnumSource(value = NodeConfig.ZcMode.class, names = {"SPLICE", "MSG_ZEROCOPY"})
    void shouldDeliverEveryPayloadIntactThoughTheSenderScribblesOverItOnCompletion(final NodeConfig.ZcMode mode)
        throws Exception
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        System.out.println("ZeroCopyScribbleTest " + mode + " seed=" + seed);
        try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(A).zcMode(mode), 16);
            TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(B), MESSAGES + 16))
        {
            assertNull(a.warmUp(B_NID, 10_000));
            final Map<String, Long> before = a.node().counters();
            final String peer = "peer " + B + " ";

            final UnsafeBuffer[] buffers = new UnsafeBuffer[BUFFERS];
            final IntArrayQueue free = new IntArrayQueue(BUFFERS, -1);
            for (int i = 0; i < BUFFERS; i++)
            {
                buffers[i] = DirectMemory.allocatePageAligned(MAX_SIZE);
                free.addInt(i);
            }
            final int[] bufferOf = new int[MESSAGES];
            final int[] sizeOf = new int[MESSAGES];
            final int[] failures = new int[1];
            final int[] completed = new int[1];
            final CompletionHandler scribble = (id, status) ->
            {
                if (status != 0)
                {
                    failures[0]++;
                }
                final int index = bufferOf[(int)id];
                buffers[index].setMemory(0, sizeOf[(int)id], (byte)(0xA5 ^ id));
                free.addInt(index);
                completed[0]++;
            };

            final SplittableRandom random = new SplittableRandom(seed);
            final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
            final long startNs = System.nanoTime();
            final long deadlineNs = startNs + TimeUnit.SECONDS.toNanos(60);
            for (int i = 0; i < MESSAGES && System.nanoTime() - deadlineNs < 0; i++)
            {
                while (free.isEmpty() && System.nanoTime() - deadlineNs < 0)
                {
                    a.node().pollCompletions(scribble, BUFFERS);
                }
                final int index = free.pollInt();
                final int size = MIN_SIZE + random.nextInt(MAX_SIZE - MIN_SIZE + 1);
                final UnsafeBuffer buffer = buffers[index];
                long x = random.nextLong() | 1;
                for (int at = 0; at + 8 <= size; at += 8)
                {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    buffer.putLong(at, x);
                }
                bufferOf[i] = index;
                sizeOf[i] = size;
                Traffic.putHeader(header, A_NID, B_NID, i, size, Traffic.crcOf(buffer, 0, size));
                while (!a.node().send(B_NID, WireConstants.LNET_PID_LUSTRE, header, 0,
                    DirectMemory.address(buffer, 0), size, i) && System.nanoTime() - deadlineNs < 0)
                {
                    a.node().pollCompletions(scribble, BUFFERS);
                }
            }
            while (completed[0] < MESSAGES && System.nanoTime() - deadlineNs < 0)
            {
                a.node().pollCompletions(scribble, BUFFERS);
            }
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            assertEquals(MESSAGES, completed[0], "completions");
            assertEquals(0, failures[0], "failed sends");
            assertTrue(Await.until(() -> b.receiver().count() >= MESSAGES, 10_000));

            final CheckingReceiver.Report report = b.receiver().report(MESSAGES, A_NID, 1024);
            System.out.println("ZeroCopyScribbleTest " + mode + ": " + MESSAGES + " messages in " + elapsedMs + " ms: " + report);
            assertEquals(0, report.corrupt, "payloads overwritten in flight");
            assertEquals(MESSAGES, report.received);
            assertTrue(report.perfect(), report.toString());

            final Map<String, Long> after = a.node().counters();
            final long requests = after.get(peer + "zc_requests_sent") - before.get(peer + "zc_requests_sent");
            assertEquals(MESSAGES, requests, "every message is a ZC request");
            assertEquals(after.get(peer + "zc_requests_sent"), after.get(peer + "zc_acks_received"), "every request ACKed");
            final String modeBytes = peer + "payload_bytes_" + (mode == NodeConfig.ZcMode.SPLICE ? "splice" : "msg_zerocopy");
            assertTrue(after.get(modeBytes) - before.get(modeBytes) >= (long)MESSAGES * MIN_SIZE);
            assertEquals(before.get(peer + "payload_bytes_copy"), after.get(peer + "payload_bytes_copy"));
            assertEquals(0L, after.get(peer + "protocol_errors"));
        }
    }
}
