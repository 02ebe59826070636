package io.jsocklnd.lnd;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;

/**
 * One queued send on a connection: a NOOP (ZC-ACK or keepalive) or an LNET message. Pooled and owned by
 * the IO agent of its peer; linked into at most one {@link TxQueue} at a time.
 */
class Tx
{
    final ZcCookieSlots cookies = new ZcCookieSlots();
    int type;
    Tx next;
    Tx prev;
    TxQueue queue;

    /**
     * ksock message type, {@link #KSOCK_MSG_NOOP} or {@link #KSOCK_MSG_LNET}.
     *
     * @return the type.
     */
    public int type()
    {
        return type;
    }

    /**
     * The ZC cookie slots this send will carry in its ksock header.
     *
     * @return the slots.
     */
    public ZcCookieSlots cookies()
    {
        return cookies;
    }

    /**
     * Make this a NOOP carrying one ACK cookie (or the keepalive cookie).
     *
     * @param ackCookie the cookie for {@code ksm_zc_cookies[1]}.
     * @return this for chaining.
     */
    public Tx noop(final long ackCookie)
    {
        type = KSOCK_MSG_NOOP;
        cookies.set(0, ackCookie);
        return this;
    }

    /**
     * Make this an LNET message with no cookies yet.
     *
     * @return this for chaining.
     */
    public Tx lnet()
    {
        type = KSOCK_MSG_LNET;
        cookies.clear();
        return this;
    }

    /**
     * Whether this send sits in a queue.
     *
     * @return true if queued.
     */
    public boolean isQueued()
    {
        return null != queue;
    }
}
