package io.jsocklnd.lnd;

/**
 * The two ZC cookie slots of one queued message, {@code ksm_zc_cookies[0]} and {@code ksm_zc_cookies[1]},
 * kept as plain fields until the ksock header is packed. A cookie of 0 means "empty".
 * <p>
 * LNET message: {@code [0]} = its own ZC request cookie, {@code [1]} = a piggybacked ACK.
 * NOOP: {@code [0]} = 0 and {@code [1]} = one ACKed cookie; or a pair ({@code [0] > [1]}) or an inclusive
 * range ({@code [0] < [1]}) of ACKed cookies (V3 and later).
 */
final class ZcCookieSlots
{
    long requestCookie;
    long ackCookie;

    /**
     * {@code ksm_zc_cookies[0]}.
     *
     * @return the request cookie of an LNET message, or the first cookie of a NOOP pair or range.
     */
    public long cookie0()
    {
        return requestCookie;
    }

    /**
     * {@code ksm_zc_cookies[1]}.
     *
     * @return the ACK cookie, or the second cookie of a NOOP pair or range.
     */
    public long cookie1()
    {
        return ackCookie;
    }

    /**
     * Set both slots.
     *
     * @param cookie0 value of {@code ksm_zc_cookies[0]}.
     * @param cookie1 value of {@code ksm_zc_cookies[1]}.
     * @return this for chaining.
     */
    public ZcCookieSlots set(final long cookie0, final long cookie1)
    {
        requestCookie = cookie0;
        ackCookie = cookie1;
        return this;
    }

    /**
     * Empty both slots.
     */
    public void clear()
    {
        requestCookie = 0;
        ackCookie = 0;
    }

    public String toString()
    {
        return "ZcCookieSlots{cookie0=" + Long.toUnsignedString(requestCookie) +
            ", cookie1=" + Long.toUnsignedString(ackCookie) + '}';
    }
}
