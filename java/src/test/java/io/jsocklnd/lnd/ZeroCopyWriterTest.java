package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeSocket;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class ZeroCopyWriterTest
{
    private static final int PAYLOADS = 40;
    private static final int MAX_PAYLOAD = 1 << 20;

    @ParameterizedTest
    @EnumSource(ZeroCopyWriter.Mode.class)
    void shouldDeliverEveryPayloadIntactAndReleaseEverySend(final ZeroCopyWriter.Mode mode) throws Exception
    {
        final long seed = Long.getLong("jsocklnd.test.seed", System.nanoTime());
        final Random random = new Random(seed);
        final int[] sizes = new int[PAYLOADS];
        long total = 0;
        for (int i = 0; i < PAYLOADS; i++)
        {
            sizes[i] = i == 0 ? MAX_PAYLOAD : 1 + random.nextInt(MAX_PAYLOAD);
            total += sizes[i];
        }
        final byte[] expected = new byte[(int)total];
        random.nextBytes(expected);

        try (NativeSocket listener = NativeSocket.openTcp(NativeConstants.AF_INET))
        {
            listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.40.1"), 0));
            listener.listen(1);
            final NativeSocket client = NativeSocket.openTcp(NativeConstants.AF_INET);
            client.connect(listener.localAddress());
            NativeSocket server = null;
            for (int i = 0; i < 1000 && server == null; i++)
            {
                server = listener.accept();
                if (server == null)
                {
                    Thread.sleep(1);
                }
            }
            client.poll(NativeConstants.POLLOUT, 1000);
            client.finishConnect();
            final NativeSocket receiver = server;

            final byte[] actual = new byte[(int)total];
            final AtomicReference<Throwable> readerError = new AtomicReference<>();
            final AtomicLong consumed = new AtomicLong();
            final Thread reader = new Thread(() -> readAll(receiver, actual, consumed, readerError));
            reader.start();

            final UnsafeBuffer source = DirectMemory.allocatePageAligned(MAX_PAYLOAD);
            long sentIdMax = -1;
            int offset = 0;
            try (ZeroCopyWriter writer = new ZeroCopyWriter(client, mode))
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                for (int p = 0; p < PAYLOADS; p++)
                {
                    // The buffer is reused only once the previous payload is released. With splice the socket
                    // still refers to the pages after the splice: only the receiver knows (the ZC-ACK), here
                    // modelled by the reader's progress. With MSG_ZEROCOPY the kernel's completion says so.
                    final long mustBeConsumed = offset;
                    while ((!writer.isReleased(sentIdMax) ||
                        (mode == ZeroCopyWriter.Mode.SPLICE && consumed.get() < mustBeConsumed)) &&
                        System.nanoTime() - deadline < 0)
                    {
                        writer.pollCompletions();
                    }
                    assertTrue(writer.isReleased(sentIdMax), "seed=" + seed + " payload " + p + " never released");
                    source.putBytes(0, expected, offset, sizes[p]);
                    writer.start(DirectMemory.address(source, 0), sizes[p]);
                    long moved = 0;
                    while (!writer.isWritten() && System.nanoTime() - deadline < 0)
                    {
                        moved += writer.advance();
                        if (!writer.isWritten())
                        {
                            client.poll(NativeConstants.POLLOUT, 10);
                        }
                    }
                    assertTrue(writer.isWritten(), "seed=" + seed + " payload " + p);
                    assertEquals(sizes[p], moved);
                    sentIdMax = Math.max(sentIdMax, writer.lastSendId());
                    offset += sizes[p];
                }
                while (!writer.isReleased(sentIdMax) && System.nanoTime() - deadline < 0)
                {
                    writer.pollCompletions();
                }
                assertTrue(writer.isReleased(sentIdMax), "seed=" + seed);
                if (mode == ZeroCopyWriter.Mode.MSG_ZEROCOPY)
                {
                    assertTrue(sentIdMax >= PAYLOADS - 1, "one send id per payload at least: " + sentIdMax);
                    assertTrue(writer.copiedCompletions() > 0, "loopback always reports copied completions");
                }
                else
                {
                    assertEquals(-1, writer.lastSendId());
                }
            }
            reader.join(30_000);
            client.close();
            receiver.close();
            if (readerError.get() != null)
            {
                throw new AssertionError(readerError.get());
            }
            assertTrue(Arrays.equals(expected, actual), "seed=" + seed + " data differs");
            assertArrayEquals(expected, actual);
        }
    }

    private static void readAll(
        final NativeSocket socket, final byte[] into, final AtomicLong consumed, final AtomicReference<Throwable> error)
    {
        final UnsafeBuffer buffer = DirectMemory.allocate(256 * 1024);
        int at = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try
        {
            while (at < into.length && System.nanoTime() - deadline < 0)
            {
                final int n = socket.read(buffer, 0, Math.min(buffer.capacity(), into.length - at));
                if (n < 0)
                {
                    break;
                }
                if (n == 0)
                {
                    socket.poll(NativeConstants.POLLIN, 10);
                    continue;
                }
                buffer.getBytes(0, into, at, n);
                at += n;
                consumed.set(at);
            }
        }
        catch (final Throwable t)
        {
            error.set(t);
        }
    }
}
