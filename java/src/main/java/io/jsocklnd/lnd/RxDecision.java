package io.jsocklnd.lnd;

/**
 * Where the payload of a received LNet message goes, decided by the layer above when the header arrives
 * (RX state PARSE). Reused by the IO agent: set one outcome, do not keep a reference.
 */
public final class RxDecision
{
    static final int UNDECIDED = 0;
    static final int DELIVER = 1;
    static final int DROP = 2;
    static final int WAIT = 3;

    int outcome;
    long address;
    int length;

    /**
     * Receive the payload into native memory: at most {@code length} bytes are stored, the rest of the
     * payload is read and discarded.
     *
     * @param address native address of the destination (a direct buffer kept alive by the caller).
     * @param length  bytes available there.
     */
    public void deliverTo(final long address, final int length)
    {
        this.outcome = DELIVER;
        this.address = address;
        this.length = length;
    }

    /**
     * Discard the payload (RX state SLOP); a ZC request on it is still ACKed.
     */
    public void drop()
    {
        this.outcome = DROP;
    }

    /**
     * Decide later (RX state PARSE_WAIT): the connection stops reading until
     * {@link Node#resumeReceive(long, long, int)} is called.
     */
    public void await()
    {
        this.outcome = WAIT;
    }

    /**
     * @return the outcome code.
     */
    public int outcome()
    {
        return outcome;
    }

    /**
     * @return the destination address when delivering.
     */
    public long address()
    {
        return address;
    }

    /**
     * @return the destination capacity when delivering.
     */
    public int length()
    {
        return length;
    }

    void reset()
    {
        outcome = UNDECIDED;
        address = 0;
        length = 0;
    }

    /**
     * Reset before asking the layer above.
     */
    public void clear()
    {
        reset();
    }

    /**
     * @return whether the payload is to be delivered.
     */
    public boolean isDeliver()
    {
        return outcome == DELIVER;
    }

    /**
     * @return whether the payload is to be dropped (or no decision was made).
     */
    public boolean isDrop()
    {
        return outcome == DROP || outcome == UNDECIDED;
    }

    /**
     * @return whether the decision is deferred.
     */
    public boolean isWait()
    {
        return outcome == WAIT;
    }
}
