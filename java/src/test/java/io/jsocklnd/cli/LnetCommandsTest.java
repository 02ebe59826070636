package io.jsocklnd.cli;

import io.jsocklnd.harness.Await;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.MemoryDescriptor;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LNet subcommands against a real {@code serve} node running in this JVM on 127.0.64.1: ping, put of the
 * pattern and of a file with the server checking every chunk, get into memory and into a file, the server's
 * report of a corrupted chunk, and the failures (no server, options not supported yet, bad usage).
 */
@Timeout(120)
class LnetCommandsTest
{
    private static final String SERVER = "127.0.64.1@tcp";
    private static final AtomicInteger CLIENT = new AtomicInteger(2);
    private static Thread serveThread;
    private static final StringWriter SERVE_OUT = new StringWriter();
    private static final int[] SERVE_EXIT = {-1};

    @TempDir
    Path dir;

    /** Output and exit code of one command run. */
    record Run(int exit, String out, String err)
    {
    }

    @BeforeAll
    static void startServer()
    {
        serveThread = new Thread(() ->
        {
            final CommandLine cl = new CommandLine(new ServeCommand());
            cl.setOut(new PrintWriter(SERVE_OUT, true));
            SERVE_EXIT[0] = cl.execute("--nid", SERVER, "--duration", "110");
        }, "serve");
        serveThread.start();
        assertTrue(Await.until(() -> output().contains("serving " + SERVER), 10_000), LnetCommandsTest::output);
    }

    @AfterAll
    static void stopServer() throws Exception
    {
        serveThread.interrupt();
        serveThread.join(10_000);
        System.out.println(output());
        assertEquals(0, SERVE_EXIT[0], output());
        assertTrue(output().contains("stopped: pings answered"), output());
    }

    private static String output()
    {
        synchronized (SERVE_OUT)
        {
            return SERVE_OUT.toString();
        }
    }

    private static String client()
    {
        return "127.0.64." + CLIENT.getAndIncrement() + "@tcp";
    }

    private static Run run(final Callable<Integer> command, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int exit = cl.execute(args);
        System.out.println(Arrays.toString(args) + " -> " + exit + "\n" + out + err);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void shouldPingTheServeNodeAndPrintItsInterfacesAndRoundTripTimes()
    {
        final Run run = run(new PingCommand(), "--nid", client(), "--count", "3", SERVER);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains(SERVER + ": pid 12345 features NI_STATUS|RTE_DISABLED (0x6)"), run.out());
        assertTrue(run.out().contains("  " + SERVER + " up"), run.out());
        assertEquals(3, countMatches(run.out(), "rtt [0-9.]+ ms"), run.out());
        assertTrue(run.out().contains("--- " + SERVER + " ping statistics ---\n3 pings sent, 3 received, 0% loss"),
            run.out());
        assertEquals(1, countMatches(run.out(), "rtt min/avg/p50/p99/max = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms"),
            run.out());
    }

    @Test
    void shouldTakeAnIntervalAndCountLostPings()
    {
        final Run run = run(new PingCommand(), "--nid", client(), "--count", "3", "--interval", "0.3", SERVER);
        assertEquals(0, run.exit(), run.err());
        assertEquals(1, countMatches(run.out(), "3 pings sent, 3 received, 0% loss, time [0-9]+ ms"), run.out());

        final Run lost = run(new PingCommand(), "--nid", client(), "--count", "2", "--timeout", "1", "127.0.64.250@tcp");
        assertEquals(1, lost.exit());
        assertTrue(lost.out().contains("2 pings sent, 0 received, 100% loss"), lost.out());
        assertEquals(0, countMatches(lost.out(), "rtt min/avg"), lost.out());
    }

