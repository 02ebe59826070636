package io.jsocklnd.lnet;

/**
 * Test support: a copy of one {@link LnetEvent}, kept after the queue slot is reused.
 */
record Recorded(
    LnetEventType type, int status, boolean unlinked, long md, long userPtr, long matchBits, long hdrData,
    long initiatorNid, int initiatorPid, long targetNid, int portal, int mlength, int rlength, int offset)
{
    static Recorded of(final LnetEvent e)
    {
        return new Recorded(e.type(), e.status(), e.unlinked(), e.mdHandle(), e.userPtr(), e.matchBits(),
            e.hdrData(), e.initiatorNid(), e.initiatorPid(), e.targetNid(), e.portal(), e.mlength(), e.rlength(),
            e.offset());
    }
}
