package io.jsocklnd.nativeio;

import java.io.IOException;

/**
 * A system call made through libjsl failed; carries the operation and the errno.
 */
public class NativeIoException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final String op;
    private final int errno;

    /**
     * @param op     the operation that failed, e.g. {@code "connect"}.
     * @param errno  the positive errno value.
     * @param detail extra {@code key=value} text such as the peer address, or null.
     */
    public NativeIoException(final String op, final int errno, final String detail)
    {
        super(op + " failed: errno=" + errno + ", name=" + Errno.name(errno) + ", text=" + Errno.description(errno) +
            (detail == null ? "" : ", " + detail));
        this.op = op;
        this.errno = errno;
    }

    /**
     * The operation that failed, e.g. {@code "connect"}.
     */
    public String op()
    {
        return op;
    }

    /**
     * The positive errno value the system call failed with.
     */
    public int errno()
    {
        return errno;
    }
}
