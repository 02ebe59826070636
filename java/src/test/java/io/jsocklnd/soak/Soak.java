package io.jsocklnd.soak;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.CompletionRouter;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.harness.TrafficSender;
import io.jsocklnd.harness.flood.PeerFlood;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * {@code make soak}: four nodes on 127.0.44.1-4 (current with AUTO zero copy, current with MSG_ZEROCOPY, a
 * legacy V2 node and a legacy V1 node) exchange seeded all-to-all traffic in rounds until the time is up,
 * while nodes are restarted (new incarnation) between rounds and killed in the middle of rounds.
 *
 * <p>Checked every round: each send completes exactly once; between nodes that stay up, every send succeeds
 * and arrives intact, once, in order per connection; sends to a node killed mid-round complete (with success
 * or an error) and never twice. At the end: no exception escaped an agent, no protocol error was counted, and
 * the heap after GC did not grow past a loose bound. Prints one line per round with a problem, a progress line
 * every 30 s and a summary; exit 0 if all held, 1 if not.
 *
 * <p>Arguments: seconds (default 600), seed (default the clock).
 */
public final class Soak
{
    private static final String[] NIDS = {"127.0.44.1@tcp", "127.0.44.2@tcp", "127.0.44.3@tcp", "127.0.44.4@tcp"};
    private static final int[] LEGACY = {0, 0, 2, 1};
    private static final NodeConfig.ZcMode[] ZC = {
        NodeConfig.ZcMode.AUTO, NodeConfig.ZcMode.MSG_ZEROCOPY, NodeConfig.ZcMode.AUTO, NodeConfig.ZcMode.AUTO};
    private static final int COUNT = 200;
    private static final int CAPACITY = 200_000;
    private static final long ROUND_TIMEOUT_MS = 90_000;
    private static final long HEAP_GROWTH_LIMIT = 256L << 20;

    private final int n = NIDS.length;
    private final long[] nids = new long[n];
    private final TrafficEndpoint[] nodes = new TrafficEndpoint[n];
    private final SplittableRandom random;
    private final long seed;
    private long sequenceBase;
    private long rounds;
    private long messages;
    private long bytes;
    private long restarts;
    private long kills;
    private long failedByKill;
    private long agentErrors;
    private long protocolErrors;
    private final List<String> problems = new ArrayList<>();
    private final Visitors visitors = new Visitors();

    private Soak(final long seed)
    {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    public static void main(final String[] args) throws Exception
    {
        final long seconds = args.length > 0 ? Long.parseLong(args[0]) : 600;
        final long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        System.out.println("soak: " + seconds + " s, seed " + seed + " (rerun: make soak SOAK_SECONDS=" + seconds +
            " SOAK_SEED=" + seed + ")");
        final Soak soak = new Soak(seed);
        final boolean ok = soak.run(TimeUnit.SECONDS.toNanos(seconds));
        System.exit(ok ? 0 : 1);
    }

    private boolean run(final long durationNs) throws Exception
    {
        final long startNs = System.nanoTime();
        for (int i = 0; i < n; i++)
        {
            nids[i] = Nid.parse(NIDS[i]);
            nodes[i] = start(i);
        }
        long heapBaseline = -1;
        long heapEnd = -1;
        long lastReportNs = startNs;
        final Lnet visited = Lnet.start(new NodeConfig().nid(Visitors.NID).peerIdleTimeout(200, TimeUnit.MILLISECONDS));
        final Thread visitorThread = new Thread(() -> visitors.run(visited, seed), "soak-visitors");
        visitorThread.start();
        try
        {
            while (System.nanoTime() - startNs < durationNs && problems.size() < 20)
            {
                final int action = random.nextInt(100);
                if (action < 10 || needsFreshReceiver())
                {
                    final int victim = needsFreshReceiver() ? fullest() : random.nextInt(n);
                    restart(victim);
                    restarts++;
                    round(-1);
                }
                else if (action < 25)
                {
                    kills++;
                    round(random.nextInt(n));
                }
                else
                {
                    round(-1);
                }
                rounds++;
                if (rounds == 5)
                {
                    heapBaseline = heapAfterGc();
                }
                if (System.nanoTime() - lastReportNs > TimeUnit.SECONDS.toNanos(30))
                {
                    lastReportNs = System.nanoTime();
                    System.out.printf("soak: %d s, %d rounds, %d messages, %.1f GiB, %d restarts, %d kills, %d problems%n",
                        TimeUnit.NANOSECONDS.toSeconds(lastReportNs - startNs), rounds, messages, bytes / (double)(1L << 30),
                        restarts, kills, problems.size());
                }
            }
            visitors.stop = true;
            visitorThread.join(120_000);
            visitors.checkForgotten(visited);
            heapEnd = heapAfterGc();
        }
        finally
        {
            visitors.stop = true;
            visited.close();
            for (int i = 0; i < n; i++)
            {
                retire(i);
            }
        }
        if (agentErrors != 0)
        {
            problems.add("agent errors: " + agentErrors);
        }
        if (protocolErrors != 0)
        {
            problems.add("protocol errors: " + protocolErrors);
        }
        if (heapBaseline > 0 && heapEnd - heapBaseline > HEAP_GROWTH_LIMIT)
        {
            problems.add("heap after GC grew from " + (heapBaseline >> 20) + " MiB to " + (heapEnd >> 20) + " MiB");
        }
        System.out.println("soak: " + visitors);
        problems.addAll(visitors.problems);
        System.out.printf("soak: %d rounds in %d s: %d messages (%.1f GiB) delivered and checked; %d restarts between " +
            "rounds, %d nodes killed mid-round (%d sends to them failed, each once); heap after GC %d MiB at round 5, " +
            "%d MiB after the last round; agent errors %d, protocol errors %d%n",
            rounds, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNs), messages, bytes / (double)(1L << 30),
            restarts, kills, failedByKill, heapBaseline >> 20, heapEnd >> 20, agentErrors, protocolErrors);
        for (final String problem : problems)
        {
            System.out.println("  problem: " + problem);
        }
        System.out.println(problems.isEmpty() ? "RESULT: soak passed" : "RESULT: FAILED, " + problems.size() + " problems");
        return problems.isEmpty();
    }

