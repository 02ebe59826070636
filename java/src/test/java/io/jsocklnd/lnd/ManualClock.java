package io.jsocklnd.lnd;

import org.agrona.concurrent.NanoClock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when a test moves it: the agents of a node started with it see time pass only then,
 * so a timer is tested by where it fires on this clock, not by how long the machine took.
 */
final class ManualClock implements NanoClock
{
    private final AtomicLong nowNs = new AtomicLong(TimeUnit.DAYS.toNanos(1));

    public long nanoTime()
    {
        return nowNs.get();
    }

    /**
     * Move the clock forward.
     *
     * @param amount how far.
     * @param unit   its unit.
     */
    void advance(final long amount, final TimeUnit unit)
    {
        nowNs.addAndGet(unit.toNanos(amount));
    }
}
