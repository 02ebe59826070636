package io.jsocklnd.lnd;

/**
 * Where a send ({@link EngineTx}) is in its life, from the agent's pool back to it, and the one table of the moves
 * it may make ({@link #canMoveTo}); {@link EngineTx#moveTo} refuses any other as the bug it is.
 *
 * <pre>
 *   from            to          when
 *   FREE            WAITING     launched, no connection to the peer yet
 *   FREE, WAITING   QUEUED      on a connection
 *   WAITING         FREE        failed: no connection in time, or the node stops
 *   QUEUED          FREE        a copy send or a NOOP written; a NOOP merged into another send; failed on close
 *   QUEUED          WRITTEN     a ZC request written
 *   QUEUED          REPORTED    a ZC request written and reported at once (unsafe complete-on-write)
 *   QUEUED          ACKED       the ACK of a ZC request ahead of its last byte
 *   ACKED, WRITTEN  RELEASING   ACKed and written, the kernel still holding its MSG_ZEROCOPY pages
 *   ACKED, WRITTEN  FREE        ACKed and written, nothing held; or failed
 *   REPORTED        FREE        its ACK, or failed (not reported again)
 *   RELEASING       FREE        the kernel released its pages, or the connection closed (the peer has every byte)
 * </pre>
 * A move to FREE is the send's completion ({@link IoAgent#complete}, reported to the application unless it was
 * already) and its return to the pool.
 */
enum SendState
{
    /**
     * In the agent's pool, or being filled before it is launched.
     */
    FREE,

    /**
     * Launched, waiting on its peer for a connection.
     */
    WAITING,

    /**
     * On a connection, queued or being written: not every byte is in the socket yet. A ZC request is pending
     * for its ACK from here on.
     */
    QUEUED,

    /**
     * A ZC request whose ACK came before its last byte was written (a peer may ACK ahead); still being written.
     */
    ACKED,

    /**
     * A ZC request with every byte in the socket, waiting for its ACK.
     */
    WRITTEN,

    /**
     * A written ZC request whose completion has been reported before its ACK (the unsafe complete-on-write test
     * mode); still pending for the ACK, after which nothing more is owed.
     */
    REPORTED,

    /**
     * ACKed and written, the kernel still holding its MSG_ZEROCOPY pages.
     */
    RELEASING;

    /**
     * Whether a send in this state may move to {@code next}.
     *
     * @param next the state it would move to.
     * @return true if the move is legal.
     */
    boolean canMoveTo(final SendState next)
    {
        switch (this)
        {
            case FREE:
                return next == WAITING || next == QUEUED;
            case WAITING:
                return next == QUEUED || next == FREE;
            case QUEUED:
                return next == WRITTEN || next == REPORTED || next == ACKED || next == FREE;
            case ACKED:
            case WRITTEN:
                return next == RELEASING || next == FREE;
            case REPORTED:
            case RELEASING:
                return next == FREE;
            default:
                return false;
        }
    }
}