    /**
     * Peers that come and go beside the traffic: independent hand-written peers ({@link PeerFlood}), each from a
     * loopback address of its own never used again, visit a fifth node in batches, one after another (CONTROL
     * only) and all at once (every connection type); each pings and must be answered, and the node must forget
     * every one of them.
     */
    private static final class Visitors
    {
        static final String NID = "127.0.44.9@tcp";
        private static final int BATCH = 200;

        volatile boolean stop;
        final List<String> problems = new ArrayList<>();
        private long batches;
        private long peers;
        private long answered;

        void run(final Lnet node, final long seed)
        {
            int nextAddress = 5_000_000;
            try
            {
                while (!stop && problems.size() < 5)
                {
                    final PeerFlood.Options options = PeerFlood.Options.toward(NID, BATCH, nextAddress);
                    options.serial = batches % 2 == 0;
                    options.allTypes = !options.serial;
                    options.perPeerTimeoutMs = 20_000;
                    options.overallTimeoutMs = 120_000;
                    options.seed = seed + batches;
                    nextAddress += BATCH;
                    final PeerFlood.Report report = PeerFlood.run(options);
                    batches++;
                    peers += report.peers;
                    answered += report.peersAnswered;
                    if (report.peersAnswered != BATCH)
                    {
                        problems.add("visitors: " + report);
                    }
                }
            }
            catch (final Exception ex)
            {
                problems.add("visitors: " + ex);
            }
        }

        void checkForgotten(final Lnet node)
        {
            final boolean forgotten = Await.until(() ->
            {
                final Map<String, Long> c = node.node().counters();
                return c.get("io peers") == 0 && c.get("conductor peers") == 0;
            }, 30_000);
            final Map<String, Long> c = node.node().counters();
            if (!forgotten || c.get("io peers_forgotten") != peers || c.get("node agent_errors") != 0)
            {
                problems.add("visited node did not forget its " + peers + " visitors cleanly: " +
                    "io peers=" + c.get("io peers") + " conductor peers=" + c.get("conductor peers") +
                    " io peers_forgotten=" + c.get("io peers_forgotten") + " agent_errors=" + c.get("node agent_errors"));
            }
        }

        public String toString()
        {
            return "visitors: " + batches + " batches, " + peers + " distinct peers, " + answered + " answered";
        }
    }

