package io.jsocklnd.demo;

import io.jsocklnd.lnd.CompletionHandler;
import io.jsocklnd.lnd.MessageHandler;
import io.jsocklnd.lnd.Node;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.lnd.RxDecision;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.ref.Reference;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node receiving 1 MiB PUTs from many peers at once, each peer its own node on its own loopback address
 * ({@code 127.0.94.1-128}, {@code 127.0.95.1-128}, ...; the receiver on {@code 127.0.93.1}): the aggregate the
 * receiving node takes in, for {@code make bench}'s {@code bulk_1MiB_copy_256peers}.
 * <p>
 * What is measured is the receiver, so the senders are built not to be the bottleneck and not to fight it for
 * the two CPUs of a small machine: the receiver runs one {@link NodeConfig.ThreadingMode#SHARED} thread (as the
 * raw baseline's one reading thread), and every sender is an {@link NodeConfig.ThreadingMode#INVOKER} node
 * without an acceptor, all driven round-robin by the one calling thread (as the raw baseline's one writing
 * thread): 256 senders cost no thread of their own, and each sweep tops up every sender's window of copied
 * sends, which complete as soon as the socket took them. The CPU time of that driving thread and of the
 * receiver's thread are reported, so a run shows which side was saturated.
 */
public final class ManyPeersBench
{
    static final String RECEIVER_IP = "127.0.93.1";
    private static final int SENDER_WINDOW = 2;
    private static final int SENDER_RING_CAPACITY = 1 << 16;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);

    /**
     * Result of one run.
     *
     * @param gbitPerSecond    aggregate payload received, Gbit/s, from the first timed send to the last payload.
     * @param seconds          that time.
     * @param senderCpuS       CPU time of the thread driving every sender node.
     * @param receiverCpuS     CPU time of the receiving node's thread.
     */
    record Result(double gbitPerSecond, double seconds, double senderCpuS, double receiverCpuS)
    {
    }

    private ManyPeersBench()
    {
    }

    /**
     * Run alone (for profiling): {@code [peers, default 256] [MiB per peer, default 8] [runs, default 3]}, each
     * after 4 MiB per peer of warm-up.
     *
     * @param args see above.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final int peers = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        final int perPeer = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        final int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        for (int i = 0; i < runs; i++)
        {
            final Result result = run(peers, 4, perPeer, WireConstants.LNET_MAX_PAYLOAD);
            System.out.printf("%d peers x %d MiB: %.2f Gbit/s in %.3f s, sender thread CPU %.3f s, receiver %.3f s%n",
                peers, perPeer, result.gbitPerSecond(), result.seconds(), result.senderCpuS(), result.receiverCpuS());
        }
    }

    /**
     * @param index a sender's index, 0..32767.
     * @return its IP: 128 senders per /24, from {@code 127.0.94.1}.
     */
    static String senderIp(final int index)
    {
        return "127.0." + (94 + index / 128) + '.' + (1 + index % 128);
    }

    /**
     * Run once: connect every sender, send {@code warmupPerPeer} untimed messages from each (connections, TCP
     * windows and buffers, JIT), then time {@code messagesPerPeer} messages from each.
     *
     * @param peers           sender nodes.
     * @param warmupPerPeer   untimed messages per sender, at least 1.
     * @param messagesPerPeer timed messages per sender.
     * @param message         payload bytes per message.
     * @return the run's figures.
     * @throws Exception if a node cannot start or the run does not finish within its time.
     */
    static Result run(final int peers, final int warmupPerPeer, final int messagesPerPeer, final int message)
        throws Exception
    {
        final Sink sink = new Sink(message);
        final NodeConfig receiverConfig = new NodeConfig().nid(RECEIVER_IP + "@tcp")
            .threadingMode(NodeConfig.ThreadingMode.SHARED);
        final Set<Long> before = ThreadCpu.snapshot();
        final Node[] senders = new Node[peers];
        try (Node rx = Node.start(receiverConfig, sink))
        {
            final Set<Long> receiverThreads = ThreadCpu.startedSince(before);
            try
            {
                return drive(rx, senders, warmupPerPeer, messagesPerPeer, message, sink, receiverThreads);
            }
            finally
            {
                for (final Node sender : senders)
                {
                    if (null != sender)
                    {
                        sender.close();
                    }
                }
            }
        }
    }

    private static Result drive(
        final Node rx,
        final Node[] senders,
        final int warmupPerPeer,
        final int messagesPerPeer,
        final int message,
        final Sink sink,
        final Set<Long> receiverThreads) throws Exception
    {
        final int peers = senders.length;
        final long dst = rx.config().nid();
        final UnsafeBuffer[] headers = new UnsafeBuffer[peers];
        final long[] sent = new long[peers];
        final long[] completed = new long[peers];
        final long[] failed = {0};
        final CompletionHandler[] onCompletion = new CompletionHandler[peers];
        for (int i = 0; i < peers; i++)
        {
            final NodeConfig config = new NodeConfig().nid(senderIp(i) + "@tcp")
                .threadingMode(NodeConfig.ThreadingMode.INVOKER).acceptMode(NodeConfig.AcceptMode.NONE)
                .zcMode(NodeConfig.ZcMode.COPY).ringCapacities(SENDER_RING_CAPACITY, SENDER_RING_CAPACITY);
            senders[i] = Node.start(config, new Sink(0));
            headers[i] = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH]);
            new LnetHeaderFlyweight()
                .wrapForEncode(headers[i], 0, LnetHeaderFlyweight.LENGTH, WireConstants.LNET_MSG_PUT)
                .destNid(dst).srcNid(senders[i].config().nid())
                .destPid(WireConstants.LNET_PID_LUSTRE).srcPid(WireConstants.LNET_PID_LUSTRE)
                .payloadLength(message).wmdInterfaceCookie(-1L).wmdObjectCookie(-1L).putPtlIndex(4);
            final int peer = i;
            onCompletion[i] = (id, status) ->
            {
                completed[peer]++;
                if (status != 0)
                {
                    failed[0]++;
                }
            };
        }
        // Copied sends: every sender may send from the same payload, whose content does not matter.
        final UnsafeBuffer payload = DirectMemory.allocatePageAligned(message);
        final long address = DirectMemory.address(payload, 0);
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;

        // Connect every sender and warm both sides up, untimed.
        final long warmup = (long)peers * warmupPerPeer;
        sweep(senders, headers, dst, address, message, sent, completed, onCompletion, warmupPerPeer, deadlineNs);
        awaitReceived(sink, warmup, deadlineNs);
        final long total = (long)peers * messagesPerPeer;
        final long receiverCpuStart = ThreadCpu.cpuNs(receiverThreads);
        final long senderCpuStart = ThreadCpu.currentNs();
        final long startNs = System.nanoTime();
        sweep(senders, headers, dst, address, message, sent, completed, onCompletion, warmupPerPeer + messagesPerPeer,
            deadlineNs);
        awaitReceived(sink, warmup + total, deadlineNs);
        final double seconds = (sink.lastNs - startNs) / 1e9;
        final double senderCpuS = (ThreadCpu.currentNs() - senderCpuStart) / 1e9;
        final double receiverCpuS = (ThreadCpu.cpuNs(receiverThreads) - receiverCpuStart) / 1e9;
        Reference.reachabilityFence(payload);
        final long received = sink.messages.get() - warmup;
        if (failed[0] > 0 || received < total)
        {
            throw new IllegalStateException("many peers: " + failed[0] + " sends failed, " + received + " of " + total +
                " messages received");
        }
        return new Result(total * (double)message * 8 / seconds / 1e9, seconds, senderCpuS, receiverCpuS);
    }

    /**
     * Drive every sender until each has had {@code upTo} sends completed, keeping {@link #SENDER_WINDOW} in
     * flight per sender.
     */
    private static void sweep(
        final Node[] senders,
        final UnsafeBuffer[] headers,
        final long dst,
        final long address,
        final int message,
        final long[] sent,
        final long[] completed,
        final CompletionHandler[] onCompletion,
        final long upTo,
        final long deadlineNs)
    {
        int done = 0;
        while (done < senders.length)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("many peers: " + done + " of " + senders.length +
                    " senders done within " + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NS) + " s");
            }
            done = 0;
            for (int i = 0; i < senders.length; i++)
            {
                final Node sender = senders[i];
                sender.doWork();
                sender.pollCompletions(onCompletion[i], SENDER_WINDOW);
                if (sent[i] < upTo && sent[i] - completed[i] < SENDER_WINDOW &&
                    sender.send(dst, WireConstants.LNET_PID_LUSTRE, headers[i], 0, address, message, sent[i]))
                {
                    sent[i]++;
                }
                if (completed[i] >= upTo)
                {
                    done++;
                }
            }
        }
    }

    /**
     * Wait until the receiver has taken {@code count} messages in all, or the deadline has passed.
     */
    private static void awaitReceived(final Sink sink, final long count, final long deadlineNs)
    {
        while (sink.messages.get() < count && System.nanoTime() - deadlineNs < 0)
        {
            Thread.onSpinWait();
        }
    }

    /**
     * Takes every payload into one buffer (the content is not looked at) and counts messages.
     */
    private static final class Sink implements MessageHandler
    {
        private final UnsafeBuffer buffer;
        final AtomicLong messages = new AtomicLong();
        volatile long lastNs;

        Sink(final int message)
        {
            buffer = message > 0 ? DirectMemory.allocatePageAligned(message) : null;
        }

        public void onHeader(final long connectionId, final long srcNid, final LnetHeaderFlyweight header,
            final RxDecision decision)
        {
            decision.deliverTo(DirectMemory.address(buffer, 0), buffer.capacity());
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength,
            final int payloadLength)
        {
            lastNs = System.nanoTime();
            messages.incrementAndGet();
        }
    }
}
