package io.jsocklnd.nativeio;

/**
 * The peer reset the connection or it is closed for writing (ECONNRESET, EPIPE).
 */
public final class ConnectionResetException extends NativeIoException
{
    private static final long serialVersionUID = 1L;

    public ConnectionResetException(final String op, final int errno, final String detail)
    {
        super(op, errno, detail);
    }
}
