package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class VectoredIoTest
{
    private static UnsafeBuffer filled(final int length, final int seed)
    {
        final UnsafeBuffer buffer = DirectMemory.allocate(length);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)(seed + i * 31));
        }
        return buffer;
    }

    @Test
    void shouldGatherSegmentsFromSeparateBuffersWithWritev() throws Exception
    {
        final UnsafeBuffer a = filled(24, 1);
        final UnsafeBuffer b = filled(4000, 2);
        final UnsafeBuffer c = filled(1, 3);
        final IovecArrayFlyweight iov = IovecArrayFlyweight.allocate(3)
            .set(0, a.addressOffset(), 24)
            .set(1, b.addressOffset(), 4000)
            .set(2, c.addressOffset(), 1);
        final UnsafeBuffer in = DirectMemory.allocate(4025);

        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"))
        {
            assertEquals(4025, pair.client.writev(iov, 3));
            LoopbackPair.readFully(pair.server, in, 0, 4025);
        }

        assertEquals(0, a.compareTo(new UnsafeBuffer(in, 0, 24)));
        assertEquals(0, b.compareTo(new UnsafeBuffer(in, 24, 4000)));
        assertEquals(0, c.compareTo(new UnsafeBuffer(in, 4024, 1)));
    }

    @Test
    void shouldScatterIntoSegmentsWithReadv() throws Exception
    {
        final UnsafeBuffer out = filled(3000, 9);
        final UnsafeBuffer first = DirectMemory.allocate(1000);
        final UnsafeBuffer second = DirectMemory.allocate(2000);
        final IovecArrayFlyweight iov = IovecArrayFlyweight.allocate(2)
            .set(0, first.addressOffset(), 1000)
            .set(1, second.addressOffset(), 2000);

        try (LoopbackPair pair = LoopbackPair.open("::1"))
        {
            pair.client.write(out, 0, 3000);
            pair.server.poll(NativeConstants.POLLIN, LoopbackPair.WAIT_MS);
            assertEquals(3000, pair.server.readv(iov, 2), "3000 bytes on loopback arrive as one segment");
        }

        assertEquals(0, new UnsafeBuffer(out, 0, 1000).compareTo(first));
        assertEquals(0, new UnsafeBuffer(out, 1000, 2000).compareTo(second));
        assertEquals(3000, iov.totalLength(2));
    }

    @Test
    void shouldCarryMessagesThroughSendmsgAndRecvmsg() throws Exception
    {
        final UnsafeBuffer out = filled(5000, 4);
        final UnsafeBuffer in = DirectMemory.allocate(5000);
        final IovecArrayFlyweight sendIov = IovecArrayFlyweight.allocate(2)
            .set(0, out.addressOffset(), 100)
            .set(1, out.addressOffset() + 100, 4900);
        final IovecArrayFlyweight recvIov = IovecArrayFlyweight.allocate(1).set(0, in.addressOffset(), 5000);
        final MsghdrFlyweight send = MsghdrFlyweight.allocate().iov(sendIov, 2);
        final MsghdrFlyweight recv = MsghdrFlyweight.allocate().iov(recvIov, 1);

        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"))
        {
            assertEquals(0, pair.server.recvmsg(recv, 0), "nothing to receive yet");
            assertEquals(5000, pair.client.sendmsg(send, NativeConstants.MSG_DONTWAIT));
            pair.server.poll(NativeConstants.POLLIN, LoopbackPair.WAIT_MS);
            assertEquals(5000, pair.server.recvmsg(recv, NativeConstants.MSG_WAITALL));
            assertEquals(0, recv.flags());
        }

        assertEquals(0, out.compareTo(in));
    }

    @Test
    void shouldMoveSegmentsThroughAPipeWithWritevAndReadv() throws Exception
    {
        final UnsafeBuffer out = filled(300, 5);
        final UnsafeBuffer in = DirectMemory.allocate(300);
        final IovecArrayFlyweight write = IovecArrayFlyweight.allocate(2)
            .set(0, out.addressOffset(), 10)
            .set(1, out.addressOffset() + 10, 290);
        final IovecArrayFlyweight read = IovecArrayFlyweight.allocate(2)
            .set(0, in.addressOffset(), 150)
            .set(1, in.addressOffset() + 150, 150);

        try (Pipe pipe = Pipe.open(NativeConstants.O_NONBLOCK | NativeConstants.O_CLOEXEC))
        {
            assertEquals(0, NativeIo.readv(pipe.readFd(), read, 2), "empty pipe would block");
            assertEquals(300, NativeIo.writev(pipe.writeFd(), write, 2));
            assertEquals(300, NativeIo.readv(pipe.readFd(), read, 2));
        }

        assertEquals(0, out.compareTo(in));
    }
}
