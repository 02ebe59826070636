package io.jsocklnd.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/**
 * This JVM's open-file budget, for tests that hold thousands of sockets (the JVM raises its soft limit to the
 * hard one at start).
 */
public final class FileLimit
{
    private FileLimit()
    {
    }

    /**
     * @return the soft "Max open files" limit of this process.
     */
    public static long current() throws Exception
    {
        for (final String line : Files.readAllLines(Paths.get("/proc/self/limits")))
        {
            if (line.startsWith("Max open files"))
            {
                return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no open-file limit in /proc/self/limits");
    }

    /**
     * @param pid a process on this machine.
     * @return descriptors it has open now.
     */
    public static long open(final long pid) throws Exception
    {
        try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(pid), "fd")))
        {
            return fds.count();
        }
    }

    /**
     * Fail with a clear message unless {@code needed} more descriptors can be opened.
     */
    public static void require(final long needed) throws Exception
    {
        final long limit = current();
        final long open = open(ProcessHandle.current().pid());
        if (limit - open < needed)
        {
            throw new IllegalStateException("this test needs " + needed + " more open files; the limit is " + limit +
                " with " + open + " open: raise it (ulimit -n) before running the tests");
        }
    }
}
