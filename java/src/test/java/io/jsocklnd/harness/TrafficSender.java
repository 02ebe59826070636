package io.jsocklnd.harness;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.lnd.CompletionHandler;
import io.jsocklnd.lnd.Node;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends a {@link Traffic} plan from one node to a peer as fast as the send ring takes it, and polls the
 * completions: each correlation id (the message's sequence) must complete exactly once with status 0. The only
 * completion poller of its node while it runs.
 */
public final class TrafficSender implements Runnable, CompletionHandler
{
    private final Node node;
    private final long srcNid;
    private final long dstNid;
    private final Traffic plan;
    private final long timeoutNs;
    private final CyclicBarrier startGate;
    private CompletionRouter router;
    private final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
    private final int[] completions;
    private int completed;
    private int failed;
    private int unexpected;
    private int firstFailureStatus;
    private volatile boolean finished;
    private volatile String problem;
    private long elapsedNs;

    /**
     * @param node    the sending node.
     * @param srcNid  its NID.
     * @param dstNid  the peer's NID.
     * @param plan    what to send.
     * @param timeout   how long sending and completing may take.
     * @param unit      its unit.
     * @param startGate if not null, every sender sharing it starts sending at the same moment.
     */
    public TrafficSender(
        final Node node,
        final long srcNid,
        final long dstNid,
        final Traffic plan,
        final long timeout,
        final TimeUnit unit,
        final CyclicBarrier startGate)
    {
        this.node = node;
        this.srcNid = srcNid;
        this.dstNid = dstNid;
        this.plan = plan;
        this.timeoutNs = unit.toNanos(timeout);
        this.startGate = startGate;
        this.completions = new int[plan.count()];
    }

    /**
     * Share the node's completions with other senders of the same node through a router (call before
     * {@link #start}).
     *
     * @param router the node's router.
     * @return this.
     */
    public TrafficSender routedBy(final CompletionRouter router)
    {
        this.router = router;
        router.register(this);
        return this;
    }

    boolean owns(final long correlationId)
    {
        return correlationId >= plan.base() && correlationId < plan.base() + plan.count();
    }

    private int pollCompletions()
    {
        return null == router ? node.pollCompletions(this, 1024) : router.poll(1024);
    }

    /**
     * Start on a new thread.
     *
     * @param name thread name.
     * @return the thread.
     */
    public Thread start(final String name)
    {
        final Thread thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    public void run()
    {
        final long startNs = System.nanoTime();
        final long deadlineNs = startNs + timeoutNs;
        try
        {
            if (null != startGate)
            {
                startGate.await(timeoutNs, TimeUnit.NANOSECONDS);
            }
            for (int i = 0; i < plan.count(); i++)
            {
                final int size = plan.size(i);
                final long sequence = plan.base() + i;
                Traffic.putHeader(header, srcNid, dstNid, sequence, size, plan.crc(i));
                while (!node.send(dstNid, WireConstants.LNET_PID_LUSTRE, header, 0, plan.payloadAddress(i), size, sequence))
                {
                    pollCompletions();
                    if (System.nanoTime() - deadlineNs > 0)
                    {
                        problem = "send ring stayed full: sent=" + i;
                        return;
                    }
                    Thread.yield();
                }
                if ((i & 63) == 0)
                {
                    pollCompletions();
                }
            }
            while (completed + failed + unexpected < plan.count())
            {
                if (pollCompletions() == 0)
                {
                    if (System.nanoTime() - deadlineNs > 0)
                    {
                        problem = "completions missing: completed=" + completed + " failed=" + failed;
                        return;
                    }
                    sleepQuietly();
                }
            }
            elapsedNs = System.nanoTime() - startNs;
        }
        catch (final RuntimeException | InterruptedException | BrokenBarrierException | TimeoutException ex)
        {
            problem = "sender failed: " + ex;
        }
        finally
        {
            finished = true;
        }
    }

    public void onCompletion(final long correlationId, final int status)
    {
        final long index = correlationId - plan.base();
        if (index < 0 || index >= completions.length)
        {
            unexpected++;
            return;
        }
        completions[(int)index]++;
        if (status == 0)
        {
            completed++;
        }
        else
        {
            if (failed == 0)
            {
                firstFailureStatus = status;
            }
            failed++;
        }
    }

    private static void sleepQuietly()
    {
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @return whether the run ended (successfully or not).
     */
    public boolean finished()
    {
        return finished;
    }

    /**
     * A summary as {@code key=value} words: completed, failed, duplicated and missing completions.
     * Read after {@link #finished()}.
     *
     * @return the summary.
     */
    public String summary()
    {
        int duplicated = 0;
        int missing = 0;
        for (final int c : completions)
        {
            if (c == 0)
            {
                missing++;
            }
            else if (c > 1)
            {
                duplicated += c - 1;
            }
        }
        return "completed=" + completed + " failed=" + failed + " first_failure=" + firstFailureStatus +
            " unexpected=" + unexpected + " duplicated_completions=" + duplicated + " missing_completions=" + missing +
            " elapsed_ms=" + TimeUnit.NANOSECONDS.toMillis(elapsedNs) + (null == problem ? "" : " problem=" + problem.replace(' ', '_'));
    }

    /**
     * @return sends completed with status 0 (read after {@link #finished()}).
     */
    public int completed()
    {
        return completed;
    }

    /**
     * @return sends completed with a failure status (read after {@link #finished()}).
     */
    public int failed()
    {
        return failed;
    }

    /**
     * @return the first failure status seen, 0 if none.
     */
    public int firstFailureStatus()
    {
        return firstFailureStatus;
    }

    /**
     * @return whether every send completed exactly once, whatever its status (read after {@link #finished()}).
     */
    public boolean eachCompletedOnce()
    {
        if (unexpected != 0)
        {
            return false;
        }
        for (final int c : completions)
        {
            if (c != 1)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return whether every send completed exactly once with status 0.
     */
    public boolean perfect()
    {
        if (!finished || null != problem || failed != 0 || unexpected != 0 || completed != plan.count())
        {
            return false;
        }
        for (final int c : completions)
        {
            if (c != 1)
            {
                return false;
            }
        }
        return true;
    }
}
