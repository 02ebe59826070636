package io.jsocklnd.lnet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static io.jsocklnd.lnet.MemoryDescriptor.MANAGE_REMOTE;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_GET;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Memory descriptors over mapped file regions: a PUT sent from one file lands in a region of another file, and a
 * GET is served from a file region.
 */
@Timeout(60)
class FileRegionTest
{
    private static final int PORTAL = 40;
    private static Lnet a;
    private static Lnet b;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception
    {
        a = LnetNodes.start("127.0.63.1@tcp");
        b = LnetNodes.start("127.0.63.2@tcp");
    }

    @AfterAll
    static void stop()
    {
        a.close();
        b.close();
    }

    private static byte[] pattern(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 7 + seed + (i >> 8));
        }
        return bytes;
    }

    @Test
    void shouldPutFromOneFileRegionIntoAnotherFileRegion() throws Exception
    {
        final byte[] content = pattern(300_000, 1);
        final Path source = Files.write(dir.resolve("source"), content);
        final Path target = dir.resolve("target");
        final LnetNodes.Collector bEvents = new LnetNodes.Collector(b);
        final LnetNodes.Collector aEvents = new LnetNodes.Collector(a);

        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
            FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE))
        {
            final MemoryDescriptor sink = new MemoryDescriptor().options(OP_PUT | MANAGE_REMOTE).useOnce();
            final MappedByteBuffer sinkMap = sink.fileRegion(out, 4096, 200_000, FileChannel.MapMode.READ_WRITE);
            b.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 1, 0, sink);

            final MemoryDescriptor from = new MemoryDescriptor().threshold(2);
            from.fileRegion(in, 50_000, 150_000, FileChannel.MapMode.READ_ONLY);
            final long md = a.bind(from);
            assertEquals(0, a.put(md, true, b.nid(), LNET_PID_LUSTRE, PORTAL, 1, 10_000, 0));

            final Recorded put = bEvents.await(LnetEventType.PUT, 10_000);
            assertNotNull(put);
            assertEquals(150_000, put.mlength());
            assertEquals(10_000, put.offset());
            assertNotNull(aEvents.await(LnetEventType.ACK, 10_000));
            sinkMap.force();
        }
        final byte[] written = Files.readAllBytes(target);
        assertEquals(4096 + 200_000, written.length);
        assertArrayEquals(Arrays.copyOfRange(content, 50_000, 200_000),
            Arrays.copyOfRange(written, 4096 + 10_000, 4096 + 10_000 + 150_000));
        assertArrayEquals(new byte[10_000], Arrays.copyOfRange(written, 4096, 4096 + 10_000));
    }

    @Test
    void shouldServeAGetFromAFileRegionIntoAFileRegion() throws Exception
    {
        final byte[] content = pattern(1 << 20, 5);
        final Path source = Files.write(dir.resolve("served"), content);
        final Path target = dir.resolve("fetched");
        final LnetNodes.Collector aEvents = new LnetNodes.Collector(a);

        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
            FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE))
        {
            final MemoryDescriptor served = new MemoryDescriptor().options(OP_GET | MANAGE_REMOTE);
            served.fileRegion(in, 0, 1 << 20, FileChannel.MapMode.READ_ONLY);
            final long servedMd = b.attach(PORTAL + 1, LNET_NID_ANY, LNET_PID_ANY, 2, 0, served);

            final MemoryDescriptor sink = new MemoryDescriptor().threshold(2);
            final MappedByteBuffer sinkMap = sink.fileRegion(out, 0, 65_536, FileChannel.MapMode.READ_WRITE);
            assertEquals(0, a.get(a.bind(sink), b.nid(), LNET_PID_LUSTRE, PORTAL + 1, 2, 123_456));

            final Recorded reply = aEvents.await(LnetEventType.REPLY, 10_000);
            assertNotNull(reply);
            assertEquals(65_536, reply.mlength());
            sinkMap.force();
            assertEquals(0, b.unlink(servedMd));
        }
        assertArrayEquals(Arrays.copyOfRange(content, 123_456, 123_456 + 65_536), Files.readAllBytes(target));
    }
}
