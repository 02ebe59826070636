package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.ref.Reference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link NodeConfig.ZcMode#AUTO} stands for on this machine, decided by measurement: a short probe over a
 * loopback TCP connection sends 1 MiB messages by each path this kernel offers (copied by {@code send},
 * vmsplice + splice, MSG_ZEROCOPY), interleaved, and records each path's throughput and the CPU its sending
 * thread spent per GiB. It runs once per process, when the first node with AUTO starts (about 100 MiB, tens of
 * ms), and every later node reuses its figures.
 * <p>
 * The rule ({@link #decide}), per path the node's NID puts it on:
 * <ul>
 * <li>a loopback NID (127/8): its peers are on this host and every byte crosses loopback, the path the probe
 * measured: the fastest zero-copy path if it carried at least {@link #MARGIN} more than copying, else COPY;</li>
 * <li>any other NID: its peers are mostly on other hosts, where the receiver's copy is paid by another machine
 * and the sender's cost is what bounds it: the zero-copy path whose sending thread spent the least CPU per GiB,
 * if at least {@link #MARGIN} less than copying, else COPY.</li>
 * </ul>
 * A tie goes to COPY: a copied send completes once written, a zero-copy one holds its pages until the peer's
 * ZC-ACK. If the probe cannot run (no loopback, no native library), AUTO falls back to SPLICE where a pipe
 * can be made, else MSG_ZEROCOPY.
 */
public final class ZcProbe
{
    /** How much better a zero-copy path must measure than copying to be chosen: 10 %. */
    public static final double MARGIN = 0.10;

    private static final Logger LOG = LoggerFactory.getLogger(ZcProbe.class);
    private static final int MESSAGE = 1 << 20;
    private static final int MESSAGES_PER_RUN = 8;
    private static final int ROUNDS = 3;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final NodeConfig.ZcMode[] PATHS =
        {NodeConfig.ZcMode.COPY, NodeConfig.ZcMode.SPLICE, NodeConfig.ZcMode.MSG_ZEROCOPY};

    private static List<Measurement> measured;

    /**
     * One path's figures: the best of the probe's rounds.
     *
     * @param mode             the path: COPY, SPLICE or MSG_ZEROCOPY.
     * @param gbitPerSecond    payload the receiving end took per second, Gbit/s.
     * @param senderCpuSPerGiB CPU seconds the sending thread spent per GiB (its system calls, and the copy for COPY).
     */
    public record Measurement(NodeConfig.ZcMode mode, double gbitPerSecond, double senderCpuSPerGiB)
    {
    }

    private ZcProbe()
    {
    }

    /**
     * The mode AUTO resolves to for a node with this NID, probing first if no node of this process has.
     *
     * @param nid the node's NID.
     * @return COPY, SPLICE or MSG_ZEROCOPY.
     */
    static NodeConfig.ZcMode resolveAuto(final long nid)
    {
        final NodeConfig.ZcMode decided = decide(isLoopback(nid), measured());
        return null != decided ? decided : zeroCopyMode();
    }

    /**
     * The zero-copy path this kernel offers, unmeasured: for a node that is to send zero copy whatever is faster
     * here (the demo, tests of the ZC-ACK).
     *
     * @return SPLICE where a pipe can be made, else MSG_ZEROCOPY.
     */
    public static NodeConfig.ZcMode zeroCopyMode()
    {
        return ZeroCopyWriter.bestAvailable() == ZeroCopyWriter.Mode.SPLICE ?
            NodeConfig.ZcMode.SPLICE : NodeConfig.ZcMode.MSG_ZEROCOPY;
    }

    /**
     * @param nid a NID.
     * @return whether its address is a loopback one (127/8), whose peers are all on this host.
     */
    static boolean isLoopback(final long nid)
    {
        return (Nid.addr(nid) >>> 24) == 127;
    }

    /**
     * The rule (see the class description).
     *
     * @param loopback whether the node's NID is on loopback.
     * @param figures  what the probe measured; a path it could not use is absent.
     * @return the mode, or null when the figures hold no copied path to compare with.
     */
    public static NodeConfig.ZcMode decide(final boolean loopback, final List<Measurement> figures)
    {
        Measurement copy = null;
        Measurement best = null;
        for (final Measurement m : figures)
        {
            if (m.mode() == NodeConfig.ZcMode.COPY)
            {
                copy = m;
            }
            else if (null == best || (loopback ? m.gbitPerSecond() > best.gbitPerSecond() :
                m.senderCpuSPerGiB() < best.senderCpuSPerGiB()))
            {
                best = m;
            }
        }
        if (null == copy)
        {
            return null;
        }
        if (null == best)
        {
            return NodeConfig.ZcMode.COPY;
        }
        final boolean zeroCopyWins = loopback ? best.gbitPerSecond() >= copy.gbitPerSecond() * (1 + MARGIN) :
            best.senderCpuSPerGiB() * (1 + MARGIN) <= copy.senderCpuSPerGiB();
        return zeroCopyWins ? best.mode() : NodeConfig.ZcMode.COPY;
    }

    /**
     * The figures of this process's probe, measured by the first call.
     *
     * @return the figures, empty if the probe could not run.
     */
    public static synchronized List<Measurement> measured()
    {
        if (null == measured)
        {
            List<Measurement> figures;
            final long startNs = System.nanoTime();
            try
            {
                figures = measure();
                LOG.info("zero copy AUTO: probe over loopback in {} ms: {}; loopback NIDs use {}, other NIDs {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs), figures, decide(true, figures),
                    decide(false, figures));
            }
            catch (final NativeIoException | RuntimeException | InterruptedException ex)
            {
                LOG.warn("zero copy AUTO: probe failed, falling back to the zero-copy path this kernel offers: {}",
                    ex.toString());
                figures = List.of();
                if (ex instanceof InterruptedException)
                {
                    Thread.currentThread().interrupt();
                }
            }
            measured = List.copyOf(figures);
        }
        return measured;
    }

    /**
     * Run the probe now: a loopback connection, a reading thread, {@value #ROUNDS} rounds of
     * {@value #MESSAGES_PER_RUN} MiB by each path after a warm-up of each, paths interleaved so that a
     * disturbance hits one round, not one path; the best round of each path counts.
     *
     * @return one measurement per path this kernel offers, COPY first.
     * @throws NativeIoException    if the connection fails.
     * @throws InterruptedException if interrupted while waiting for the reader.
     */
    public static List<Measurement> measure() throws NativeIoException, InterruptedException
    {
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        final NativeSocket listener = NativeSocket.openTcp(loopback);
        NativeSocket client = null;
        NativeSocket server = null;
        final ZeroCopyWriter[] writers = new ZeroCopyWriter[PATHS.length];
        final Reader reader = new Reader();
        try
        {
            listener.bind(new InetSocketAddress(loopback, 0));
            listener.listen(1);
            client = NativeSocket.openTcp(loopback);
            if (!client.connect(listener.localAddress()))
            {
                client.poll(NativeConstants.POLLOUT, 1000);
                client.finishConnect();
            }
            while (null == server && System.nanoTime() - deadlineNs < 0)
            {
                server = listener.accept();
                if (null == server)
                {
                    listener.poll(NativeConstants.POLLIN, 100);
                }
            }
            if (null == server)
            {
                throw new IllegalStateException("zc probe: loopback connection not accepted");
            }
            client.setIntOption(NativeConstants.IPPROTO_TCP, NativeConstants.TCP_NODELAY, 1);
            writers[1] = writer(client, ZeroCopyWriter.Mode.SPLICE);
            writers[2] = writer(client, ZeroCopyWriter.Mode.MSG_ZEROCOPY);
            reader.start(server);
            return rounds(client, writers, reader, deadlineNs);
        }
        finally
        {
            reader.stop();
            for (final ZeroCopyWriter writer : writers)
            {
                if (null != writer)
                {
                    writer.close();
                }
            }
            closeQuietly(client);
            closeQuietly(server);
            closeQuietly(listener);
        }
    }

    private static List<Measurement> rounds(
        final NativeSocket client, final ZeroCopyWriter[] writers, final Reader reader, final long deadlineNs)
        throws NativeIoException, InterruptedException
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final UnsafeBuffer payload = DirectMemory.allocatePageAligned(MESSAGE);
        final long address = DirectMemory.address(payload, 0);
        final double[] bestGbit = new double[PATHS.length];
        final double[] bestCpu = new double[PATHS.length];
        Arrays.fill(bestCpu, Double.MAX_VALUE);
        for (int round = 0; round <= ROUNDS; round++)
        {
            for (int p = 0; p < PATHS.length; p++)
            {
                if (p > 0 && null == writers[p])
                {
                    continue;
                }
                final int messages = round == 0 ? 2 : MESSAGES_PER_RUN;
                final long bytes = (long)messages * MESSAGE;
                final long target = reader.received.get() + bytes;
                final long cpuStartNs = threads.getCurrentThreadCpuTime();
                final long startNs = System.nanoTime();
                for (int i = 0; i < messages; i++)
                {
                    sendOne(client, writers[p], address, deadlineNs);
                }
                final long cpuNs = threads.getCurrentThreadCpuTime() - cpuStartNs;
                reader.awaitReceived(target, deadlineNs);
                final long elapsedNs = System.nanoTime() - startNs;
                if (round > 0)
                {
                    bestGbit[p] = Math.max(bestGbit[p], bytes * 8.0 / elapsedNs);
                    bestCpu[p] = Math.min(bestCpu[p], cpuNs / 1e9 / (bytes / (double)(1L << 30)));
                }
            }
        }
        final List<Measurement> figures = new ArrayList<>();
        for (int p = 0; p < PATHS.length; p++)
        {
            if (p == 0 || null != writers[p])
            {
                figures.add(new Measurement(PATHS[p], round(bestGbit[p], 100), round(bestCpu[p], 1000)));
            }
        }
        Reference.reachabilityFence(payload);
        return figures;
    }

    /**
     * Send one message by the writer's path, or copied when {@code writer} is null; for MSG_ZEROCOPY, until the
     * kernel has released its pages.
     */
    private static void sendOne(
        final NativeSocket client, final ZeroCopyWriter writer, final long address, final long deadlineNs)
        throws NativeIoException
    {
        if (null == writer)
        {
            int sent = 0;
            while (sent < MESSAGE)
            {
                final int n = client.send(address + sent, MESSAGE - sent, 0);
                if (n == 0)
                {
                    awaitWritable(client, deadlineNs);
                }
                sent += n;
            }
            return;
        }
        writer.start(address, MESSAGE);
        while (!writer.isWritten())
        {
            writer.pollCompletions();
            if (writer.advance() == 0)
            {
                awaitWritable(client, deadlineNs);
            }
        }
        while (!writer.isReleased(writer.lastSendId()))
        {
            if (writer.pollCompletions() == 0)
            {
                awaitWritable(client, deadlineNs);
            }
        }
    }

    private static void awaitWritable(final NativeSocket client, final long deadlineNs) throws NativeIoException
    {
        if (System.nanoTime() - deadlineNs > 0)
        {
            throw new IllegalStateException("zc probe: took longer than " +
                TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NS) + " s");
        }
        // POLLERR too: a MSG_ZEROCOPY completion waiting on the error queue.
        client.poll(NativeConstants.POLLOUT, 10);
    }

    private static ZeroCopyWriter writer(final NativeSocket client, final ZeroCopyWriter.Mode mode)
    {
        try
        {
            return new ZeroCopyWriter(client, mode);
        }
        catch (final NativeIoException | RuntimeException ex)
        {
            LOG.info("zero copy AUTO: {} not available here: {}", mode, ex.toString());
            return null;
        }
    }

    private static double round(final double value, final double scale)
    {
        return Math.round(value * scale) / scale;
    }

    private static void closeQuietly(final NativeSocket socket)
    {
        if (null != socket)
        {
            try
            {
                socket.close();
            }
            catch (final NativeIoException ignore)
            {
                // the probe is over; nothing depends on this socket
            }
        }
    }

    /**
     * Drains the probe connection on a thread of its own, as a peer would.
     */
    private static final class Reader implements Runnable
    {
        final AtomicLong received = new AtomicLong();
        private final UnsafeBuffer buffer = DirectMemory.allocatePageAligned(MESSAGE);
        private volatile boolean running = true;
        private NativeSocket socket;
        private Thread thread;

        void start(final NativeSocket socket)
        {
            this.socket = socket;
            thread = new Thread(this, "jsocklnd-zc-probe");
            thread.setDaemon(true);
            thread.start();
        }

        public void run()
        {
            try
            {
                while (running)
                {
                    final int n = socket.read(buffer, 0, MESSAGE);
                    if (n < 0)
                    {
                        return;
                    }
                    if (n == 0)
                    {
                        socket.poll(NativeConstants.POLLIN, 10);
                    }
                    else
                    {
                        received.addAndGet(n);
                    }
                }
            }
            catch (final NativeIoException ex)
            {
                running = false;
            }
        }

        void awaitReceived(final long target, final long deadlineNs)
        {
            while (received.get() < target)
            {
                if (!running || System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException("zc probe: " + received.get() + " of " + target +
                        " bytes arrived");
                }
                Thread.yield();
            }
        }

        void stop() throws InterruptedException
        {
            running = false;
            if (null != thread)
            {
                thread.join(TimeUnit.NANOSECONDS.toMillis(TIMEOUT_NS));
            }
        }
    }
}
