package io.jsocklnd.lnet;

import io.jsocklnd.harness.Await;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static io.jsocklnd.lnet.MemoryDescriptor.MANAGE_REMOTE;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer's {@code msgs_*} and {@code bytes_*} counters move with its live connections, and keep their value,
 * without counting twice, when those connections close. Only LNet messages count as messages: NOOPs
 * (keepalives, ZC-ACKs) have their own {@code noops_*} counters.
 */
@Timeout(60)
class PeerCountersTest
{
    private static final int PUTS = 25;
    private static final int PORTAL = 4;

    @Test
    void shouldCountMessagesOfALivePeerAsTheyGoAndKeepThemOnceAfterClose() throws Exception
    {
        try (Lnet a = LnetNodes.start("127.0.69.1@tcp"); Lnet b = LnetNodes.start("127.0.69.2@tcp"))
        {
            final String peerB = "peer " + Nid.toString(b.nid());
            final String peerA = "peer " + Nid.toString(a.nid());
            b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 1, 0,
                new MemoryDescriptor().memory(LnetNodes.direct(4096), 0, 4096).options(OP_PUT | MANAGE_REMOTE));
            final LnetNodes.Collector aEvents = new LnetNodes.Collector(a);
            final UnsafeBuffer data = LnetNodes.pattern(1000, 2);
            for (int i = 0; i < PUTS; i++)
            {
                assertEquals(0, a.put(a.bind(new MemoryDescriptor().memory(data, 0, 1000).threshold(2)), true,
                    b.nid(), LNET_PID_LUSTRE, PORTAL, 1, 0, i));
                final int acked = i + 1;
                assertNotNull(aEvents.await(r -> aEvents.ofType(LnetEventType.ACK).size() == acked, 10_000));
            }

            // Every PUT went out and its ACK came back on connections that are still up.
            assertTrue(Await.until(() -> a.counters().get(peerB + " msgs_in") == PUTS, 10_000), a.counters()::toString);
            final Map<String, Long> live = a.counters();
            assertEquals(PUTS, live.get(peerB + " msgs_out"), live::toString);
            assertEquals(PUTS, live.get(peerB + " msgs_in"), live::toString);
            assertEquals(connections(live, "msgs_out"), live.get(peerB + " msgs_out"), "peer = its live connections");
            assertEquals(connections(live, "bytes_out"), live.get(peerB + " bytes_out"), live::toString);
            assertEquals(connections(live, "bytes_in"), live.get(peerB + " bytes_in"), live::toString);
            assertTrue(live.get(peerB + " bytes_out") >= PUTS * (72 + 1000L), live::toString);
            assertTrue(Await.until(() -> b.counters().get(peerA + " msgs_out") == PUTS, 10_000), b.counters()::toString);
            assertEquals(PUTS, b.counters().get(peerA + " msgs_in"));

            // Closing the connections neither loses nor doubles what they counted.
            final long bytesOut = live.get(peerB + " bytes_out");
            assertTrue(a.node().disconnect(b.nid()));
            assertTrue(Await.until(() -> connections(a.counters(), "msgs_out") == 0 &&
                a.counters().get(peerB + " conns_closed") >= 1, 10_000), a.counters()::toString);
            final Map<String, Long> closed = a.counters();
            assertEquals(PUTS, closed.get(peerB + " msgs_out"), closed::toString);
            assertEquals(PUTS, closed.get(peerB + " msgs_in"), closed::toString);
            assertEquals(bytesOut, closed.get(peerB + " bytes_out"), closed::toString);
        }
    }

    /** Sum of one counter over the node's live connections ({@code conn#...}). */
    private static long connections(final Map<String, Long> counters, final String name)
    {
        long sum = 0;
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            if (e.getKey().startsWith("conn#") && e.getKey().endsWith(" " + name))
            {
                sum += e.getValue();
            }
        }
        return sum;
    }
}
