package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DirectMemoryTest
{
    @ParameterizedTest
    @ValueSource(ints = {1, 4095, 4096, 65537, 4 * 1024 * 1024})
    void shouldStartPageAlignedBuffersOnAPageBoundary(final int capacity)
    {
        final int pageSize = DirectMemory.pageSize();

        final UnsafeBuffer buffer = DirectMemory.allocatePageAligned(capacity);

        assertTrue(pageSize >= 4096 && BitUtil.isPowerOfTwo(pageSize), "pageSize=" + pageSize);
        assertEquals(0, buffer.addressOffset() % pageSize, "address=" + buffer.addressOffset());
        assertEquals(capacity, buffer.capacity());
        buffer.putByte(capacity - 1, (byte)1);
    }

    @Test
    void shouldLayOutSockaddrInAsTheKernelExpects()
    {
        final SockaddrFlyweight sockaddr = SockaddrFlyweight.allocate();

        final int length = sockaddr.set(new InetSocketAddress("127.0.0.1", 988));

        final byte[] bytes = new byte[length];
        new UnsafeBuffer(sockaddr.address(), length).getBytes(0, bytes);
        assertArrayEquals(new byte[]{2, 0, 0x03, (byte)0xdc, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, bytes);
        assertEquals(new InetSocketAddress("127.0.0.1", 988), sockaddr.toInetSocketAddress());
        assertEquals(NativeConstants.AF_INET, sockaddr.family());
    }

    @Test
    void shouldRoundTripAnIpv6AddressWithItsScope() throws Exception
    {
        final SockaddrFlyweight sockaddr = SockaddrFlyweight.allocate();
        final InetAddress ip = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 3);

        final int length = sockaddr.set(new InetSocketAddress(ip, 65535));

        assertEquals(SockaddrFlyweight.SOCKADDR_IN6_SIZE, length);
        assertEquals(length, sockaddr.length());
        assertEquals(65535, sockaddr.port());
        final InetSocketAddress back = sockaddr.toInetSocketAddress();
        assertEquals(ip, back.getAddress());
        assertEquals(3, ((Inet6Address)back.getAddress()).getScopeId());
    }

    @Test
    void shouldWriteIovecAndMsghdrFieldsAtTheirOffsets()
    {
        final UnsafeBuffer memory = DirectMemory.allocate(256);
        final IovecArrayFlyweight iov = new IovecArrayFlyweight().wrap(memory, 0, 2)
            .set(0, 0x1000, 10)
            .set(1, 0x2000, 20);
        final MsghdrFlyweight msg = new MsghdrFlyweight().wrap(memory, 64).name(0x3000, 28).iov(iov, 2)
            .control(0x4000, 48);

        assertEquals(0x2000, memory.getLong(16));
        assertEquals(20, memory.getLong(24));
        assertEquals(30, iov.totalLength(2));
        assertEquals(0x3000, memory.getLong(64));
        assertEquals(28, memory.getInt(64 + 8));
        assertEquals(memory.addressOffset(), memory.getLong(64 + 16));
        assertEquals(2, memory.getLong(64 + 24));
        assertEquals(0x4000, memory.getLong(64 + 32));
        assertEquals(48, msg.controlLength());
        assertEquals(memory.addressOffset() + 64, msg.address());
    }

    @Test
    void shouldRefuseToWrapHeapMemory()
    {
        final UnsafeBuffer heap = new UnsafeBuffer(new byte[64]);

        assertThrows(IllegalArgumentException.class, () -> new MsghdrFlyweight().wrap(heap, 0));
        assertThrows(IllegalArgumentException.class, () -> new SockaddrFlyweight().wrap(heap, 0));
        assertThrows(IllegalArgumentException.class, () -> new IovecArrayFlyweight().wrap(heap, 0, 1));
    }
}
