package io.jsocklnd.lnd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One counter of a peer or a connection: written by the agent that owns it (single writer, a plain read and a
 * release store, no fence), read by any thread. Lives on the heap with its owner and goes when it goes, so
 * there is no fixed number of them to run out of.
 */
final class Counter
{
    private static final VarHandle VALUE;

    static
    {
        try
        {
            VALUE = MethodHandles.lookup().findVarHandle(Counter.class, "value", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private long value;

    /**
     * Add one (owner thread only).
     */
    void incrementOrdered()
    {
        VALUE.setRelease(this, value + 1);
    }

    /**
     * Add a delta (owner thread only).
     *
     * @param delta to add.
     * @return the value before.
     */
    long getAndAddOrdered(final long delta)
    {
        final long before = value;
        VALUE.setRelease(this, before + delta);
        return before;
    }

    /**
     * @return the latest value, from any thread.
     */
    long get()
    {
        return (long)VALUE.getAcquire(this);
    }
}
