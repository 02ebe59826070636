package io.jsocklnd.lnet;

import io.jsocklnd.harness.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waiting for room in a full command ring: a thread parked with a long deadline is woken when the reader takes
 * commands, and returns at once when there is room.
 */
@Timeout(60)
class LnetCommandsRoomTest
{
    /** Far past the test's own time: a waiter not woken is still parked when the test looks. */
    private static final long LONG_WAIT_NS = TimeUnit.MINUTES.toNanos(5);

    private final LnetCommands commands = new LnetCommands(1024);
    private final List<Long> taken = new ArrayList<>();
    private final LnetCommands.Handler handler = new LnetCommands.Handler()
    {
        public boolean canStartSend()
        {
            return true;
        }

        public void onBind(final long handle)
        {
            taken.add(handle);
        }

        public void onAttach(final long handle)
        {
            taken.add(handle);
        }

        public void onUnlink(final long handle)
        {
            taken.add(handle);
        }

        public void onPut(
            final long handle, final long targetNid, final int targetPid, final int portal, final long matchBits,
            final int remoteOffset, final long hdrData, final boolean ack)
        {
            taken.add(handle);
        }

        public void onGet(
            final long handle, final long targetNid, final int targetPid, final int portal, final long matchBits,
            final int remoteOffset)
        {
            taken.add(handle);
        }
    };

    @Test
    void shouldWakeThreadsWaitingForRoomWhenTheReaderTakesCommands() throws Exception
    {
        final int written = fill();
        final int waiters = 3;
        final AtomicInteger wroteAfterWait = new AtomicInteger();
        final List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < waiters; i++)
        {
            final long handle = 1000 + i;
            threads.add(new Thread(() ->
            {
                commands.awaitRoom(System.nanoTime() + LONG_WAIT_NS);
                if (commands.writeHandle(LnetCommands.UNLINK, handle))
                {
                    wroteAfterWait.incrementAndGet();
                }
            }, "room-waiter-" + i));
        }
        threads.forEach(Thread::start);
        final AtomicBoolean allParked = new AtomicBoolean(Await.until(() ->
            threads.stream().allMatch(t -> LockSupport.getBlocker(t) == commands), 10_000));

        assertEquals(written, commands.read(handler, written));
        for (final Thread t : threads)
        {
            t.join(10_000);
        }

        assertTrue(allParked.get(), "every waiter was parked on the full ring");
        for (final Thread t : threads)
        {
            assertFalse(t.isAlive(), t.getName() + " was woken");
        }
        assertEquals(waiters, wroteAfterWait.get());
        for (int i = 0; i < 4 && taken.size() < written + waiters; i++)
        {
            commands.read(handler, 16);
        }
        assertEquals(written + waiters, taken.size(), "the waiters' commands follow the ones they waited behind");
    }

    @Test
    void shouldNotWaitWhileThereIsRoom()
    {
        final long beforeDeadline = System.nanoTime() + LONG_WAIT_NS;
        commands.awaitRoom(beforeDeadline);
        assertTrue(commands.writeHandle(LnetCommands.BIND, 1));
    }

    private int fill()
    {
        int written = 0;
        for (int i = 0; i < 1024 && commands.writeHandle(LnetCommands.BIND, i); i++)
        {
            written++;
        }
        assertTrue(written > 0 && !commands.writeHandle(LnetCommands.BIND, -1), "the ring is full");
        return written;
    }
}
