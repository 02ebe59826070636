package io.jsocklnd.soak;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.FileLimit;
import io.jsocklnd.harness.flood.PeerFlood;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnd.NodeConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How far one node scales in peers ({@code make scale}): a node in this JVM, independent peers
 * ({@link PeerFlood}) in child JVMs so that each side has the whole open-file limit and the memory measured is
 * the node's alone.
 * <ol>
 *   <li>At once: N peers holding a CONTROL connection, then N peers holding CONTROL, BULK_IN and BULK_OUT; the
 *   node's heap and direct memory after a full collection while they are held give the memory of an idle peer and
 *   of an idle connection, and the flood's rate the set-up rate.</li>
 *   <li>Over a lifetime: LIFETIME distinct peers one after another (CONTROL, a ping, a close), in ten chunks; after
 *   each, the heap after a full collection and the peers the node still remembers.</li>
 * </ol>
 * Every peer must be answered and every one forgotten; prints {@code RESULT: scale passed} or the problems.
 * Arguments: {@code [AT_ONCE_PEERS [LIFETIME_PEERS]]}; AT_ONCE_PEERS is capped by the open-file limit (three
 * descriptors a peer on each side).
 */
public final class ScaleRun
{
    private static final String NODE_ADDRESS = "127.0.45.1";
    private static final long MIB = 1L << 20;

    private final List<String> problems = new ArrayList<>();
    private int nextAddress = 8_000_000;

    public static void main(final String[] args) throws Exception
    {
        final long limit = FileLimit.current();
        final int wanted = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        final int atOnce = (int)Math.min(wanted, (limit - 1_000) / 3);
        final int lifetime = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        if (atOnce < wanted)
        {
            System.out.println("scale: the open-file limit is " + limit + ": " + atOnce + " peers with three connections " +
                "each at once instead of " + wanted + " (raise it with ulimit -n to run more)");
        }
        final boolean ok = new ScaleRun().run(atOnce, lifetime);
        System.exit(ok ? 0 : 1);
    }

    private boolean run(final int atOnce, final int lifetime) throws Exception
    {
        final NodeConfig config = new NodeConfig().nid(NODE_ADDRESS + "@tcp").peerIdleTimeout(1, TimeUnit.SECONDS);
        try (Lnet node = Lnet.start(config))
        {
            final Memory idle = Memory.measure();
            final Memory control = held(node, atOnce, false);
            awaitForgotten(node);
            final Memory all = held(node, atOnce, true);
            awaitForgotten(node);
            final double perConnection = (all.heap - control.heap) / (2.0 * atOnce);
            final double perPeer = (control.heap - idle.heap) / (double)atOnce - perConnection;
            final double directPerConnection = (all.direct - control.direct) / (2.0 * atOnce);
            System.out.printf("scale: memory: idle node heap %d MiB direct %d MiB; %d peers with 1 connection: heap " +
                "%d MiB direct %d MiB; with 3 connections: heap %d MiB direct %d MiB%n", idle.heap / MIB, idle.direct / MIB,
                atOnce, control.heap / MIB, control.direct / MIB, all.heap / MIB, all.direct / MIB);
            System.out.printf("scale: an idle peer costs %.0f bytes of heap, an idle connection %.0f bytes of heap and " +
                "%.0f bytes of direct memory%n", perPeer, perConnection, directPerConnection);

            final int chunk = Math.max(1, lifetime / 10);
            long done = 0;
            long firstHeap = -1;
            long lastHeap = -1;
            while (done < lifetime)
            {
                final int n = (int)Math.min(chunk, lifetime - done);
                final String report = flood(node, n, true, false, null);
                done += n;
                awaitForgotten(node);
                final Memory m = Memory.measure();
                final Map<String, Long> c = node.node().counters();
                System.out.printf("scale: lifetime %d peers: heap %d MiB direct %d MiB, remembered %d, forgotten %d; %s%n",
                    done, m.heap / MIB, m.direct / MIB, c.get("io peers"), c.get("io peers_forgotten"), report);
                if (firstHeap < 0)
                {
                    firstHeap = m.heap;
                }
                lastHeap = m.heap;
            }
            if (lastHeap - firstHeap > 16 * MIB)
            {
                problems.add("heap after a full collection grew from " + firstHeap / MIB + " MiB to " + lastHeap / MIB + " MiB");
            }
            final Map<String, Long> c = node.node().counters();
            if (c.get("node agent_errors") != 0)
            {
                problems.add("agent errors: " + c.get("node agent_errors"));
            }
        }
        for (final String problem : problems)
        {
            System.out.println("  problem: " + problem);
        }
        System.out.println(problems.isEmpty() ? "RESULT: scale passed" : "RESULT: FAILED, " + problems.size() + " problems");
        return problems.isEmpty();
    }

