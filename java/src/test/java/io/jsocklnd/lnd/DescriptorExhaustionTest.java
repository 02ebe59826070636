package io.jsocklnd.lnd;

import io.jsocklnd.cli.Jsocklnd;
import io.jsocklnd.cli.Json;
import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.FileLimit;
import io.jsocklnd.harness.flood.PeerFlood;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code jsocklnd serve} process whose open-file limit is lowered to a few dozen above what it uses while idle
 * meets more peers than it has descriptors for: each connection it cannot take is refused before any hello
 * (counted as {@code acceptor refused_fd_limit}, logged at most once a second), no agent error happens, the peers
 * it did take are answered, and once they leave it answers new peers again.
 */
final class DescriptorExhaustionTest
{
    private static final String NID = "127.0.63.1@tcp";
    private static final int HEADROOM = 40;
    private static final int FLOOD_PEERS = 150;

    @Test
    void shouldRefuseWhatItHasNoDescriptorForBeforeTheHelloAndKeepServing(@TempDir final Path dir) throws Exception
    {
        final Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        final List<String> command = List.of(java.toString(), "-Xmx256m",
            "-cp", jarredClassPath(dir.resolve("classes")),
            "-Djsocklnd.native.lib=" + System.getProperty("jsocklnd.native.lib"),
            "-Djsocklnd.stats.dir=" + dir,
            "io.jsocklnd.cli.Jsocklnd", "serve", "--nid", NID, "--duration", "300");
        final Process serve = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(serve.getErrorStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    log.add(line);
                }
            }
            catch (final Exception ignore)
            {
                // the process is gone
            }
        }, "serve-stderr");
        pump.setDaemon(true);
        pump.start();
        try
        {
            assertTrue(Await.until(() -> null != stats(dir), 30_000), "serve did not start: " + log);
            // Every path a peer takes loaded before the limit (jars open lazily, at their first class).
            final PeerFlood.Report warmUp = PeerFlood.run(options(3, 2_900_000, true, 10_000));
            assertEquals(3, warmUp.peersAnswered, warmUp::toString);
            assertTrue(Await.until(() -> stats(dir).get("io connections") == 0, 10_000), "warm-up connections stay");
            final long open = FileLimit.open(serve.pid());
            final long limit = open + HEADROOM;
            final Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(serve.pid()),
                "--nofile=" + limit + ":" + limit).inheritIO().start();
            assertTrue(prlimit.waitFor(30, TimeUnit.SECONDS) && prlimit.exitValue() == 0, "prlimit failed");

            final PeerFlood.Report flood = PeerFlood.run(options(FLOOD_PEERS, 3_000_000, false, 5_000));
            System.out.println("flood over the limit of " + limit + " descriptors (" + open + " open at rest): " + flood);
            assertTrue(flood.peersAnswered > 0, () -> flood + "\n" + warnings(log));
            assertTrue(flood.peersFailed > 0, flood::toString);
            assertEquals(FLOOD_PEERS, flood.peersAnswered + flood.peersFailed, flood::toString);

            // The flood's peers have hung up; the node serves again once it has closed what they left.
            assertTrue(Await.until(() -> stats(dir).get("io connections") == 0, 10_000), "flood connections stay");
            final PeerFlood.Report after = PeerFlood.run(options(20, 3_100_000, true, 10_000));
            assertEquals(20, after.peersAnswered, after::toString);

            final Map<String, Long> counters = stats(dir);
            assertTrue(null != counters, "stats unreadable: " + log);
            assertTrue(counters.get("acceptor refused_fd_limit") > 0, counters::toString);
            assertEquals(0L, counters.get("node agent_errors"), counters::toString);
            assertEquals(0L, counters.get("io attach_failures"), counters::toString);

            final List<String> refusalLines = new ArrayList<>();
            for (final String line : log)
            {
                if (line.contains("before their hello: out of file descriptors"))
                {
                    refusalLines.add(line);
                }
                assertFalse(line.contains("agent error"), line);
            }
            assertFalse(refusalLines.isEmpty(), () -> String.join("\n", log));
            assertTrue(refusalLines.size() < counters.get("acceptor refused_fd_limit") || refusalLines.size() == 1,
                "one line per refusal instead of a summary: " + refusalLines);
        }
        finally
        {
            System.out.println("serve's warnings and errors:\n" + warnings(log));
            serve.destroy();
            if (!serve.waitFor(10, TimeUnit.SECONDS))
            {
                serve.destroyForcibly();
            }
        }
    }

    private static PeerFlood.Options options(final int peers, final int firstAddress, final boolean serial, final long timeoutMs)
    {
        final PeerFlood.Options options = PeerFlood.Options.toward(NID, peers, firstAddress);
        options.allTypes = serial;
        options.serial = serial;
        options.concurrency = peers;
        options.perPeerTimeoutMs = timeoutMs;
        options.overallTimeoutMs = 60_000;
        options.seed = System.nanoTime();
        return options;
    }

    /**
     * This JVM's class path with every directory packed into a jar, as users run the node: a class loaded from a
     * directory opens a file, which a process out of descriptors cannot do, while a jar stays open once read.
     */
    private static String jarredClassPath(final Path into) throws Exception
    {
        Files.createDirectories(into);
        final List<String> entries = new ArrayList<>();
        for (final String entry : classPathEntries())
        {
            final Path path = Paths.get(entry);
            if (!Files.isDirectory(path))
            {
                entries.add(entry);
                continue;
            }
            final Path jar = into.resolve("dir" + entries.size() + ".jar");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(path))
            {
                for (final Path file : (Iterable<Path>)files.filter(Files::isRegularFile)::iterator)
                {
                    out.putNextEntry(new JarEntry(path.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            entries.add(jar.toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The class path entries, read through a manifest-only jar's Class-Path when the test runs from one. */
    private static List<String> classPathEntries() throws Exception
    {
        final List<String> entries = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            final Path path = Paths.get(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(path))
            {
                try (JarFile jar = new JarFile(path.toFile()))
                {
                    final Manifest manifest = jar.getManifest();
                    final String listed = null == manifest ? null : manifest.getMainAttributes().getValue("Class-Path");
                    if (null != listed && jar.size() <= 2)
                    {
                        for (final String url : listed.trim().split("\\s+"))
                        {
                            entries.add(Paths.get(new URI(url)).toString());
                        }
                        continue;
                    }
                }
            }
            entries.add(entry);
        }
        return entries;
    }

    private static String warnings(final ConcurrentLinkedQueue<String> log)
    {
        final StringBuilder out = new StringBuilder();
        for (final String line : log)
        {
            if (!line.contains(" INFO "))
            {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    /** The serve process's counters through {@code jsocklnd stats --json}, or null while it does not answer. */
    @SuppressWarnings("unchecked")
    private static Map<String, Long> stats(final Path dir)
    {
        final StringWriter out = new StringWriter();
        final int code = Jsocklnd.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(new StringWriter(), true))
            .execute("stats", "--dir", dir.toString(), "--nid", NID, "--json");
        if (code != 0)
        {
            return null;
        }
        final Map<String, Object> snapshot = Json.parseObject(out.toString());
        final Map<String, Long> counters = new LinkedHashMap<>();
        ((Map<String, Object>)snapshot.get("counters")).forEach((k, v) -> counters.put(k, ((Number)v).longValue()));
        return counters;
    }
}
