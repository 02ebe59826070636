package io.jsocklnd.lnet;

/**
 * What an {@link LnetEvent} reports ({@code enum lnet_event_kind}).
 */
public enum LnetEventType
{
    /** A PUT or GET this node initiated has been sent (or failed): {@code LNET_EVENT_SEND}. */
    SEND,
    /** The target of a PUT acknowledged it; {@code mlength} is what it accepted: {@code LNET_EVENT_ACK}. */
    ACK,
    /** A PUT landed in an attached descriptor: {@code LNET_EVENT_PUT}. */
    PUT,
    /** A GET was served from an attached descriptor and its REPLY sent: {@code LNET_EVENT_GET}. */
    GET,
    /** The REPLY to a GET this node initiated arrived: {@code LNET_EVENT_REPLY}. */
    REPLY,
    /** A descriptor was unlinked with no operation in flight: {@code LNET_EVENT_UNLINK}. */
    UNLINK;

    private static final LnetEventType[] VALUES = values();

    static LnetEventType of(final int ordinal)
    {
        return VALUES[ordinal];
    }
}
