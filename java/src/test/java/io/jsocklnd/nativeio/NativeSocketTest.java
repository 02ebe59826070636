package io.jsocklnd.nativeio;

import static io.jsocklnd.nativeio.LoopbackPair.WAIT_MS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NativeSocketTest
{
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void shouldConnectAcceptAndReportBothEndsAddresses(final String address) throws Exception
    {
        try (LoopbackPair pair = LoopbackPair.open(address))
        {
            final InetSocketAddress listening = pair.listener.localAddress();
            final InetSocketAddress clientLocal = pair.client.localAddress();

            assertEquals(InetAddress.getByName(address), listening.getAddress());
            assertTrue(listening.getPort() > 0);
            assertEquals(listening, pair.client.remoteAddress());
            assertEquals(clientLocal, pair.server.remoteAddress());
            assertEquals(listening, pair.server.localAddress());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void shouldCarryRandomBytesBothWaysIntact(final String address) throws Exception
    {
        final long seed = System.nanoTime();
        final byte[] sent = new byte[256 * 1024];
        new Random(seed).nextBytes(sent);
        final UnsafeBuffer out = DirectMemory.allocate(sent.length);
        final UnsafeBuffer in = DirectMemory.allocate(sent.length);
        out.putBytes(0, sent);

        try (LoopbackPair pair = LoopbackPair.open(address))
        {
            assertEquals(0, pair.server.read(in, 0, sent.length), "nothing to read yet");
            int written = 0;
            int received = 0;
            for (int i = 0; i < 100_000 && received < sent.length; i++)
            {
                written += pair.client.write(out, written, sent.length - written);
                received += LoopbackPair.drain(pair.server, in, received, sent.length - received);
                if (received < written || written < sent.length)
                {
                    pair.server.poll(NativeConstants.POLLIN, 10);
                }
            }
            final byte[] got = new byte[sent.length];
            in.getBytes(0, got);
            assertArrayEquals(sent, got, "seed=" + seed);

            pair.server.write(out, 0, 100);
            LoopbackPair.readFully(pair.client, in, 0, 100);
            assertEquals(out.getLong(8), in.getLong(8));
        }
    }

    @Test
    void shouldReadEndOfStreamAfterPeerShutsDownWriting() throws Exception
    {
        final UnsafeBuffer in = DirectMemory.allocate(16);
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"))
        {
            pair.client.shutdown(NativeConstants.SHUT_WR);

            assertTrue((pair.server.poll(NativeConstants.POLLIN, WAIT_MS) & NativeConstants.POLLIN) != 0);
            assertEquals(-1, pair.server.read(in, 0, 16));
        }
    }

    @Test
    void shouldReturnNullFromAcceptWhenNoConnectionIsPending() throws Exception
    {
        try (NativeSocket listener = NativeSocket.openTcp(NativeConstants.AF_INET))
        {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(1);

            assertNull(listener.accept());
        }
    }

    @Test
    void shouldSetAndReadBackIntOptionsAndLinger() throws Exception
    {
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"))
        {
            final NativeSocket s = pair.client;
            s.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_NODELAY, 1);
            s.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_KEEPALIVE, 1);
            s.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPIDLE, 41);
            s.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPINTVL, 7);
            s.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPCNT, 5);
            s.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_ZEROCOPY, 1);
            s.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_SNDBUF, 96 * 1024);
            s.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_RCVBUF, 80 * 1024);
            s.setLinger(true, 3);

            assertEquals(1, s.intOption(NativeConstants.SOL_TCP, NativeConstants.TCP_NODELAY));
            assertEquals(1, s.intOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_KEEPALIVE));
            assertEquals(41, s.intOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPIDLE));
            assertEquals(7, s.intOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPINTVL));
            assertEquals(5, s.intOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPCNT));
            assertEquals(1, s.intOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_ZEROCOPY));
            // Linux doubles the requested buffer size to leave room for its bookkeeping.
            assertEquals(2 * 96 * 1024, s.intOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_SNDBUF));
            assertEquals(2 * 80 * 1024, s.intOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_RCVBUF));
            assertEquals(3, s.lingerSeconds());

            s.setLinger(false, 0);
            s.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_NODELAY, 0);
            assertEquals(-1, s.lingerSeconds());
            assertEquals(0, s.intOption(NativeConstants.SOL_TCP, NativeConstants.TCP_NODELAY));
        }
    }

    @Test
    void shouldFailConnectToAClosedPortWithConnectionRefused() throws Exception
    {
        final InetSocketAddress closed;
        try (NativeSocket listener = NativeSocket.openTcp(NativeConstants.AF_INET))
        {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(1);
            closed = listener.localAddress();
        }

        try (NativeSocket client = NativeSocket.openTcp(NativeConstants.AF_INET))
        {
            final ConnectionRefusedException ex = assertThrows(ConnectionRefusedException.class, () ->
            {
                if (!client.connect(closed))
                {
                    client.poll(NativeConstants.POLLOUT, WAIT_MS);
                    client.finishConnect();
                }
            });
            assertEquals(Errno.ECONNREFUSED, ex.errno());
            assertEquals("connect", ex.op());
            assertTrue(ex.getMessage().contains("address=" + closed), ex.getMessage());
        }
    }

    @Test
    void shouldFailWritesAfterPeerClosedWithResetOrBrokenPipe() throws Exception
    {
        final UnsafeBuffer out = DirectMemory.allocate(64 * 1024);
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"))
        {
            pair.server.close();

            final ConnectionResetException ex = assertThrows(ConnectionResetException.class, () ->
            {
                for (int i = 0; i < 1_000; i++)
                {
                    if (pair.client.write(out, 0, out.capacity()) == 0)
                    {
                        pair.client.poll(NativeConstants.POLLOUT, 10);
                    }
                }
            });
            assertTrue(ex.errno() == Errno.EPIPE || ex.errno() == Errno.ECONNRESET, ex.getMessage());
        }
    }

    @Test
    void shouldFailOperationsOnABadDescriptorWithEbadf()
    {
        final UnsafeBuffer buffer = DirectMemory.allocate(8);

        final BadFileDescriptorException read =
            assertThrows(BadFileDescriptorException.class, () -> NativeIo.read(-1, buffer.addressOffset(), 8));
        final BadFileDescriptorException close =
            assertThrows(BadFileDescriptorException.class, () -> NativeIo.close(-1));

        assertEquals(Errno.EBADF, read.errno());
        assertEquals("close", close.op());
        assertEquals(-Errno.EBADF, JslNative.lib().jsl_send(-1, buffer.addressOffset(), 8, 0));
    }

    @Test
    void shouldMakeTheSocketUnusableAfterClose() throws Exception
    {
        final NativeSocket socket = NativeSocket.openTcp(NativeConstants.AF_INET6);
        assertTrue(socket.fd() >= 0);

        socket.close();
        socket.close();

        assertEquals(-1, socket.fd());
        final NativeIoException ex = assertThrows(NativeIoException.class, socket::localAddress);
        assertInstanceOf(BadFileDescriptorException.class, ex);
    }

    @Test
    void shouldRejectHeapBuffersWhoseAddressTheKernelCannotUse() throws Exception
    {
        try (NativeSocket socket = NativeSocket.openTcp(NativeConstants.AF_INET))
        {
            final UnsafeBuffer heap = new UnsafeBuffer(new byte[16]);

            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> socket.read(heap, 0, 16));
            assertEquals("buffer is on the heap: capacity=16", ex.getMessage());
            assertFalse(socket.fd() < 0);
        }
    }
}
