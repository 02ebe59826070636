package io.jsocklnd.wire;

import org.agrona.MutableDirectBuffer;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;

/**
 * The "encode again from the decoded fields" half of the round-trip and fuzz tests, and the canonical form of
 * bytes the encoders never write (unused union bytes, V1 padding), so that decode then encode can be compared
 * with the input.
 */
final class Reencode
{
    private Reencode()
    {
    }

    /**
     * Writes a hello with every decoded field of {@code in}, in its version and byte order.
     *
     * @return bytes written.
     */
    static int hello(final HelloFlyweight in, final MutableDirectBuffer out, final int offset)
    {
        final HelloFlyweight hello = new HelloFlyweight()
            .wrapForEncode(out, offset, out.capacity() - offset, in.version(), in.byteOrder())
            .srcPid(in.srcPid())
            .dstPid(in.dstPid())
            .srcIncarnation(in.srcIncarnation())
            .dstIncarnation(in.dstIncarnation())
            .ctype(in.ctype())
            .nips(in.nips());
        if (in.version() == WireConstants.KSOCK_PROTO_V4)
        {
            hello.srcNid(in.srcLargeNid()).dstNid(in.dstLargeNid());
        }
        else
        {
            hello.srcNid(in.srcNid()).dstNid(in.dstNid());
        }
        for (int i = 0; i < in.nips(); i++)
        {
            hello.ip(i, in.ip(i));
        }
        return hello.length();
    }

    /**
     * The bytes a re-encoded hello has where the input may differ: in V1 the union after {@code hello.type} is
     * zero and {@code payload_length} is 4 x nips.
     */
    static void canonicalHello(final byte[] bytes, final int version)
    {
        if (version == KSOCK_PROTO_V1)
        {
            final int nips = (int)((readLe32(bytes, HelloFlyweight.V1_PAYLOAD_LENGTH_OFFSET) & 0xFFFF_FFFFL) / 4);
            writeLe32(bytes, HelloFlyweight.V1_PAYLOAD_LENGTH_OFFSET, 4 * nips);
            for (int i = HelloFlyweight.V1_CTYPE_OFFSET + 4; i < HelloFlyweight.V1_FIXED_LENGTH; i++)
            {
                bytes[i] = 0;
            }
        }
    }

    static int ksock(final KsockMsgFlyweight in, final MutableDirectBuffer out, final int offset)
    {
        new KsockMsgFlyweight()
            .wrapForEncode(out, offset, KsockMsgFlyweight.LENGTH, in.byteOrder(), in.type())
            .csum(in.csum())
            .zcCookie0(in.zcCookie0())
            .zcCookie1(in.zcCookie1());
        return KsockMsgFlyweight.LENGTH;
    }

    static int connreq(final AcceptorRequestFlyweight in, final MutableDirectBuffer out, final int offset)
    {
        if (in.version() == WireConstants.LNET_PROTO_ACCEPTOR_VERSION)
        {
            return AcceptorRequestFlyweight.encodeV1(out, offset, in.nid4(), in.byteOrder());
        }
        return AcceptorRequestFlyweight.encodeV2(out, offset, in.nid(), in.byteOrder());
    }

    static int lnet(final LnetHeaderFlyweight in, final MutableDirectBuffer out, final int offset)
    {
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight()
            .wrapForEncode(out, offset, LnetHeaderFlyweight.LENGTH, in.type());
        header.destNid(in.destNid()).srcNid(in.srcNid());
        copyCommon(in, header);
        return header.length();
    }

    static int lnet16(final LnetHeader16Flyweight in, final MutableDirectBuffer out, final int offset)
    {
        final LnetHeader16Flyweight header = new LnetHeader16Flyweight()
            .wrapForEncode(out, offset, LnetHeader16Flyweight.LENGTH, in.type());
        header.destNid(in.destNid()).srcNid(in.srcNid());
        copyCommon(in, header);
        return header.length();
    }

    /**
     * Zeroes the union bytes the header's type does not use (what a re-encoded header holds there).
     *
     * @param msgOffset offset of the {@code msg} union in {@code bytes}.
     */
    static void canonicalLnet(final byte[] bytes, final int msgOffset, final int type)
    {
        for (int i = msgOffset + unionUsed(type); i < msgOffset + LnetHeader.MSG_LENGTH; i++)
        {
            bytes[i] = 0;
        }
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
     * @return how many leading bytes of the {@code msg} union {@code type} uses.
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

    static int readLe32(final byte[] b, final int i)
    {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }

    static void writeLe32(final byte[] b, final int i, final int v)
    {
        b[i] = (byte)v;
        b[i + 1] = (byte)(v >>> 8);
        b[i + 2] = (byte)(v >>> 16);
        b[i + 3] = (byte)(v >>> 24);
    }
}
