package io.jsocklnd.demo;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.lnd.CompletionHandler;
import io.jsocklnd.lnd.MessageHandler;
import io.jsocklnd.lnd.Node;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.lnd.RxDecision;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.WireConstants;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.ref.Reference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end throughput of jsocklnd beside a raw-TCP baseline measured in the same run: the same number
 * of bytes in the same message size, one stream, loopback. Prints both rates and their ratio; machines
 * are noisy, so only the ratio within one run means anything. jsocklnd runs once per send mode: copied
 * ({@code writev}), and zero copy by splice and by MSG_ZEROCOPY, each completing on the receiver's ZC-ACK.
 * <p>
 * Arguments: {@code [MiB per run, default 2048] [message bytes, default 1 MiB] [rounds, default 3]}.
 * System properties: {@code jsocklnd.bench.threading}, INVOKER (default: the sending thread drives the sender
 * node itself and the receiver node runs one thread, so each side has one thread, as raw TCP has), SHARED (one
 * thread per node besides the sending thread) or DEDICATED;
 * {@code jsocklnd.bench.busySpin}, true to busy-spin the agents instead of backing off (an INVOKER sender has
 * no agent thread: its sending thread spins anyway).
 */
public final class ThroughputBench
{
    private static final NodeConfig.ThreadingMode THREADING =
        NodeConfig.ThreadingMode.valueOf(System.getProperty("jsocklnd.bench.threading", "INVOKER"));
    private static final boolean BUSY_SPIN = Boolean.getBoolean("jsocklnd.bench.busySpin");

    private static final NodeConfig.ZcMode[] MODES =
        {NodeConfig.ZcMode.COPY, NodeConfig.ZcMode.SPLICE, NodeConfig.ZcMode.MSG_ZEROCOPY};

    private ThroughputBench()
    {
    }

    /**
     * Run the bench.
     *
     * @param args MiB per run, message size, rounds.
     * @throws Exception on a socket error.
     */
    public static void main(final String[] args) throws Exception
    {
        final long mib = args.length > 0 ? Long.parseLong(args[0]) : 2048;
        final int message = args.length > 1 ? Integer.parseInt(args[1]) : WireConstants.LNET_MAX_PAYLOAD;
        final int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        final long messages = mib * (1 << 20) / message;
        System.out.printf("throughput: %d messages of %d bytes per run, %d rounds, threading %s%s%n",
            messages, message, rounds, THREADING, BUSY_SPIN ? ", busy spin" : "");

        // One unreported run of each kind first, so that no measured run pays for JIT compilation.
        final long warmup = Math.min(messages, Math.max(1, (256L << 20) / message));
        rawTcp(warmup, message);
        for (final NodeConfig.ZcMode mode : MODES)
        {
            jsocklnd(warmup, message, mode);
        }
        for (int round = 1; round <= rounds; round++)
        {
            final double raw = rawTcp(messages, message);
            final StringBuilder line = new StringBuilder(String.format("round %d: raw TCP %.2f Gbit/s", round, raw));
            for (final NodeConfig.ZcMode mode : MODES)
            {
                final double lnd = jsocklnd(messages, message, mode);
                line.append(String.format("; jsocklnd %s %.2f Gbit/s, ratio %.2f",
                    mode.name().toLowerCase(), lnd, lnd / raw));
            }
            System.out.println(line);
        }
    }

