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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
public final class GetCommand implements Callable<Integer>
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

    private long total;
    private ByteBuffer pattern;
    private ByteBuffer[] slots;
    private int[] freeSlots;
    private int freeCount;
    private long inflight;
    private long done;
    private long bytesDone;
    private long good;
    private long bad;
    private long crcReceived;
    private long crcExpected;
    private long lastProgressNs;
    private String failure;

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
        final long targetNid = PutCommand.parseNid(cl, target);
        try
        {
            total = TestService.parseSize(size);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cl, ex.getMessage());
        }
        final long chunks = (total + TestService.CHUNK - 1) / TestService.CHUNK;
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
            FileChannel channel = null == outFile ? null : FileChannel.open(outFile, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            ClientSupport.Progress progress = new ClientSupport.Progress("get", total))
        {
            final long startNs = System.nanoTime();
            lastProgressNs = startNs;
            long next = 0;
            while (done < chunks && null == failure)
            {
                while (freeCount > 0 && next < chunks)
                {
                    final int length = length(next);
                    final int slot = freeSlots[--freeCount];
                    final MemoryDescriptor md = new MemoryDescriptor().threshold(2)
                        .userPtr((next << SLOT_BITS) | slot);
                    if (null != channel)
                    {
                        final MappedByteBuffer region =
                            md.fileRegion(channel, next * TestService.CHUNK, length, FileChannel.MapMode.READ_WRITE);
                        slots[slot] = region;
                    }
                    else
                    {
                        md.memory(slots[slot].duplicate().position(0).limit(length));
                    }
                    final long handle = lnet.bind(md);
                    final int rc = lnet.get(handle, targetNid, LNET_PID_LUSTRE, TestService.GET_PORTAL,
                        TestService.PATTERN_MATCHBITS, TestService.patternOffset(next));
                    if (rc == -Errno.EAGAIN)
                    {
                        lnet.unlink(handle);
                        freeSlots[freeCount++] = slot;
                        break;
                    }
                    if (rc != 0)
                    {
                        failure = "get failed: chunk=" + next + " rc=" + rc;
                        break;
                    }
                    inflight++;
                    next++;
                }
                if (lnet.poll(this::onEvent, 256) == 0)
                {
                    if (System.nanoTime() - lastProgressNs > TimeUnit.SECONDS.toNanos(timeoutSeconds))
                    {
                        failure = "timed out: " + done + " of " + chunks + " chunks received, none for " +
                            timeoutSeconds + " s";
                    }
                    LockSupport.parkNanos(20_000);
                }
                progress.update(bytesDone);
            }
            final long elapsedNs = System.nanoTime() - startNs;
            progress.close();
            if (null != failure)
            {
                err.println("get: " + failure + " target=" + Nid.toString(targetNid));
                err.flush();
                return 1;
            }
            ClientSupport.printThroughput(out, "get", total, elapsedNs);
            ClientSupport.printZcCounters(out, lnet);
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

    private int length(final long chunk)
    {
        return (int)Math.min(TestService.CHUNK, total - chunk * TestService.CHUNK);
    }

    private void onEvent(final LnetEvent event)
    {
        final long chunk = event.userPtr() >>> SLOT_BITS;
        final int slot = (int)(event.userPtr() & ((1 << SLOT_BITS) - 1));
        if (event.type() == LnetEventType.SEND && event.status() != 0 && null == failure)
        {
            failure = "send failed: chunk=" + chunk + " status=" + event.status();
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
            inflight--;
            done++;
            bytesDone += length(chunk);
            freeSlots[freeCount++] = slot;
            lastProgressNs = System.nanoTime();
        }
    }
}
