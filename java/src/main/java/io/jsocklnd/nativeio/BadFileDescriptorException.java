package io.jsocklnd.nativeio;

/**
 * The file descriptor is not open (EBADF).
 */
public final class BadFileDescriptorException extends NativeIoException
{
    private static final long serialVersionUID = 1L;

    public BadFileDescriptorException(final String op, final int errno, final String detail)
    {
        super(op, errno, detail);
    }
}
