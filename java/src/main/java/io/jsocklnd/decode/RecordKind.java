package io.jsocklnd.decode;

import java.util.Locale;

/**
 * What a decoded record holds.
 */
public enum RecordKind
{
    /** LNet acceptor connection request, {@code struct lnet_acceptor_connreq} (v1) or {@code _v2}. */
    CONNREQ,
    /** socklnd hello, V1 to V4 ({@code struct ksock_hello_msg}). */
    HELLO,
    /** V2+ ksock message without LNet content ({@code KSOCK_MSG_NOOP}). */
    NOOP,
    /** V2+ ksock message carrying an LNet message ({@code KSOCK_MSG_LNET}): ksock header, LNet header, payload. */
    LNET,
    /** V1 message: bare nid4 LNet header and payload, after a V1 hello. */
    V1,
    /** Bytes that break the protocol; the direction is not decoded further. */
    ERROR,
    /** Bytes before the first message found in a direction whose start was not captured. */
    SKIPPED,
    /** Stream bytes that no captured frame carried. */
    GAP;

    /**
     * @return the lowercase name used in JSON.
     */
    public String text()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