    @Test
    void shouldPutThePatternAndHaveTheServerVerifyEveryChunk()
    {
        final Run run = run(new PutCommand(), "--nid", client(), SERVER, "--size", "5m");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("check: ok, server verified 5 of 5 chunks (5242880 bytes)"), run.out());
        assertTrue(run.out().matches("(?s)put 5242880 bytes in [0-9.]+ s: [0-9.]+ MiB/s.*"), run.out());
        assertTrue(run.out().contains("zc:"), run.out());
    }

    @Test
    void shouldPutAFileFromMappedRegionsWithAShortLastChunk() throws Exception
    {
        final byte[] content = new byte[2 * (1 << 20) + 12_345];
        for (int i = 0; i < content.length; i++)
        {
            content[i] = (byte)(i ^ (i >> 9));
        }
        final Path file = Files.write(dir.resolve("data.bin"), content);

        final Run run = run(new PutCommand(), "--nid", client(), "--window", "2", SERVER, file.toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("check: ok, server verified 3 of 3 chunks (" + content.length + " bytes)"),
            run.out());
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(content);
        assertTrue(run.out().contains(String.format("data crc32c=0x%08x", crc.getValue())), run.out());
    }

    @Test
    void shouldGetThePatternAndCheckEveryChunk()
    {
        final Run run = run(new GetCommand(), "--nid", client(), SERVER, "--size", "3m");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("check: ok, 3 of 3 chunks match the served pattern, 0 bad"), run.out());
    }

    @Test
    void shouldGetIntoAFileReceivedStraightIntoItsMappedRegions() throws Exception
    {
        final Path file = dir.resolve("fetched.bin");
        final int size = (1 << 20) + 4096;

        final Run run = run(new GetCommand(), "--nid", client(), SERVER, "--size", String.valueOf(size),
            "--out", file.toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("check: ok, 2 of 2 chunks match"), run.out());
        final UnsafeBuffer pattern = new UnsafeBuffer(ByteBuffer.allocateDirect(TestService.PATTERN_LENGTH));
        TestService.fillPattern(pattern, TestService.PATTERN_LENGTH);
        final byte[] expected = new byte[size];
        pattern.getBytes(TestService.patternOffset(0), expected, 0, 1 << 20);
        pattern.getBytes(TestService.patternOffset(1), expected, 1 << 20, 4096);
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void shouldCountACorruptedChunkInTheServersReport() throws Exception
    {
        final long session = 0x5EC7_0001L;
        try (Lnet lnet = Lnet.start(new NodeConfig().nid(client())))
        {
            final UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            data.setMemory(0, 4096, (byte)7);
            final long good = TestService.crc32c(data.byteBuffer(), 0, 4096);
            final long md1 = lnet.bind(new MemoryDescriptor().memory(data, 0, 4096).eventQueue(null));
            assertEquals(0, lnet.put(md1, false, Nid.parse(SERVER), LNET_PID_LUSTRE, TestService.PUT_PORTAL, session,
                0, good));
            assertEquals(0, lnet.put(md1, false, Nid.parse(SERVER), LNET_PID_LUSTRE, TestService.PUT_PORTAL, session,
                TestService.CHUNK, good ^ 1));

            final ClientSupport.SessionReport report =
                ClientSupport.awaitReport(lnet, Nid.parse(SERVER), session, 2, 10_000);
            assertNotNull(report);
            assertEquals(1, report.chunksGood());
            assertEquals(1, report.chunksBad());
            assertEquals(4096, report.bytesGood());
        }
    }

    @Test
    void shouldFailWithoutAServer()
    {
        final Run run = run(new PutCommand(), "--nid", client(), "--timeout", "5", "127.0.64.250@tcp", "--size", "1k");

        assertEquals(1, run.exit());
        assertTrue(run.err().startsWith("put: "), run.err());

        final Run ping = run(new PingCommand(), "--nid", client(), "--timeout", "3", "127.0.64.250@tcp");
        assertEquals(1, ping.exit());
        assertTrue(ping.err().startsWith("ping: "), ping.err());
    }

    @Test
    void shouldRefuseBadUsage()
    {
        assertEquals(2, run(new PutCommand(), "--nid", client(), "--proto", "v4", SERVER, "--size", "1k").exit());
        assertEquals(2, run(new PutCommand(), "--nid", client(), "--zc", "sometimes", SERVER, "--size", "1k").exit());
        assertEquals(2, run(new PutCommand(), "--nid", client(), SERVER).exit(), "neither FILE nor --size");
        assertEquals(2, run(new GetCommand(), "--nid", client(), SERVER).exit(), "--size missing");
        assertEquals(2, run(new PingCommand(), "--nid", client(), "not-a-nid").exit());
        assertEquals(2, run(new ServeCommand(), "--duration", "1").exit(), "--nid is required");
        final Run refused = run(new PingCommand(), "--nid", client(), "--sock-timeout", "0", SERVER);
        assertEquals(2, refused.exit(), "settings refused by NodeConfig.conclude are bad usage");
        assertTrue(refused.err().contains("sockTimeoutNs=0"), refused.err());
    }

    @Test
    void shouldPutZeroCopyBySpliceAndMsgZerocopyWithEveryRequestAcked()
    {
        for (final String mode : new String[]{"splice", "msg_zerocopy"})
        {
            final Run run = run(new PutCommand(), "--nid", client(), "--zc", mode, SERVER, "--size", "4m");

            assertEquals(0, run.exit(), run.err());
            assertTrue(run.out().contains("check: ok, server verified 4 of 4 chunks"), run.out());
            final Matcher zc = Pattern.compile("zc: requests (\\d+), acks received (\\d+);.* " + mode + " (\\d+),")
                .matcher(run.out());
            assertTrue(zc.find(), run.out());
            assertTrue(Long.parseLong(zc.group(1)) >= 4, mode + ": " + run.out());
            assertEquals(zc.group(1), zc.group(2), mode + ": every request acked: " + run.out());
            assertTrue(Long.parseLong(zc.group(3)) >= 4L << 20, mode + ": " + run.out());
        }
    }

    @Test
    void shouldPutAsALegacyV1NodeWithCopiedPayloads()
    {
        final Run run = run(new PutCommand(), "--nid", client(), "--proto", "v1", SERVER, "--size", "2m");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("check: ok, server verified 2 of 2 chunks"), run.out());
        assertTrue(run.out().contains("zc: requests 0, acks received 0"), run.out());
        assertTrue(Pattern.compile("connections: conn#\\d+ " + Pattern.quote(SERVER) + " CONTROL V1").matcher(run.out()).find(),
            run.out());
    }

    @Test
    void shouldRunWithTunablesAndTheV2Protocol()
    {
        final Run run = run(new PutCommand(), "--nid", client(), "--proto", "v2", "--conns-per-peer", "2",
            "--min-bulk", "2048", "--sock-timeout", "20", "--keepalive", "10", "--nagle", "--enable-csum", "--tx-buffer-size",
            "1048576", "--rx-buffer-size", "1048576", "--zc", "copy", SERVER, "--size", "2m");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("check: ok, server verified 2 of 2 chunks"), run.out());
    }

    private static int countMatches(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find())
        {
            n++;
        }
        return n;
    }
}
