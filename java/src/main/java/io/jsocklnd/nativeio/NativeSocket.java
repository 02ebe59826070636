package io.jsocklnd.nativeio;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One non-blocking TCP socket made through libjsl: setup, options, and data calls that return 0 when they would
 * block. Owned by one thread; each instance carries a small off-heap scratch area for addresses and a msghdr.
 */
public final class NativeSocket implements AutoCloseable
{
    private static final int SOCKADDR_AT = 0;
    private static final int LINGER_AT = 32;
    private static final int MSGHDR_AT = 64;
    private static final int SCRATCH_SIZE = MSGHDR_AT + MsghdrFlyweight.SIZE;

    private final LibJsl lib;
    private final SockaddrFlyweight sockaddr = new SockaddrFlyweight();
    private final LingerFlyweight linger = new LingerFlyweight();
    private final MsghdrFlyweight msghdr = new MsghdrFlyweight();
    private int fd;
    private InetSocketAddress remote;

    private NativeSocket(final LibJsl lib, final int fd)
    {
        this.lib = lib;
        this.fd = fd;
        final UnsafeBuffer scratch = DirectMemory.allocate(SCRATCH_SIZE);
        sockaddr.wrap(scratch, SOCKADDR_AT);
        linger.wrap(scratch, LINGER_AT);
        msghdr.wrap(scratch, MSGHDR_AT);
    }

    /**
     * Opens a non-blocking, close-on-exec TCP socket of family {@link NativeConstants#AF_INET} or
     * {@link NativeConstants#AF_INET6}.
     */
    public static NativeSocket openTcp(final int family) throws NativeIoException
    {
        final LibJsl lib = JslNative.lib();
        final int fd = (int)Errno.check("socket", lib.jsl_socket_tcp(family));
        return new NativeSocket(lib, fd);
    }

    /**
     * Opens a TCP socket of the family of address.
     */
    public static NativeSocket openTcp(final InetAddress address) throws NativeIoException
    {
        return openTcp(address instanceof Inet6Address ? NativeConstants.AF_INET6 : NativeConstants.AF_INET);
    }

    /**
     * The file descriptor, -1 once closed.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * Binds to local.
     */
    public void bind(final InetSocketAddress local) throws NativeIoException
    {
        final int length = sockaddr.set(local);
        check("bind", lib.jsl_bind(fd, sockaddr.address(), length), local);
    }

    /**
     * Binds to local with the highest free privileged source port from startPort down to
     * {@link NativeConstants#JSL_PRIV_PORT_MIN}, as socklnd's connecting side does; sets SO_REUSEADDR.
     *
     * @return the bound port.
     * @throws AddressInUseException when every port in the range is taken.
     */
    public int bindPrivileged(final InetAddress local, final int startPort) throws NativeIoException
    {
        final InetSocketAddress address = new InetSocketAddress(local, startPort);
        final int length = sockaddr.set(address);
        return (int)check("bind_privileged",
            lib.jsl_bind_privileged(fd, sockaddr.address(), length, startPort), address);
    }

    /**
     * Starts listening.
     */
    public void listen(final int backlog) throws NativeIoException
    {
        check("listen", lib.jsl_listen(fd, backlog), null);
    }

    /**
     * Accepts one pending connection as a non-blocking socket.
     *
     * @return the connection, or null when none is pending.
     */
    public NativeSocket accept() throws NativeIoException
    {
        final int rc = lib.jsl_accept4(fd, sockaddr.address(), SockaddrFlyweight.CAPACITY);
        if (rc == -Errno.EAGAIN)
        {
            return null;
        }
        final NativeSocket accepted = new NativeSocket(lib, (int)check("accept", rc, null));
        accepted.remote = sockaddr.toInetSocketAddress();
        return accepted;
    }

