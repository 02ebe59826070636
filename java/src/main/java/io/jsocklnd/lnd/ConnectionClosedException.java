package io.jsocklnd.lnd;

/**
 * The peer closed the stream: cleanly between messages (errno 0) or in the middle of one (EPROTO).
 */
final class ConnectionClosedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    final int errno;

    ConnectionClosedException(final int errno)
    {
        super(errno == 0 ? "closed by peer" : "closed by peer inside a message", null, false, false);
        this.errno = errno;
    }
}
