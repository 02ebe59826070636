package io.jsocklnd.lnd;

import io.jsocklnd.wire.Nid;

import java.io.IOException;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;

/**
 * The automatic {@code conns_per_peer} ({@code ksocklnd_lookup_conns_per_peer}): from the speed of the link that
 * carries the node's NID, {@code ilog2(Gbit/s) / 2 + 1} with anything below 1 Gbit/s taken as 1, and 1 where the
 * speed is unknown (loopback, a virtual link, an interface that is down).
 */
final class LinkSpeed
{
    /** Where Linux shows each interface's speed in Mbit/s: {@code /sys/class/net/IFACE/speed}. */
    static final Path SYS_CLASS_NET = Path.of("/sys/class/net");

    private LinkSpeed()
    {
    }

    /**
     * @param speedMbps a link's speed in Mbit/s, 0 or less when unknown.
     * @return the connections of each bulk type a kernel opens per peer on that link.
     */
    static int connsPerPeerForSpeed(final int speedMbps)
    {
        if (speedMbps <= 0)
        {
            return 1;
        }
        final int gbps = Math.max(speedMbps, 1000) / 1000;
        final int ilog2 = 31 - Integer.numberOfLeadingZeros(gbps);
        return ilog2 / 2 + 1;
    }

    /**
     * @param sysClassNet where the interfaces' directories are ({@link #SYS_CLASS_NET}).
     * @param iface       the interface's name, null for none.
     * @return its speed in Mbit/s, 0 when unknown.
     */
    static int speedMbps(final Path sysClassNet, final String iface)
    {
        if (null == iface)
        {
            return 0;
        }
        try
        {
            final String text = new String(Files.readAllBytes(sysClassNet.resolve(iface).resolve("speed")),
                StandardCharsets.US_ASCII).trim();
            return Math.max(0, Integer.parseInt(text));
        }
        catch (final IOException | NumberFormatException | SecurityException ex)
        {
            // Loopback and virtual links have no speed (reading it fails with EINVAL), nor does a link that is down.
            return 0;
        }
    }

    /**
     * @param nid the node's NID.
     * @return the name of the interface whose network holds its IPv4 address (loopback for all of 127/8), null
     * when none does.
     */
    static String interfaceOf(final long nid)
    {
        final int ip = Nid.addr(nid);
        try
        {
            final Enumeration<NetworkInterface> all = NetworkInterface.getNetworkInterfaces();
            while (null != all && all.hasMoreElements())
            {
                final NetworkInterface iface = all.nextElement();
                for (final InterfaceAddress address : iface.getInterfaceAddresses())
                {
                    final byte[] bytes = address.getAddress().getAddress();
                    final int prefix = address.getNetworkPrefixLength();
                    if (bytes.length == 4 && prefix >= 0 && prefix <= 32)
                    {
                        final int own = ((bytes[0] & 0xFF) << 24) | ((bytes[1] & 0xFF) << 16) |
                            ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
                        final int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
                        if ((own & mask) == (ip & mask))
                        {
                            return iface.getName();
                        }
                    }
                }
            }
            return null;
        }
        catch (final SocketException ex)
        {
            return null;
        }
    }

    /**
     * @param nid         the node's NID.
     * @param sysClassNet where the interfaces' directories are ({@link #SYS_CLASS_NET}).
     * @return the automatic {@code conns_per_peer} for the link that carries it.
     */
    static int connsPerPeer(final long nid, final Path sysClassNet)
    {
        return connsPerPeerForSpeed(speedMbps(sysClassNet, interfaceOf(nid)));
    }
}
