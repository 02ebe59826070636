package io.jsocklnd.lnd;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.function.Consumer;
import java.util.function.Predicate;
import static io.jsocklnd.wire.WireConstants.SOCKNAL_KEEPALIVE_PING;

/**
 * A peer's zero-copy sends waiting for their ZC-ACK: cookie allocation ({@code ksnp_zc_next_cookie}) and
 * the pending list ({@code ksnp_zc_req_list}) shared by all connections to the peer.
 * <p>
 * Cookies start at {@link #FIRST_COOKIE}, count up per request and wrap back to it; 0 means "no cookie"
 * and 1 is the V3 keepalive. An ACK ({@link #onAck}) names one cookie, a pair or an inclusive range, and
 * releases exactly those sends; an ACK naming anything not pending releases nothing and reports
 * {@link #UNKNOWN_COOKIE}, which the caller treats as a protocol error (the peer's side is
 * {@code ksocknal_handle_zcack}).
 * <p>
 * Single writer: owned by the agent that owns the peer. No allocation once the map and queue have grown.
 *
 * @param <T> the send (tx) type.
 */
final class ZcRequestTable<T>
{
    /**
     * First request cookie, and the value a wrapped counter restarts from.
     */
    public static final long FIRST_COOKIE = 2;

    /**
     * {@link #onAck} result: a NOOP carrying the keepalive cookie, or no ACK at all.
     */
    public static final int NOTHING_RELEASED = 0;

    /**
     * {@link #onAck} result: the ACK names a cookie that is not pending (unknown, or ACKed before).
     */
    public static final int UNKNOWN_COOKIE = -1;

    private static final int INITIAL_PAIRS = 64;

    private final Long2ObjectHashMap<T> pendingByCookie = new Long2ObjectHashMap<>();
    /**
     * Ring of (cookie, deadline) pairs in the order the deadlines started; entries of released sends are dropped
     * lazily when they reach the head. Capacity in longs is a power of two.
     */
    private long[] order = new long[INITIAL_PAIRS * 2];
    private long orderHead;
    private long orderTail;
    private long nextCookie = FIRST_COOKIE;

    /**
     * Allocate a request cookie and start the send's deadline at once, for a send transmitted as it is registered.
     *
     * @param tx         the send that goes out zero-copy.
     * @param deadlineNs when an un-ACKed send counts as timed out.
     * @return the cookie to put in {@code ksm_zc_cookies[0]}.
     */
    public long register(final T tx, final long deadlineNs)
    {
        final long cookie = register(tx);
        startDeadline(cookie, deadlineNs);
        return cookie;
    }

    /**
     * Allocate the next request cookie and keep the send pending until its ACK; it has no deadline until
     * {@link #startDeadline}. A cookie still pending after the counter wrapped is skipped, so two pending sends
     * never share one.
     *
     * @param tx the send that goes out zero-copy.
     * @return the cookie to put in {@code ksm_zc_cookies[0]}.
     */
    public long register(final T tx)
    {
        long cookie = nextCookie;
        while (pendingByCookie.containsKey(cookie))
        {
            cookie = advance(cookie);
        }
        nextCookie = advance(cookie);

        pendingByCookie.put(cookie, tx);
        return cookie;
    }

    /**
     * Start a pending send's deadline when its first byte goes to the socket, as the kernel starts a ZC
     * request's at its first transmit (§6.2), not while it waits behind other sends. Deadlines are started in
     * time order, so the oldest started is the first to expire.
     *
     * @param cookie     the send's request cookie.
     * @param deadlineNs when it counts as timed out if still un-ACKed.
     */
    public void startDeadline(final long cookie, final long deadlineNs)
    {
        appendOrder(cookie, deadlineNs);
    }

    private static long advance(final long cookie)
    {
        return cookie + 1 == 0 ? FIRST_COOKIE : cookie + 1;
    }

    /**
     * Take one send off the pending list without an ACK, e.g. because it is being failed for another reason
     * (its connection closed before the payload was written).
     *
     * @param cookie the send's request cookie.
     * @return the send, or null if that cookie is not pending.
     */
    public T remove(final long cookie)
    {
        return pendingByCookie.remove(cookie);
    }

    /**
     * Number of sends waiting for an ACK.
     *
     * @return the pending count.
     */
    public int pendingCount()
    {
        return pendingByCookie.size();
    }

    /**
     * Is this cookie pending?
     *
     * @param cookie to look up.
     * @return true if a send with this cookie waits for its ACK.
     */
    public boolean isPending(final long cookie)
    {
        return pendingByCookie.containsKey(cookie);
    }

    /**
     * The cookie the next {@link #register} will hand out.
     *
     * @return the next cookie.
     */
    public long nextCookie()
    {
        return nextCookie;
    }

    /**
     * Set the next cookie, for tests of the wrap-around.
     *
     * @param cookie the next cookie to hand out; must not be 0 or the keepalive cookie.
     */
    void nextCookie(final long cookie)
    {
        if (cookie == 0 || cookie == SOCKNAL_KEEPALIVE_PING)
        {
            throw new IllegalArgumentException("reserved cookie: cookie=" + cookie);
        }
        nextCookie = cookie;
    }

