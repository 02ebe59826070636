package io.jsocklnd.demo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashSet;
import java.util.Set;

/**
 * CPU time of a set of threads, for the benches that charge a node's work to the threads it runs on: take
 * {@link #snapshot()} before a node starts, {@link #startedSince(Set)} after, and read {@link #cpuNs(Set)} of
 * those threads (and of the calling thread, for a node it drives itself) around the timed part.
 */
final class ThreadCpu
{
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu()
    {
    }

    /**
     * @return ids of every live thread.
     */
    static Set<Long> snapshot()
    {
        final Set<Long> ids = new HashSet<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            ids.add(thread.getId());
        }
        return ids;
    }

    /**
     * @param before a {@link #snapshot()} taken earlier.
     * @return ids of the live threads that were not in it.
     */
    static Set<Long> startedSince(final Set<Long> before)
    {
        final Set<Long> ids = snapshot();
        ids.removeAll(before);
        return ids;
    }

    /**
     * @param ids threads; one that has ended counts 0.
     * @return their CPU time (user and system) in ns.
     */
    static long cpuNs(final Set<Long> ids)
    {
        long sum = 0;
        for (final long id : ids)
        {
            sum += Math.max(0, THREADS.getThreadCpuTime(id));
        }
        return sum;
    }

    /**
     * @return the calling thread's CPU time (user and system) in ns.
     */
    static long currentNs()
    {
        return THREADS.getCurrentThreadCpuTime();
    }
}