    /** N peers connect at once and hold their connections while the node's memory is measured. */
    private Memory held(final Lnet node, final int peers, final boolean allTypes) throws Exception
    {
        final Memory[] measured = new Memory[1];
        final String report = flood(node, peers, false, allTypes, () ->
        {
            final long connections = (allTypes ? 3L : 1L) * peers;
            if (!Await.until(() -> node.node().counters().get("io connections") == connections, 60_000))
            {
                problems.add("the node holds " + node.node().counters().get("io connections") + " connections, not " + connections);
            }
            measured[0] = Memory.measure();
        });
        System.out.println("scale: at once " + (allTypes ? "CONTROL+BULK_IN+BULK_OUT" : "CONTROL") + ": " + report);
        if (null == measured[0])
        {
            problems.add("never held: " + report);
            return Memory.measure();
        }
        return measured[0];
    }

    /**
     * Run PeerFlood in a child JVM; {@code whileHeld} runs once it prints HELD (at once), the child then closes.
     */
    private String flood(final Lnet node, final int peers, final boolean serial, final boolean allTypes, final Runnable whileHeld)
        throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
            "-cp", System.getProperty("java.class.path"), PeerFlood.class.getName(),
            "--node-address", NODE_ADDRESS, "--node-nid", NODE_ADDRESS + "@tcp", "--peers", Integer.toString(peers),
            "--concurrency", "512", "--timeout-ms", "30000", "--overall-timeout-ms", "600000",
            "--first-address-index", Integer.toString(nextAddress), "--seed", Long.toString(System.nanoTime())));
        nextAddress += peers;
        if (serial)
        {
            command.add("--serial");
        }
        if (allTypes)
        {
            command.add("--all-types");
        }
        if (null != whileHeld)
        {
            command.addAll(List.of("--hold-ms", "600000"));
        }
        final Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String report = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = out.readLine()) != null)
            {
                if (line.equals("HELD") && null != whileHeld)
                {
                    whileHeld.run();
                    break;
                }
                else if (line.startsWith("flood "))
                {
                    report = line;
                }
            }
        }
        if (null != whileHeld)
        {
            child.destroy();
        }
        if (!child.waitFor(60, TimeUnit.SECONDS))
        {
            child.destroyForcibly();
        }
        if (null == whileHeld && (child.exitValue() != 0 || null == report || !report.contains(" failed=0 ")))
        {
            problems.add("flood of " + peers + (serial ? " serial" : " at once") + " peers: " + report);
        }
        return null == report ? "(held, then stopped)" : report;
    }

    private void awaitForgotten(final Lnet node)
    {
        if (!Await.until(() -> node.node().counters().get("io peers") == 0 &&
            node.node().counters().get("conductor peers") == 0 && node.node().counters().get("io connections") == 0, 60_000))
        {
            problems.add("peers not forgotten: " + node.node().counters().get("io peers"));
        }
    }

    /** Heap and direct memory in use after a full collection. */
    private static final class Memory
    {
        final long heap;
        final long direct;

        private Memory(final long heap, final long direct)
        {
            this.heap = heap;
            this.direct = direct;
        }

        static Memory measure()
        {
            for (int i = 0; i < 3; i++)
            {
                System.gc();
            }
            long direct = 0;
            for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
            {
                if (pool.getName().equals("direct"))
                {
                    direct = pool.getMemoryUsed();
                }
            }
            return new Memory(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), direct);
        }
    }
}
