package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A listener and a connected client/server pair on a loopback address, made only through {@link NativeSocket},
 * plus bounded helpers to move bytes between them.
 */
final class LoopbackPair implements AutoCloseable
{
    static final int WAIT_MS = 5_000;

    final NativeSocket listener;
    final NativeSocket client;
    final NativeSocket server;

    private LoopbackPair(final NativeSocket listener, final NativeSocket client, final NativeSocket server)
    {
        this.listener = listener;
        this.client = client;
        this.server = server;
    }

    static LoopbackPair open(final String address) throws Exception
    {
        final InetAddress ip = InetAddress.getByName(address);
        final NativeSocket listener = NativeSocket.openTcp(ip);
        listener.bind(new InetSocketAddress(ip, 0));
        listener.listen(16);
        final NativeSocket client = NativeSocket.openTcp(ip);
        if (!client.connect(listener.localAddress()))
        {
            assertTrue((client.poll(NativeConstants.POLLOUT, WAIT_MS) & NativeConstants.POLLOUT) != 0);
            client.finishConnect();
        }
        assertTrue((listener.poll(NativeConstants.POLLIN, WAIT_MS) & NativeConstants.POLLIN) != 0);
        final NativeSocket server = listener.accept();
        assertNotNull(server);
        return new LoopbackPair(listener, client, server);
    }

    /**
     * Reads exactly length bytes from socket into buffer at offset, waiting at most WAIT_MS for each chunk.
     */
    static void readFully(final NativeSocket socket, final UnsafeBuffer buffer, final int offset, final int length)
        throws Exception
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS * 4L);
        int got = 0;
        while (got < length && System.nanoTime() < deadlineNs)
        {
            final int n = socket.read(buffer, offset + got, length - got);
            assertTrue(n >= 0, "unexpected end of stream after " + got + " of " + length + " bytes");
            if (n == 0)
            {
                socket.poll(NativeConstants.POLLIN, 100);
            }
            got += n;
        }
        assertEquals(length, got, "bytes read before the deadline");
    }

    /**
     * Reads whatever is available from socket into buffer at offset without waiting.
     *
     * @return bytes read (0 when none).
     */
    static int drain(final NativeSocket socket, final UnsafeBuffer buffer, final int offset, final int length)
        throws Exception
    {
        if (length == 0)
        {
            return 0;
        }
        final int n = socket.read(buffer, offset, length);
        assertTrue(n >= 0, "unexpected end of stream");
        return n;
    }

    public void close() throws Exception
    {
        client.close();
        server.close();
        listener.close();
    }
}
