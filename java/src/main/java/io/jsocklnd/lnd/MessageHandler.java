package io.jsocklnd.lnd;

import io.jsocklnd.wire.LnetHeaderFlyweight;

/**
 * The layer above the LND: told of every LNet message received. Called on the IO agent thread; must not
 * block. The header flyweight is valid only during the call.
 */
public interface MessageHandler
{
    /**
     * The IO agent starts, on its thread, before it runs a duty cycle: the layer above keeps the port to send
     * through on that thread.
     *
     * @param port the LND's sends, valid on the IO agent thread.
     */
    default void onStart(final LndPort port)
    {
    }

    /**
     * A message header arrived (RX state PARSE): decide where its payload goes.
     *
     * @param connectionId the connection it came on.
     * @param srcNid       the peer's NID as established by the hello.
     * @param header       the LNet header (nid4, little-endian).
     * @param decision     set one outcome on it.
     */
    void onHeader(long connectionId, long srcNid, LnetHeaderFlyweight header, RxDecision decision);

    /**
     * The payload part that was delivered is complete (and the rest, if any, will be discarded).
     *
     * @param connectionId   the connection it came on.
     * @param address        where the payload was stored (0 if dropped).
     * @param receivedLength bytes stored.
     * @param payloadLength  bytes the message carried.
     */
    void onPayload(long connectionId, long address, int receivedLength, int payloadLength);

    /**
     * The connection closed after {@link #onHeader} and before {@link #onPayload} (RX state PARSE_WAIT or
     * LNET_PAYLOAD): the message will never complete. Called once per such message, instead of
     * {@link #onPayload}; memory given to {@link RxDecision#deliverTo} is no longer written.
     *
     * @param connectionId the connection it came on.
     * @param status       negative errno of the close, e.g. {@code -ECONNRESET}.
     */
    default void onReceiveAborted(final long connectionId, final int status)
    {
    }

    /**
     * Called at the start of every IO agent duty cycle, on the IO agent thread, before the node's send ring is
     * read: the layer above runs work it owns on that thread here (commands handed over by application threads,
     * completions). Must not block.
     *
     * @return work done, 0 if none.
     */
    default int onDutyCycle()
    {
        return 0;
    }

    /**
     * Whether work handed over by another thread waits for {@link #onDutyCycle()} (called on the IO agent thread
     * before it waits for work; a thread that hands work over calls {@link Node#wakeIoAgent()} after).
     *
     * @return true if the next duty cycle has work.
     */
    default boolean hasPendingWork()
    {
        return false;
    }
}
