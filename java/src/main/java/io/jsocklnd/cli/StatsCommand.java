package io.jsocklnd.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code jsocklnd stats}: reads the counters of a running node from its {@link StatsEndpoint} and prints them
 * grouped (acceptor, IO agent, each peer, each connection),
 * or the endpoint's JSON snapshot with {@code --json}.
 */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    versionProvider = Jsocklnd.Version.class,
    description = {
        "Print the counters of a running node.",
        "Reads them from the stats socket the node serves (DIR/<nid>.sock),",
        "grouped by acceptor, IO agent, peer and connection."})
public final class StatsCommand implements Callable<Integer>
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--nid", paramLabel = "NID",
        description = "the node's NID; may be left out when exactly one node runs")
    private String nid;

    @Option(names = "--json", description = "print the snapshot as one JSON object")
    private boolean json;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "directory of the stats sockets (default: $XDG_RUNTIME_DIR/jsocklnd, else /tmp/jsocklnd)")
    private Path dir;

    @Override
    public Integer call() throws IOException
    {
        final Path directory = dir != null ? dir : StatsEndpoint.directory();
        final Path socket = socket(directory);
        final String snapshot;
        try
        {
            snapshot = StatsEndpoint.read(socket);
        }
        catch (final IOException ex)
        {
            throw new IOException("no running node " + nodeName(socket) + ": its stats socket " + socket +
                " does not answer (" + ex.getMessage() + "); the node has stopped", ex);
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            out.println(snapshot.strip());
        }
        else
        {
            out.print(render(Json.parseObject(snapshot)));
        }
        out.flush();
        return Jsocklnd.EXIT_OK;
    }

    private Path socket(final Path directory) throws IOException
    {
        if (nid != null)
        {
            final String canonical;
            try
            {
                canonical = StatsEndpoint.canonicalNid(nid);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
            }
            final Path socket = StatsEndpoint.socketPath(directory, canonical);
            if (!Files.exists(socket))
            {
                throw new IOException("no running node with nid=" + canonical + " (no stats socket " + socket + ")");
            }
            return socket;
        }
        final List<Path> sockets = new ArrayList<>();
        if (Files.isDirectory(directory))
        {
            try (Stream<Path> files = Files.list(directory))
            {
                files.filter(p -> p.getFileName().toString().endsWith(StatsEndpoint.SUFFIX)).sorted().forEach(sockets::add);
            }
        }
        if (sockets.isEmpty())
        {
            throw new IOException("no running node found (no stats socket in " + directory + ")");
        }
        if (sockets.size() > 1)
        {
            throw new IOException("several nodes run, choose one with --nid: " +
                sockets.stream().map(StatsCommand::nodeName).collect(Collectors.joining(" ")));
        }
        return sockets.get(0);
    }

    private static String nodeName(final Path socket)
    {
        final String name = socket.getFileName().toString();
        return name.endsWith(StatsEndpoint.SUFFIX) ? name.substring(0, name.length() - StatsEndpoint.SUFFIX.length()) : name;
    }

    /**
     * @param snapshot a parsed snapshot ({@link StatsEndpoint#snapshotJson}).
     * @return the counters as text: one table, grouped by counter owner (label before its last word).
     */
    static String render(final Map<String, Object> snapshot)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("Node ").append(snapshot.get("nid")).append(" (pid ").append(snapshot.get("pid")).append(")\n\n");
        final Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
        final Object counters = snapshot.get("counters");
        if (counters instanceof Map)
        {
            for (final Map.Entry<?, ?> e : ((Map<?, ?>)counters).entrySet())
            {
                final String label = String.valueOf(e.getKey());
                final int space = label.lastIndexOf(' ');
                final String group = space < 0 ? "node" : label.substring(0, space);
                groups.computeIfAbsent(group, k -> new LinkedHashMap<>()).put(label.substring(space + 1), e.getValue());
            }
        }
        final List<String> order = new ArrayList<>();
        for (final String prefix : List.of("acceptor", "io", "node", "peer ", "conn#"))
        {
            for (final String group : groups.keySet())
            {
                final boolean matches = prefix.endsWith(" ") || prefix.endsWith("#") ?
                    group.startsWith(prefix) : group.equals(prefix);
                if (matches && !order.contains(group))
                {
                    order.add(group);
                }
            }
        }
        groups.keySet().stream().filter(g -> !order.contains(g)).forEach(order::add);
        final Table table = new Table("GROUP", "COUNTER", "VALUE");
        for (final String group : order)
        {
            boolean first = true;
            for (final Map.Entry<String, Object> counter : groups.get(group).entrySet())
            {
                table.row(first ? group : "", counter.getKey(), counter.getValue());
                first = false;
            }
        }
        sb.append(table.render());
        sb.append("\nConnections:");
        final Object connections = snapshot.get("connections");
        if (connections instanceof List && !((List<?>)connections).isEmpty())
        {
            sb.append('\n');
            for (final Object connection : (List<?>)connections)
            {
                sb.append("  ").append(connection).append('\n');
            }
        }
        else
        {
            sb.append(" none\n");
        }
        return sb.toString();
    }
}
