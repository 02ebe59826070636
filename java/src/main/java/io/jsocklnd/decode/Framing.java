package io.jsocklnd.decode;

import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeader16Flyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;

/**
 * How the messages after the hello are framed, by protocol version ({@code ksock_proto} pack/unpack).
 */
enum Framing
{
    /** V2/V3: 24-byte ksock header, then for LNET messages the 72-byte nid4 LNet header and the payload. */
    KSOCK_NID4(KsockMsgFlyweight.LENGTH, LnetHeaderFlyweight.LENGTH),
    /** V4: 24-byte ksock header, then for LNET messages the 96-byte nid16 LNet header and the payload. */
    KSOCK_NID16(KsockMsgFlyweight.LENGTH, LnetHeader16Flyweight.LENGTH),
    /** V1: bare 72-byte nid4 LNet header and payload, no ksock header. */
    V1(0, LnetHeaderFlyweight.LENGTH);

    private final int ksockLength;
    private final int lnetHeaderLength;

    Framing(final int ksockLength, final int lnetHeaderLength)
    {
        this.ksockLength = ksockLength;
        this.lnetHeaderLength = lnetHeaderLength;
    }

    int ksockLength()
    {
        return ksockLength;
    }

    int lnetHeaderLength()
    {
        return lnetHeaderLength;
    }

    static Framing of(final int version)
    {
        if (version == KSOCK_PROTO_V1)
        {
            return V1;
        }
        return version == KSOCK_PROTO_V4 ? KSOCK_NID16 : KSOCK_NID4;
    }
}