    /**
     * Starts connecting to address.
     *
     * @return true when connected at once, false while the handshake runs: wait for
     * {@link NativeConstants#POLLOUT} or EPOLLOUT, then call {@link #finishConnect()}.
     */
    public boolean connect(final InetSocketAddress address) throws NativeIoException
    {
        remote = address;
        final int length = sockaddr.set(address);
        final int rc = lib.jsl_connect(fd, sockaddr.address(), length);
        if (rc == -Errno.EINPROGRESS)
        {
            return false;
        }
        check("connect", rc, address);
        return true;
    }

    /**
     * Completes a connect that returned false once the socket is writable.
     *
     * @throws ConnectionRefusedException and the like when the handshake failed.
     */
    public void finishConnect() throws NativeIoException
    {
        check("connect", lib.jsl_finish_connect(fd), remote);
    }

    /**
     * Waits up to timeoutMs for events ({@link NativeConstants#POLLIN}, {@link NativeConstants#POLLOUT}).
     *
     * @return the events that happened, 0 after the timeout.
     */
    public int poll(final int events, final int timeoutMs) throws NativeIoException
    {
        return (int)check("poll", lib.jsl_poll(fd, events, timeoutMs), null);
    }

    /**
     * The bound local address.
     */
    public InetSocketAddress localAddress() throws NativeIoException
    {
        check("getsockname", lib.jsl_getsockname(fd, sockaddr.address(), SockaddrFlyweight.CAPACITY), null);
        return sockaddr.toInetSocketAddress();
    }

    /**
     * The connected peer's address.
     */
    public InetSocketAddress remoteAddress() throws NativeIoException
    {
        check("getpeername", lib.jsl_getpeername(fd, sockaddr.address(), SockaddrFlyweight.CAPACITY), null);
        return sockaddr.toInetSocketAddress();
    }

    /**
     * Sets an int option, e.g. ({@link NativeConstants#SOL_TCP}, {@link NativeConstants#TCP_NODELAY}, 1).
     */
    public void setIntOption(final int level, final int name, final int value) throws NativeIoException
    {
        check("setsockopt", lib.jsl_setsockopt_int(fd, level, name, value), null);
    }

    /**
     * Reads an int option whose values are never negative.
     */
    public int intOption(final int level, final int name) throws NativeIoException
    {
        return (int)check("getsockopt", lib.jsl_getsockopt_int(fd, level, name), null);
    }

    /**
     * Bytes in the send queue the peer has not acknowledged yet, sent or not ({@code SIOCOUTQ}); one system call.
     */
    public int sendQueueBytes() throws NativeIoException
    {
        return (int)check("ioctl(SIOCOUTQ)", lib.jsl_outq(fd), null);
    }

    /**
     * Sets SO_LINGER.
     */
    public void setLinger(final boolean on, final int seconds) throws NativeIoException
    {
        linger.set(on, seconds);
        check("setsockopt", lib.jsl_setsockopt(
            fd, NativeConstants.SOL_SOCKET, NativeConstants.SO_LINGER, linger.address(), LingerFlyweight.SIZE), null);
    }

    /**
     * SO_LINGER's timeout in seconds, or -1 when lingering is off.
     */
    public int lingerSeconds() throws NativeIoException
    {
        check("getsockopt", lib.jsl_getsockopt(
            fd, NativeConstants.SOL_SOCKET, NativeConstants.SO_LINGER, linger.address(), LingerFlyweight.SIZE), null);
        return linger.on() ? linger.seconds() : -1;
    }

    /**
     * Reads up to length bytes to address.
     *
     * @return bytes read, 0 when nothing is available, -1 at end of stream.
     */
    public int read(final long address, final int length) throws NativeIoException
    {
        final long rc = lib.jsl_read(fd, address, length);
        return rc > 0 ? (int)rc : rc == 0 ? -1 : (int)check("read", rc, null);
    }

    /**
     * Reads up to length bytes into an off-heap buffer at offset.
     *
     * @return bytes read, 0 when nothing is available, -1 at end of stream.
     */
    public int read(final DirectBuffer buffer, final int offset, final int length) throws NativeIoException
    {
        buffer.boundsCheck(offset, length);
        return read(DirectMemory.address(buffer, offset), length);
    }

