package io.jsocklnd.lnd;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Cost of the per-message ZC bookkeeping: register a send and release it by a single ACK, beside a
 * baseline on {@code java.util} collections; and one ACK piggybacked through the TX queue.
 * Run with {@code make bench} (adds {@code -prof gc} to show allocation per operation).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ZcCookieBenchmark
{
    private static final int IN_FLIGHT = 64;

    private final ZcRequestTable<Object> table = new ZcRequestTable<>();
    private final Object tx = new Object();
    private final Consumer<Object> release = released -> { };
    private final HashMap<Long, Object> baselineMap = new HashMap<>();
    private final ArrayDeque<Long> baselineOrder = new ArrayDeque<>();
    private long baselineNext = 2;

    private final TxQueue queue = new TxQueue();
    private final Tx message = new Tx().lnet();
    private final Tx noop = new Tx();

    @Setup
    public void setup()
    {
        for (int i = 0; i < IN_FLIGHT; i++)
        {
            table.register(tx, 0);
            baselineMap.put(baselineNext, tx);
            baselineOrder.add(baselineNext++);
        }
    }

    @Benchmark
    public int registerThenAckOldest()
    {
        final long cookie = table.register(tx, 0);
        return table.onAck(true, 0, cookie - IN_FLIGHT, true, release);
    }

    @Benchmark
    public Object baselineHashMapRegisterThenRemoveOldest()
    {
        final long cookie = baselineNext++;
        baselineMap.put(cookie, tx);
        baselineOrder.add(cookie);
        return baselineMap.remove(baselineOrder.poll());
    }

    @Benchmark
    public Tx piggybackAckOnQueuedMessage()
    {
        message.cookies().set(0, 0);
        queue.queueMessage(message);
        queue.queueAck(noop.noop(7));
        return queue.poll();
    }
}
