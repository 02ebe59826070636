package io.jsocklnd.lnd;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;

import static io.jsocklnd.lnd.SendState.ACKED;
import static io.jsocklnd.lnd.SendState.FREE;
import static io.jsocklnd.lnd.SendState.QUEUED;
import static io.jsocklnd.lnd.SendState.RELEASING;
import static io.jsocklnd.lnd.SendState.REPORTED;
import static io.jsocklnd.lnd.SendState.WAITING;
import static io.jsocklnd.lnd.SendState.WRITTEN;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The life of a send: exactly the moves of the table are legal, every life the agent gives a send walks through
 * them, and any other move, a second completion among them, fails loudly and changes nothing.
 */
class SendStateTest
{
    private static final Map<SendState, EnumSet<SendState>> LEGAL = Map.of(
        FREE, EnumSet.of(WAITING, QUEUED),
        WAITING, EnumSet.of(QUEUED, FREE),
        QUEUED, EnumSet.of(WRITTEN, REPORTED, ACKED, FREE),
        ACKED, EnumSet.of(RELEASING, FREE),
        WRITTEN, EnumSet.of(RELEASING, FREE),
        REPORTED, EnumSet.of(FREE),
        RELEASING, EnumSet.of(FREE));

    /** A way from the pool to each state. */
    private static final Map<SendState, SendState[]> PATHS = Map.of(
        FREE, new SendState[]{},
        WAITING, new SendState[]{WAITING},
        QUEUED, new SendState[]{QUEUED},
        ACKED, new SendState[]{QUEUED, ACKED},
        WRITTEN, new SendState[]{QUEUED, WRITTEN},
        REPORTED, new SendState[]{QUEUED, REPORTED},
        RELEASING, new SendState[]{QUEUED, WRITTEN, RELEASING});

    @Test
    void shouldAllowExactlyTheMovesOfTheTable()
    {
        for (final SendState from : SendState.values())
        {
            for (final SendState to : SendState.values())
            {
                assertEquals(LEGAL.get(from).contains(to), from.canMoveTo(to), from + " -> " + to);
            }
        }
    }

    @Test
    void shouldWalkEveryLifeOfASend()
    {
        walk(WAITING, QUEUED, FREE);
        walk(QUEUED, FREE);
        walk(QUEUED, WRITTEN, FREE);
        walk(QUEUED, WRITTEN, RELEASING, FREE);
        walk(QUEUED, ACKED, FREE);
        walk(QUEUED, ACKED, RELEASING, FREE);
        walk(QUEUED, REPORTED, FREE);
        walk(WAITING, FREE);
    }

    @Test
    void shouldRefuseAnyOtherMoveLoudlyAndStayWhereItWas()
    {
        for (final SendState from : SendState.values())
        {
            for (final SendState to : EnumSet.complementOf(LEGAL.get(from)))
            {
                final EngineTx tx = txIn(from);
                final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> tx.moveTo(to));
                assertTrue(ex.getMessage().startsWith("illegal send move: " + from + " -> " + to + " "), ex.getMessage());
                assertEquals(from, tx.state());
            }
        }
    }

    @Test
    void shouldRefuseToPutASendBackInThePoolTwice()
    {
        final EngineTx tx = txIn(WRITTEN);
        tx.reset();
        assertThrows(IllegalStateException.class, tx::reset);
        assertEquals(FREE, tx.state());
    }

    private static EngineTx walk(final SendState... states)
    {
        final EngineTx tx = new EngineTx();
        tx.lnet();
        for (final SendState state : states)
        {
            assertDoesNotThrow(() -> tx.moveTo(state), () -> tx.state() + " -> " + state);
        }
        return tx;
    }

    private static EngineTx txIn(final SendState state)
    {
        final EngineTx tx = walk(PATHS.get(state));
        assertEquals(state, tx.state());
        return tx;
    }
}
