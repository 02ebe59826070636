package io.jsocklnd.nativeio;

import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;
import static org.agrona.BitUtil.SIZE_OF_SHORT;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * A {@code struct sockaddr_in} or {@code struct sockaddr_in6} in direct memory; the family (host order) tells which.
 * Port and address are in network byte order.
 * <pre>
 *   sockaddr_in:   0 family | 2 port | 4 addr (4)  | 8 zero (8)                         | 16
 *   sockaddr_in6:  0 family | 2 port | 4 flowinfo  | 8 addr (16)  | 24 scope_id          | 28
 * </pre>
 */
public final class SockaddrFlyweight
{
    public static final int SIN_FAMILY_OFFSET = 0;
    public static final int SIN_PORT_OFFSET = SIN_FAMILY_OFFSET + SIZE_OF_SHORT;
    public static final int SIN_ADDR_OFFSET = SIN_PORT_OFFSET + SIZE_OF_SHORT;
    public static final int SOCKADDR_IN_SIZE = SIN_ADDR_OFFSET + SIZE_OF_INT + SIZE_OF_LONG;

    public static final int SIN6_FAMILY_OFFSET = 0;
    public static final int SIN6_PORT_OFFSET = SIN6_FAMILY_OFFSET + SIZE_OF_SHORT;
    public static final int SIN6_FLOWINFO_OFFSET = SIN6_PORT_OFFSET + SIZE_OF_SHORT;
    public static final int SIN6_ADDR_OFFSET = SIN6_FLOWINFO_OFFSET + SIZE_OF_INT;
    public static final int SIN6_SCOPE_ID_OFFSET = SIN6_ADDR_OFFSET + 16;
    public static final int SOCKADDR_IN6_SIZE = SIN6_SCOPE_ID_OFFSET + SIZE_OF_INT;

    /** Room for either family. */
    public static final int CAPACITY = SOCKADDR_IN6_SIZE;

    private MutableDirectBuffer buffer;
    private int offset;

    /**
     * A flyweight over a fresh, zeroed direct buffer of {@link #CAPACITY} bytes.
     */
    public static SockaddrFlyweight allocate()
    {
        return new SockaddrFlyweight().wrap(DirectMemory.allocate(CAPACITY), 0);
    }

    /**
     * Wraps {@link #CAPACITY} bytes at offset of an off-heap buffer.
     */
    public SockaddrFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        DirectMemory.address(buffer, offset);
        buffer.boundsCheck(offset, CAPACITY);
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Writes address as sockaddr_in (IPv4) or sockaddr_in6 (IPv6, with its scope id).
     *
     * @return the length to pass with the address: {@link #SOCKADDR_IN_SIZE} or {@link #SOCKADDR_IN6_SIZE}.
     * @throws IllegalArgumentException when address is unresolved.
     */
    public int set(final InetSocketAddress address)
    {
        final InetAddress ip = address.getAddress();
        if (ip == null)
        {
            throw new IllegalArgumentException("unresolved address: host=" + address.getHostString());
        }
        buffer.setMemory(offset, CAPACITY, (byte)0);
        final byte[] bytes = ip.getAddress();
        if (ip instanceof Inet4Address)
        {
            buffer.putShort(offset + SIN_FAMILY_OFFSET, (short)NativeConstants.AF_INET);
            buffer.putBytes(offset + SIN_ADDR_OFFSET, bytes);
            port(address.getPort());
            return SOCKADDR_IN_SIZE;
        }
        buffer.putShort(offset + SIN6_FAMILY_OFFSET, (short)NativeConstants.AF_INET6);
        buffer.putBytes(offset + SIN6_ADDR_OFFSET, bytes);
        buffer.putInt(offset + SIN6_SCOPE_ID_OFFSET, ((Inet6Address)ip).getScopeId());
        port(address.getPort());
        return SOCKADDR_IN6_SIZE;
    }

    /**
     * sin_family / sin6_family.
     */
    public int family()
    {
        return buffer.getShort(offset + SIN_FAMILY_OFFSET) & 0xFFFF;
    }

    /**
     * Length of the struct of the current family.
     */
    public int length()
    {
        return family() == NativeConstants.AF_INET6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE;
    }

    /**
     * sin_port / sin6_port as a host number.
     */
    public int port()
    {
        return buffer.getShort(offset + SIN_PORT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Sets sin_port / sin6_port.
     */
    public SockaddrFlyweight port(final int port)
    {
        buffer.putShort(offset + SIN_PORT_OFFSET, (short)port, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /**
     * The address as a Java value (allocates).
     *
     * @throws IllegalStateException when the family is neither AF_INET nor AF_INET6.
     */
    public InetSocketAddress toInetSocketAddress()
    {
        final int family = family();
        final byte[] bytes;
        if (family == NativeConstants.AF_INET)
        {
            bytes = new byte[4];
            buffer.getBytes(offset + SIN_ADDR_OFFSET, bytes);
        }
        else if (family == NativeConstants.AF_INET6)
        {
            bytes = new byte[16];
            buffer.getBytes(offset + SIN6_ADDR_OFFSET, bytes);
        }
        else
        {
            throw new IllegalStateException("unsupported address family: family=" + family);
        }
        try
        {
            final InetAddress ip = family == NativeConstants.AF_INET6 ?
                Inet6Address.getByAddress(null, bytes, buffer.getInt(offset + SIN6_SCOPE_ID_OFFSET)) :
                InetAddress.getByAddress(bytes);
            return new InetSocketAddress(ip, port());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException("bad address length: length=" + bytes.length, ex);
        }
    }

    /**
     * Native address of the struct.
     */
    public long address()
    {
        return DirectMemory.address(buffer, offset);
    }
}