    private static double rawTcp(final long messages, final int message) throws Exception
    {
        try (NativeSocket listener = NativeSocket.openTcp(NativeConstants.AF_INET))
        {
            listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.13"), 0));
            listener.listen(1);
            final NativeSocket client = NativeSocket.openTcp(NativeConstants.AF_INET);
            client.connect(listener.localAddress());
            NativeSocket server = null;
            for (int i = 0; i < 5000 && null == server; i++)
            {
                server = listener.accept();
                if (null == server)
                {
                    Thread.sleep(1);
                }
            }
            client.poll(NativeConstants.POLLOUT, 5000);
            client.finishConnect();
            final NativeSocket receiver = server;
            final long total = messages * message;
            final AtomicLong received = new AtomicLong();
            final Thread reader = new Thread(() ->
            {
                final UnsafeBuffer buffer = DirectMemory.allocatePageAligned(message);
                long got = 0;
                try
                {
                    while (got < total)
                    {
                        final int n = receiver.read(buffer, 0, message);
                        if (n < 0)
                        {
                            break;
                        }
                        if (n == 0)
                        {
                            Thread.onSpinWait();
                        }
                        got += n;
                    }
                }
                catch (final Exception ex)
                {
                    ex.printStackTrace();
                }
                received.set(got);
            });
            final UnsafeBuffer payload = DirectMemory.allocatePageAligned(message);
            final long start = System.nanoTime();
            reader.start();
            long sent = 0;
            while (sent < total)
            {
                final int n = client.write(payload, (int)(sent % message), (int)Math.min(message - sent % message, total - sent));
                if (n == 0)
                {
                    Thread.onSpinWait();
                }
                sent += n;
            }
            reader.join(TimeUnit.MINUTES.toMillis(2));
            final double seconds = (System.nanoTime() - start) / 1e9;
            client.close();
            receiver.close();
            return received.get() * 8 / seconds / 1e9;
        }
    }

    static double jsocklnd(final long messages, final int message, final NodeConfig.ZcMode mode)
        throws Exception
    {
        return measure(messages, message, mode, -1).gbitPerSecond();
    }

    /**
     * One run's figures.
     *
     * @param gbitPerSecond payload received per second, Gbit/s.
     * @param bytes         payload bytes timed.
     * @param senderCpuS    CPU time of the sender node's threads (the calling thread for an INVOKER sender) from
     *                      the first timed send to the last completion.
     */
    record Run(double gbitPerSecond, long bytes, double senderCpuS)
    {
        /**
         * @return sender CPU seconds per GiB of payload.
         */
        double senderCpuSPerGiB()
        {
            return senderCpuS / (bytes / (double)(1L << 30));
        }
    }

    /**
     * @param fileFd an open file of at least {@code message} bytes to send the payloads from by sendfile, or -1
     *               to send them from memory in {@code mode}.
     * @return the run's throughput and sender CPU.
     */
    static Run measure(final long messages, final int message, final NodeConfig.ZcMode mode, final int fileFd)
        throws Exception
    {
        final Sink sink = new Sink(message);
        final NodeConfig senderConfig = new NodeConfig().nid("127.0.0.14@tcp").threadingMode(THREADING)
            .busySpin(BUSY_SPIN && THREADING != NodeConfig.ThreadingMode.INVOKER).zcMode(mode);
        final NodeConfig receiverConfig = new NodeConfig().nid("127.0.0.15@tcp")
            .threadingMode(THREADING == NodeConfig.ThreadingMode.INVOKER ? NodeConfig.ThreadingMode.SHARED : THREADING)
            .busySpin(BUSY_SPIN);
        try (Node rx = Node.start(receiverConfig, sink))
        {
            final Set<Long> beforeSender = ThreadCpu.snapshot();
            try (Node tx = Node.start(senderConfig, new Sink(message)))
            {
                return measure(rx, tx, ThreadCpu.startedSince(beforeSender), sink, messages, message, mode, fileFd);
            }
        }
    }