    /**
     * Release the sends an incoming ACK names (the receiving half of the peer's ACK queueing).
     * <p>
     * Called when {@code ksm_zc_cookies[1]} of a received ksock header is non-zero. For a NOOP,
     * {@code [0]} = 0 ACKs {@code [1]} alone, {@code [0] > [1]} ACKs the pair, {@code [0] < [1]} ACKs the
     * inclusive range. For an LNET message only {@code [1]} is an ACK ({@code [0]} is its own request).
     *
     * @param noop            whether the carrier is a NOOP.
     * @param cookie0         {@code ksm_zc_cookies[0]}.
     * @param cookie1         {@code ksm_zc_cookies[1]}.
     * @param keepaliveDefined whether the connection's protocol defines the keepalive cookie (V3 and later).
     * @param onReleased      called once for every released send, in cookie order.
     * @return the number released, {@link #NOTHING_RELEASED}, or {@link #UNKNOWN_COOKIE} when a cookie named is not
     * pending (those named that are pending are released all the same, as the kernel does).
     */
    public int onAck(
        final boolean noop,
        final long cookie0,
        final long cookie1,
        final boolean keepaliveDefined,
        final Consumer<? super T> onReleased)
    {
        if (cookie1 == 0)
        {
            return NOTHING_RELEASED;
        }

        final long first = noop && cookie0 != 0 ? cookie0 : cookie1;
        final long second = cookie1;

        if (keepaliveDefined && second == SOCKNAL_KEEPALIVE_PING)
        {
            return first == second ? NOTHING_RELEASED : UNKNOWN_COOKIE;
        }

        final int order = Long.compareUnsigned(first, second);
        if (order == 0)
        {
            return releaseOne(first, onReleased);
        }

        // As ksocknal_handle_zcack: every pending send the pair or range names is released, and naming one that
        // is not pending makes the ACK a protocol error all the same.
        if (order > 0)
        {
            final int releasedSecond = releaseOne(second, onReleased);
            final int releasedFirst = releaseOne(first, onReleased);
            return releasedSecond == UNKNOWN_COOKIE || releasedFirst == UNKNOWN_COOKIE ? UNKNOWN_COOKIE : 2;
        }

        final long count = second - first + 1;
        if (Long.compareUnsigned(count, pendingByCookie.size()) > 0)
        {
            releasePendingWithin(first, second, onReleased);
            return UNKNOWN_COOKIE;
        }

        int released = 0;
        for (long cookie = first; cookie != second + 1; cookie++)
        {
            final T tx = pendingByCookie.remove(cookie);
            if (null != tx)
            {
                onReleased.accept(tx);
                released++;
            }
        }
        return released == count ? (int)count : UNKNOWN_COOKIE;
    }

    /**
     * Release, in cookie order, the pending sends within a range wider than all that is pending (walking the
     * pending ones, never the range).
     */
    private void releasePendingWithin(final long first, final long last, final Consumer<? super T> onReleased)
    {
        final long[] within = new long[pendingByCookie.size()];
        int n = 0;
        final Long2ObjectHashMap<T>.KeyIterator keys = pendingByCookie.keySet().iterator();
        while (keys.hasNext())
        {
            final long cookie = keys.nextLong();
            if (Long.compareUnsigned(cookie, first) >= 0 && Long.compareUnsigned(cookie, last) <= 0)
            {
                within[n++] = cookie;
            }
        }
        final long[] ordered = java.util.Arrays.copyOf(within, n);
        java.util.Arrays.sort(ordered);
        for (final long cookie : ordered)
        {
            onReleased.accept(pendingByCookie.remove(cookie));
        }
    }

    private int releaseOne(final long cookie, final Consumer<? super T> onReleased)
    {
        final T tx = pendingByCookie.remove(cookie);
        if (null == tx)
        {
            return UNKNOWN_COOKIE;
        }
        onReleased.accept(tx);
        return 1;
    }

    /**
     * Deadline of the oldest send still waiting for its ACK whose deadline started.
     *
     * @return the deadline in ns, or {@link Long#MAX_VALUE} when nothing is pending.
     */
    public long oldestDeadlineNs()
    {
        dropReleasedHead();
        return orderHead == orderTail ? Long.MAX_VALUE : order[headIndex() + 1];
    }

    /**
     * The oldest pending send whose deadline started and has passed, left pending.
     *
     * @param nowNs the current time.
     * @return the send, or null if none has timed out.
     */
    public T firstExpired(final long nowNs)
    {
        dropReleasedHead();
        if (orderHead == orderTail || order[headIndex() + 1] - nowNs > 0)
        {
            return null;
        }
        return pendingByCookie.get(order[headIndex()]);
    }

    /**
     * Remove every pending send that matches, e.g. those sent on a connection that closed, so the caller
     * can fail them.
     *
     * @param match     which sends to remove.
     * @param onRemoved called once for each removed send.
     * @return the number removed.
     */
    public int removeIf(final Predicate<? super T> match, final Consumer<? super T> onRemoved)
    {
        int removed = 0;
        final Long2ObjectHashMap<T>.EntryIterator it = pendingByCookie.entrySet().iterator();
        while (it.hasNext())
        {
            it.next();
            final T tx = it.getValue();
            if (match.test(tx))
            {
                it.remove();
                onRemoved.accept(tx);
                removed++;
            }
        }
        return removed;
    }

    private void dropReleasedHead()
    {
        while (orderHead != orderTail && !pendingByCookie.containsKey(order[headIndex()]))
        {
            orderHead += 2;
        }
    }

    private int headIndex()
    {
        return (int)orderHead & (order.length - 1);
    }

    private void appendOrder(final long cookie, final long deadlineNs)
    {
        dropReleasedHead();
        if (orderTail - orderHead == order.length)
        {
            final long[] grown = new long[order.length * 2];
            for (long i = orderHead; i != orderTail; i++)
            {
                grown[(int)(i - orderHead)] = order[(int)i & (order.length - 1)];
            }
            orderTail -= orderHead;
            orderHead = 0;
            order = grown;
        }
        final int index = (int)orderTail & (order.length - 1);
        order[index] = cookie;
        order[index + 1] = deadlineNs;
        orderTail += 2;
    }
}
