package io.jsocklnd.lnet;

import io.jsocklnd.lnd.LndPort;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The LNet layer's counters, {@code lnet NAME} among the node's, written by the IO agent thread only.
 */
final class LnetCounters
{
    static final String PREFIX = "lnet ";
    static final String[] NAMES = {
        "puts_in", "gets_in", "acks_in", "replies_in", "puts_out", "gets_out", "acks_out", "replies_out",
        "pings_answered", "drop_no_match", "drop_too_long", "drop_bad_handle", "drop_bad_portal",
        "drop_wrong_nid", "sends_failed", "commands_stale", "receives_aborted"};

    final AtomicCounter putsIn;
    final AtomicCounter getsIn;
    final AtomicCounter acksIn;
    final AtomicCounter repliesIn;
    final AtomicCounter putsOut;
    final AtomicCounter getsOut;
    final AtomicCounter acksOut;
    final AtomicCounter repliesOut;
    final AtomicCounter pingsAnswered;
    final AtomicCounter dropNoMatch;
    final AtomicCounter dropTooLong;
    final AtomicCounter dropBadHandle;
    final AtomicCounter dropBadPortal;
    final AtomicCounter dropWrongNid;
    final AtomicCounter sendsFailed;
    final AtomicCounter commandsStale;
    final AtomicCounter receivesAborted;

    LnetCounters(final LndPort port)
    {
        final AtomicCounter[] c = new AtomicCounter[NAMES.length];
        for (int i = 0; i < NAMES.length; i++)
        {
            c[i] = port.counter(PREFIX + NAMES[i]);
        }
        int i = 0;
        putsIn = c[i++];
        getsIn = c[i++];
        acksIn = c[i++];
        repliesIn = c[i++];
        putsOut = c[i++];
        getsOut = c[i++];
        acksOut = c[i++];
        repliesOut = c[i++];
        pingsAnswered = c[i++];
        dropNoMatch = c[i++];
        dropTooLong = c[i++];
        dropBadHandle = c[i++];
        dropBadPortal = c[i++];
        dropWrongNid = c[i++];
        sendsFailed = c[i++];
        commandsStale = c[i++];
        receivesAborted = c[i];
    }

    /**
     * @param name a counter name without the prefix.
     * @return whether this layer has it.
     */
    static boolean exists(final String name)
    {
        for (final String n : NAMES)
        {
            if (n.equals(name))
            {
                return true;
            }
        }
        return false;
    }
}
