package io.jsocklnd.cli;

import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.PingInfo;
import io.jsocklnd.lnet.PingResult;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.Nid;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;

/**
 * {@code ping}: LNet ping of a node (a GET of its ping info on portal 0, as {@code lnetctl ping}); prints its
 * interfaces with their status, each round-trip time, and a summary as iputils' ping does (sent, received, loss,
 * min/avg/p50/p99/max). Exit 0 when every ping was answered, 1 when any was lost.
 */
@Command(
    name = "ping",
    mixinStandardHelpOptions = true,
    description = "LNet ping: print the target's NIDs with their status and the round-trip time.")
public final class PingCommand implements Callable<Integer>
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nid", defaultValue = "127.0.0.1@tcp", description = "This node's NID (default ${DEFAULT-VALUE}).")
    String nid;

    @Parameters(index = "0", paramLabel = "TARGET_NID", description = "NID to ping.")
    String target;

    @Option(names = "--count", defaultValue = "1", description = "Pings to send (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--timeout", defaultValue = "10", description = "Seconds to wait for each reply (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--interval", defaultValue = "0",
        description = "Seconds between the start of one ping and the next, e.g. 0.2 (default ${DEFAULT-VALUE}: back to back).")
    double intervalSeconds;

    @Option(names = "--pid", defaultValue = "12345", description = "Target PID (default ${DEFAULT-VALUE}, LNET_PID_LUSTRE).")
    int targetPid = LNET_PID_LUSTRE;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final long targetNid;
        try
        {
            targetNid = Nid.parse(target);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        if (count < 1 || intervalSeconds < 0 || timeoutSeconds < 1)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "need --count >= 1, --interval >= 0 and --timeout >= 1");
        }
        final var config = engine.toConfig(spec.commandLine(), nid);
        try (Lnet lnet = Lnet.start(config))
        {
            final Histogram rtts = new Histogram(TimeUnit.SECONDS.toNanos(timeoutSeconds + 1L), 3);
            final long intervalNs = (long)(intervalSeconds * 1e9);
            final long startNs = System.nanoTime();
            boolean described = false;
            int sent = 0;
            for (int i = 0; i < count; i++)
            {
                final long dueNs = startNs + i * intervalNs;
                while (System.nanoTime() - dueNs < 0)
                {
                    LockSupport.parkNanos(dueNs - System.nanoTime());
                }
                sent++;
                final PingResult result;
                try
                {
                    result = lnet.ping(targetNid, targetPid, timeoutSeconds, TimeUnit.SECONDS);
                }
                catch (final TimeoutException | IOException ex)
                {
                    err.println("ping: " + ex.getMessage());
                    err.flush();
                    continue;
                }
                if (!described)
                {
                    described = true;
                    describe(out, targetNid, result.info());
                }
                rtts.recordValue(Math.min(result.rttNs(), rtts.getHighestTrackableValue()));
                out.printf("rtt %.3f ms%n", result.rttNs() / 1e6);
                out.flush();
            }
            final long received = rtts.getTotalCount();
            out.printf("--- %s ping statistics ---%n", Nid.toString(targetNid));
            out.printf("%d pings sent, %d received, %d%% loss, time %d ms%n", sent, received,
                (sent - received) * 100 / sent, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
            if (received > 0)
            {
                out.printf("rtt min/avg/p50/p99/max = %.3f/%.3f/%.3f/%.3f/%.3f ms%n", rtts.getMinValue() / 1e6,
                    rtts.getMean() / 1e6, rtts.getValueAtPercentile(50) / 1e6, rtts.getValueAtPercentile(99) / 1e6,
                    rtts.getMaxValue() / 1e6);
            }
            out.flush();
            return received == sent ? 0 : 1;
        }
        catch (final NativeIoException ex)
        {
            err.println("ping: cannot start node: nid=" + nid + " " + ex.getMessage());
        }
        err.flush();
        return 1;
    }

    private static void describe(final PrintWriter out, final long targetNid, final PingInfo info)
    {
        out.printf("%s: pid %d features %s (0x%x)%s%n", Nid.toString(targetNid), info.pid(),
            info.featureText(), info.features(), info.swapped() ? " big-endian" : "");
        for (final PingInfo.NiStatus ni : info.interfaces())
        {
            out.printf("  %s %s%n", Nid.toString(ni.nid()), ni.statusText());
        }
        if (info.nnis() > info.entries().size())
        {
            out.printf("  (%d more not shown: reply truncated)%n", info.nnis() - info.entries().size());
        }
    }
}
