package io.jsocklnd.pcap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs Wireshark's {@code tshark} as an independent decoder and parses its {@code -T fields} output. Tests that
 * use it fail (never skip) when tshark is missing: CI installs it.
 */
public final class Tshark
{
    /** Longest a single tshark run may take. */
    public static final long TIMEOUT_SECONDS = 120;

    private static final String INSTALL_HINT =
        "tshark is not installed: install it (apt-get install -y tshark); CI installs it and these tests need it";

    private Tshark()
    {
    }

    /**
     * One output line: the values of each requested field, split on tshark's occurrence separator.
     *
     * @param values field name to its values (empty list when the field is absent).
     */
    public record Row(Map<String, List<String>> values)
    {
        /**
         * @param field a requested field.
         * @return every occurrence, in tshark's order.
         */
        public List<String> all(final String field)
        {
            final List<String> list = values.get(field);
            if (list == null)
            {
                throw new IllegalArgumentException("field not requested: " + field);
            }
            return list;
        }

        /**
         * @param field a requested field.
         * @return its single occurrence, or null when absent.
         */
        public String one(final String field)
        {
            final List<String> list = all(field);
            if (list.size() > 1)
            {
                throw new AssertionError("field " + field + " occurs " + list.size() + " times: " + list);
            }
            return list.isEmpty() ? null : list.get(0);
        }

        /**
         * @param field a requested integer field.
         * @return its single value.
         */
        public long number(final String field)
        {
            final String text = one(field);
            if (text == null)
            {
                throw new AssertionError("field " + field + " absent in " + values);
            }
            return parseNumber(text);
        }
    }

    /**
     * @param text a tshark number: decimal or {@code 0x} hexadecimal, possibly above {@code Long.MAX_VALUE}.
     * @return its 64-bit pattern.
     */
    public static long parseNumber(final String text)
    {
        if (text.startsWith("0x"))
        {
            return Long.parseUnsignedLong(text.substring(2), 16);
        }
        return Long.parseUnsignedLong(text);
    }

    /**
     * @return the tshark executable on {@code PATH}; fails the test with an install hint when there is none.
     */
    public static Path executable()
    {
        return executableOn(System.getenv("PATH"));
    }

    /**
     * @param searchPath a {@code PATH} value.
     * @return the tshark executable in one of its directories; fails the test with an install hint when there is
     * none.
     */
    public static Path executableOn(final String searchPath)
    {
        if (searchPath != null)
        {
            for (final String dir : searchPath.split(java.io.File.pathSeparator))
            {
                if (!dir.isEmpty())
                {
                    final Path candidate = Path.of(dir, "tshark");
                    if (Files.isExecutable(candidate))
                    {
                        return candidate;
                    }
                }
            }
        }
        fail(INSTALL_HINT);
        throw new AssertionError(INSTALL_HINT);
    }

    /**
     * Runs tshark with the given arguments.
     *
     * @param args arguments after the executable.
     * @return its standard output.
     */
    public static String run(final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(executable().toString());
        command.addAll(Arrays.asList(args));
        try
        {
            final Path err = Files.createTempFile("tshark", ".err");
            final Path out = Files.createTempFile("tshark", ".out");
            try
            {
                final Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    fail("tshark timed out after " + TIMEOUT_SECONDS + " s: " + command);
                }
                final String stderr = Files.readString(err, StandardCharsets.UTF_8);
                assertEquals(0, process.exitValue(), () -> "tshark failed: " + command + "\n" + stderr);
                return Files.readString(out, StandardCharsets.UTF_8);
            }
            finally
            {
                Files.deleteIfExists(err);
                Files.deleteIfExists(out);
            }
        }
        catch (final IOException ex)
        {
            fail("cannot run tshark: " + command + ": " + ex + "; " + INSTALL_HINT);
            throw new AssertionError(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, ex);
        }
    }

    /**
     * Runs {@code tshark -r FILE -n -T fields -E separator=/t -E occurrence=a -E aggregator=, [extra] -e F ...}.
     *
     * @param capture the capture.
     * @param extra   extra arguments (e.g. {@code -Y lnet.ksm_type}, {@code -d tcp.port==N,lnet}); may be empty.
     * @param fields  fields to print.
     * @return one row per printed frame.
     */
    public static List<Row> fields(final Path capture, final List<String> extra, final String... fields)
    {
        final List<String> args = new ArrayList<>(List.of(
            "-r", capture.toString(), "-n", "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "header=n"));
        args.addAll(extra);
        for (final String field : fields)
        {
            args.add("-e");
            args.add(field);
        }
        final String output = run(args.toArray(new String[0]));
        final List<Row> rows = new ArrayList<>();
        for (final String line : output.split("\n"))
        {
            if (line.isEmpty())
            {
                continue;
            }
            final String[] columns = line.split("\t", -1);
            assertEquals(fields.length, columns.length, () -> "tshark line has wrong column count: " + line);
            final Map<String, List<String>> values = new LinkedHashMap<>();
            for (int i = 0; i < fields.length; i++)
            {
                values.put(fields[i], columns[i].isEmpty() ? List.of() : List.of(columns[i].split(",", -1)));
            }
            rows.add(new Row(values));
        }
        return rows;
    }
}
