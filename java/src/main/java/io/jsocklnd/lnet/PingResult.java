package io.jsocklnd.lnet;

import io.jsocklnd.wire.Nid;

/**
 * The answer to {@link Lnet#ping}: the target's ping info and the round-trip time from sending the GET to
 * receiving the REPLY (including connection setup for a peer not yet connected).
 *
 * @param target the NID pinged.
 * @param info   its decoded ping info.
 * @param rttNs  round-trip time in nanoseconds.
 */
public record PingResult(long target, PingInfo info, long rttNs)
{
    public String toString()
    {
        return "PingResult{target=" + Nid.toString(target) + " features=" + info.featureText() + " pid=" +
            info.pid() + " interfaces=" + info.interfaces() + " rtt_us=" + rttNs / 1000 + "}";
    }
}
