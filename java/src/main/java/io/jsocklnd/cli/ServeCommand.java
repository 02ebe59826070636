package io.jsocklnd.cli;

import io.jsocklnd.lnet.EventHandler;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.LnetEvent;
import io.jsocklnd.lnet.LnetEventType;
import io.jsocklnd.lnet.MemoryDescriptor;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.Nid;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.lnet.MemoryDescriptor.MANAGE_REMOTE;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_GET;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_PUT;
import static io.jsocklnd.lnet.MemoryDescriptor.TRUNCATE;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;

/**
 * {@code serve}: run an LNet node until interrupted (or for {@code --duration}): it answers pings, checks and
 * sinks PUTs on portal {@value TestService#PUT_PORTAL} and serves the pattern and the check report on portal
 * {@value TestService#GET_PORTAL} ({@link TestService}).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run an LNet node: answers pings, sinks and checks PUTs on portal 60, serves a pattern and a "
        + "check report on portal 61.")
public final class ServeCommand implements Callable<Integer>
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nid", required = true, description = "This node's NID, e.g. 192.168.1.10@tcp.")
    String nid;

    @Option(names = "--duration", description = "Stop after this many seconds (default: run until interrupted).")
    Long durationSeconds;

    @Mixin
    EngineOptions engine = new EngineOptions();

    private final Map<Long, Integer> sessionSlots = new HashMap<>();
    private UnsafeBuffer report;
    private ByteBuffer sink;
    private long sinkHandle;
    private long chunksGood;
    private long chunksBad;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final var config = engine.toConfig(spec.commandLine(), nid);
        final Lnet lnet;
        try
        {
            lnet = Lnet.start(config);
        }
        catch (final NativeIoException ex)
        {
            err.println("serve: cannot start node: nid=" + nid + " " + ex.getMessage());
            err.flush();
            return 1;
        }
        StatsEndpoint stats = null;
        try
        {
            stats = StatsEndpoint.start(StatsEndpoint.directory(), nid, new StatsEndpoint.Source()
            {
                public Map<String, Long> counters()
                {
                    return lnet.counters();
                }

                public List<String> connections()
                {
                    return lnet.node().connections();
                }
            });
        }
        catch (final IOException | RuntimeException ex)
        {
            err.println("serve: stats endpoint not started (jsocklnd stats will not see this node): " + ex.getMessage());
            err.flush();
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread loop = Thread.currentThread();
        final Thread hook = new Thread(() ->
        {
            loop.interrupt();
            try
            {
                stopped.await(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
        }, "jsocklnd-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            setUp(lnet);
            out.printf("serving %s pid %d port %d: ping on portal 0, PUT sink on portal %d, pattern and report on "
                    + "portal %d%n", Nid.toString(lnet.nid()), lnet.pid(), config.port(), TestService.PUT_PORTAL,
                TestService.GET_PORTAL);
            out.flush();
            final long deadlineNs = null == durationSeconds ? Long.MAX_VALUE :
                System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
            final long sliceNs = TimeUnit.SECONDS.toNanos(1);
            final EventHandler handler = this::onEvent;
            long waitNs;
            while (!Thread.currentThread().isInterrupted() &&
                (waitNs = null == durationSeconds ? sliceNs : Math.min(sliceNs, deadlineNs - System.nanoTime())) > 0)
            {
                lnet.poll(handler, 256, waitNs, TimeUnit.NANOSECONDS);
            }
            Thread.interrupted();
            out.printf("stopped: pings answered %d, PUT chunks good %d bad %d, GETs %d, sessions %d%n",
                lnet.counter("pings_answered"), chunksGood, chunksBad, lnet.counter("gets_in"),
                sessionSlots.size());
            out.flush();
            return 0;
        }
        finally
        {
            CloseHelper.quietClose(stats);
            lnet.close();
            stopped.countDown();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignore)
            {
                // the JVM is already shutting down
            }
        }
    }

    private void setUp(final Lnet lnet)
    {
        sink = ByteBuffer.allocateDirect(TestService.SINK_SLOTS * TestService.CHUNK);
        sinkHandle = lnet.attach(TestService.PUT_PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0, -1L,
            new MemoryDescriptor().memory(sink).options(OP_PUT | MANAGE_REMOTE).persistent());
        final UnsafeBuffer pattern = new UnsafeBuffer(ByteBuffer.allocateDirect(TestService.PATTERN_LENGTH));
        TestService.fillPattern(pattern, TestService.PATTERN_LENGTH);
        lnet.attach(TestService.GET_PORTAL, LNET_NID_ANY, LNET_PID_ANY, TestService.PATTERN_MATCHBITS, 0,
            new MemoryDescriptor().memory(pattern, 0, pattern.capacity()).options(OP_GET | MANAGE_REMOTE | TRUNCATE)
                .persistent().eventQueue(null));
        report = new UnsafeBuffer(ByteBuffer.allocateDirect(TestService.REPORT_LENGTH));
        lnet.attach(TestService.GET_PORTAL, LNET_NID_ANY, LNET_PID_ANY, TestService.REPORT_MATCHBITS, 0,
            new MemoryDescriptor().memory(report, 0, report.capacity()).options(OP_GET | MANAGE_REMOTE | TRUNCATE)
                .persistent().eventQueue(null));
    }

    private void onEvent(final LnetEvent event)
    {
        if (event.type() != LnetEventType.PUT || event.mdHandle() != sinkHandle)
        {
            return;
        }
        final long session = event.matchBits();
        final boolean good = event.status() == 0 && event.mlength() == event.rlength() &&
            TestService.crc32c(sink, event.offset(), event.mlength()) == event.hdrData();
        final int slot = sessionSlots.computeIfAbsent(session, s -> sessionSlots.size() % TestService.REPORT_ENTRIES);
        final int at = slot * TestService.REPORT_ENTRY_LENGTH;
        if (report.getLong(at, ByteOrder.LITTLE_ENDIAN) != session)
        {
            report.setMemory(at, TestService.REPORT_ENTRY_LENGTH, (byte)0);
            report.putLong(at, session, ByteOrder.LITTLE_ENDIAN);
        }
        if (good)
        {
            chunksGood++;
            report.putLong(at + 24, report.getLong(at + 24, ByteOrder.LITTLE_ENDIAN) + event.mlength(),
                ByteOrder.LITTLE_ENDIAN);
            report.putLong(at + 8, report.getLong(at + 8, ByteOrder.LITTLE_ENDIAN) + 1, ByteOrder.LITTLE_ENDIAN);
        }
        else
        {
            chunksBad++;
            report.putLong(at + 16, report.getLong(at + 16, ByteOrder.LITTLE_ENDIAN) + 1, ByteOrder.LITTLE_ENDIAN);
        }
    }
}
