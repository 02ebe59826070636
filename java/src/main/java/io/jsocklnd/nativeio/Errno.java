package io.jsocklnd.nativeio;

/**
 * Linux errno values as compile-time constants (checked against libjsl at load), their names, and the one mapping
 * from a negative libjsl result to an outcome or a typed {@link NativeIoException}.
 */
public final class Errno
{
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int EPROTO = 71;
    public static final int ENOTSOCK = 88;
    public static final int EMSGSIZE = 90;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ESHUTDOWN = 108;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ESTALE = 116;

    private Errno()
    {
    }

    /**
     * Symbolic name of an errno value, e.g. {@code ECONNREFUSED}; {@code errno<n>} for a value Linux does not define.
     */
    public static String name(final int errno)
    {
        final jnr.constants.platform.Errno known = jnr.constants.platform.Errno.valueOf(errno);
        return known != null && known.defined() && known.intValue() == errno ? known.name() : "errno" + errno;
    }

    /**
     * Linux's text for an errno value, e.g. {@code Connection refused}.
     */
    public static String description(final int errno)
    {
        final jnr.constants.platform.Errno known = jnr.constants.platform.Errno.valueOf(errno);
        return known != null && known.defined() && known.intValue() == errno ? known.description() : "unknown error";
    }

    /**
     * Maps a libjsl result: a non-negative result is returned unchanged, {@code -EAGAIN} becomes 0 (would block),
     * any other negative result is thrown as the typed exception for its errno.
     *
     * @param op     the operation named in the exception, e.g. {@code "write"}.
     * @param result the value a libjsl function returned.
     * @return the result, or 0 when the call would have blocked.
     * @throws NativeIoException for every error other than EAGAIN.
     */
    public static long ioResult(final String op, final long result) throws NativeIoException
    {
        if (result >= 0)
        {
            return result;
        }
        if (result == -EAGAIN)
        {
            return 0;
        }
        throw newException(op, (int)-result, null);
    }

    /**
     * Maps a libjsl result of a call that reads a stream: n > 0 bytes stay n, 0 (end of stream) becomes -1,
     * {@code -EAGAIN} becomes 0, any other negative result is thrown.
     */
    public static long readResult(final String op, final long result) throws NativeIoException
    {
        if (result > 0)
        {
            return result;
        }
        if (result == 0)
        {
            return -1;
        }
        return ioResult(op, result);
    }

    /**
     * Maps a libjsl result where every negative value is an error (EAGAIN included).
     *
     * @return the non-negative result.
     * @throws NativeIoException when the result is negative.
     */
    public static long check(final String op, final long result) throws NativeIoException
    {
        if (result < 0)
        {
            throw newException(op, (int)-result, null);
        }
        return result;
    }

    /**
     * The typed exception for an errno: refused, reset/broken pipe, bad fd, address in use, timed out, or the base.
     *
     * @param op     the operation that failed, e.g. {@code "connect"}.
     * @param errno  the positive errno value.
     * @param detail extra {@code key=value} text such as the peer address, or null.
     */
    public static NativeIoException newException(final String op, final int errno, final String detail)
    {
        switch (errno)
        {
            case ECONNREFUSED:
                return new ConnectionRefusedException(op, errno, detail);
            case ECONNRESET:
            case EPIPE:
                return new ConnectionResetException(op, errno, detail);
            case EBADF:
                return new BadFileDescriptorException(op, errno, detail);
            case EADDRINUSE:
                return new AddressInUseException(op, errno, detail);
            case ETIMEDOUT:
                return new TimedOutException(op, errno, detail);
            default:
                return new NativeIoException(op, errno, detail);
        }
    }
}