    private static Run measure(
        final Node rx,
        final Node tx,
        final Set<Long> senderThreads,
        final Sink sink,
        final long messages,
        final int message,
        final NodeConfig.ZcMode mode,
        final int fileFd)
    {
        final boolean invoker = tx.config().threadingMode() == NodeConfig.ThreadingMode.INVOKER;
        final long dst = rx.config().nid();
        final UnsafeBuffer header = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH]);
        new LnetHeaderFlyweight().wrapForEncode(header, 0, LnetHeaderFlyweight.LENGTH, WireConstants.LNET_MSG_PUT)
            .destNid(dst).srcNid(tx.config().nid())
            .destPid(WireConstants.LNET_PID_LUSTRE).srcPid(WireConstants.LNET_PID_LUSTRE)
            .payloadLength(message).wmdInterfaceCookie(-1L).wmdObjectCookie(-1L).putPtlIndex(4);
        final UnsafeBuffer payload = DirectMemory.allocatePageAligned(message);
        final long address = DirectMemory.address(payload, 0);
        final long[] completed = new long[2];
        final CompletionHandler onCompletion = (id, status) ->
        {
            completed[0]++;
            if (status != 0 && completed[1]++ == 0)
            {
                System.out.printf("%s: send %d failed: status %d%n", mode, id, status);
            }
        };
        final int window = 32;

        // Warm the connections up before timing.
        send(tx, dst, header, address, message, fileFd, -1);
        final long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (completed[0] < 1 && System.nanoTime() - warmDeadline < 0)
        {
            if (invoker)
            {
                tx.doWork();
            }
            tx.pollCompletions(onCompletion, 16);
        }
        completed[0] = 0;
        completed[1] = 0;
        final long base = sink.messages.get();

        final long cpuStartNs = senderCpuNs(invoker, senderThreads);
        final long start = System.nanoTime();
        final long deadline = start + TimeUnit.MINUTES.toNanos(2);
        long sent = 0;
        while (completed[0] < messages && System.nanoTime() - deadline < 0)
        {
            if (invoker)
            {
                tx.doWork();
            }
            tx.pollCompletions(onCompletion, window);
            if (sent < messages && sent - completed[0] < window &&
                send(tx, dst, header, address, message, fileFd, sent))
            {
                sent++;
            }
        }
        final double senderCpuS = (senderCpuNs(invoker, senderThreads) - cpuStartNs) / 1e9;
        while (sink.messages.get() - base < messages && System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        // The sends name the payload by address only: keep its buffer from being freed while they run.
        Reference.reachabilityFence(payload);
        if (completed[1] > 0 || sink.messages.get() - base < messages)
        {
            System.out.printf("%s: %d sends failed, %d of %d messages received in %.1f s%n",
                mode, completed[1], sink.messages.get() - base, messages, seconds);
        }
        final long bytes = (sink.messages.get() - base) * message;
        return new Run(bytes * 8 / seconds / 1e9, bytes, senderCpuS);
    }

    /**
     * CPU of the sender node: its own threads, and the calling thread when it drives the node (INVOKER).
     */
    private static long senderCpuNs(final boolean invoker, final Set<Long> senderThreads)
    {
        return ThreadCpu.cpuNs(senderThreads) + (invoker ? ThreadCpu.currentNs() : 0);
    }

    private static boolean send(
        final Node tx, final long dst, final UnsafeBuffer header, final long address, final int message,
        final int fileFd, final long id)
    {
        return fileFd < 0 ? tx.send(dst, WireConstants.LNET_PID_LUSTRE, header, 0, address, message, id) :
            tx.sendFile(dst, WireConstants.LNET_PID_LUSTRE, header, 0, fileFd, 0, message, id);
    }

    private static final class Sink implements MessageHandler
    {
        private final Long2ObjectHashMap<UnsafeBuffer> buffers = new Long2ObjectHashMap<>();
        private final int message;
        final AtomicLong messages = new AtomicLong();

        Sink(final int message)
        {
            this.message = message;
        }

        public void onHeader(final long connectionId, final long srcNid, final LnetHeaderFlyweight header,
            final RxDecision decision)
        {
            final UnsafeBuffer buffer = buffers.computeIfAbsent(connectionId, id -> DirectMemory.allocatePageAligned(message));
            decision.deliverTo(DirectMemory.address(buffer, 0), message);
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength,
            final int payloadLength)
        {
            messages.incrementAndGet();
        }
    }
}
