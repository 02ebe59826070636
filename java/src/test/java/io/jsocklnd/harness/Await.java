package io.jsocklnd.harness;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Bounded waiting for test conditions.
 */
public final class Await
{
    private Await()
    {
    }

    /**
     * Poll a condition every millisecond until it holds or the time is up.
     *
     * @param condition what to wait for.
     * @param timeoutMs most time to wait.
     * @return whether it held.
     */
    public static boolean until(final BooleanSupplier condition, final long timeoutMs)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() - deadlineNs < 0)
        {
            if (condition.getAsBoolean())
            {
                return true;
            }
            sleep(1);
        }
        return condition.getAsBoolean();
    }

    /**
     * Sleep, keeping the interrupt flag.
     *
     * @param ms milliseconds.
     */
    public static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
