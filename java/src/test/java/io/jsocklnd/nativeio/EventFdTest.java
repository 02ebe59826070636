package io.jsocklnd.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventFdTest
{
    private static final long TOKEN = 42;

    @Test
    void shouldCountSignalsAndReadBackToZero() throws Exception
    {
        try (EventFd eventFd = EventFd.open())
        {
            assertEquals(0, eventFd.drain(), "nothing signalled yet");
            eventFd.signal();
            eventFd.signal();
            eventFd.signal();
            assertEquals(3, eventFd.drain());
            assertEquals(0, eventFd.drain());
        }
    }

    @Test
    void shouldWakeAThreadWaitingInEpollFromAnotherThread() throws Exception
    {
        final EpollEventArrayFlyweight events = EpollEventArrayFlyweight.allocate(4);
        try (EventFd eventFd = EventFd.open(); Epoll epoll = Epoll.open())
        {
            epoll.add(eventFd.fd(), NativeConstants.EPOLLIN, TOKEN);
            assertEquals(0, epoll.epollWait(events, 0), "not readable before a signal");

            final CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return epoll.epollWait(events, 20_000);
                }
                catch (final NativeIoException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            eventFd.signal();
            assertEquals(1, waiter.get(20, TimeUnit.SECONDS), "woken by the signal, not the timeout");
            assertEquals(TOKEN, events.data(0));
            assertEquals(1, eventFd.drain());
            assertEquals(0, epoll.epollWait(events, 0), "not readable once drained");
        }
    }
}
