package io.jsocklnd.cli;

import io.jsocklnd.lnet.EventHandler;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.LnetEvent;
import io.jsocklnd.wire.Nid;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;

/**
 * The loop shared by {@code put} and {@code get}: keep up to a window of 1 MiB chunks in flight, issue the next
 * chunk whenever one completes (its MD unlinked), and give up when no chunk completes for the timeout.
 * Subclasses say how a chunk is issued and what its events mean.
 */
abstract class WindowedTransfer
{
    /** Bytes to move. */
    long total;
    /** Chunks to move: {@code total} in chunks of {@link TestService#CHUNK}. */
    long chunks;
    /** Chunks issued and not yet completed. */
    long inflight;
    /** Chunks completed. */
    long done;
    /** Bytes of the completed chunks. */
    long bytesDone;
    /** The first failure, which ends the transfer; null while all goes well. */
    String failure;

    private long lastProgressNs;

    /**
     * Issues one chunk.
     *
     * @param lnet  the LNet instance.
     * @param chunk the chunk number.
     * @return true if it was issued; false if the send ring is full now (retried after the next events) or
     *         the issue failed, in which case {@link #failure} is set.
     */
    abstract boolean issue(Lnet lnet, long chunk);

    /**
     * Handles one event; calls {@link #chunkDone(long)} once the chunk's MD is unlinked.
     *
     * @param event the event.
     */
    abstract void onEvent(LnetEvent event);

    /**
     * Moves every chunk, or stops at the first failure.
     *
     * @param lnet           the LNet instance.
     * @param progress       the progress bar, updated with the completed bytes.
     * @param window         chunks in flight at the most.
     * @param timeoutSeconds seconds without a completed chunk before giving up.
     * @param completedVerb  what a completed chunk is called in the timeout message ("acknowledged").
     * @return nanoseconds the transfer took.
     */
    final long transfer(
        final Lnet lnet,
        final ClientSupport.Progress progress,
        final int window,
        final int timeoutSeconds,
        final String completedVerb)
    {
        chunks = (total + TestService.CHUNK - 1) / TestService.CHUNK;
        final long startNs = System.nanoTime();
        final long timeoutNs = TimeUnit.SECONDS.toNanos(timeoutSeconds);
        lastProgressNs = startNs;
        final EventHandler handler = this::onEvent;
        long next = 0;
        while (done < chunks && null == failure)
        {
            boolean stalled = false;
            while (inflight < window && next < chunks && null == failure && !stalled)
            {
                if (issue(lnet, next))
                {
                    inflight++;
                    next++;
                }
                else
                {
                    stalled = null == failure;
                }
            }
            if (lnet.poll(handler, 256) == 0 && null == failure)
            {
                final long quietNs = lastProgressNs + timeoutNs - System.nanoTime();
                if (quietNs <= 0)
                {
                    failure = "timed out: " + done + " of " + chunks + " chunks " + completedVerb + ", none for " +
                        timeoutSeconds + " s";
                }
                else if (stalled)
                {
                    lnet.awaitCommandRoom(quietNs, TimeUnit.NANOSECONDS);
                }
                else
                {
                    lnet.poll(handler, 256, quietNs, TimeUnit.NANOSECONDS);
                }
            }
            progress.update(bytesDone);
        }
        final long elapsedNs = System.nanoTime() - startNs;
        progress.close();
        return elapsedNs;
    }

    /**
     * Counts a chunk as completed.
     *
     * @param chunk the chunk number.
     */
    final void chunkDone(final long chunk)
    {
        inflight--;
        done++;
        bytesDone += length(chunk);
        lastProgressNs = System.nanoTime();
    }

    /**
     * Records a failure unless one is recorded already.
     *
     * @param what the failure.
     */
    final void fail(final String what)
    {
        if (null == failure)
        {
            failure = what;
        }
    }

    /**
     * @param chunk the chunk number.
     * @return its length: a full chunk, or what is left for the last.
     */
    final int length(final long chunk)
    {
        return (int)Math.min(TestService.CHUNK, total - chunk * TestService.CHUNK);
    }

    /**
     * Prints the failure, if there was one, then the throughput and the ZC counters if there was not.
     *
     * @return true if the transfer failed.
     */
    final boolean report(
        final PrintWriter out,
        final PrintWriter err,
        final String verb,
        final long targetNid,
        final long elapsedNs,
        final Lnet lnet)
    {
        if (null != failure)
        {
            err.println(verb + ": " + failure + " target=" + Nid.toString(targetNid));
            err.flush();
            return true;
        }
        ClientSupport.printThroughput(out, verb, total, elapsedNs);
        ClientSupport.printZcCounters(out, lnet);
        return false;
    }
}
