package io.jsocklnd.nativeio;

/**
 * The local address or every privileged source port is taken (EADDRINUSE).
 */
public final class AddressInUseException extends NativeIoException
{
    private static final long serialVersionUID = 1L;

    public AddressInUseException(final String op, final int errno, final String detail)
    {
        super(op, errno, detail);
    }
}
