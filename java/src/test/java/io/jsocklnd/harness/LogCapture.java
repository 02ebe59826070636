package io.jsocklnd.harness;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Copies every line written to {@code System.err} (where slf4j-simple logs) into a list while still
 * printing it, so tests can check what was logged. Restores the old stream on close.
 */
public final class LogCapture implements AutoCloseable
{
    private final PrintStream original;
    private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();

    private LogCapture()
    {
        original = System.err;
        System.setErr(new PrintStream(new LineTee(original, lines), true, StandardCharsets.UTF_8));
    }

    /**
     * Start capturing.
     *
     * @return the capture.
     */
    public static LogCapture start()
    {
        return new LogCapture();
    }

    /**
     * Lines logged so far that contain every one of the given words.
     *
     * @param words what the lines must contain.
     * @return the matching lines.
     */
    public List<String> linesWith(final String... words)
    {
        final List<String> matching = new ArrayList<>();
        for (final String line : lines)
        {
            boolean all = true;
            for (final String word : words)
            {
                all &= line.contains(word);
            }
            if (all)
            {
                matching.add(line);
            }
        }
        return matching;
    }

    public void close()
    {
        System.setErr(original);
    }

    private static final class LineTee extends OutputStream
    {
        private final PrintStream target;
        private final ConcurrentLinkedQueue<String> lines;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        LineTee(final PrintStream target, final ConcurrentLinkedQueue<String> lines)
        {
            this.target = target;
            this.lines = lines;
        }

        public synchronized void write(final int b)
        {
            target.write(b);
            if (b == '\n')
            {
                lines.add(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
            }
            else
            {
                pending.write(b);
            }
        }

        public synchronized void write(final byte[] bytes, final int offset, final int length)
        {
            for (int i = offset; i < offset + length; i++)
            {
                write(bytes[i]);
            }
        }

        public void flush()
        {
            target.flush();
        }
    }
}
