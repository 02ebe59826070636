package io.jsocklnd.cli;

import io.jsocklnd.lnd.Node;
import io.jsocklnd.wire.Nid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A running node's counters, served on a Unix domain socket so that {@code jsocklnd stats} can read them while
 * the node runs: each client that connects receives one JSON snapshot ({@link #snapshotJson}) and the socket is
 * closed. The socket is {@code DIR/<nid>.sock}, DIR being the system property {@value #DIR_PROPERTY}, else
 * {@code $XDG_RUNTIME_DIR/jsocklnd}, else {@code /tmp/jsocklnd}. The endpoint runs on its own daemon thread, never
 * on the node's agents, and reads the counters the agents publish. The same counters are registered as a JMX
 * MBean {@code io.jsocklnd:type=Node,nid="<nid>"} when the platform MBean server accepts it.
 */
public final class StatsEndpoint implements AutoCloseable
{
    /** System property naming the directory of the sockets. */
    public static final String DIR_PROPERTY = "jsocklnd.stats.dir";
    /** File name suffix of a socket. */
    public static final String SUFFIX = ".sock";
    /** Longest a client waits for a snapshot. */
    public static final long READ_TIMEOUT_MS = 5_000;

    private static final Logger LOG = LoggerFactory.getLogger(StatsEndpoint.class);
    private static final int MAX_SNAPSHOT_BYTES = 64 << 20;

    /**
     * What the endpoint serves.
     */
    public interface Source
    {
        /**
         * @return counter label to value ({@link Node#counters()}).
         */
        Map<String, Long> counters();

        /**
         * @return live connections, one line each ({@link Node#connections()}).
         */
        List<String> connections();
    }

    private final String nid;
    private final Path path;
    private final Source source;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final ObjectName mbeanName;
    private volatile boolean closed;

    private StatsEndpoint(final String nid, final Path path, final Source source, final ServerSocketChannel server)
    {
        this.nid = nid;
        this.path = path;
        this.source = source;
        this.server = server;
        this.mbeanName = registerMBean(nid, source);
        this.thread = new Thread(this::serve, "jsocklnd-stats " + nid);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Serves a node's counters under its own NID, in the default directory.
     *
     * @param node a running node.
     * @return the endpoint; close it before or with the node.
     * @throws IOException when the socket cannot be bound or another live endpoint serves that NID.
     */
    public static StatsEndpoint start(final Node node) throws IOException
    {
        return start(Nid.toString(node.config().nid()), node);
    }

    /**
     * @param nid  the NID to serve under.
     * @param node a running node.
     * @return the endpoint.
     * @throws IOException when the socket cannot be bound or another live endpoint serves that NID.
     */
    public static StatsEndpoint start(final String nid, final Node node) throws IOException
    {
        return start(directory(), nid, node);
    }

    /**
     * @param directory directory of the socket (created, mode 0700, if missing).
     * @param nid       the NID to serve under.
     * @param node      a running node.
     * @return the endpoint.
     * @throws IOException when the socket cannot be bound or another live endpoint serves that NID.
     */
    public static StatsEndpoint start(final Path directory, final String nid, final Node node) throws IOException
    {
        Objects.requireNonNull(node, "node");
        return start(directory, nid, new Source()
        {
            public Map<String, Long> counters()
            {
                return node.counters();
            }

            public List<String> connections()
            {
                return node.connections();
            }
        });
    }

    /**
     * @param directory directory of the socket (created, mode 0700, if missing).
     * @param nid       the NID to serve under.
     * @param source    what to serve.
     * @return the endpoint.
     * @throws IOException when the socket cannot be bound or another live endpoint serves that NID.
     */
    public static StatsEndpoint start(final Path directory, final String nid, final Source source) throws IOException
    {
        Objects.requireNonNull(source, "source");
        final String canonical = canonicalNid(nid);
        if (!Files.isDirectory(directory))
        {
            try
            {
                Files.createDirectories(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            catch (final FileAlreadyExistsException ex)
            {
                throw new IOException("stats directory is not a directory: " + directory, ex);
            }
        }
        final Path path = socketPath(directory, canonical);
        if (Files.exists(path))
        {
            if (isLive(path))
            {
                throw new IOException("stats endpoint already served: nid=" + canonical + " path=" + path);
            }
            Files.deleteIfExists(path);
        }
        final ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try
        {
            server.bind(UnixDomainSocketAddress.of(path));
        }
        catch (final IOException | RuntimeException ex)
        {
            server.close();
            throw new IOException("cannot bind stats endpoint: path=" + path + ": " + ex.getMessage(), ex);
        }
        return new StatsEndpoint(canonical, path, source, server);
    }

    /**
     * @return the directory of the sockets: {@value #DIR_PROPERTY}, else {@code $XDG_RUNTIME_DIR/jsocklnd}, else
     * {@code /tmp/jsocklnd}.
     */
    public static Path directory()
    {
        final String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isEmpty())
        {
            return Path.of(configured);
        }
        final String runtime = System.getenv("XDG_RUNTIME_DIR");
        return Path.of(runtime != null && !runtime.isEmpty() ? runtime : "/tmp", "jsocklnd");
    }

    /**
     * @param directory directory of the sockets.
     * @param nid       a NID.
     * @return its socket path.
     */
    public static Path socketPath(final Path directory, final String nid)
    {
        return directory.resolve(canonicalNid(nid) + SUFFIX);
    }

    /**
     * @param nid NID text.
     * @return the NID as Lustre prints it ({@code 10.0.0.1@tcp0} becomes {@code 10.0.0.1@tcp}).
     * @throws IllegalArgumentException when it is not a NID.
     */
    public static String canonicalNid(final String nid)
    {
        Objects.requireNonNull(nid, "nid");
        try
        {
            return Nid.toString(Nid.parse(nid.trim()));
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("not a nid: nid=" + nid, ex);
        }
    }

    /**
     * Reads one snapshot from an endpoint.
     *
     * @param path the endpoint's socket.
     * @return the JSON snapshot.
     * @throws IOException when nothing serves there or it does not answer in {@link #READ_TIMEOUT_MS}.
     */
    public static String read(final Path path) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path)))
        {
            channel.shutdownOutput();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteBuffer buffer = ByteBuffer.allocate(8192);
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_TIMEOUT_MS);
            channel.configureBlocking(false);
            while (true)
            {
                final int n = channel.read(buffer.clear());
                if (n < 0)
                {
                    break;
                }
                if (n == 0)
                {
                    if (System.nanoTime() - deadline > 0)
                    {
                        throw new IOException("stats endpoint did not answer within " + READ_TIMEOUT_MS + " ms: " + path);
                    }
                    sleepBriefly();
                    continue;
                }
                out.write(buffer.array(), 0, n);
                if (out.size() > MAX_SNAPSHOT_BYTES)
                {
                    throw new IOException("stats snapshot too large: path=" + path);
                }
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * @param nid    the node's NID.
     * @param source its counters and connections.
     * @return {@code {"nid":..., "pid":..., "time_ms":..., "counters":{label: value, ...}, "connections":[...]}},
     * on one line.
     */
    public static String snapshotJson(final String nid, final Source source)
    {
        final StringBuilder sb = new StringBuilder(4096);
        sb.append("{\"nid\":");
        Json.quote(sb, nid);
        sb.append(",\"pid\":").append(ProcessHandle.current().pid());
        sb.append(",\"time_ms\":").append(System.currentTimeMillis());
        sb.append(",\"counters\":{");
        boolean first = true;
        for (final Map.Entry<String, Long> counter : source.counters().entrySet())
        {
            if (!first)
            {
                sb.append(',');
            }
            first = false;
            Json.quote(sb, counter.getKey()).append(':').append(counter.getValue());
        }
        sb.append("},\"connections\":[");
        first = true;
        for (final String connection : source.connections())
        {
            if (!first)
            {
                sb.append(',');
            }
            first = false;
            Json.quote(sb, connection);
        }
        return sb.append("]}").toString();
    }

    /**
     * @return the NID served, as Lustre prints it.
     */
    public String nid()
    {
        return nid;
    }

    /**
     * @return the socket path.
     */
    public Path path()
    {
        return path;
    }

    /**
     * @return the JMX name of the counters MBean, or null if it could not be registered.
     */
    public ObjectName mbeanName()
    {
        return mbeanName;
    }

    private void serve()
    {
        while (!closed)
        {
            try (SocketChannel client = server.accept())
            {
                final ByteBuffer snapshot =
                    ByteBuffer.wrap((snapshotJson(nid, source) + "\n").getBytes(StandardCharsets.UTF_8));
                while (snapshot.hasRemaining())
                {
                    client.write(snapshot);
                }
            }
            catch (final ClosedChannelException ex)
            {
                return;
            }
            catch (final IOException ex)
            {
                LOG.debug("{}: stats endpoint: client left early: {}", nid, ex.toString());
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("{}: stats endpoint: snapshot failed: {}", nid, ex.toString());
            }
        }
    }

    /**
     * Stops serving, removes the socket file and unregisters the MBean.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            server.close();
        }
        catch (final IOException ex)
        {
            LOG.warn("{}: stats endpoint: close failed: {}", nid, ex.toString());
        }
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            LOG.warn("{}: stats endpoint: cannot remove {}: {}", nid, path, ex.toString());
        }
        if (mbeanName != null)
        {
            try
            {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbeanName);
            }
            catch (final JMException ex)
            {
                LOG.warn("{}: cannot unregister {}: {}", nid, mbeanName, ex.toString());
            }
        }
    }

    private static boolean isLive(final Path path)
    {
        try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(path)))
        {
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static ObjectName registerMBean(final String nid, final Source source)
    {
        try
        {
            final ObjectName name = new ObjectName("io.jsocklnd:type=Node,nid=" + ObjectName.quote(nid));
            final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            server.registerMBean(new CountersMBean(nid, source), name);
            return name;
        }
        catch (final JMException | RuntimeException ex)
        {
            LOG.warn("{}: counters not registered with JMX: {}", nid, ex.toString());
            return null;
        }
    }

    private static void sleepBriefly()
    {
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading stats", ex);
        }
    }
}
