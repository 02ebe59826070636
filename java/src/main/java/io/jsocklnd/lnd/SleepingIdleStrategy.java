package io.jsocklnd.lnd;

import org.agrona.concurrent.IdleStrategy;

/**
 * How an agent thread that does not busy-spin idles: a few spins and yields after work (a reply often follows
 * soon), then a wait in the agent's {@code epoll_wait} until a socket, a wake-up or its next timer needs it,
 * instead of parking and polling.
 */
final class SleepingIdleStrategy implements IdleStrategy
{
    /**
     * An agent that can wait for work.
     */
    interface Sleeper
    {
        /**
         * Wait until there may be work: at once if there is.
         */
        void sleepUntilWork();
    }

    private static final int SPINS = 100;
    private static final int YIELDS = 10;

    private final Sleeper sleeper;
    private int idleCycles;

    SleepingIdleStrategy(final Sleeper sleeper)
    {
        this.sleeper = sleeper;
    }

    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            idleCycles = 0;
        }
        else
        {
            idle();
        }
    }

    public void idle()
    {
        if (idleCycles < SPINS)
        {
            idleCycles++;
            Thread.onSpinWait();
        }
        else if (idleCycles < SPINS + YIELDS)
        {
            idleCycles++;
            Thread.yield();
        }
        else
        {
            sleeper.sleepUntilWork();
        }
    }

    public void reset()
    {
        idleCycles = 0;
    }

    public String alias()
    {
        return "sleeping";
    }
}
