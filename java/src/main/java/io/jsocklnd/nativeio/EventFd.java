package io.jsocklnd.nativeio;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A non-blocking eventfd: a thread that hands work over to another waiting in {@code epoll_wait} makes it
 * readable, which wakes that thread; the waiting thread reads it back to zero. Either end allocates nothing.
 */
public final class EventFd implements AutoCloseable
{
    private static final long ONE = 1;

    private final LibJsl lib;
    private final UnsafeBuffer one = DirectMemory.allocate(8);
    private final UnsafeBuffer count = DirectMemory.allocate(8);
    private int fd;

    private EventFd(final LibJsl lib, final int fd)
    {
        this.lib = lib;
        this.fd = fd;
        one.putLong(0, ONE);
    }

    /**
     * Create a non-blocking, close-on-exec eventfd with a count of 0.
     *
     * @return the eventfd.
     * @throws NativeIoException if the kernel refuses.
     */
    public static EventFd open() throws NativeIoException
    {
        final LibJsl lib = JslNative.lib();
        return new EventFd(lib, (int)Errno.check("eventfd",
            lib.jsl_eventfd(0, NativeConstants.EFD_NONBLOCK | NativeConstants.EFD_CLOEXEC)));
    }

    /**
     * @return the descriptor to put in an epoll set (readable while the count is not 0), -1 once closed.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * Add one to the count, making the eventfd readable (any thread).
     *
     * @throws NativeIoException if the write fails.
     */
    public void signal() throws NativeIoException
    {
        Errno.check("eventfd write", lib.jsl_write(fd, one.addressOffset(), 8));
    }

    /**
     * Read the count back to 0 (the waiting thread).
     *
     * @return the signals since the last drain, 0 if none.
     * @throws NativeIoException if the read fails otherwise than for an empty count.
     */
    public long drain() throws NativeIoException
    {
        final long rc = lib.jsl_read(fd, count.addressOffset(), 8);
        if (rc == -Errno.EAGAIN)
        {
            return 0;
        }
        Errno.check("eventfd read", rc);
        return count.getLong(0);
    }

    /**
     * Close it; further calls do nothing.
     *
     * @throws NativeIoException if close fails.
     */
    public void close() throws NativeIoException
    {
        final int toClose = fd;
        if (toClose >= 0)
        {
            fd = -1;
            Errno.check("close", lib.jsl_close(toClose));
        }
    }
}
