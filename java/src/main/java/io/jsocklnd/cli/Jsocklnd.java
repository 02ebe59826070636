package io.jsocklnd.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The {@code jsocklnd} command: run a node ({@code serve}), talk to one ({@code ping}, {@code put},
 * {@code get}), dissect captures of socklnd traffic ({@code decode}) and read the counters of a running node
 * ({@code stats}). Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(
    name = "jsocklnd",
    mixinStandardHelpOptions = true,
    versionProvider = Jsocklnd.Version.class,
    description = "Lustre LNet socket LND (socklnd) in user space: node, transfers, capture dissector, counters.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:failure (unreadable capture, no such node, I/O error)", "2:usage error"},
    subcommands = {
        ServeCommand.class,
        PingCommand.class,
        PutCommand.class,
        GetCommand.class,
        DecodeCommand.class,
        StatsCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Jsocklnd implements Runnable
{
    /** Exit code of a successful run. */
    public static final int EXIT_OK = 0;
    /** Exit code of a run that failed (unreadable file, no node, I/O error). */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a command line that could not be parsed. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command and exits with its code.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    /**
     * @return the command line with every subcommand and the exit-code mapping, printing to standard output and
     * standard error.
     */
    public static CommandLine commandLine()
    {
        final CommandLine commandLine = new CommandLine(new Jsocklnd());
        commandLine.setExecutionExceptionHandler((ex, cl, parseResult) ->
        {
            final PrintWriter err = cl.getErr();
            err.println(cl.getCommandName() + ": " + message(ex));
            err.flush();
            return EXIT_FAILURE;
        });
        commandLine.getCommandSpec().exitCodeOnInvalidInput(EXIT_USAGE);
        commandLine.getCommandSpec().exitCodeOnExecutionException(EXIT_FAILURE);
        for (final CommandLine sub : commandLine.getSubcommands().values())
        {
            sub.getCommandSpec().exitCodeOnInvalidInput(EXIT_USAGE);
            sub.getCommandSpec().exitCodeOnExecutionException(EXIT_FAILURE);
        }
        return commandLine;
    }

    /**
     * Without a subcommand: print usage and fail as a usage error.
     */
    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    private static String message(final Exception ex)
    {
        if (ex instanceof UncheckedIOException && ex.getCause() != null)
        {
            return message((Exception)ex.getCause());
        }
        final String text = ex.getMessage();
        return text == null ? ex.getClass().getSimpleName() : text;
    }

    /**
     * @return the project version this build carries.
     */
    public static String version()
    {
        try (InputStream in = Jsocklnd.class.getResourceAsStream("version.properties"))
        {
            if (in == null)
            {
                return "unknown";
            }
            final Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Supplies {@code --version}.
     */
    public static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            return new String[] {"jsocklnd " + version()};
        }
    }
}
