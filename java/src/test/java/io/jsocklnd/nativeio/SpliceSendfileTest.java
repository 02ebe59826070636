package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * sendfile, splice and vmsplice into a loopback socket; what arrives is compared with the random source bytes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpliceSendfileTest
{
    private static final int SIZE = 3 * 1024 * 1024 + 123;
    private static final int NONBLOCK = NativeConstants.SPLICE_F_MOVE | NativeConstants.SPLICE_F_NONBLOCK;

    @TempDir
    Path tempDir;

    private long seed;
    private byte[] data;
    private Path file;

    @BeforeEach
    void writeRandomFile() throws Exception
    {
        seed = System.nanoTime();
        data = new byte[SIZE];
        new Random(seed).nextBytes(data);
        file = tempDir.resolve("source.bin");
        Files.write(file, data);
    }

    @Test
    void shouldSendAFileWithSendfileAdvancingTheOffset() throws Exception
    {
        final UnsafeBuffer offset = DirectMemory.allocate(NativeLayout.OFF_T_SIZE);
        final UnsafeBuffer in = DirectMemory.allocate(SIZE);
        final int fd = NativeIo.open(file, NativeConstants.O_RDONLY | NativeConstants.O_CLOEXEC, 0);
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"))
        {
            int received = 0;
            for (int i = 0; i < 100_000 && received < SIZE; i++)
            {
                final long position = offset.getLong(0);
                if (position < SIZE)
                {
                    NativeIo.sendfile(pair.client.fd(), fd, offset.addressOffset(), SIZE - position);
                }
                received += LoopbackPair.drain(pair.server, in, received, SIZE - received);
            }

            assertEquals(SIZE, offset.getLong(0));
            assertEquals(-1, NativeIo.sendfile(pair.client.fd(), fd, offset.addressOffset(), 10), "file at its end");
            assertEquals(SIZE, received);
        }
        finally
        {
            NativeIo.close(fd);
        }
        assertContent(in, SIZE);
    }

    @Test
    void shouldSpliceAFileThroughAPipeIntoASocket() throws Exception
    {
        final UnsafeBuffer offset = DirectMemory.allocate(NativeLayout.OFF_T_SIZE);
        final UnsafeBuffer in = DirectMemory.allocate(SIZE);
        final int fd = NativeIo.open(file, NativeConstants.O_RDONLY | NativeConstants.O_CLOEXEC, 0);
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1");
            Pipe pipe = Pipe.open(NativeConstants.O_NONBLOCK | NativeConstants.O_CLOEXEC))
        {
            final int capacity = pipe.capacity(1024 * 1024);
            assertTrue(capacity >= 1024 * 1024, "capacity=" + capacity);
            assertEquals(capacity, pipe.capacity());
            long inPipe = 0;
            int received = 0;
            for (int i = 0; i < 100_000 && received < SIZE; i++)
            {
                final long position = offset.getLong(0);
                if (position < SIZE)
                {
                    inPipe += Math.max(0, NativeIo.spliceAt(fd, offset.addressOffset(), pipe.writeFd(),
                        Math.min(capacity - inPipe, SIZE - position), NONBLOCK));
                }
                if (inPipe > 0)
                {
                    inPipe -= Math.max(0, NativeIo.splice(pipe.readFd(), pair.client.fd(), inPipe, NONBLOCK));
                }
                received += LoopbackPair.drain(pair.server, in, received, SIZE - received);
            }

            assertEquals(SIZE, received);
            assertEquals(-1, NativeIo.spliceAt(fd, offset.addressOffset(), pipe.writeFd(), 10, NONBLOCK));
        }
        finally
        {
            NativeIo.close(fd);
        }
        assertContent(in, SIZE);
    }

    @Test
    void shouldSpliceWhatWasWrittenIntoAPipeIntoASocket() throws Exception
    {
        final int length = 60_000;
        final UnsafeBuffer out = DirectMemory.allocate(length);
        final UnsafeBuffer in = DirectMemory.allocate(length);
        out.putBytes(0, data, 0, length);
        try (LoopbackPair pair = LoopbackPair.open("::1"); Pipe pipe = Pipe.open(NativeConstants.O_NONBLOCK))
        {
            assertEquals(0, NativeIo.splice(pipe.readFd(), pair.client.fd(), length, NONBLOCK), "empty pipe");
            assertEquals(length, NativeIo.write(pipe.writeFd(), out.addressOffset(), length));

            long moved = 0;
            for (int i = 0; i < 1_000 && moved < length; i++)
            {
                moved += NativeIo.splice(pipe.readFd(), pair.client.fd(), length - moved, NONBLOCK);
            }
            assertEquals(length, moved);
            LoopbackPair.readFully(pair.server, in, 0, length);
        }
        assertContent(in, length);
    }

    @Test
    void shouldVmspliceUserPagesThroughAPipeIntoASocket() throws Exception
    {
        final int length = 256 * 1024;
        final UnsafeBuffer pages = DirectMemory.allocatePageAligned(length);
        final UnsafeBuffer in = DirectMemory.allocate(length);
        pages.putBytes(0, data, 0, length);
        final IovecArrayFlyweight iov = IovecArrayFlyweight.allocate(1);
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1");
            Pipe pipe = Pipe.open(NativeConstants.O_NONBLOCK | NativeConstants.O_CLOEXEC))
        {
            long spliced = 0;
            long inPipe = 0;
            int received = 0;
            for (int i = 0; i < 100_000 && received < length; i++)
            {
                if (spliced < length)
                {
                    iov.set(0, pages.addressOffset() + spliced, length - spliced);
                    final long n = NativeIo.vmsplice(pipe.writeFd(), iov, 1, NativeConstants.SPLICE_F_NONBLOCK);
                    spliced += n;
                    inPipe += n;
                }
                if (inPipe > 0)
                {
                    inPipe -= Math.max(0, NativeIo.splice(pipe.readFd(), pair.client.fd(), inPipe, NONBLOCK));
                }
                received += LoopbackPair.drain(pair.server, in, received, length - received);
            }
            assertEquals(length, received);
        }
        assertContent(in, length);
    }

    @Test
    void shouldFailToOpenAMissingFileWithEnoent()
    {
        final Path missing = tempDir.resolve("missing.bin");

        final NativeIoException ex = assertThrows(NativeIoException.class,
            () -> NativeIo.open(missing, NativeConstants.O_RDONLY, 0));

        assertEquals(Errno.ENOENT, ex.errno());
        assertTrue(ex.getMessage().endsWith("path=" + missing), ex.getMessage());
    }

    private void assertContent(final UnsafeBuffer in, final int length)
    {
        final byte[] got = new byte[length];
        in.getBytes(0, got);
        final byte[] expected = new byte[length];
        System.arraycopy(data, 0, expected, 0, length);
        assertArrayEquals(expected, got, "seed=" + seed);
    }
}
