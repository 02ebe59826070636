package io.jsocklnd.lnd;

import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The LND as the layer above sees it on the IO agent thread, where its {@link MessageHandler} runs: a send is a
 * direct call, as {@code lnd_send} is in LNet, and its header is written once, into the buffer it is sent from.
 * Handed over by {@link MessageHandler#onStart(LndPort)}; valid on the IO agent thread only.
 *
 * <p>A send may be started from {@link MessageHandler#onDutyCycle()}, {@link MessageHandler#onHeader} and
 * {@link MessageHandler#onPayload}; not from a completion or {@link MessageHandler#onReceiveAborted}, which the
 * LND calls while it takes a connection or a peer apart.
 */
public interface LndPort
{
    /**
     * Most LNET messages the LND holds at once, queued or being written, before their completions: enough to
     * keep a connection's gathered writes full, few enough that a sender faster than its socket does not grow the
     * LND's queues (and its pool of send slots) without bound.
     */
    int SEND_CREDITS = 1024;

    /**
     * Start a send: take a send slot and wrap the returned flyweight over its LNet header, zeroed and of
     * {@code type}. Fill in the header, then {@link #commitSend()}; nothing else may come between.
     *
     * @param type           {@code LNET_MSG_*}.
     * @param dstNid         the peer's NID (which peer the message goes to).
     * @param dstPid         the peer's PID.
     * @param payloadAddress native address of the payload (0 if none); untouched until the completion.
     * @param payloadLength  payload bytes; the header's {@code payload_length} must say the same.
     * @param correlationId  handed back with the completion.
     * @return the header of the send slot, wrapped for encoding.
     */
    LnetHeaderFlyweight claimSend(
        int type, long dstNid, int dstPid, long payloadAddress, int payloadLength, long correlationId);

    /**
     * How many more sends may be started now: the LND holds at most {@link #SEND_CREDITS} LNET messages that
     * have not completed, as LNet's NI credits bound the sends an LND holds. The layer above keeps the requests
     * beyond that for later (sends it must make in answer to a message, a REPLY or an ACK, may go beyond).
     *
     * @return credits left, 0 or more.
     */
    int sendCredits();

    /**
     * Queue the send started by {@link #claimSend}: on a connection to its peer, or until one is established.
     * Its completion comes once, as for {@link Node#send}.
     */
    void commitSend();

    /**
     * Continue a receive left waiting by {@link RxDecision#await()}.
     *
     * @param connectionId the connection.
     * @param address      payload destination, 0 to drop.
     * @param capacity     bytes available there.
     * @return true if the connection was waiting.
     */
    boolean resumeReceive(long connectionId, long address, int capacity);

    /**
     * A counter of the layer above among the node's own ({@link Node#counters()}), written by the IO agent
     * thread only (an ordered store per count, no fence).
     *
     * @param label its label, e.g. {@code "lnet puts_in"}.
     * @return the counter.
     */
    AtomicCounter counter(String label);
}
