package io.jsocklnd.cli;

import io.jsocklnd.lnet.EventHandler;
import io.jsocklnd.lnet.EventQueue;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.LnetEventType;
import io.jsocklnd.lnet.MemoryDescriptor;
import io.jsocklnd.nativeio.Errno;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintWriter;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;

/**
 * What the {@code put} and {@code get} subcommands share: one GET waited for, the server's check report, the
 * throughput and ZC counter lines, and a progress bar that appears once a transfer has run for a second.
 */
final class ClientSupport
{
    private ClientSupport()
    {
    }

    /** A session's line of the server's report. */
    record SessionReport(long chunksGood, long chunksBad, long bytesGood)
    {
    }

    /**
     * GET into a buffer and wait for the REPLY.
     *
     * @return bytes received, or -1 if nothing came in time.
     */
    static int getOnce(
        final Lnet lnet, final long target, final int portal, final long matchBits, final int offset,
        final UnsafeBuffer sink, final long timeoutNs)
    {
        final EventQueue queue = new EventQueue(4096);
        final long md = lnet.bind(new MemoryDescriptor().memory(sink, 0, sink.capacity())
            .options(MemoryDescriptor.TRUNCATE).threshold(2).eventQueue(queue));
        final long deadline = System.nanoTime() + timeoutNs;
        final int[] received = {-1};
        final EventHandler onReply = e ->
        {
            if (e.type() == LnetEventType.REPLY && e.status() == 0)
            {
                received[0] = e.mlength();
            }
        };
        try
        {
            int rc;
            long remainingNs;
            while ((rc = lnet.get(md, target, LNET_PID_LUSTRE, portal, matchBits, offset)) == -Errno.EAGAIN &&
                (remainingNs = deadline - System.nanoTime()) > 0)
            {
                lnet.awaitCommandRoom(remainingNs, TimeUnit.NANOSECONDS);
            }
            if (rc != 0)
            {
                return -1;
            }
            while (received[0] < 0 && (remainingNs = deadline - System.nanoTime()) > 0)
            {
                queue.poll(onReply, 16, remainingNs, TimeUnit.NANOSECONDS);
            }
            return received[0];
        }
        finally
        {
            lnet.unlink(md);
        }
    }

    /**
     * Fetch the server's report until the session's good and bad chunks add up to {@code chunks} (the server checks
     * behind the ACKs) or the time is up.
     *
     * @return the session's line, or null if the report could not be read or lacks the session.
     */
    static SessionReport awaitReport(final Lnet lnet, final long target, final long session, final long chunks,
        final long timeoutMs)
    {
        final UnsafeBuffer sink = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(TestService.REPORT_LENGTH));
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        SessionReport last = null;
        for (int attempt = 0; attempt < 10_000 && System.nanoTime() - deadline < 0; attempt++)
        {
            final int n = getOnce(lnet, target, TestService.GET_PORTAL, TestService.REPORT_MATCHBITS, 0, sink,
                deadline - System.nanoTime());
            for (int at = 0; at + TestService.REPORT_ENTRY_LENGTH <= n; at += TestService.REPORT_ENTRY_LENGTH)
            {
                if (sink.getLong(at, ByteOrder.LITTLE_ENDIAN) == session)
                {
                    last = new SessionReport(sink.getLong(at + 8, ByteOrder.LITTLE_ENDIAN),
                        sink.getLong(at + 16, ByteOrder.LITTLE_ENDIAN), sink.getLong(at + 24, ByteOrder.LITTLE_ENDIAN));
                }
            }
            if (null != last && last.chunksGood() + last.chunksBad() >= chunks)
            {
                return last;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return last;
    }

    static void printThroughput(final PrintWriter out, final String verb, final long bytes, final long elapsedNs)
    {
        final double seconds = Math.max(elapsedNs, 1) / 1e9;
        out.printf("%s %d bytes in %.3f s: %.1f MiB/s (%.2f Gbit/s)%n", verb, bytes, seconds,
            bytes / seconds / (1 << 20), bytes * 8 / seconds / 1e9);
    }

    static void printZcCounters(final PrintWriter out, final Lnet lnet)
    {
        final Map<String, Long> counters = lnet.node().counters();
        out.printf("zc: requests %d, acks received %d; payload bytes copy %d, splice %d, msg_zerocopy %d, "
                + "sendfile %d%n",
            sum(counters, " zc_requests_sent", "peer "), sum(counters, " zc_acks_received", "peer "),
            sum(counters, " payload_bytes_copy", "peer "), sum(counters, " payload_bytes_splice", "peer "),
            sum(counters, " payload_bytes_msg_zerocopy", "peer "), sum(counters, " payload_bytes_sendfile", "peer "));
        out.printf("zc acks sent: piggybacked %d, as NOOP %d, NOOPs merged %d, pairs %d, ranges %d%n",
            sum(counters, " zc_acks_piggybacked", "io"), sum(counters, " zc_ack_noops_sent", "io"),
            sum(counters, " zc_noops_merged", "io"), sum(counters, " zc_ack_pairs_sent", "io"),
            sum(counters, " zc_ack_ranges_sent", "io"));
        out.println("connections: " + String.join(", ", lnet.node().connections()));
    }

    private static long sum(final Map<String, Long> counters, final String suffix, final String prefix)
    {
        long total = 0;
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            if (e.getKey().startsWith(prefix) && e.getKey().endsWith(suffix))
            {
                total += e.getValue();
            }
        }
        return total;
    }

    /** A progress bar shown from the first second of a transfer on. */
    static final class Progress implements AutoCloseable
    {
        private final String task;
        private final long total;
        private final long startNs = System.nanoTime();
        private ProgressBar bar;

        Progress(final String task, final long total)
        {
            this.task = task;
            this.total = total;
        }

        void update(final long done)
        {
            if (null == bar && System.nanoTime() - startNs > TimeUnit.SECONDS.toNanos(1))
            {
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit("MiB", 1 << 20)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).showSpeed().build();
            }
            if (null != bar)
            {
                bar.stepTo(done);
            }
        }

        @Override
        public void close()
        {
            if (null != bar)
            {
                bar.close();
                bar = null;
            }
        }
    }
}