    /**
     * Sends length bytes at address with flags (MSG_MORE, MSG_ZEROCOPY, ...); never raises SIGPIPE.
     *
     * @return bytes sent, 0 when the send buffer is full.
     */
    public int send(final long address, final int length, final int flags) throws NativeIoException
    {
        return (int)check("send", lib.jsl_send(fd, address, length, flags), null);
    }

    /**
     * Sends length bytes of an off-heap buffer from offset.
     *
     * @return bytes sent, 0 when the send buffer is full.
     */
    public int write(final DirectBuffer buffer, final int offset, final int length) throws NativeIoException
    {
        buffer.boundsCheck(offset, length);
        return send(DirectMemory.address(buffer, offset), length, 0);
    }

    /**
     * Gathers the first count entries of iov into one send (sendmsg, so no SIGPIPE).
     *
     * @return bytes sent, 0 when the send buffer is full.
     */
    public long writev(final IovecArrayFlyweight iov, final int count) throws NativeIoException
    {
        msghdr.clear().iov(iov, count);
        return check("writev", lib.jsl_sendmsg(fd, msghdr.address(), 0), null);
    }

    /**
     * Scatters what is available into the first count entries of iov.
     *
     * @return bytes read, 0 when nothing is available, -1 at end of stream.
     */
    public long readv(final IovecArrayFlyweight iov, final int count) throws NativeIoException
    {
        final long rc = lib.jsl_readv(fd, iov.address(), count);
        return rc > 0 ? rc : rc == 0 ? -1 : check("readv", rc, null);
    }

    /**
     * sendmsg with flags (MSG_ZEROCOPY needs SO_ZEROCOPY set first); never raises SIGPIPE.
     *
     * @return bytes sent, 0 when the send buffer is full.
     */
    public long sendmsg(final MsghdrFlyweight msg, final int flags) throws NativeIoException
    {
        return check("sendmsg", lib.jsl_sendmsg(fd, msg.address(), flags), null);
    }

    /**
     * recvmsg with flags.
     *
     * @return bytes read, 0 when nothing is available, -1 at end of stream.
     */
    public long recvmsg(final MsghdrFlyweight msg, final int flags) throws NativeIoException
    {
        final long rc = lib.jsl_recvmsg(fd, msg.address(), flags);
        return rc > 0 ? rc : rc == 0 ? -1 : check("recvmsg", rc, null);
    }

    /**
     * Takes one MSG_ZEROCOPY completion from the socket's error queue into out.
     *
     * @return true when one was read, false when the queue is empty.
     */
    public boolean readZcCompletion(final ZcCompletionFlyweight out) throws NativeIoException
    {
        return check("recv_zc_completion", lib.jsl_recv_zc_completion(fd, out.address()), null) > 0;
    }

    /**
     * shutdown with {@link NativeConstants#SHUT_RD}, {@link NativeConstants#SHUT_WR} or
     * {@link NativeConstants#SHUT_RDWR}.
     */
    public void shutdown(final int how) throws NativeIoException
    {
        check("shutdown", lib.jsl_shutdown(fd, how), null);
    }

    /**
     * Closes the socket; further calls do nothing.
     */
    public void close() throws NativeIoException
    {
        final int toClose = fd;
        if (toClose >= 0)
        {
            fd = -1;
            check("close", lib.jsl_close(toClose), null);
        }
    }

    public String toString()
    {
        return "NativeSocket{fd=" + fd + ", remote=" + remote + "}";
    }

    private long check(final String op, final long rc, final InetSocketAddress address) throws NativeIoException
    {
        if (rc >= 0)
        {
            return rc;
        }
        if (rc == -Errno.EAGAIN)
        {
            return 0;
        }
        throw Errno.newException(op, (int)-rc, address == null ? "fd=" + fd : "fd=" + fd + ", address=" + address);
    }
}
