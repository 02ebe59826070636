package io.jsocklnd.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the command line in-process with its output captured.
 *
 * @param exitCode the exit code.
 * @param out      standard output.
 * @param err      standard error.
 */
record Run(int exitCode, String out, String err)
{
    static Run of(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = Jsocklnd.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * @return every output line parsed as a JSON object.
     */
    List<Map<String, Object>> jsonLines()
    {
        final List<Map<String, Object>> objects = new ArrayList<>();
        for (final String line : out.split("\n"))
        {
            if (!line.isEmpty())
            {
                objects.add(Json.parseObject(line));
            }
        }
        return objects;
    }

    @Override
    public String toString()
    {
        return "exit=" + exitCode + "\nout:\n" + out + "\nerr:\n" + err;
    }
}
