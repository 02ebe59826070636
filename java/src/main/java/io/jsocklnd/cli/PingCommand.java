package io.jsocklnd.cli;

import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.PingInfo;
import io.jsocklnd.lnet.PingResult;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.Nid;
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

import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;

/**
 * {@code ping}: LNet ping of a node (a GET of its ping info on portal 0, as {@code lnetctl ping}); prints its
 * interfaces with their status and the round-trip time.
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
        final var config = engine.toConfig(spec.commandLine(), nid);
        try (Lnet lnet = Lnet.start(config))
        {
            for (int i = 0; i < count; i++)
            {
                final PingResult result = lnet.ping(targetNid, targetPid, timeoutSeconds, TimeUnit.SECONDS);
                if (i == 0)
                {
                    final PingInfo info = result.info();
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
                out.printf("rtt %.3f ms%n", result.rttNs() / 1e6);
                out.flush();
            }
            return 0;
        }
        catch (final NativeIoException ex)
        {
            err.println("ping: cannot start node: nid=" + nid + " " + ex.getMessage());
        }
        catch (final TimeoutException | IOException ex)
        {
            err.println("ping: " + ex.getMessage());
        }
        err.flush();
        return 1;
    }
}
