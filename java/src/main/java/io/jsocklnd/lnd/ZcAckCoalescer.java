package io.jsocklnd.lnd;

/**
 * Batching of ZC-ACK cookies into one NOOP on a V3 (or later) ACK connection: the carrier NOOP holds one
 * cookie, a pair or an inclusive range, as the kernel's V3 ACK queueing does (the other half of
 * {@code ksocknal_handle_zcack}, which releases what a NOOP names).
 * <p>
 * Pure decision logic over the carrier's {@link ZcCookieSlots}; the caller owns the queue: it makes a new
 * NOOP the carrier when there is none, and queues the NOOP separately (advancing the carrier) on
 * {@link #NOT_MERGED}.
 */
final class ZcAckCoalescer
{
    /**
     * The cookie could not be added to the carrier: queue its own NOOP.
     */
    public static final int NOT_MERGED = 0;

    /**
     * The cookie now travels in the carrier; the carrier may take more.
     */
    public static final int MERGED = 1;

    /**
     * The cookie now travels in the carrier as the second of a pair more than 2 apart, which can take no
     * third cookie: advance the carrier.
     */
    public static final int MERGED_CARRIER_FULL = 2;

    /**
     * A keepalive cookie while a carrier is queued: the queued NOOP serves as keepalive, drop this one.
     */
    public static final int KEEPALIVE_DROPPED = 3;

    /**
     * The cookie is already in the carrier: nothing to do (logged by the caller as a warning).
     */
    public static final int DUPLICATE = 4;

    private ZcAckCoalescer()
    {
    }

    /**
     * Try to add one ACK cookie to the carrier NOOP.
     *
     * @param carrier slots of the carrier NOOP, updated in place when merged.
     * @param cookie  the cookie to ACK, or the keepalive cookie.
     * @param keepaliveCookie the reserved keepalive cookie (1).
     * @return one of {@link #NOT_MERGED}, {@link #MERGED}, {@link #MERGED_CARRIER_FULL},
     * {@link #KEEPALIVE_DROPPED}, {@link #DUPLICATE}.
     */
    public static int merge(final ZcCookieSlots carrier, final long cookie, final long keepaliveCookie)
    {
        final long c0 = carrier.requestCookie;
        final long c1 = carrier.ackCookie;

        if (cookie == keepaliveCookie)
        {
            return KEEPALIVE_DROPPED;
        }

        if (c0 == 0 && c1 == keepaliveCookie)
        {
            carrier.ackCookie = cookie;
            return MERGED;
        }

        if (cookie == c0 || cookie == c1)
        {
            return DUPLICATE;
        }

        if (c0 == 0)
        {
            final long high = Long.compareUnsigned(c1, cookie) > 0 ? c1 : cookie;
            final long low = high == c1 ? cookie : c1;
            carrier.set(high, low);
            return Long.compareUnsigned(high - low, 2) > 0 ? MERGED_CARRIER_FULL : MERGED;
        }

        if (Long.compareUnsigned(c0, c1) > 0)
        {
            return mergeIntoPair(carrier, c0, c1, cookie);
        }

        return mergeIntoRange(carrier, c0, c1, cookie);
    }

    private static int mergeIntoPair(final ZcCookieSlots carrier, final long high, final long low, final long cookie)
    {
        final long gap = high - low;
        if (gap == 2 && cookie == low + 1)
        {
            carrier.set(low, high);
            return MERGED;
        }

        if (gap == 1)
        {
            if (cookie == low - 1)
            {
                carrier.set(cookie, high);
                return MERGED;
            }

            if (cookie == high + 1)
            {
                carrier.set(low, cookie);
                return MERGED;
            }
        }

        return NOT_MERGED;
    }

    private static int mergeIntoRange(final ZcCookieSlots carrier, final long first, final long last, final long cookie)
    {
        if (Long.compareUnsigned(cookie, first) >= 0 && Long.compareUnsigned(cookie, last) <= 0)
        {
            return DUPLICATE;
        }

        if (cookie == last + 1)
        {
            carrier.ackCookie = cookie;
            return MERGED;
        }

        if (cookie == first - 1)
        {
            carrier.requestCookie = cookie;
            return MERGED;
        }

        return NOT_MERGED;
    }
}
