package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Uses addresses of 127.0.0.0/8 that nothing else here binds, so the privileged range on them is free (runs as root).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrivilegedBindTest
{
    @Test
    void shouldBindTheHighestFreePrivilegedPort() throws Exception
    {
        final InetAddress ip = InetAddress.getByName("127.0.23.1");
        try (NativeSocket socket = NativeSocket.openTcp(ip))
        {
            final int port = socket.bindPrivileged(ip, NativeConstants.JSL_PRIV_PORT_MAX);

            assertTrue(port >= 512 && port <= 1023, "port=" + port);
            assertEquals(new InetSocketAddress(ip, port), socket.localAddress());
            assertEquals(1, socket.intOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_REUSEADDR));
        }
    }

    @Test
    void shouldSkipAPortSomeoneListensOn() throws Exception
    {
        final InetAddress ip = InetAddress.getByName("127.0.23.2");
        try (NativeSocket busy = NativeSocket.openTcp(ip); NativeSocket socket = NativeSocket.openTcp(ip))
        {
            final int taken = busy.bindPrivileged(ip, NativeConstants.JSL_PRIV_PORT_MAX);
            busy.listen(1);

            final int port = socket.bindPrivileged(ip, taken);

            assertTrue(port >= 512 && port < taken, "port=" + port + ", taken=" + taken);
        }
    }

    @Test
    void shouldFailWithAddressInUseWhenEveryPrivilegedPortIsTaken() throws Exception
    {
        final InetAddress ip = InetAddress.getByName("127.0.23.3");
        final List<NativeSocket> holders = new ArrayList<>();
        try
        {
            for (int port = NativeConstants.JSL_PRIV_PORT_MIN; port <= NativeConstants.JSL_PRIV_PORT_MAX; port++)
            {
                final NativeSocket holder = NativeSocket.openTcp(ip);
                holders.add(holder);
                holder.bind(new InetSocketAddress(ip, port));
                holder.listen(1);
            }
            try (NativeSocket socket = NativeSocket.openTcp(ip))
            {
                final AddressInUseException ex = assertThrows(AddressInUseException.class,
                    () -> socket.bindPrivileged(ip, NativeConstants.JSL_PRIV_PORT_MAX));
                assertEquals(Errno.EADDRINUSE, ex.errno());
                assertEquals("bind_privileged", ex.op());
            }
        }
        finally
        {
            for (final NativeSocket holder : holders)
            {
                holder.close();
            }
        }
    }

    @Test
    void shouldFailPlainBindToAListeningAddressWithAddressInUse() throws Exception
    {
        try (NativeSocket listener = NativeSocket.openTcp(NativeConstants.AF_INET);
            NativeSocket other = NativeSocket.openTcp(NativeConstants.AF_INET))
        {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(1);
            final InetSocketAddress taken = listener.localAddress();

            final AddressInUseException ex = assertThrows(AddressInUseException.class, () -> other.bind(taken));

            assertEquals(Errno.EADDRINUSE, ex.errno());
            assertTrue(ex.getMessage().contains("address=" + taken), ex.getMessage());
        }
    }

    @Test
    void shouldRejectAStartPortOutsideThePrivilegedRange() throws Exception
    {
        final InetAddress ip = InetAddress.getByName("127.0.23.4");
        try (NativeSocket socket = NativeSocket.openTcp(ip))
        {
            final NativeIoException ex = assertThrows(NativeIoException.class, () -> socket.bindPrivileged(ip, 2000));

            assertEquals(Errno.EINVAL, ex.errno());
        }
    }
}
