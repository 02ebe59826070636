package io.jsocklnd.cli;

import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.LnetEvent;
import io.jsocklnd.lnet.LnetEventType;
import io.jsocklnd.lnet.MemoryDescriptor;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;

/**
 * {@code put}: send a file (from mapped file regions) or {@code --size} bytes of the test pattern to a
 * {@code serve} node in PUTs of up to 1 MiB, each asking for an ACK and carrying its CRC32C in {@code hdr_data};
 * then read the server's report of the chunks it checked. Prints throughput, ZC counters and the check.
 */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    description = "PUT a file or --size bytes to a 'serve' node in 1 MiB chunks and check them on the server.")
public final class PutCommand extends WindowedTransfer implements Callable<Integer>
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nid", defaultValue = "127.0.0.1@tcp", description = "This node's NID (default ${DEFAULT-VALUE}).")
    String nid;

    @Parameters(index = "0", paramLabel = "TARGET_NID", description = "NID of the serve node.")
    String target;

    @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "File to send.")
    Path file;

    @Option(names = "--size", description = "Send this many bytes of the test pattern instead of a file (k, m, g suffixes).")
    String size;

    @Option(names = "--window", defaultValue = "8", description = "PUTs in flight (1 to 32, default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds without progress before giving up (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Mixin
    EngineOptions engine = new EngineOptions();

    private ByteBuffer pattern;
    private FileChannel channel;
    private long targetNid;
    private long session;
    private final CRC32C all = new CRC32C();

    @Override
    public Integer call() throws IOException
    {
        final CommandLine cl = spec.commandLine();
        final PrintWriter out = cl.getOut();
        final PrintWriter err = cl.getErr();
        if ((null == file) == (null == size))
        {
            throw new CommandLine.ParameterException(cl, "give either FILE or --size");
        }
        if (window < 1 || window > TestService.SINK_SLOTS / 2)
        {
            throw new CommandLine.ParameterException(cl, "--window must be 1 to " + TestService.SINK_SLOTS / 2);
        }
        targetNid = parseNid(cl, target);
        try
        {
            total = null != file ? Files.size(file) : TestService.parseSize(size);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cl, ex.getMessage());
        }
        if (total == 0)
        {
            throw new CommandLine.ParameterException(cl, "nothing to send: " + file);
        }
        final var config = engine.toConfig(cl, nid);

        if (null == file)
        {
            pattern = ByteBuffer.allocateDirect(TestService.PATTERN_LENGTH);
            TestService.fillPattern(new UnsafeBuffer(pattern), TestService.PATTERN_LENGTH);
        }
        session = (ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) | 2;

        try (Lnet lnet = Lnet.start(config);
            FileChannel fileChannel = null == file ? null : FileChannel.open(file, StandardOpenOption.READ);
            ClientSupport.Progress progress = new ClientSupport.Progress("put", total))
        {
            channel = fileChannel;
            final long elapsedNs = transfer(lnet, progress, window, timeoutSeconds, "acknowledged");
            if (report(out, err, "put", targetNid, elapsedNs, lnet))
            {
                return 1;
            }
            final ClientSupport.SessionReport report =
                ClientSupport.awaitReport(lnet, targetNid, session, chunks, 10_000);
            final boolean ok = null != report && report.chunksGood() == chunks && report.chunksBad() == 0 &&
                report.bytesGood() == total;
            if (null == report)
            {
                out.printf("check: FAILED, no report for session 0x%x from %s (is it a jsocklnd serve node?)%n",
                    session, Nid.toString(targetNid));
            }
            else
            {
                out.printf("check: %s, server verified %d of %d chunks (%d bytes) against their CRC32C, %d bad; "
                        + "data crc32c=0x%08x%n", ok ? "ok" : "FAILED", report.chunksGood(), chunks,
                    report.bytesGood(), report.chunksBad(), all.getValue());
            }
            out.flush();
            return ok ? 0 : 1;
        }
        catch (final NativeIoException ex)
        {
            err.println("put: cannot start node: nid=" + nid + " " + ex.getMessage());
            err.flush();
            return 1;
        }
    }

    @Override
    boolean issue(final Lnet lnet, final long chunk)
    {
        final int length = length(chunk);
        final MemoryDescriptor md = new MemoryDescriptor().threshold(2).userPtr(chunk);
        final ByteBuffer source;
        if (null != channel)
        {
            try
            {
                source = md.fileRegion(channel, chunk * TestService.CHUNK, length, FileChannel.MapMode.READ_ONLY);
            }
            catch (final IOException ex)
            {
                fail("cannot map " + file + ": chunk=" + chunk + " " + ex.getMessage());
                return false;
            }
        }
        else
        {
            final int offset = TestService.patternOffset(chunk);
            source = pattern.duplicate().limit(offset + length).position(offset).slice();
            md.memory(source);
        }
        final long crc = TestService.crc32c(source, 0, length);
        final long handle = lnet.bind(md);
        final int rc = lnet.put(handle, true, targetNid, LNET_PID_LUSTRE, TestService.PUT_PORTAL, session,
            (int)((chunk % TestService.SINK_SLOTS) * TestService.CHUNK), crc);
        if (rc == -Errno.EAGAIN)
        {
            lnet.unlink(handle);
            return false;
        }
        if (rc != 0)
        {
            fail("put failed: chunk=" + chunk + " rc=" + rc);
            return false;
        }
        all.update(source.duplicate().position(0).limit(length));
        return true;
    }

    @Override
    void onEvent(final LnetEvent event)
    {
        final long chunk = event.userPtr();
        if (event.type() == LnetEventType.SEND && event.status() != 0)
        {
            fail("send failed: chunk=" + chunk + " status=" + event.status());
        }
        else if (event.type() == LnetEventType.ACK && event.mlength() != length(chunk))
        {
            fail("target accepted " + event.mlength() + " of " + length(chunk) + " bytes: chunk=" + chunk);
        }
        if (event.unlinked())
        {
            chunkDone(chunk);
        }
    }

    static long parseNid(final CommandLine cl, final String text)
    {
        try
        {
            return Nid.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cl, ex.getMessage());
        }
    }
}
