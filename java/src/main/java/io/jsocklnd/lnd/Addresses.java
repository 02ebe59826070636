package io.jsocklnd.lnd;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Socket addresses as log text: {@code a.b.c.d:port}, no host name lookup; IPv4 addresses of NIDs.
 */
final class Addresses
{
    private Addresses()
    {
    }

    static String text(final InetSocketAddress address)
    {
        if (null == address)
        {
            return "?";
        }
        return (null == address.getAddress() ? address.getHostString() : address.getAddress().getHostAddress()) +
            ':' + address.getPort();
    }

    /**
     * @param addr an IPv4 address as a host-order integer ({@code Nid.addr}).
     * @return the address, no name lookup.
     */
    static InetAddress ipv4(final int addr)
    {
        try
        {
            return InetAddress.getByAddress(new byte[]{
                (byte)(addr >>> 24), (byte)(addr >>> 16), (byte)(addr >>> 8), (byte)addr});
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
