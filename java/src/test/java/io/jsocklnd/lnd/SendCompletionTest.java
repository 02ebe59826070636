package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.harness.TrafficSender;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every send completes exactly once: when the application polls completions late (a full completion ring
 * holds sends back instead of dropping completions), when the peer cannot be reached, and when the peer
 * goes away with sends in flight.
 */
@Timeout(90)
class SendCompletionTest
{
    private static final String A = "127.0.30.1@tcp";
    private static final String B = "127.0.30.2@tcp";
    private static final int COUNT = 3000;

    @Test
    void shouldFailSendsToAnUnreachablePeerOnceWithHostUnreachable() throws Exception
    {
        final long aNid = Nid.parse(A);
        final long nobody = Nid.parse("127.0.30.9@tcp");
        try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(A), 16))
        {
            final TrafficSender sender = a.send(nobody, Traffic.plan(31, 20), 20_000);
            assertTrue(Await.until(sender::finished, 20_000));
            assertTrue(sender.eachCompletedOnce(), sender.summary());
            assertEquals(20, sender.failed(), sender.summary());
            assertEquals(-Errno.EHOSTUNREACH, sender.firstFailureStatus(), sender.summary());
            assertEquals(20L, a.node().counters().get("peer 127.0.30.9@tcp sends_failed"));
            assertTrue(a.node().counters().get("peer 127.0.30.9@tcp connect_failures") >= 1);
        }
    }

    @Test
    void shouldCompleteEverySendOnceWhenThePeerGoesAwayWithSendsInFlight() throws Exception
    {
        final long aNid = Nid.parse(A);
        final long bNid = Nid.parse(B);
        final int count = 3000;
        try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(A), 16))
        {
            final TrafficSender sender;
            try (TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(B), count + 16))
            {
                assertNull(a.warmUp(bNid, 10_000));
                sender = a.send(bNid, Traffic.plan(32, count), 30_000);
                assertTrue(Await.until(() -> b.receiver().count() >= 300, 10_000));
            }
            assertTrue(Await.until(sender::finished, 30_000), sender.summary());
            System.out.println("SendCompletionTest peer gone: " + sender.summary());
            assertTrue(sender.eachCompletedOnce(), sender.summary());
            assertTrue(sender.completed() >= 300 - 2, sender.summary());
            assertTrue(sender.failed() > 0, sender.summary());
            assertEquals(count, sender.completed() + sender.failed());
        }
    }

    @Test
    void shouldDeliverEveryCompletionOnceWhenTheCompletionRingFillsUp() throws Exception
    {
        final long aNid = Nid.parse(A);
        final long bNid = Nid.parse(B);
        try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(A).ringCapacities(1 << 20, 1024), 16);
            TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(B), COUNT + 16))
        {
            assertNull(a.warmUp(bNid, 10_000));
            final Traffic plan = Traffic.plan(30, COUNT);
            final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
            int sent = 0;
            for (int i = 0; i < COUNT; i++)
            {
                Traffic.putHeader(header, aNid, bNid, i, plan.size(i), plan.crc(i));
                if (a.node().send(bNid, WireConstants.LNET_PID_LUSTRE, header, 0, plan.payloadAddress(i), plan.size(i), i))
                {
                    sent++;
                }
            }
            assertEquals(COUNT, sent, "the send ring takes them all");
            assertTrue(Await.until(() -> a.node().counters().get("io completion_ring_full") > 0, 10_000),
                "the completion ring never filled up");
            Await.sleep(100);
            final long acceptedWhileFull = a.node().counters().get("io sends_accepted");
            Await.sleep(100);
            assertEquals(acceptedWhileFull, a.node().counters().get("io sends_accepted"),
                "no new sends are taken while completions wait");
            assertTrue(acceptedWhileFull < COUNT, "sends held back: " + acceptedWhileFull);

            final int[] completions = new int[COUNT];
            final int[] failures = {0};
            final int[] total = {0};
            assertTrue(Await.until(() ->
            {
                total[0] += a.node().pollCompletions((id, status) ->
                {
                    completions[(int)id]++;
                    failures[0] += status == 0 ? 0 : 1;
                }, 7);
                return total[0] >= COUNT;
            }, 20_000), () -> "completions " + total[0] + " b received " + b.receiver().count());
            assertTrue(Await.until(() -> b.receiver().count() >= COUNT, 10_000));

            Await.sleep(100);
            a.node().pollCompletions((id, status) -> completions[(int)id]++, 1000);
            for (int i = 0; i < COUNT; i++)
            {
                assertEquals(1, completions[i], "completions of send " + i);
            }
            assertEquals(0, failures[0]);
            assertTrue(b.receiver().report(COUNT, aNid, 1024).perfect());
        }
    }
}
