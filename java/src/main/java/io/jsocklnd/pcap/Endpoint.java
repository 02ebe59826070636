package io.jsocklnd.pcap;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One end of a TCP connection: IPv4 or IPv6 address and port.
 *
 * @param address the address (never resolved).
 * @param port    the TCP port, 0..65535.
 */
public record Endpoint(InetAddress address, int port)
{
    /**
     * @param address address.
     * @param port    port.
     */
    public Endpoint
    {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 0xFFFF)
        {
            throw new IllegalArgumentException("bad port: port=" + port);
        }
    }

    /**
     * @return {@code a.b.c.d:port}, or {@code [v6]:port}.
     */
    @Override
    public String toString()
    {
        final String host = address.getHostAddress();
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }
}
