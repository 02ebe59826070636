package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.CompletionRouter;
import io.jsocklnd.harness.LogCapture;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.harness.TrafficSender;
import io.jsocklnd.wire.Nid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A current node, a legacy V2 node and a legacy V1 node send PUTs to each other all at once: every pair
 * settles on the newest version both speak (V2 typed connections between current and V2, V1 typed connections
 * with the V1 node, as a kernel has with a V1 peer), every message arrives once and intact, and the connection list, counters
 * and log name each connection's protocol.
 */
@Timeout(90)
class MixedClusterTest
{
    private static final String[] NIDS = {"127.0.38.1@tcp", "127.0.38.2@tcp", "127.0.38.3@tcp"};
    private static final int[] LEGACY = {0, 2, 1};
    private static final int COUNT = 200;

    @Test
    void shouldExchangeIntactMessagesAllToAllBetweenCurrentV2AndV1Nodes() throws Exception
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        System.out.println("MixedClusterTest seed=" + seed);
        final int n = NIDS.length;
        final long[] nids = new long[n];
        final TrafficEndpoint[] nodes = new TrafficEndpoint[n];
        try (LogCapture logs = LogCapture.start())
        {
            try
            {
                for (int i = 0; i < n; i++)
                {
                    nids[i] = Nid.parse(NIDS[i]);
                    nodes[i] = TrafficEndpoint.start(TestNodes.config(NIDS[i]).legacyProtocol(LEGACY[i]), 4 * COUNT);
                }

                final CyclicBarrier gate = new CyclicBarrier(n * (n - 1));
                final CompletionRouter[] routers = new CompletionRouter[n];
                for (int i = 0; i < n; i++)
                {
                    routers[i] = new CompletionRouter(nodes[i].node());
                }
                final List<TrafficSender> senders = new ArrayList<>();
                final List<String> names = new ArrayList<>();
                final Traffic[][] plans = new Traffic[n][n];
                for (int from = 0; from < n; from++)
                {
                    for (int to = 0; to < n; to++)
                    {
                        if (from != to)
                        {
                            plans[from][to] = Traffic.plan(seed + 10L * from + to, COUNT, (long)COUNT * (n * from + to));
                            final TrafficSender sender = new TrafficSender(nodes[from].node(), nids[from], nids[to],
                                plans[from][to], 30_000, TimeUnit.MILLISECONDS, gate).routedBy(routers[from]);
                            sender.start("sender-" + NIDS[from] + "-" + NIDS[to]);
                            senders.add(sender);
                            names.add(NIDS[from] + " -> " + NIDS[to]);
                        }
                    }
                }
                assertTrue(Await.until(() ->
                {
                    for (final TrafficSender sender : senders)
                    {
                        if (!sender.finished())
                        {
                            return false;
                        }
                    }
                    for (int to = 0; to < n; to++)
                    {
                        if (nodes[to].receiver().count() < (n - 1) * COUNT)
                        {
                            return false;
                        }
                    }
                    return true;
                }, 40_000), () -> "senders: " + names + " " + senders.stream().map(TrafficSender::summary).toList());

                for (int i = 0; i < n; i++)
                {
                    assertEquals(0, routers[i].unrouted(), NIDS[i]);
                }
                for (int i = 0; i < senders.size(); i++)
                {
                    assertTrue(senders.get(i).perfect(), names.get(i) + ": " + senders.get(i).summary());
                }
                for (int from = 0; from < n; from++)
                {
                    for (int to = 0; to < n; to++)
                    {
                        if (from != to)
                        {
                            final CheckingReceiver.Report report =
                                nodes[to].receiver().report(plans[from][to].base(), COUNT, nids[from], 1024);
                            final String pair = NIDS[from] + " -> " + NIDS[to] + ": " + report;
                            assertEquals(COUNT, report.received, pair);
                            assertTrue(report.perfect(), pair);
                        }
                    }
                }

                final List<String> v2Bundle = List.of("BULK_IN V2", "BULK_OUT V2", "CONTROL V2");
                final List<String> v1 = List.of("BULK_IN V1", "BULK_OUT V1", "CONTROL V1");
                assertConnections(nodes, nids, 0, 1, v2Bundle);
                assertConnections(nodes, nids, 0, 2, v1);
                assertConnections(nodes, nids, 1, 2, v1);

                for (int i = 0; i < n; i++)
                {
                    System.out.println("MixedClusterTest " + NIDS[i] + " (legacy " + LEGACY[i] + "): " +
                        nodes[i].node().connections());
                    final Map<String, Long> counters = nodes[i].node().counters();
                    for (final Map.Entry<String, Long> e : counters.entrySet())
                    {
                        if (e.getKey().startsWith("conn#") && e.getKey().endsWith(" ksm_headers_in"))
                        {
                            final long messages = counters.get(e.getKey().replace(" ksm_headers_in", " msgs_in"));
                            if (e.getKey().contains(" V1 "))
                            {
                                assertEquals(0L, e.getValue(), e.getKey());
                            }
                            else if (messages > 0)
                            {
                                assertTrue(e.getValue() >= messages, e.getKey() + "=" + e.getValue() + " msgs_in=" + messages);
                            }
                        }
                    }
                }
                assertEstablishedLogged(logs, NIDS[0], NIDS[1], "V2");
                assertEstablishedLogged(logs, NIDS[0], NIDS[2], "V1");
                assertEstablishedLogged(logs, NIDS[1], NIDS[2], "V1");
            }
            finally
            {
                for (final TrafficEndpoint node : nodes)
                {
                    if (null != node)
                    {
                        node.close();
                    }
                }
            }
        }
    }

    private static void assertConnections(
        final TrafficEndpoint[] nodes, final long[] nids, final int a, final int b, final List<String> expected)
    {
        assertTrue(Await.until(() -> nodes[a].connectionTypes(nids[b]).equals(expected) &&
            nodes[b].connectionTypes(nids[a]).equals(expected), 5_000),
            () -> NIDS[a] + " " + nodes[a].node().connections() + " / " + NIDS[b] + " " + nodes[b].node().connections());
    }

    /**
     * Every established connection between two nodes was logged with the expected protocol, and none with
     * another.
     */
    private static void assertEstablishedLogged(final LogCapture logs, final String a, final String b, final String version)
    {
        final String ipA = a.substring(0, a.indexOf('@'));
        final String ipB = b.substring(0, b.indexOf('@'));
        final List<String> lines = new ArrayList<>(logs.linesWith(" " + b + " ", "established local=" + ipA + ":"));
        lines.addAll(logs.linesWith(" " + a + " ", "established local=" + ipB + ":"));
        assertTrue(!lines.isEmpty(), "no established line between " + a + " and " + b);
        for (final String line : lines)
        {
            assertTrue(line.contains(" " + version + " "), line);
        }
    }
}
