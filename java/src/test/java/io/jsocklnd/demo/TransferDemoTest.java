package io.jsocklnd.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class TransferDemoTest
{
    private static final Pattern CHECK = Pattern.compile(
        "check: (\\S+) verified (\\d+) of (\\d+) chunks \\((\\d+) bytes\\).*: (\\d+) intact, (\\d+) corrupt");

    @Test
    void shouldReportEveryByteIntactOverV2ZeroCopyAndV1Copy()
    {
        final Properties properties = new Properties();
        final String[] args = {"6", "127.0.70.1@tcp", "127.0.70.2@tcp", "127.0.70.3@tcp"};
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        final int rc = TransferDemo.run(TransferDemo.options(args, properties), print(bytes));

        final String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, out);
        assertTrue(out.contains("conn#") && out.contains("127.0.70.2@tcp CONTROL V2"), out);
        assertTrue(out.contains("127.0.70.3@tcp CONTROL V1"), out);
        assertTrue(out.contains("sender: ZC requests 6, ZC-ACKs received 6; payload bytes copy 0, splice 6291456"),
            out);
        assertTrue(out.contains("sender: ZC requests 0, ZC-ACKs received 0; payload bytes copy 6291456"), out);
        assertEquals(2, out.split("throughput: 6 MiB in ", -1).length - 1, out);
        assertFalse(out.contains("throughput: 6 MiB in 0.000 s"), "each transfer's time is taken: " + out);
        assertEquals("127.0.70.2@tcp 6 6 6291456 6 0|127.0.70.3@tcp 6 6 6291456 6 0", checks(out), out);
        assertTrue(out.endsWith("RESULT: every byte arrived intact" + System.lineSeparator()), out);
    }

    @Test
    void shouldFailWhenOneChunkIsCorruptedAfterItsChecksumWasTaken()
    {
        final Properties properties = new Properties();
        properties.setProperty(TransferDemo.CORRUPT_CHUNK_PROPERTY, "2");
        final String[] args = {"6", "127.0.70.4@tcp", "127.0.70.5@tcp", "127.0.70.6@tcp"};
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        final int rc = TransferDemo.run(TransferDemo.options(args, properties), print(bytes));

        final String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, out);
        assertEquals("127.0.70.5@tcp 6 6 5242880 5 1|127.0.70.6@tcp 6 6 5242880 5 1", checks(out), out);
        assertTrue(out.contains("RESULT: FAILED 127.0.70.5@tcp: 5 of 6 chunks intact, 1 corrupt"), out);
        assertTrue(out.contains("127.0.70.6@tcp: 5 of 6 chunks intact, 1 corrupt"), out);
        assertTrue(out.contains("receiver's CRC32C differs from the sender's for 1 chunks"), out);
    }

    private static PrintStream print(final ByteArrayOutputStream bytes)
    {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    /** Peer, chunks verified, chunks sent, bytes verified, intact, corrupt of each check line. */
    private static String checks(final String out)
    {
        final StringBuilder all = new StringBuilder();
        final Matcher m = CHECK.matcher(out);
        while (m.find())
        {
            all.append(all.length() == 0 ? "" : "|").append(m.group(1));
            for (int g = 2; g <= 6; g++)
            {
                all.append(' ').append(m.group(g));
            }
        }
        return all.toString();
    }
}
