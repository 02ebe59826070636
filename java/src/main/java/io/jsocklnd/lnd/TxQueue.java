package io.jsocklnd.lnd;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;

/**
 * A connection's FIFO of sends not yet started ({@code ksnc_tx_queue}) with its ACK carrier
 * ({@code ksnc_tx_carrier}): the oldest queued send that may still take ZC-ACK cookies. Intrusive doubly
 * linked list, no allocation. Single writer: the IO agent owning the connection.
 * <p>
 * The enqueue rules that decide how ACKs ride on queued sends are {@link #queueMessage},
 * {@link #queueAck} (one ACK per LNET message, V2 and every non-ACK connection) and
 * {@link #queueBatchedAck} (pairs and ranges in NOOPs, the V3 ACK connection).
 */
final class TxQueue
{
    private Tx head;
    private Tx tail;
    private Tx carrier;
    private int size;

    /**
     * First queued send, the next to go out.
     *
     * @return the head or null.
     */
    public Tx head()
    {
        return head;
    }

    /**
     * The send that may take the next ACK cookie.
     *
     * @return the carrier or null.
     */
    public Tx carrier()
    {
        return carrier;
    }

    /**
     * Number of queued sends.
     *
     * @return the size.
     */
    public int size()
    {
        return size;
    }

    /**
     * Whether nothing is queued.
     *
     * @return true if empty.
     */
    public boolean isEmpty()
    {
        return null == head;
    }

    /**
     * Take the head to start sending it: it can no longer take cookies, so the carrier moves on if it
     * was the head.
     *
     * @return the head, or null if empty.
     */
    public Tx poll()
    {
        final Tx tx = head;
        if (null != tx)
        {
            if (tx == carrier)
            {
                carrier = tx.next;
            }
            unlink(tx);
        }
        return tx;
    }

    /**
     * Queue an LNET message. If the carrier is a NOOP waiting to carry an ACK, the message takes over the
     * NOOP's cookie and its place in the queue, and the NOOP is handed back to be recycled.
     *
     * @param msg the LNET message, not queued.
     * @return the displaced NOOP, or null.
     */
    public Tx queueMessage(final Tx msg)
    {
        final Tx current = carrier;
        if (null == current)
        {
            append(msg);
            carrier = msg;
            return null;
        }

        if (current.type == KSOCK_MSG_LNET)
        {
            append(msg);
            return null;
        }

        msg.cookies.ackCookie = current.cookies.ackCookie;
        replace(current, msg);
        carrier = msg.next;
        return current;
    }

    /**
     * Queue one ZC-ACK by the one-ACK-per-message rule: piggyback it on the carrier if that is an LNET
     * message (its {@code [1]} is free by construction), else queue the NOOP.
     *
     * @param ackNoop a NOOP already holding the cookie in {@code [1]}, not queued.
     * @return true if the cookie was piggybacked and the NOOP should be recycled.
     */
    public boolean queueAck(final Tx ackNoop)
    {
        final Tx current = carrier;
        if (null == current)
        {
            append(ackNoop);
            carrier = ackNoop;
            return false;
        }

        if (current.type == KSOCK_MSG_NOOP)
        {
            append(ackNoop);
            return false;
        }

        current.cookies.ackCookie = ackNoop.cookies.ackCookie;
        carrier = current.next;
        return true;
    }

    /**
     * Queue one ZC-ACK on an ACK connection, where only NOOPs are queued: add it to the carrier NOOP as a
     * pair or range when {@link ZcAckCoalescer} allows, else queue the NOOP.
     *
     * @param ackNoop         a NOOP already holding the cookie in {@code [1]}, not queued.
     * @param keepaliveCookie the keepalive cookie of the protocol.
     * @return a {@link ZcAckCoalescer} result; anything but {@link ZcAckCoalescer#NOT_MERGED} means the
     * NOOP was not queued and should be recycled (for a first NOOP with no carrier, NOT_MERGED too).
     */
    public int queueBatchedAck(final Tx ackNoop, final long keepaliveCookie)
    {
        final Tx current = carrier;
        if (null == current)
        {
            append(ackNoop);
            carrier = ackNoop;
            return ZcAckCoalescer.NOT_MERGED;
        }

        final int result = ZcAckCoalescer.merge(current.cookies, ackNoop.cookies.ackCookie, keepaliveCookie);
        if (result == ZcAckCoalescer.NOT_MERGED)
        {
            append(ackNoop);
            carrier = current.next;
        }
        else if (result == ZcAckCoalescer.MERGED_CARRIER_FULL)
        {
            carrier = current.next;
        }
        return result;
    }

    /**
     * Remove a queued send wherever it is (e.g. to fail it when the connection closes).
     *
     * @param tx a send in this queue.
     */
    public void remove(final Tx tx)
    {
        if (tx.queue != this)
        {
            throw new IllegalStateException("tx not in this queue");
        }
        if (tx == carrier)
        {
            carrier = tx.next;
        }
        unlink(tx);
    }

    private void append(final Tx tx)
    {
        if (null != tx.queue)
        {
            throw new IllegalStateException("tx already queued");
        }
        tx.queue = this;
        tx.prev = tail;
        tx.next = null;
        if (null == tail)
        {
            head = tx;
        }
        else
        {
            tail.next = tx;
        }
        tail = tx;
        size++;
    }

    private void replace(final Tx old, final Tx tx)
    {
        if (null != tx.queue)
        {
            throw new IllegalStateException("tx already queued");
        }
        tx.queue = this;
        tx.prev = old.prev;
        tx.next = old.next;
        if (null == old.prev)
        {
            head = tx;
        }
        else
        {
            old.prev.next = tx;
        }
        if (null == old.next)
        {
            tail = tx;
        }
        else
        {
            old.next.prev = tx;
        }
        old.queue = null;
        old.next = null;
        old.prev = null;
    }

    private void unlink(final Tx tx)
    {
        if (null == tx.prev)
        {
            head = tx.next;
        }
        else
        {
            tx.prev.next = tx.next;
        }
        if (null == tx.next)
        {
            tail = tx.prev;
        }
        else
        {
            tx.next.prev = tx.prev;
        }
        tx.queue = null;
        tx.next = null;
        tx.prev = null;
        size--;
    }
}
