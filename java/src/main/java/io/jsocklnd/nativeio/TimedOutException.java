package io.jsocklnd.nativeio;

/**
 * The connection timed out (ETIMEDOUT).
 */
public final class TimedOutException extends NativeIoException
{
    private static final long serialVersionUID = 1L;

    public TimedOutException(final String op, final int errno, final String detail)
    {
        super(op, errno, detail);
    }
}
