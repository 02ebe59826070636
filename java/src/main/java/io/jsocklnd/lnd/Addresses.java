package io.jsocklnd.lnd;

import java.net.InetSocketAddress;

/**
 * Socket addresses as log text: {@code a.b.c.d:port}, no host name lookup.
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
}
