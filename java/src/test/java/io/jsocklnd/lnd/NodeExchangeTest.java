package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.jsocklnd.lnd.TestNodes.await;
import static io.jsocklnd.lnd.TestNodes.config;
import static io.jsocklnd.lnd.TestNodes.nid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class NodeExchangeTest
{
    @Test
    void shouldHandshakeV3AndExchangeMessagesBothWays() throws Exception
    {
        final TestNodes.RecordingHandler ha = new TestNodes.RecordingHandler();
        final TestNodes.RecordingHandler hb = new TestNodes.RecordingHandler();
        try (Node a = Node.start(config("127.0.1.1@tcp"), ha);
            Node b = Node.start(config("127.0.1.2@tcp"), hb))
        {
            final long aNid = nid("127.0.1.1@tcp");
            final long bNid = nid("127.0.1.2@tcp");
            final ByteBuffer payload = ByteBuffer.allocateDirect(256 * 1024);
            final byte[] random = new byte[payload.capacity()];
            ThreadLocalRandom.current().nextBytes(random);
            payload.put(random).flip();
            final long address = DirectMemory.address(new UnsafeBuffer(payload), 0);

            final int[] sizes = {0, 100, 5000, 256 * 1024};
            for (int i = 0; i < sizes.length; i++)
            {
                assertTrue(a.send(bNid, 12345, TestNodes.putHeader(aNid, bNid, i, payload, sizes[i]), 0,
                    address, sizes[i], i));
                assertTrue(b.send(aNid, 12345, TestNodes.putHeader(bNid, aNid, 100 + i, payload, sizes[i]), 0,
                    address, sizes[i], 100 + i));
            }

            assertTrue(await(() -> hb.received.size() == sizes.length && ha.received.size() == sizes.length, 10_000),
                () -> "a got " + ha.received.size() + " b got " + hb.received.size() + " counters a=" + a.counters());
            for (final TestNodes.Received r : hb.received)
            {
                assertTrue(r.intact(), r.toString());
                assertEquals(aNid, r.srcNid());
            }
            final TestNodes.Completions completions = new TestNodes.Completions();
            assertTrue(await(() ->
            {
                a.pollCompletions(completions, 100);
                b.pollCompletions(completions, 100);
                return completions.done.size() == 2 * sizes.length;
            }, 10_000));
            completions.done.forEach(c -> assertEquals(0, c[1], "status of " + c[0]));

            assertTrue(await(() -> a.connections().size() == 3 && b.connections().size() == 3, 10_000),
                () -> "a=" + a.connections() + " b=" + b.connections());
            final List<String> conns = a.connections();
            assertTrue(conns.stream().anyMatch(c -> c.endsWith("127.0.1.2@tcp CONTROL V3")), conns.toString());
            assertTrue(conns.stream().anyMatch(c -> c.endsWith("127.0.1.2@tcp BULK_IN V3")), conns.toString());
            assertTrue(conns.stream().anyMatch(c -> c.endsWith("127.0.1.2@tcp BULK_OUT V3")), conns.toString());
        }
    }
}