    /**
     * One all-to-all round. With a victim, the victim sends nothing, is closed after 0-200 ms and started again
     * 300 ms later: sends to it must each complete once; every other pair must be perfect.
     */
    private void round(final int victim) throws Exception
    {
        final List<TrafficSender> senders = new ArrayList<>();
        final List<int[]> pairs = new ArrayList<>();
        final List<Traffic> plans = new ArrayList<>();
        final CompletionRouter[] routers = new CompletionRouter[n];
        for (int i = 0; i < n; i++)
        {
            routers[i] = new CompletionRouter(nodes[i].node());
        }
        final int senderCount = victim < 0 ? n * (n - 1) : (n - 1) * (n - 1);
        final CyclicBarrier gate = new CyclicBarrier(senderCount);
        for (int from = 0; from < n; from++)
        {
            for (int to = 0; to < n; to++)
            {
                if (from == to || from == victim)
                {
                    continue;
                }
                final Traffic plan = Traffic.plan(random.nextLong(), COUNT, sequenceBase);
                sequenceBase += COUNT;
                final TrafficSender sender = new TrafficSender(nodes[from].node(), nids[from], nids[to], plan,
                    ROUND_TIMEOUT_MS, TimeUnit.MILLISECONDS, gate).routedBy(routers[from]);
                sender.start("soak-" + from + "-" + to);
                senders.add(sender);
                pairs.add(new int[] {from, to});
                plans.add(plan);
            }
        }
        if (victim >= 0)
        {
            Thread.sleep(random.nextInt(200));
            retire(victim);
            Thread.sleep(300);
            nodes[victim] = start(victim);
        }
        final boolean done = Await.until(() -> senders.stream().allMatch(TrafficSender::finished), ROUND_TIMEOUT_MS + 5_000);
        if (!done)
        {
            problems.add("round " + rounds + ": senders not finished");
            return;
        }
        for (int i = 0; i < senders.size(); i++)
        {
            final TrafficSender sender = senders.get(i);
            final int from = pairs.get(i)[0];
            final int to = pairs.get(i)[1];
            final String pair = "round " + rounds + " " + NIDS[from] + " -> " + NIDS[to] + (to == victim ? " (killed)" : "");
            if (to == victim)
            {
                if (!sender.eachCompletedOnce())
                {
                    problems.add(pair + ": not every send completed exactly once: " + sender.summary());
                }
                failedByKill += sender.failed();
                continue;
            }
            if (!sender.perfect())
            {
                problems.add(pair + ": sends " + sender.summary());
                continue;
            }
            final Traffic plan = plans.get(i);
            final boolean arrived = Await.until(
                () -> nodes[to].receiver().report(plan.base(), COUNT, nids[from], 1024).received >= COUNT, 10_000);
            final CheckingReceiver.Report report = nodes[to].receiver().report(plan.base(), COUNT, nids[from], 1024);
            if (!arrived || !report.perfect() || report.received != COUNT)
            {
                problems.add(pair + ": arrivals " + report);
                continue;
            }
            messages += COUNT;
            for (int m = 0; m < COUNT; m++)
            {
                bytes += plan.size(m);
            }
        }
        for (int i = 0; i < n; i++)
        {
            if (routers[i].unrouted() != 0)
            {
                problems.add("round " + rounds + " " + NIDS[i] + ": completions of no sender: " + routers[i].unrouted());
            }
        }
        if (victim >= 0)
        {
            warmUpTowards(victim);
        }
    }

    private TrafficEndpoint start(final int i) throws Exception
    {
        final NodeConfig config = new NodeConfig().nid(NIDS[i]).port(WireConstants.LNET_ACCEPT_PORT)
            .reconnect(200, 2000, TimeUnit.MILLISECONDS).legacyProtocol(LEGACY[i]).zcMode(ZC[i]);
        return TrafficEndpoint.start(config, CAPACITY);
    }

    /** Close a node after adding up its error counters. */
    private void retire(final int i)
    {
        final TrafficEndpoint node = nodes[i];
        if (null == node)
        {
            return;
        }
        final Map<String, Long> counters = node.node().counters();
        agentErrors += counters.getOrDefault("node agent_errors", 0L);
        protocolErrors += counters.getOrDefault("io protocol_errors", 0L);
        node.close();
        nodes[i] = null;
    }

    private void restart(final int i) throws Exception
    {
        retire(i);
        nodes[i] = start(i);
        warmUpTowards(i);
    }

    /**
     * Every other node sends warm-ups to a restarted node until two succeed in a row: its old connections are
     * gone and new ones carry traffic (a warm-up may fail on a connection that died with the old incarnation).
     */
    private void warmUpTowards(final int target) throws Exception
    {
        for (int i = 0; i < n; i++)
        {
            if (i == target)
            {
                continue;
            }
            String result = "not tried";
            int good = 0;
            for (int attempt = 0; attempt < 10 && good < 2; attempt++)
            {
                result = nodes[i].warmUp(nids[target], 10_000);
                good = null == result ? good + 1 : 0;
                if (null != result)
                {
                    Thread.sleep(200);
                }
            }
            if (good < 2)
            {
                problems.add("round " + rounds + ": " + NIDS[i] + " cannot reach restarted " + NIDS[target] + ": " + result);
            }
        }
    }

    private boolean needsFreshReceiver()
    {
        return nodes[fullest()].receiver().count() > CAPACITY - 2 * n * COUNT;
    }

    private int fullest()
    {
        int fullest = 0;
        for (int i = 1; i < n; i++)
        {
            if (nodes[i].receiver().count() > nodes[fullest].receiver().count())
            {
                fullest = i;
            }
        }
        return fullest;
    }

    private static long heapAfterGc()
    {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
