package io.jsocklnd.nativeio;

/**
 * Nothing listens at the peer address (ECONNREFUSED).
 */
public final class ConnectionRefusedException extends NativeIoException
{
    private static final long serialVersionUID = 1L;

    public ConnectionRefusedException(final String op, final int errno, final String detail)
    {
        super(op, errno, detail);
    }
}
