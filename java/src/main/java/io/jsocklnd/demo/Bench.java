package io.jsocklnd.demo;

import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.lnd.ZcProbe;
import io.jsocklnd.lnet.EventHandler;
import io.jsocklnd.lnet.EventQueue;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.LnetEventType;
import io.jsocklnd.lnet.MemoryDescriptor;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIo;
import io.jsocklnd.wire.WireConstants;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;

/**
 * {@code make bench}: each case measured in the same run by jsocklnd and by a raw baseline, a small C program
 * ({@code native/build/jsl_rawbench}) that uses the same system calls as the path compared, over loopback. One
 * line per case, {@code case=NAME jsocklnd=X baseline=Y unit=U ratio=R}, where the ratio is the median over the
 * rounds of jsocklnd/baseline (for latency lower is better, for rates higher), plus {@code bench.csv} (every
 * round) and {@code bench.png} (the ratios) in the output directory. Machines are noisy: compare ratios of one
 * run, never absolute figures across runs.
 *
 * <p>Arguments: {@code --raw PATH} (the C baseline), {@code --out DIR}, {@code --rounds N} (default 5),
 * {@code --scale tiny|full} (tiny: a few messages per case, to check that the rig works), {@code --case NAME[,NAME]}
 * (only those cases, e.g. {@code rate_64B}, and no idle measurement: for {@code make profile}).
 */
