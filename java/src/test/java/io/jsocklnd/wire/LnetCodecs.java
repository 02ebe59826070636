package io.jsocklnd.wire;

import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;

/**
 * Field-by-field copies between decoded and encoding flyweights, the "decode then encode from the fields"
 * half of the round-trip tests.
 */
final class LnetCodecs
{
    private LnetCodecs()
    {
    }

    /**
     * Copies NIDs, PIDs, payload length and the union fields of {@code in}'s type; {@code out} must have been
     * wrapped for encoding with the same type.
     */
    static void copyFields(final LnetHeaderFlyweight in, final LnetHeaderFlyweight out)
    {
        out.destNid(in.destNid()).srcNid(in.srcNid());
        copyCommon(in, out);
    }

    static void copyFields(final LnetHeader16Flyweight in, final LnetHeader16Flyweight out)
    {
        out.destNid(in.destNid()).srcNid(in.srcNid());
        copyCommon(in, out);
    }

    static <A extends LnetHeader<A>, B extends LnetHeader<B>> void copyCommon(final LnetHeader<A> in, final LnetHeader<B> out)
    {
        out.destPid(in.destPid()).srcPid(in.srcPid()).payloadLength(in.payloadLength());
        switch (in.type())
        {
            case LNET_MSG_ACK:
                out.wmdInterfaceCookie(in.wmdInterfaceCookie()).wmdObjectCookie(in.wmdObjectCookie())
                    .matchBits(in.matchBits()).ackMlength(in.ackMlength());
                break;
            case LNET_MSG_PUT:
                out.wmdInterfaceCookie(in.wmdInterfaceCookie()).wmdObjectCookie(in.wmdObjectCookie())
                    .matchBits(in.matchBits()).putHdrData(in.putHdrData())
                    .putPtlIndex(in.putPtlIndex()).putOffset(in.putOffset());
                break;
            case LNET_MSG_GET:
                out.wmdInterfaceCookie(in.wmdInterfaceCookie()).wmdObjectCookie(in.wmdObjectCookie())
                    .matchBits(in.matchBits()).getPtlIndex(in.getPtlIndex())
                    .getSrcOffset(in.getSrcOffset()).getSinkLength(in.getSinkLength());
                break;
            case LNET_MSG_REPLY:
                out.wmdInterfaceCookie(in.wmdInterfaceCookie()).wmdObjectCookie(in.wmdObjectCookie());
                break;
            default:
                throw new IllegalStateException("unexpected type: type=" + in.type());
        }
    }

    /**
     * @return the union bytes (offsets from the start of {@code msg}) that {@code type} leaves unused: from this
     * offset to the end of the union they are written as zero.
     */
    static int unionUsed(final int type)
    {
        switch (type)
        {
            case LNET_MSG_ACK:
                return LnetHeader.ACK_MLENGTH_OFFSET + 4;
            case LNET_MSG_PUT:
                return LnetHeader.PUT_OFFSET_OFFSET + 4;
            case LNET_MSG_GET:
                return LnetHeader.GET_SINK_LENGTH_OFFSET + 4;
            case LNET_MSG_REPLY:
                return LnetHeader.WMD_OBJECT_COOKIE_OFFSET + 8;
            default:
                throw new IllegalStateException("unexpected type: type=" + type);
        }
    }
}
