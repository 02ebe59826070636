package io.jsocklnd.lnet;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench-gc}: the traffic of {@link LnetRateBenchmark} (pipelined 64-byte PUTs between two real nodes
 * over loopback, every SEND and PUT event read) for a number of seconds after a warm-up, in a JVM started with
 * {@code -Xlog:gc}. Prints the messages, the bytes this JVM allocated in that time (every thread) and the garbage
 * collections; exits 1 if any collection ran while the traffic did.
 *
 * <p>Arguments: seconds (default 60), warm-up seconds (default 10).
 */
public final class RateGcRun
{
    private RateGcRun()
    {
    }

    /**
     * Run it.
     *
     * @param args seconds, warm-up seconds.
     * @throws Exception on a failure of either node.
     */
    public static void main(final String[] args) throws Exception
    {
        final long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
        final long warmupSeconds = args.length > 1 ? Long.parseLong(args[1]) : 10;
        final LnetRateBenchmark traffic = new LnetRateBenchmark();
        traffic.setup();
        try
        {
            runFor(traffic, warmupSeconds);
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            System.out.println("bench-gc: warm-up done, " + seconds + " s of traffic from now");
            final long collectionsBefore = collections();
            final long allocatedBefore = allocated(threads);
            final long startNs = System.nanoTime();
            final long messages = runFor(traffic, seconds);
            final double elapsedS = (System.nanoTime() - startNs) / 1e9;
            final long allocated = allocated(threads) - allocatedBefore;
            final long collections = collections() - collectionsBefore;
            System.out.printf("bench-gc: %d messages in %.1f s (%.0f msgs/s, each a PUT with its SEND and PUT " +
                "events), %d bytes allocated by all threads (%.4f per message), %d garbage collections%n",
                messages, elapsedS, messages / elapsedS, allocated, (double)allocated / messages, collections);
            if (collections != 0)
            {
                System.out.println("bench-gc: FAILED: collections ran during the traffic (see the gc log lines above)");
                System.exit(1);
            }
            System.out.println("bench-gc: no collection during the traffic");
        }
        finally
        {
            traffic.tearDown();
        }
    }

    private static long runFor(final LnetRateBenchmark traffic, final long seconds)
    {
        final long endNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long messages = 0;
        while (System.nanoTime() - endNs < 0)
        {
            traffic.putsAndEvents();
            messages += LnetRateBenchmark.BATCH;
        }
        return messages;
    }

    private static long collections()
    {
        long count = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            count += Math.max(0, gc.getCollectionCount());
        }
        return count;
    }

    private static long allocated(final com.sun.management.ThreadMXBean threads)
    {
        long bytes = 0;
        for (final long allocatedBytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds()))
        {
            bytes += Math.max(0, allocatedBytes);
        }
        return bytes;
    }
}
