package io.jsocklnd.lnet;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The descriptor table shared by application threads and the IO agent: each test plays both sides in the order
 * a race would interleave them.
 */
class MdTableTest
{
    private final MdTable table = new MdTable(8);

    /** Claim, publish and let the IO agent take a slot, as bind does. */
    private long bound(final MdTable t)
    {
        final LibMd md = t.claim();
        final long handle = t.publish(md);
        t.activate(t.slot(handle), handle);
        return handle;
    }

    @Test
    void shouldNameTheSlotOnlyByItsCurrentHandle()
    {
        final long handle = bound(table);
        final LibMd md = table.published(handle);
        assertSame(md, table.slot(handle));
        assertSame(md, table.lookup(handle));
        assertTrue(handle > 0);

        final long otherGeneration = handle + (1L << MdTable.INDEX_BITS);
        assertNull(table.published(otherGeneration));
        assertNull(table.lookup(otherGeneration));
        assertNull(table.published(0));
        assertNull(table.published(-1));
        assertNull(table.slot(MdTable.INDEX_MASK));
    }

    @Test
    void shouldReturnZeroForAnUnlinkTheIoAgentRunsBeforeTheCallerReturns()
    {
        final long handle = bound(table);
        final LibMd md = table.published(handle);

        assertTrue(table.takeForUnlink(md, handle), "the caller takes the handle before the command goes");
        // The IO agent runs the command at once and frees the slot; the caller has not returned yet.
        final LibMd running = table.lookup(handle);
        assertSame(md, running);
        table.withdraw(running);
        table.free(running);

        assertNull(table.published(handle));
        final LibMd again = table.claim();
        assertSame(md, again, "the freed slot is reused");
        final long next = table.publish(again);
        assertNotEquals(handle, next);
        assertNull(table.published(handle), "the old handle stays stale in the reused slot");
        assertFalse(table.takeForUnlink(again, handle));
        assertSame(again, table.published(next));
    }

    @Test
    void shouldRefuseAnUnlinkOfADescriptorTheIoAgentExhaustedFirst()
    {
        final long handle = bound(table);
        final LibMd md = table.published(handle);
        table.withdraw(table.lookup(handle));

        assertFalse(table.takeForUnlink(md, handle));
        assertNull(table.published(handle));
        assertNull(table.lookup(handle));
    }

    @Test
    void shouldPublishAgainAnUnlinkThatCouldNotBeHandedOver()
    {
        final long handle = bound(table);
        final LibMd md = table.published(handle);
        assertTrue(table.takeForUnlink(md, handle));
        assertNull(table.published(handle), "no call may use it while its unlink is being handed over");

        assertTrue(table.restore(md, handle));
        assertSame(md, table.published(handle));
    }

    @Test
    void shouldNotPublishAgainAHandleTheIoAgentWithdrewMeanwhile()
    {
        final long handle = bound(table);
        final LibMd md = table.published(handle);
        assertTrue(table.takeForUnlink(md, handle));
        table.withdraw(md);

        assertFalse(table.restore(md, handle));
        assertNull(table.published(handle));
    }

    @Test
    void shouldGiveBackAnAbandonedSlot()
    {
        final LibMd md = table.claim();
        final long handle = table.publish(md);
        table.abandon(md);

        assertNull(table.published(handle));
        assertSame(md, table.claim());
    }

    @Test
    void shouldRefuseMoreSlotsThanItsCapacityUntilOneIsFreed()
    {
        final MdTable small = new MdTable(3);
        final long first = bound(small);
        bound(small);
        bound(small);
        assertThrows(IllegalStateException.class, small::claim);

        final LibMd md = small.lookup(first);
        small.withdraw(md);
        small.free(md);
        assertSame(md, small.claim());
    }

    @Test
    void shouldNeverGiveOneSlotToTwoOwnersAcrossThreads() throws Exception
    {
        final int capacity = 64;
        final int threads = 4;
        final int rounds = 20_000;
        final MdTable shared = new MdTable(capacity);
        final AtomicIntegerArray owners = new AtomicIntegerArray(capacity);
        final ManyToOneConcurrentArrayQueue<LibMd> toIo = new ManyToOneConcurrentArrayQueue<>(capacity);
        final AtomicReference<String> failure = new AtomicReference<>();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);

        final Thread io = new Thread(() ->
        {
            int freed = 0;
            while (freed < threads * rounds && System.nanoTime() - deadlineNs < 0 && null == failure.get())
            {
                final LibMd md = toIo.poll();
                if (null == md)
                {
                    Thread.onSpinWait();
                    continue;
                }
                shared.activate(md, md.publishedHandle);
                if (owners.getAndSet(md.index, 0) == 0)
                {
                    failure.compareAndSet(null, "slot " + md.index + " freed without an owner");
                }
                shared.withdraw(md);
                shared.free(md);
                freed++;
            }
        });
        final List<Thread> apps = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final int owner = t + 1;
            apps.add(new Thread(() ->
            {
                for (int i = 0; i < rounds && System.nanoTime() - deadlineNs < 0 && null == failure.get(); i++)
                {
                    final LibMd md;
                    try
                    {
                        md = shared.claim();
                    }
                    catch (final IllegalStateException ex)
                    {
                        i--;
                        Thread.onSpinWait();
                        continue;
                    }
                    if (!owners.compareAndSet(md.index, 0, owner))
                    {
                        failure.compareAndSet(null, "slot " + md.index + " given to " + owner + " while owned by " +
                            owners.get(md.index));
                        return;
                    }
                    shared.publish(md);
                    while (!toIo.offer(md))
                    {
                        Thread.onSpinWait();
                    }
                }
            }));
        }
        io.start();
        apps.forEach(Thread::start);
        for (final Thread a : apps)
        {
            a.join(TimeUnit.SECONDS.toMillis(90));
        }
        io.join(TimeUnit.SECONDS.toMillis(90));

        assertNull(failure.get());
        assertFalse(io.isAlive());
        for (int i = 0; i < capacity; i++)
        {
            assertEquals(0, owners.get(i), "slot " + i + " still owned");
        }
    }
}
