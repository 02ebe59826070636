package io.jsocklnd.nativeio;

/**
 * One epoll instance: register file descriptors with a 64-bit token and collect readiness into an
 * {@link EpollEventArrayFlyweight}.
 */
public final class Epoll implements AutoCloseable
{
    private final LibJsl lib;
    private int fd;

    private Epoll(final LibJsl lib, final int fd)
    {
        this.lib = lib;
        this.fd = fd;
    }

    /**
     * Creates a close-on-exec epoll instance.
     */
    public static Epoll open() throws NativeIoException
    {
        final LibJsl lib = JslNative.lib();
        return new Epoll(lib, (int)Errno.check("epoll_create1", lib.jsl_epoll_create1(NativeConstants.EPOLL_CLOEXEC)));
    }

    /**
     * The epoll file descriptor, -1 once closed.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * Registers target for events (EPOLL* bits); data comes back with each of its events.
     */
    public void add(final int target, final int events, final long data) throws NativeIoException
    {
        Errno.check("epoll_ctl_add", lib.jsl_epoll_ctl(fd, NativeConstants.EPOLL_CTL_ADD, target, events, data));
    }

    /**
     * Changes the events and data of a registered target.
     */
    public void modify(final int target, final int events, final long data) throws NativeIoException
    {
        Errno.check("epoll_ctl_mod", lib.jsl_epoll_ctl(fd, NativeConstants.EPOLL_CTL_MOD, target, events, data));
    }

    /**
     * Unregisters target.
     */
    public void remove(final int target) throws NativeIoException
    {
        Errno.check("epoll_ctl_del", lib.jsl_epoll_ctl(fd, NativeConstants.EPOLL_CTL_DEL, target, 0, 0));
    }

    /**
     * Waits up to timeoutMs (0 polls, -1 waits forever) and fills events from entry 0.
     *
     * @return the number of entries filled, 0 after the timeout.
     */
    public int epollWait(final EpollEventArrayFlyweight events, final int timeoutMs) throws NativeIoException
    {
        return (int)Errno.check("epoll_wait",
            lib.jsl_epoll_wait(fd, events.address(), events.capacity(), timeoutMs));
    }

    /**
     * Closes the instance; further calls do nothing.
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
