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
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;

import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;

/**
 * {@code get}: fetch {@code --size} bytes of the test pattern from a {@code serve} node in GETs of up to 1 MiB,
 * each chunk from a different pattern offset, into direct buffers or straight into mapped regions of
 * {@code --out}; every chunk is compared (CRC32C) with the pattern computed locally. Prints throughput, ZC
 * counters and the check.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "GET --size bytes of the test pattern from a 'serve' node in 1 MiB chunks and check them.")
public final class GetCommand extends WindowedTransfer implements Callable<Integer>
{
    private static final int SLOT_BITS = 8;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nid", defaultValue = "127.0.0.1@tcp", description = "This node's NID (default ${DEFAULT-VALUE}).")
    String nid;

    @Parameters(index = "0", paramLabel = "TARGET_NID", description = "NID of the serve node.")
    String target;

    @Option(names = "--size", required = true, description = "Bytes to fetch (k, m, g suffixes).")
    String size;

    @Option(names = "--out", description = "Write what arrives into this file (received straight into it).")
    Path outFile;

    @Option(names = "--window", defaultValue = "8", description = "GETs in flight (1 to 64, default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds without progress before giving up (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Mixin
    EngineOptions engine = new EngineOptions();

    private ByteBuffer pattern;
    private ByteBuffer[] slots;
    private int[] freeSlots;
    private int freeCount;
    private FileChannel channel;
    private long targetNid;
    private long good;
    private long bad;
    private long crcReceived;
    private long crcExpected;

    @Override
    public Integer call() throws IOException
    {
        final CommandLine cl = spec.commandLine();
        final PrintWriter out = cl.getOut();
        final PrintWriter err = cl.getErr();
        if (window < 1 || window > 64)
        {
            throw new CommandLine.ParameterException(cl, "--window must be 1 to 64");
        }
        targetNid = PutCommand.parseNid(cl, target);
        try
        {
            total = TestService.parseSize(size);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cl, ex.getMessage());
        }
        final var config = engine.toConfig(cl, nid);
        pattern = ByteBuffer.allocateDirect(TestService.PATTERN_LENGTH);
        TestService.fillPattern(new UnsafeBuffer(pattern), TestService.PATTERN_LENGTH);
        slots = new ByteBuffer[window];
        freeSlots = new int[window];
        for (int i = 0; i < window; i++)
        {
            freeSlots[freeCount++] = i;
            if (null == outFile)
            {
                slots[i] = ByteBuffer.allocateDirect(TestService.CHUNK);
            }
        }

        try (Lnet lnet = Lnet.start(config);
            FileChannel fileChannel = null == outFile ? null : FileChannel.open(outFile, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            ClientSupport.Progress progress = new ClientSupport.Progress("get", total))
        {
            channel = fileChannel;
            final long elapsedNs = transfer(lnet, progress, window, timeoutSeconds, "received");
            if (report(out, err, "get", targetNid, elapsedNs, lnet))
            {
                return 1;
            }
            final boolean ok = good == chunks && bad == 0 && bytesDone == total;
            out.printf("check: %s, %d of %d chunks match the served pattern, %d bad; crc32c received 0x%08x "
                    + "expected 0x%08x%s%n", ok ? "ok" : "FAILED", good, chunks, bad, crcReceived, crcExpected,
                null == outFile ? "" : "; written to " + outFile);
            out.flush();
            return ok ? 0 : 1;
        }
        catch (final NativeIoException ex)
        {
            err.println("get: cannot start node: nid=" + nid + " " + ex.getMessage());
            err.flush();
            return 1;
        }
    }

    @Override
    boolean issue(final Lnet lnet, final long chunk)
    {
        final int length = length(chunk);
        final int slot = freeSlots[--freeCount];
        final MemoryDescriptor md = new MemoryDescriptor().threshold(2).userPtr((chunk << SLOT_BITS) | slot);
        if (null != channel)
        {
            try
            {
                slots[slot] =
                    md.fileRegion(channel, chunk * TestService.CHUNK, length, FileChannel.MapMode.READ_WRITE);
            }
            catch (final IOException ex)
            {
                freeSlots[freeCount++] = slot;
                fail("cannot map " + outFile + ": chunk=" + chunk + " " + ex.getMessage());
                return false;
            }
        }
        else
        {
            md.memory(slots[slot].duplicate().position(0).limit(length));
        }
        final long handle = lnet.bind(md);
        final int rc = lnet.get(handle, targetNid, LNET_PID_LUSTRE, TestService.GET_PORTAL,
            TestService.PATTERN_MATCHBITS, TestService.patternOffset(chunk));
        if (rc != 0)
        {
            lnet.unlink(handle);
            freeSlots[freeCount++] = slot;
            if (rc != -Errno.EAGAIN)
            {
                fail("get failed: chunk=" + chunk + " rc=" + rc);
            }
            return false;
        }
        return true;
    }

    @Override
    void onEvent(final LnetEvent event)
    {
        final long chunk = event.userPtr() >>> SLOT_BITS;
        final int slot = (int)(event.userPtr() & ((1 << SLOT_BITS) - 1));
        if (event.type() == LnetEventType.SEND && event.status() != 0)
        {
            fail("send failed: chunk=" + chunk + " status=" + event.status());
        }
        else if (event.type() == LnetEventType.REPLY)
        {
            final int length = length(chunk);
            final int offset = TestService.patternOffset(chunk);
            final long received = TestService.crc32c(slots[slot], 0, event.mlength());
            final long expected = TestService.crc32c(pattern, offset, length);
            crcReceived ^= received * (chunk + 1);
            crcExpected ^= expected * (chunk + 1);
            crcReceived &= 0xFFFF_FFFFL;
            crcExpected &= 0xFFFF_FFFFL;
            if (event.status() == 0 && event.mlength() == length && received == expected)
            {
                good++;
            }
            else
            {
                bad++;
            }
            if (slots[slot] instanceof MappedByteBuffer mapped)
            {
                mapped.force();
            }
        }
        if (event.unlinked())
        {
            freeSlots[freeCount++] = slot;
            chunkDone(chunk);
        }
    }
}
