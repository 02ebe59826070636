package io.jsocklnd.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link NodeProcess} in a child JVM started with this JVM's test classpath and native library; its
 * stderr (the node's log) is copied to this JVM's stderr with a prefix. {@link #close()} asks it to quit
 * and destroys it if it does not.
 */
public final class ChildNode implements AutoCloseable
{
    private final Process process;
    private final PrintStream commands;
    private final LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();

    private ChildNode(final Process process)
    {
        this.process = process;
        this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true);
        pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false);
    }

    /**
     * Start a child node and wait for it to listen.
     *
     * @param extraArgs {@link NodeProcess} options, {@code --nid} first.
     * @return the running child.
     * @throws IOException if it cannot be started or does not become ready in 20 s.
     */
    public static ChildNode start(final String... extraArgs) throws IOException
    {
        final Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        final List<String> command = new ArrayList<>(List.of(
            java.toString(),
            "-Xmx512m",
            "-XX:MaxDirectMemorySize=512m",
            "-cp", System.getProperty("java.class.path"),
            "-Djsocklnd.native.lib=" + System.getProperty("jsocklnd.native.lib"),
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
            NodeProcess.class.getName()));
        command.addAll(List.of(extraArgs));
        final Process process = new ProcessBuilder(command).start();
        final ChildNode child = new ChildNode(process);
        try
        {
            final String ready = child.expect("READY", 20_000);
            if (null == ready)
            {
                throw new IOException("child node did not become ready");
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            child.close();
            throw ex;
        }
        return child;
    }

    private void pump(final BufferedReader reader, final boolean isReply)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    if (isReply)
                    {
                        replies.add(line);
                    }
                    else
                    {
                        System.err.println("[child " + process.pid() + "] " + line);
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the child went away; close() reports what matters
            }
        }, isReply ? "child-stdout" : "child-stderr");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Send one command and wait for its reply.
     *
     * @param command   the command line.
     * @param timeoutMs most time to wait for the reply.
     * @return the reply line, or null on timeout.
     */
    public String call(final String command, final long timeoutMs)
    {
        commands.println(command);
        return next(timeoutMs);
    }

    private String next(final long timeoutMs)
    {
        try
        {
            return replies.poll(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private String expect(final String prefix, final long timeoutMs)
    {
        final String line = next(timeoutMs);
        return null != line && line.startsWith(prefix) ? line : null;
    }

    /**
     * @return whether the child still runs.
     */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    public void close()
    {
        try
        {
            if (process.isAlive())
            {
                commands.println("quit");
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            process.destroyForcibly();
        }
    }
}
