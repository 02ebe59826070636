package io.jsocklnd.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code make bench-e2e} in miniature, so that the bench keeps working: one small round prints a raw-TCP
 * rate and, for each send mode, a rate and its ratio, every message of every mode having arrived. Rates are
 * not judged here (machines are noisy); only that each run completed.
 */
@Timeout(120)
class ThroughputBenchTest
{
    private static final Pattern MODE = Pattern.compile("jsocklnd (copy|splice|msg_zerocopy) ([0-9.]+) Gbit/s, ratio ([0-9.]+)");

    @Test
    void shouldMeasureEveryModeBesideRawTcpWithEveryMessageDelivered() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try
        {
            ThroughputBench.main(new String[] {"16", "262144", "1"});
        }
        finally
        {
            System.setOut(saved);
        }
        final String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertTrue(out.contains("throughput: 64 messages of 262144 bytes per run, 1 rounds, threading INVOKER"), out);
        assertTrue(out.contains("round 1: raw TCP "), out);
        assertFalse(out.contains("failed"), out);
        final Matcher matcher = MODE.matcher(out);
        int modes = 0;
        while (matcher.find())
        {
            modes++;
            assertTrue(Double.parseDouble(matcher.group(2)) > 0, out);
            assertTrue(Double.parseDouble(matcher.group(3)) > 0, out);
        }
        assertEquals(3, modes, out);
    }
}
