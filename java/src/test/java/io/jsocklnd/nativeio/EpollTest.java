package io.jsocklnd.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EpollTest
{
    private static final long TOKEN = 0x1122_3344_5566_7788L;

    @Test
    void shouldReportReadableWithTheRegisteredToken() throws Exception
    {
        final EpollEventArrayFlyweight events = EpollEventArrayFlyweight.allocate(8);
        final UnsafeBuffer data = DirectMemory.allocate(32);
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"); Epoll epoll = Epoll.open())
        {
            epoll.add(pair.server.fd(), NativeConstants.EPOLLIN, TOKEN);
            assertEquals(0, epoll.epollWait(events, 0), "nothing readable yet");

            pair.client.write(data, 0, 32);

            assertEquals(1, epoll.epollWait(events, LoopbackPair.WAIT_MS));
            assertEquals(NativeConstants.EPOLLIN, events.events(0));
            assertEquals(TOKEN, events.data(0));
        }
    }

    @Test
    void shouldReportWritableAndPeerHangupForEachSocket() throws Exception
    {
        final EpollEventArrayFlyweight events = EpollEventArrayFlyweight.allocate(4);
        try (LoopbackPair pair = LoopbackPair.open("::1"); Epoll epoll = Epoll.open())
        {
            epoll.add(pair.client.fd(), NativeConstants.EPOLLOUT, 1);
            epoll.add(pair.server.fd(), NativeConstants.EPOLLIN | NativeConstants.EPOLLRDHUP, 2);
            assertEquals(1, epoll.epollWait(events, LoopbackPair.WAIT_MS));
            assertEquals(1L, events.data(0));
            assertEquals(NativeConstants.EPOLLOUT, events.events(0));

            epoll.remove(pair.client.fd());
            pair.client.shutdown(NativeConstants.SHUT_WR);

            assertEquals(1, epoll.epollWait(events, LoopbackPair.WAIT_MS));
            assertEquals(2L, events.data(0));
            assertTrue((events.events(0) & NativeConstants.EPOLLRDHUP) != 0, "events=" + events.events(0));
        }
    }

    @Test
    void shouldChangeInterestWithModify() throws Exception
    {
        final EpollEventArrayFlyweight events = EpollEventArrayFlyweight.allocate(2);
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"); Epoll epoll = Epoll.open())
        {
            epoll.add(pair.client.fd(), NativeConstants.EPOLLIN, 5);
            assertEquals(0, epoll.epollWait(events, 0));

            epoll.modify(pair.client.fd(), NativeConstants.EPOLLOUT | NativeConstants.EPOLLET, -5);

            assertEquals(1, epoll.epollWait(events, LoopbackPair.WAIT_MS));
            assertEquals(-5L, events.data(0));
            assertEquals(0, epoll.epollWait(events, 0), "edge-triggered: reported once");
        }
    }

    @Test
    void shouldFailToRemoveAnUnregisteredDescriptorWithEnoent() throws Exception
    {
        try (LoopbackPair pair = LoopbackPair.open("127.0.0.1"); Epoll epoll = Epoll.open())
        {
            final NativeIoException ex = assertThrows(NativeIoException.class, () -> epoll.remove(pair.client.fd()));

            assertEquals(Errno.ENOENT, ex.errno());
        }
    }
}
