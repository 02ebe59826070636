package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.HandBytes;
import io.jsocklnd.harness.RawPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.harness.HandBytes.CONN_BULK_IN;
import static io.jsocklnd.harness.HandBytes.CONN_BULK_OUT;
import static io.jsocklnd.harness.HandBytes.CONN_CONTROL;
import static io.jsocklnd.harness.HandBytes.intAt;
import static io.jsocklnd.harness.HandBytes.longAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The V3 keepalive as the kernel sends it (§9, {@code ksocknal_send_keepalive_locked}): one NOOP {0, 1} per peer
 * when nothing was heard from it for {@code keepalive}, not again within 10 s, however many ACK connections
 * the peer has; the peer's TCP acknowledging it (the socket's send queue shrinking) counts as the peer alive. The peer is a raw V3 socket that opened CONTROL, two BULK_OUT (the node's BULK_IN, its ACK
 * connections) and one BULK_IN, writing hand-made bytes; the node's clock moves only when the test moves it.
 */
@Timeout(60)
class KeepaliveTest
{
    private static final String NODE_IP = "127.0.85.1";
    private static final long NODE_NID = HandBytes.tcpNid(127, 0, 85, 1);

    private final ManualClock clock = new ManualClock();

    @Test
    void shouldSendOneKeepalivePerPeerPerIntervalWhateverItsAckConnections() throws Exception
    {
        final String rawIp = "127.0.85.2";
        final long rawNid = HandBytes.tcpNid(127, 0, 85, 2);
        final int[] types = {CONN_CONTROL, CONN_BULK_OUT, CONN_BULK_OUT, CONN_BULK_IN};
        try (Node node = Node.start(TestNodes.config(NODE_IP + "@tcp").keepalive(30, TimeUnit.SECONDS)
            .sockTimeout(600, TimeUnit.SECONDS), new TestNodes.RecordingHandler(), null, clock))
        {
            final RawPeer[] bundle = ReceiveRulesTest.openV3(NODE_IP, NODE_NID, rawIp, rawNid, 1000, types);
            try
            {
                assertTrue(Await.until(() -> HelloCloseTest.typesOf(node, rawNid).equals(
                    List.of("BULK_IN V3", "BULK_IN V3", "BULK_OUT V3", "CONTROL V3")), 5_000),
                    () -> node.connections().toString());

                clock.advance(29, TimeUnit.SECONDS);
                assertEquals(0, keepalives(bundle, 300), "nothing before the keepalive interval");

                clock.advance(1, TimeUnit.SECONDS);
                assertEquals(1, keepalives(bundle, 1_000), "one keepalive for the peer, not one per ACK connection");

                clock.advance(5, TimeUnit.SECONDS);
                assertEquals(0, keepalives(bundle, 300), "not retried within 10 s");

                // The peer's TCP acknowledged the keepalive: its socket queue shrank, so it is alive (§9), seen
                // by the timer at the 35 s mark; the next keepalive is due 30 s later.
                clock.advance(5, TimeUnit.SECONDS);
                assertEquals(0, keepalives(bundle, 300), "the keepalive was acknowledged: alive");
                clock.advance(25, TimeUnit.SECONDS);
                assertEquals(1, keepalives(bundle, 1_000), "30 s after the acknowledgement");

                // The peer speaks (its own keepalive): alive again, nothing for another interval.
                bundle[1].write(HandBytes.ksock(HandBytes.MSG_NOOP, 0, 0, 1));
                assertTrue(Await.until(() -> noopsIn(node, "127.0.85.2@tcp") == 1, 5_000), () -> node.counters().toString());
                clock.advance(29, TimeUnit.SECONDS);
                assertEquals(0, keepalives(bundle, 300), "the peer was heard from");
                clock.advance(30, TimeUnit.SECONDS);
                assertEquals(1, keepalives(bundle, 1_000));
            }
            finally
            {
                ReceiveRulesTest.closeAll(bundle);
            }
        }
    }

    private static int types(final int i)
    {
        return i == 1 || i == 2 ? CONN_BULK_OUT : i == 3 ? CONN_BULK_IN : CONN_CONTROL;
    }

    private static long noopsIn(final Node node, final String peerText)
    {
        long n = 0;
        for (final java.util.Map.Entry<String, Long> e : node.counters().entrySet())
        {
            if (e.getKey().startsWith("conn#") && e.getKey().contains(" " + peerText + " ") &&
                e.getKey().endsWith(" noops_in"))
            {
                n += e.getValue();
            }
        }
        return n;
    }

    /**
     * Read what the raw peer's connections get for a while: only keepalive NOOPs {0, 1}, on its BULK_OUT
     * connections (the node's ACK connections).
     *
     * @return how many arrived.
     */
    private static int keepalives(final RawPeer[] bundle, final int waitMs) throws Exception
    {
        int count = 0;
        for (int i = 0; i < bundle.length; i++)
        {
            final byte[] bytes = bundle[i].drain(i == 0 ? waitMs : 50).bytes();
            assertEquals(0, bytes.length % HandBytes.KSOCK_LENGTH, "whole ksock headers only");
            for (int at = 0; at < bytes.length; at += HandBytes.KSOCK_LENGTH)
            {
                assertTrue(types(i) == CONN_BULK_OUT, "a keepalive on an ACK connection of the node: " + i);
                assertEquals(HandBytes.MSG_NOOP, intAt(bytes, at));
                assertEquals(0L, longAt(bytes, at + 8));
                assertEquals(1L, longAt(bytes, at + 16));
                count++;
            }
        }
        return count;
    }
}