public final class Bench
{
    /** Wire bytes of a 0-byte LNet PUT, and of its ACK, on a V3 connection: ksock header + LNet header. */
    private static final int PUT0_WIRE = 24 + 72;
    /** Wire bytes of a 64-byte LNet PUT on a V3 connection. */
    private static final int PUT64_WIRE = PUT0_WIRE + 64;
    private static final int PORTAL = 7;
    private static final String SERVER_IP = "127.0.91.1";
    private static final String CLIENT_IP = "127.0.91.2";
    private static final String RAW_SERVER_IP = "127.0.92.1";
    private static final String RAW_CLIENT_IP = "127.0.92.2";
    /** Sender nodes of {@code bulk_1MiB_copy_256peers}. */
    private static final int MANY_PEERS = 256;
    private static final long CASE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);
    private static final long RTT_BUDGET_NS = TimeUnit.SECONDS.toNanos(10);

    private final Path raw;
    private final int rounds;
    private final boolean tiny;
    /** The cases to run, or null for all. */
    private final List<String> only;
    private final Map<String, List<double[]>> results = new LinkedHashMap<>();
    private final Map<String, String> units = new LinkedHashMap<>();
    private int rawPort = 9300;

    private Bench(final Path raw, final int rounds, final boolean tiny, final List<String> only)
    {
        this.raw = raw;
        this.rounds = rounds;
        this.tiny = tiny;
        this.only = only;
    }

    /**
     * Run the bench.
     *
     * @param args see the class description.
     * @throws Exception on a failure of either side.
     */
    public static void main(final String[] args) throws Exception
    {
        Path raw = Path.of("native/build/jsl_rawbench");
        Path out = Path.of("java/target/bench");
        int rounds = 5;
        boolean tiny = false;
        List<String> only = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--raw":
                    raw = Path.of(args[++i]);
                    break;
                case "--out":
                    out = Path.of(args[++i]);
                    break;
                case "--rounds":
                    rounds = Integer.parseInt(args[++i]);
                    break;
                case "--scale":
                    tiny = "tiny".equals(args[++i]);
                    break;
                case "--case":
                    only = List.of(args[++i].split(","));
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (!Files.isExecutable(raw))
        {
            throw new IllegalStateException("raw baseline not built: " + raw + " (make native)");
        }
        final Bench bench = new Bench(raw, rounds, tiny, only);
        bench.run();
        if (bench.results.isEmpty())
        {
            throw new IllegalArgumentException("no such case: case=" + String.join(",", only));
        }
        Files.createDirectories(out);
        bench.writeCsv(out.resolve("bench.csv"));
        BenchPlot.write(out.resolve("bench.png"), bench.medians());
        bench.print(System.out);
        if (null == only)
        {
            System.out.printf("bench: an idle node (connected, no traffic, no busy-spin) uses %.1f%% of a core%n",
                bench.idleCpuPercent());
        }
        printZcProbe(System.out);
        System.out.println("bench: every round in " + out.resolve("bench.csv") + ", ratios plotted in " +
            out.resolve("bench.png"));
    }

    private void run() throws Exception
    {
        final int rttCount = tiny ? 200 : 20_000;
        final int rateCount = tiny ? 2_000 : 500_000;
        final int bulkCount = tiny ? 16 : 1024;
        for (int round = 1; round <= rounds; round++)
        {
            System.out.println("bench: round " + round + " of " + rounds);
            for (final boolean spin : new boolean[]{false, true})
            {
                final String mode = spin ? "busyspin" : "blocking";
                if (!wants("rtt_p50_0B_" + mode, "rtt_p99_0B_" + mode))
                {
                    continue;
                }
                final Map<String, String> rawRtt = rawBench("rtt", "--mode", spin ? "busypoll" : "blocking",
                    "--size", Integer.toString(PUT0_WIRE), "--count", Integer.toString(rttCount),
                    "--warmup", Integer.toString(rttCount / 10));
                final Histogram lnd = lnetRtt(spin, rttCount);
                record("rtt_p50_0B_" + mode, lnd.getValueAtPercentile(50) / 1000.0,
                    Double.parseDouble(rawRtt.get("p50_ns")) / 1000.0, "us");
                record("rtt_p99_0B_" + mode, lnd.getValueAtPercentile(99) / 1000.0,
                    Double.parseDouble(rawRtt.get("p99_ns")) / 1000.0, "us");
            }
            final double lndRate = wants("rate_64B", "rate_64B_batched") ? lnetRate(rateCount) : 0;
            for (final int batch : new int[]{1, 16})
            {
                if (!wants(batch == 1 ? "rate_64B" : "rate_64B_batched"))
                {
                    continue;
                }
                final Map<String, String> rawRate = rawBench("rate", "--size", Integer.toString(PUT64_WIRE),
                    "--count", Integer.toString(rateCount), "--batch", Integer.toString(batch));
                record(batch == 1 ? "rate_64B" : "rate_64B_batched", lndRate / 1e6,
                    Double.parseDouble(rawRate.get("msgs_per_s")) / 1e6, "Mmsgs/s");
            }
            final NodeConfig.ZcMode[] modes = {NodeConfig.ZcMode.COPY, NodeConfig.ZcMode.SPLICE,
                NodeConfig.ZcMode.MSG_ZEROCOPY};
            final String[] rawModes = {"send", "splice", "msg_zerocopy"};
            final String size = Integer.toString(WireConstants.LNET_MAX_PAYLOAD);
            for (int i = 0; i < modes.length; i++)
            {
                if (!wants("bulk_1MiB_" + modes[i].name().toLowerCase()))
                {
                    continue;
                }
                final Map<String, String> rawBulk = rawBench("bulk", "--mode", rawModes[i],
                    "--size", size, "--count", Integer.toString(bulkCount));
                recordBulk("bulk_1MiB_" + modes[i].name().toLowerCase(),
                    ThroughputBench.measure(bulkCount, WireConstants.LNET_MAX_PAYLOAD, modes[i], -1), rawBulk);
            }
            if (wants("bulk_1MiB_sendfile"))
            {
                sendfile(round, bulkCount, size);
            }
            if (wants("bulk_1MiB_copy_256peers"))
            {
                manyPeers(tiny ? 8 : MANY_PEERS, tiny ? 2 : 8, size);
            }
        }
    }

    /**
     * {@code bulk_1MiB_sendfile}: 1 MiB messages from a file, the raw program's {@code sendfile} of the same file.
     */
    private void sendfile(final int round, final int bulkCount, final String size) throws Exception
    {
        final Path file = Files.createTempFile("jsocklnd-bench", ".bin");
        try
        {
            final byte[] bytes = new byte[WireConstants.LNET_MAX_PAYLOAD];
            new SplittableRandom(round).nextBytes(bytes);
            Files.write(file, bytes);
            final Map<String, String> rawFile = rawBench("bulk", "--mode", "sendfile", "--size", size,
                "--count", Integer.toString(bulkCount), "--file", file.toString());
            final int fd = NativeIo.open(file, NativeConstants.O_RDONLY | NativeConstants.O_CLOEXEC, 0);
            try
            {
                recordBulk("bulk_1MiB_sendfile", ThroughputBench.measure(bulkCount, WireConstants.LNET_MAX_PAYLOAD,
                    NodeConfig.ZcMode.SPLICE, fd), rawFile);
            }
            finally
            {
                NativeIo.close(fd);
            }
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    /**
     * @return whether one of these cases runs ({@code --case} names it, or runs all).
     */
    private boolean wants(final String... names)
    {
        if (null == only)
        {
            return true;
        }
        for (final String name : names)
        {
            if (only.contains(name))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Record a bulk case: its throughput, and the CPU its sender spent per GiB as case {@code NAME_cpu} (the sender
     * node's threads for jsocklnd, the sending thread's {@code getrusage(RUSAGE_THREAD)} for the raw program).
     */
    private void recordBulk(final String name, final ThroughputBench.Run lnd, final Map<String, String> rawBulk)
    {
        record(name, lnd.gbitPerSecond(), Double.parseDouble(rawBulk.get("gbit_per_s")), "Gbit/s");
        final double rawGiB = Double.parseDouble(rawBulk.get("size")) * Double.parseDouble(rawBulk.get("count")) /
            (1L << 30);
        record(name + "_cpu", lnd.senderCpuSPerGiB(), Double.parseDouble(rawBulk.get("sender_cpu_s")) / rawGiB,
            "cpu_s_per_GiB");
    }

    /**
     * {@code bulk_1MiB_copy_256peers}: one node receiving copied 1 MiB PUTs from {@code peers} sender nodes at once
     * ({@link ManyPeersBench}), aggregate against one raw {@code send} connection measured just before carrying as
     * many bytes. Each peer sends 4 MiB first, untimed: a connection that has carried only a few MiB is still in
     * slow start and small buffers, where the one raw connection is not. Fewer
     * peers when the open-file limit cannot hold them all (about 12 descriptors per peer in one process).
     */
    private void manyPeers(final int peers, final int messagesPerPeer, final String size) throws Exception
    {
        final long maxFds = ((com.sun.management.UnixOperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        final int fitting = (int)Math.max(1, Math.min(peers, (maxFds - 256) / 12));
        if (fitting < peers)
        {
            System.out.println("bench: open-file limit " + maxFds + " holds " + fitting + " of " + peers +
                " peers (raise ulimit -n)");
        }
        final Map<String, String> rawBulk = rawBench("bulk", "--mode", "send", "--size", size,
            "--count", Integer.toString(fitting * messagesPerPeer));
        final ManyPeersBench.Result lnd =
            ManyPeersBench.run(fitting, 4, messagesPerPeer, WireConstants.LNET_MAX_PAYLOAD);
        System.out.printf("bench: %d peers x %d MiB: %.3f s, CPU of the thread driving every sender %.0f%%, " +
            "of the receiving node's thread %.0f%%%n", fitting, messagesPerPeer, lnd.seconds(),
            100 * lnd.senderCpuS() / lnd.seconds(), 100 * lnd.receiverCpuS() / lnd.seconds());
        record("bulk_1MiB_copy_256peers", lnd.gbitPerSecond(), Double.parseDouble(rawBulk.get("gbit_per_s")), "Gbit/s");
    }

    /**
     * Round trips of a 0-byte PUT with its LNet ACK between two nodes, the client waiting for each ACK event:
     * parked until its IO agent writes it, or spinning on them with busy-spinning agents.
     */
    private Histogram lnetRtt(final boolean spin, final int count) throws Exception
    {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final EventQueue clientEvents = new EventQueue(1 << 16);
        // Busy-spin: the client's application thread drives its node (INVOKER) and the server's one thread spins
        // (SHARED), two spinning threads as in the raw busy-poll ping-pong.
        try (Lnet server = Lnet.start(spin ? config(SERVER_IP, true).threadingMode(NodeConfig.ThreadingMode.SHARED) :
                config(SERVER_IP, false));
            Lnet client = Lnet.start(spin ? config(CLIENT_IP, false).threadingMode(NodeConfig.ThreadingMode.INVOKER) :
                config(CLIENT_IP, false)))
        {
            final ByteBuffer empty = ByteBuffer.allocateDirect(64);
            server.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0, 0, new MemoryDescriptor().memory(empty)
                .options(MemoryDescriptor.OP_PUT | MemoryDescriptor.MANAGE_REMOTE).persistent().eventQueue(null));
            final long md = client.bind(new MemoryDescriptor().memory(empty.duplicate().limit(0).slice())
                .persistent().eventQueue(clientEvents));
            final long[] acks = {0};
            final EventHandler onEvent = event ->
            {
                if (event.type() == LnetEventType.ACK)
                {
                    acks[0]++;
                }
            };
            final int warmup = count / 10;
            final long deadlineNs = System.nanoTime() + CASE_TIMEOUT_NS;
            // A slow case (busy-spin on two CPUs takes milliseconds a round trip) stops at its time budget.
            final long budgetEndNs = System.nanoTime() + RTT_BUDGET_NS;
            for (int i = 0; i < warmup + count && (histogram.getTotalCount() < 100 || System.nanoTime() < budgetEndNs);
                i++)
            {
                final long startNs = System.nanoTime();
                final long want = acks[0] + 1;
                while (client.put(md, true, server.nid(), server.pid(), PORTAL, 0, 0, 0) != 0)
                {
                    idle(client, deadlineNs);
                }
                while (acks[0] < want)
                {
                    final int delivered = spin ? clientEvents.poll(onEvent, 16) :
                        clientEvents.poll(onEvent, 16, deadlineNs - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (0 == delivered)
                    {
                        idle(client, deadlineNs);
                    }
                }
                if (i >= warmup)
                {
                    histogram.recordValue(System.nanoTime() - startNs);
                }
            }
        }
        return histogram;
    }

    /**
     * Pipelined 64-byte PUTs without ACK from one node to another: messages per second from the first PUT
     * to the last PUT event at the receiver.
     */
    private double lnetRate(final int count) throws Exception
    {
        final EventQueue serverEvents = new EventQueue(1 << 22);
        try (Lnet server = Lnet.start(config(SERVER_IP, false));
            Lnet client = Lnet.start(config(CLIENT_IP, false)))
        {
            server.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0, 0, new MemoryDescriptor()
                .memory(ByteBuffer.allocateDirect(64))
                .options(MemoryDescriptor.OP_PUT | MemoryDescriptor.MANAGE_REMOTE).persistent().eventQueue(serverEvents));
            final long md = client.bind(new MemoryDescriptor().memory(ByteBuffer.allocateDirect(64))
                .persistent().eventQueue(null));
            final AtomicLong received = new AtomicLong();
            final AtomicLong lastNs = new AtomicLong();
            final long deadlineNs = System.nanoTime() + CASE_TIMEOUT_NS;
            // An unmeasured warm-up on the same nodes, all of it received before the clock starts, keeps the
            // compiler's first work out of the measurement.
            final int warmup = count / 5;
            final Thread receiver = new Thread(() ->
            {
                final EventHandler onPut = event ->
                {
                    if (event.type() == LnetEventType.PUT)
                    {
                        lastNs.set(System.nanoTime());
                        received.incrementAndGet();
                    }
                };
                long remainingNs;
                while (received.get() < warmup + count && (remainingNs = deadlineNs - System.nanoTime()) > 0)
                {
                    serverEvents.poll(onPut, 256, remainingNs, TimeUnit.NANOSECONDS);
                }
            }, "bench-receiver");
            receiver.start();
            long startNs = 0;
            for (int i = 0; i < warmup + count; i++)
            {
                if (i == warmup)
                {
                    while (received.get() < warmup)
                    {
                        if (System.nanoTime() - deadlineNs > 0)
                        {
                            throw new IllegalStateException("rate: the warm-up PUTs did not arrive");
                        }
                        LockSupport.parkNanos(10_000);
                    }
                    startNs = System.nanoTime();
                }
                while (client.put(md, false, server.nid(), server.pid(), PORTAL, 0, 0, i) != 0)
                {
                    idle(client, deadlineNs);
                }
            }
            receiver.join(TimeUnit.NANOSECONDS.toMillis(CASE_TIMEOUT_NS));
            if (received.get() < warmup + count)
            {
                throw new IllegalStateException(
                    "rate: " + received.get() + " of " + (warmup + count) + " PUTs arrived");
            }
            return count / ((lastNs.get() - startNs) / 1e9);
        }
    }

    /**
     * CPU of this process while two connected nodes carry nothing, per node, as a share of one core.
     */
    private double idleCpuPercent() throws Exception
    {
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (Lnet server = Lnet.start(config(SERVER_IP, false));
            Lnet client = Lnet.start(config(CLIENT_IP, false)))
        {
            client.ping(server.nid(), server.pid(), 10, TimeUnit.SECONDS);
            // Let the compiler threads finish what the cases before gave them: they are not the nodes' idling.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(tiny ? 200 : 3_000));
            final long windowNs = TimeUnit.MILLISECONDS.toNanos(tiny ? 500 : 5_000);
            final long cpuBefore = os.getProcessCpuTime();
            final long startNs = System.nanoTime();
            LockSupport.parkNanos(windowNs);
            final long cpuNs = os.getProcessCpuTime() - cpuBefore;
            return 100.0 * cpuNs / (System.nanoTime() - startNs) / 2;
        }
    }

    /**
     * Nothing came: drive the node (the busy-spin client is an INVOKER node), or wait for room in its command ring
     * after a refused PUT; past the case's deadline, give up.
     */
    private static void idle(final Lnet client, final long deadlineNs)
    {
        final long remainingNs = deadlineNs - System.nanoTime();
        if (remainingNs < 0)
        {
            throw new IllegalStateException("bench case took longer than " +
                TimeUnit.NANOSECONDS.toSeconds(CASE_TIMEOUT_NS) + " s");
        }
        client.awaitCommandRoom(remainingNs, TimeUnit.NANOSECONDS);
    }

    private static NodeConfig config(final String ip, final boolean spin)
    {
        return new NodeConfig().nid(ip + "@tcp").busySpin(spin);
    }

    /**
     * Run the C baseline for one measurement and read its result line.
     */
    private Map<String, String> rawBench(final String kind, final String... options) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(raw.toString());
        command.add(kind);
        command.addAll(Arrays.asList(options));
        command.addAll(List.of("--server", RAW_SERVER_IP, "--client", RAW_CLIENT_IP, "--port",
            Integer.toString(rawPort++)));
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (!process.waitFor(CASE_TIMEOUT_NS, TimeUnit.NANOSECONDS) || process.exitValue() != 0)
        {
            process.destroyForcibly();
            throw new IllegalStateException("raw baseline failed: " + String.join(" ", command) + " -> " + output);
        }
        final Map<String, String> values = new LinkedHashMap<>();
        for (final String pair : output.split("\\s+"))
        {
            final int eq = pair.indexOf('=');
            if (eq > 0)
            {
                values.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return values;
    }

    /**
     * What {@code ZcMode.AUTO} measured and chose in this process ({@link ZcProbe}).
     */
    private static void printZcProbe(final PrintStream out)
    {
        final List<ZcProbe.Measurement> figures = ZcProbe.measured();
        final StringBuilder line = new StringBuilder("bench: zero copy AUTO probe over loopback:");
        for (final ZcProbe.Measurement m : figures)
        {
            line.append(String.format(" %s %.1f Gbit/s %.3f cpu_s_per_GiB;", m.mode().name().toLowerCase(),
                m.gbitPerSecond(), m.senderCpuSPerGiB()));
        }
        out.println(line + " loopback NIDs use " + ZcProbe.decide(true, figures) + ", other NIDs " +
            ZcProbe.decide(false, figures));
    }

    private void record(final String name, final double jsocklnd, final double baseline, final String unit)
    {
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[]{jsocklnd, baseline});
        units.put(name, unit);
    }

    /**
     * @return per case: median jsocklnd, median baseline, median ratio.
     */
    private Map<String, double[]> medians()
    {
        final Map<String, double[]> medians = new LinkedHashMap<>();
        results.forEach((name, runs) ->
        {
            final double[] lnd = runs.stream().mapToDouble(r -> r[0]).sorted().toArray();
            final double[] base = runs.stream().mapToDouble(r -> r[1]).sorted().toArray();
            final double[] ratio = runs.stream().mapToDouble(r -> r[0] / r[1]).sorted().toArray();
            medians.put(name, new double[]{median(lnd), median(base), median(ratio)});
        });
        return medians;
    }

    private static double median(final double[] sorted)
    {
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private void print(final PrintStream out)
    {
        medians().forEach((name, m) -> out.printf("case=%s jsocklnd=%.3f baseline=%.3f unit=%s ratio=%.2f%n",
            name, m[0], m[1], units.get(name), m[2]));
    }

    private void writeCsv(final Path file) throws IOException
    {
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8)))
        {
            csv.println("case,round,jsocklnd,baseline,unit,ratio");
            results.forEach((name, runs) ->
            {
                for (int i = 0; i < runs.size(); i++)
                {
                    final double[] r = runs.get(i);
                    csv.printf("%s,%d,%.4f,%.4f,%s,%.4f%n", name, i + 1, r[0], r[1], units.get(name), r[0] / r[1]);
                }
            });
        }
    }
}
