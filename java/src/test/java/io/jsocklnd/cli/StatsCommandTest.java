package io.jsocklnd.cli;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jsocklnd stats} against real nodes on loopback exchanging messages: the counters a node's stats endpoint
 * serves while it runs, as a table and as JSON, the same counters over JMX, and clear failures when no node (or a
 * stopped one) has that NID.
 */
@Timeout(60)
class StatsCommandTest
{
    private static final String A = "127.0.41.1@tcp";
    private static final String B = "127.0.41.2@tcp";

    @TempDir
    Path dir;

    @Test
    void shouldPrintTheCountersOfARunningNodeGroupedByPeerAndConnection() throws Exception
    {
        try (TrafficEndpoint a = TrafficEndpoint.start(config(A), 64);
            TrafficEndpoint b = TrafficEndpoint.start(config(B), 64);
            StatsEndpoint stats = StatsEndpoint.start(dir, A, a.node()))
        {
            assertNull(a.warmUp(Nid.parse(B), 10_000));
            assertNull(a.warmUp(Nid.parse(B), 10_000));
            assertNull(b.warmUp(Nid.parse(A), 10_000));
            assertEquals(dir.resolve(A + ".sock"), stats.path());

            // a sent 4 warm-up messages (2 small, 2 of 64 KiB) to b and receives 2 from it.
            assertTrue(Await.until(() -> sum(counters(), "msgs_in") == 2, 10_000), () -> counters().toString());
            final Run json = Run.of("stats", "--dir", dir.toString(), "--nid", A, "--json");
            assertEquals(Jsocklnd.EXIT_OK, json.exitCode(), json::toString);
            final Map<String, Object> snapshot = Json.parseObject(json.out());
            assertEquals(A, snapshot.get("nid"));
            assertEquals(ProcessHandle.current().pid(), snapshot.get("pid"));
            @SuppressWarnings("unchecked")
            final Map<String, Object> counters = (Map<String, Object>)snapshot.get("counters");
            assertEquals(4L, sum(counters, "msgs_out"), counters::toString);
            assertEquals(2L, sum(counters, "msgs_in"), counters::toString);
            assertTrue(sum(counters, "bytes_out") >= 2 * (100 + 65536), counters::toString);
            assertEquals(4L, counters.get("io sends_completed"), counters::toString);
            assertEquals(3L, counters.get("peer " + B + " conns_opened"), counters::toString);
            final List<?> connections = (List<?>)snapshot.get("connections");
            assertFalse(connections.isEmpty());
            for (final Object connection : connections)
            {
                assertTrue(((String)connection).matches("conn#\\d+ " + B.replace(".", "\\.") + " \\w+ V3"),
                    connection::toString);
            }

            final Run table = Run.of("stats", "--dir", dir.toString(), "--nid", A);
            assertEquals(Jsocklnd.EXIT_OK, table.exitCode(), table::toString);
            final String out = table.out();
            assertTrue(out.startsWith("Node " + A + " (pid " + ProcessHandle.current().pid() + ")\n"), out);
            assertTrue(out.matches("(?s).*\\npeer " + B.replace(".", "\\.") + " +connect_attempts +\\d+\\n.*"), out);
            assertTrue(out.matches("(?s).*\\n +conns_opened +3\\n.*"), out);
            assertTrue(out.matches("(?s).*\\npeer " + B.replace(".", "\\.") + " +connect_attempts +\\d+\\n" +
                "(?: +\\w+ +\\d+\\n)*? +bytes_in +[1-9]\\d*\\n +bytes_out +[1-9]\\d*\\n +msgs_in +2\\n +msgs_out +4\\n.*"),
                out);
            assertFalse(out.contains("\ntotal "), out);
            assertTrue(out.matches("(?s).*\\nio +sends_accepted +4\\n.*"), out);
            assertTrue(out.matches("(?s).*\\nacceptor +accepted +\\d+\\n.*"), out);
            for (final Object connection : connections)
            {
                assertTrue(out.contains("\n" + connection + " "), () -> connection + " has no group in\n" + out);
                assertTrue(out.contains("\n  " + connection + "\n"), out);
            }

            // Left out, --nid names the only node serving in the directory.
            final Run only = Run.of("stats", "--dir", dir.toString(), "--json");
            assertEquals(Jsocklnd.EXIT_OK, only.exitCode(), only::toString);
            assertEquals(A, Json.parseObject(only.out()).get("nid"));

            final ObjectName name = stats.mbeanName();
            assertEquals(new ObjectName("io.jsocklnd:type=Node,nid=\"" + A + "\""), name);
            assertEquals(4L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "io sends_completed"));
            assertEquals(3L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "peer " + B + " conns_opened"));
            assertEquals(connections, List.of((String[])ManagementFactory.getPlatformMBeanServer()
                .getAttribute(name, "Connections")));
        }
        assertFalse(Files.exists(dir.resolve(A + ".sock")), "socket removed at close");
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(
            new ObjectName("io.jsocklnd:type=Node,nid=\"" + A + "\"")));
    }

    @Test
    void shouldReadCountersThatChangeWhileTheNodeRuns() throws Exception
    {
        try (TrafficEndpoint a = TrafficEndpoint.start(config(A), 64);
            TrafficEndpoint b = TrafficEndpoint.start(config(B), 64);
            StatsEndpoint stats = StatsEndpoint.start(dir, A, a.node()))
        {
            assertNull(a.warmUp(Nid.parse(B), 10_000));
            final long before = sendsCompleted();
            assertNull(a.warmUp(Nid.parse(B), 10_000));
            assertEquals(before + 2, sendsCompleted());
        }
    }

    @Test
    void shouldFailClearlyWhenNoNodeServesThatNid() throws IOException
    {
        final Run none = Run.of("stats", "--dir", dir.toString(), "--nid", "127.0.41.9@tcp");
        assertEquals(Jsocklnd.EXIT_FAILURE, none.exitCode());
        assertEquals("stats: no running node with nid=127.0.41.9@tcp (no stats socket " +
            dir.resolve("127.0.41.9@tcp.sock") + ")\n", none.err());

        final Run empty = Run.of("stats", "--dir", dir.toString());
        assertEquals(Jsocklnd.EXIT_FAILURE, empty.exitCode());
        assertTrue(empty.err().contains("no running node found (no stats socket in " + dir + ")"), empty::toString);

        // A socket file left behind by a node that died without closing its endpoint.
        Files.createFile(dir.resolve("127.0.41.8@tcp.sock"));
        final Run stale = Run.of("stats", "--dir", dir.toString(), "--nid", "127.0.41.8@tcp0");
        assertEquals(Jsocklnd.EXIT_FAILURE, stale.exitCode());
        assertTrue(stale.err().contains("no running node 127.0.41.8@tcp"), stale::toString);
        assertTrue(stale.err().contains("does not answer"), stale::toString);

        assertEquals(Jsocklnd.EXIT_USAGE, Run.of("stats", "--nid", "not-a-nid").exitCode());
    }

    @Test
    void shouldServeOneNidOnceAndReplaceAStaleSocket() throws IOException
    {
        final StatsEndpoint.Source source = new StatsEndpoint.Source()
        {
            public Map<String, Long> counters()
            {
                return Map.of("io sends_completed", 7L);
            }

            public List<String> connections()
            {
                return List.of();
            }
        };
        Files.createFile(dir.resolve("127.0.41.7@tcp.sock"));
        try (StatsEndpoint first = StatsEndpoint.start(dir, "127.0.41.7@tcp", source);
            StatsEndpoint other = StatsEndpoint.start(dir, "127.0.41.6@tcp", source))
        {
            final IOException twice = assertThrows(IOException.class,
                () -> StatsEndpoint.start(dir, "127.0.41.7@tcp", source));
            assertTrue(twice.getMessage().contains("already served: nid=127.0.41.7@tcp"), twice.getMessage());
            assertTrue(StatsEndpoint.read(first.path()).contains("\"io sends_completed\":7"));

            final Run several = Run.of("stats", "--dir", dir.toString());
            assertEquals(Jsocklnd.EXIT_FAILURE, several.exitCode());
            assertTrue(several.err().contains("several nodes run, choose one with --nid: 127.0.41.6@tcp 127.0.41.7@tcp"),
                several::toString);
            assertEquals("jsocklnd-stats 127.0.41.7@tcp", Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("jsocklnd-stats 127.0.41.7@tcp")).findFirst()
                .map(t -> t.isDaemon() ? t.getName() : "not a daemon").orElse("no thread"));
        }
    }

    /** Sum of one counter over the peers ({@code peer ...}), which count live and closed connections alike. */
    private static long sum(final Map<String, Object> counters, final String name)
    {
        long total = 0;
        for (final Map.Entry<String, Object> e : counters.entrySet())
        {
            if (e.getKey().startsWith("peer ") && e.getKey().endsWith(" " + name))
            {
                total += (Long)e.getValue();
            }
        }
        return total;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> counters()
    {
        final Run run = Run.of("stats", "--dir", dir.toString(), "--nid", A, "--json");
        assertEquals(Jsocklnd.EXIT_OK, run.exitCode(), run::toString);
        return (Map<String, Object>)Json.parseObject(run.out()).get("counters");
    }

    private long sendsCompleted()
    {
        final Run run = Run.of("stats", "--dir", dir.toString(), "--nid", A, "--json");
        assertEquals(Jsocklnd.EXIT_OK, run.exitCode(), run::toString);
        return (Long)((Map<?, ?>)Json.parseObject(run.out()).get("counters")).get("io sends_completed");
    }

    private static NodeConfig config(final String nid)
    {
        return new NodeConfig().nid(nid).port(WireConstants.LNET_ACCEPT_PORT).reconnect(200, 2000, TimeUnit.MILLISECONDS);
    }
}
