package io.jsocklnd.lnet;

import io.jsocklnd.lnd.NodeConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;

/**
 * Pipelined 64-byte PUTs without ACK between two real nodes over loopback sockets, each node with its own IO agent
 * and conductor threads (the {@code rate_64B} case of {@code make bench}): the benchmark thread PUTs a batch and
 * reads every event it causes, the SEND event of each PUT on the sender and its PUT event on the receiver. One
 * operation is one message through the send-and-complete and the receive-and-event paths. With {@code -prof gc}
 * ({@code make bench-jmh BENCH=LnetRate}) the allocation per operation counts every thread of the JVM, the IO
 * agents' included. {@link RateGcRun} runs the same traffic for a minute with GC logging ({@code make bench-gc}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class LnetRateBenchmark
{
    static final int BATCH = 4096;
    private static final int PORTAL = 7;
    private static final int PAYLOAD = 64;
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    private Lnet server;
    private Lnet client;
    private EventQueue serverEvents;
    private EventQueue clientEvents;
    private long md;
    private long sent;
    private long putEvents;
    private long sendEvents;
    private final EventHandler onServerEvent = event ->
    {
        if (event.type() == LnetEventType.PUT)
        {
            putEvents++;
        }
    };
    private final EventHandler onClientEvent = event ->
    {
        if (event.type() == LnetEventType.SEND)
        {
            sendEvents++;
        }
    };

    @Setup
    public void setup() throws Exception
    {
        serverEvents = new EventQueue(1 << 22);
        clientEvents = new EventQueue(1 << 22);
        server = Lnet.start(new NodeConfig().nid("127.0.93.1@tcp"));
        client = Lnet.start(new NodeConfig().nid("127.0.93.2@tcp"));
        server.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0, 0, new MemoryDescriptor()
            .memory(ByteBuffer.allocateDirect(PAYLOAD))
            .options(MemoryDescriptor.OP_PUT | MemoryDescriptor.MANAGE_REMOTE).persistent().eventQueue(serverEvents));
        md = client.bind(new MemoryDescriptor().memory(ByteBuffer.allocateDirect(PAYLOAD)).persistent()
            .eventQueue(clientEvents));
        client.ping(server.nid(), server.pid(), 10, TimeUnit.SECONDS);
    }

    @TearDown
    public void tearDown()
    {
        client.close();
        server.close();
        if (serverEvents.dropped() != 0 || clientEvents.dropped() != 0)
        {
            throw new IllegalStateException("events dropped: server=" + serverEvents.dropped() +
                " client=" + clientEvents.dropped());
        }
    }

    /**
     * PUT a batch and wait for the SEND and PUT events of every one.
     *
     * @return PUT events so far.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long putsAndEvents()
    {
        final long deadlineNs = System.nanoTime() + WAIT_NS;
        final long target = sent + BATCH;
        while (sent < target)
        {
            if (client.put(md, false, server.nid(), server.pid(), PORTAL, 0, 0, sent) == 0)
            {
                sent++;
            }
            else
            {
                drain(deadlineNs);
            }
        }
        while (putEvents < sent || sendEvents < sent)
        {
            drain(deadlineNs);
        }
        return putEvents;
    }

    private void drain(final long deadlineNs)
    {
        if (serverEvents.poll(onServerEvent, 256) + clientEvents.poll(onClientEvent, 256) == 0)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("events missing: sent=" + sent + " put=" + putEvents +
                    " send=" + sendEvents);
            }
            // Two CPUs and two IO agents here: give them the CPU rather than spin.
            Thread.yield();
        }
    }
}
