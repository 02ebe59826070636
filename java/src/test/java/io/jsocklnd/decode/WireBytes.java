package io.jsocklnd.decode;

import io.jsocklnd.wire.AcceptorRequestFlyweight;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LargeNid;
import io.jsocklnd.wire.LnetHeader;
import io.jsocklnd.wire.LnetHeader16Flyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;

/**
 * socklnd byte sequences written with the wire codecs, to feed the dissector streams it must decode or reject.
 */
final class WireBytes
{
    static final String CLIENT_NID = "10.0.0.2@tcp";
    static final String SERVER_NID = "10.0.0.1@tcp";
    static final int PID = 12345;

    private WireBytes()
    {
    }

    static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] connreq(final String targetNid, final ByteOrder order)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[AcceptorRequestFlyweight.V1_LENGTH]);
        AcceptorRequestFlyweight.encodeV1(buffer, 0, Nid.parse(targetNid), order);
        return buffer.byteArray();
    }

    static byte[] connreqV2(final String targetNid, final ByteOrder order)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[AcceptorRequestFlyweight.V2_LENGTH]);
        AcceptorRequestFlyweight.encodeV2(buffer, 0, LargeNid.parse(targetNid), order);
        return buffer.byteArray();
    }

    static byte[] hello(
        final int version, final ByteOrder order, final String src, final String dst, final long incarnation,
        final int ctype, final int... ips)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final HelloFlyweight hello = new HelloFlyweight().wrapForEncode(buffer, 0, 256, version, order)
            .srcPid(PID).dstPid(0).srcIncarnation(incarnation).ctype(ctype);
        if (version == KSOCK_PROTO_V4)
        {
            hello.srcNid(LargeNid.parse(src)).dstNid(LargeNid.parse(dst));
        }
        else
        {
            hello.srcNid(Nid.parse(src)).dstNid(Nid.parse(dst));
            hello.nips(ips.length);
            for (int i = 0; i < ips.length; i++)
            {
                hello.ip(i, ips[i]);
            }
        }
        final byte[] out = new byte[hello.length()];
        buffer.getBytes(0, out);
        return out;
    }

    static byte[] noop(final ByteOrder order, final long cookie0, final long cookie1)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[KsockMsgFlyweight.LENGTH]);
        KsockMsgFlyweight.encode(buffer, 0, order, KSOCK_MSG_NOOP, 0, cookie0, cookie1);
        return buffer.byteArray();
    }

    static byte[] ksock(final ByteOrder order, final int type, final long cookie0, final long cookie1)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[KsockMsgFlyweight.LENGTH]);
        KsockMsgFlyweight.encode(buffer, 0, order, type, 0, cookie0, cookie1);
        return buffer.byteArray();
    }

    /** V2/V3 LNET message: ksock header, nid4 PUT header, payload of {@code payloadLength} bytes of 0xab. */
    static byte[] put(final ByteOrder order, final String dst, final String src, final long matchBits, final int payloadLength)
    {
        return concat(ksock(order, KSOCK_MSG_LNET, 0, 0), putHeader(dst, src, matchBits, payloadLength),
            payload(payloadLength));
    }

    /** V2/V3 LNET message carrying an ACK. */
    static byte[] ack(final ByteOrder order, final String dst, final String src, final long matchBits, final int mlength)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH]);
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight()
            .wrapForEncode(buffer, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_ACK)
            .destNid(Nid.parse(dst)).srcNid(Nid.parse(src));
        header.destPid(PID).srcPid(PID).wmdInterfaceCookie(0x1122334455667788L).wmdObjectCookie(99)
            .matchBits(matchBits).ackMlength(mlength);
        return concat(ksock(order, KSOCK_MSG_LNET, 0, 0), buffer.byteArray());
    }

    /** nid4 PUT header (also a V1 message header). */
    static byte[] putHeader(final String dst, final String src, final long matchBits, final int payloadLength)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH]);
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight()
            .wrapForEncode(buffer, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_PUT)
            .destNid(Nid.parse(dst)).srcNid(Nid.parse(src));
        fillPut(header, matchBits, payloadLength);
        return buffer.byteArray();
    }

    /** V4 LNET message: ksock header, nid16 PUT header, payload. */
    static byte[] put16(final ByteOrder order, final String dst, final String src, final long matchBits, final int payloadLength)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LnetHeader16Flyweight.LENGTH]);
        final LnetHeader16Flyweight header = new LnetHeader16Flyweight()
            .wrapForEncode(buffer, 0, LnetHeader16Flyweight.LENGTH, LNET_MSG_PUT)
            .destNid(LargeNid.parse(dst)).srcNid(LargeNid.parse(src));
        fillPut(header, matchBits, payloadLength);
        return concat(ksock(order, KSOCK_MSG_LNET, 0, 0), buffer.byteArray(), payload(payloadLength));
    }

    private static void fillPut(final LnetHeader<?> header, final long matchBits, final int payloadLength)
    {
        header.destPid(PID);
        header.srcPid(PID);
        header.payloadLength(payloadLength);
        header.wmdInterfaceCookie(-1L);
        header.wmdObjectCookie(-1L);
        header.matchBits(matchBits);
        header.putHdrData(0x0102030405060708L);
        header.putPtlIndex(26);
        header.putOffset(224);
    }

    static byte[] payload(final int length)
    {
        final byte[] payload = new byte[length];
        java.util.Arrays.fill(payload, (byte)0xab);
        return payload;
    }
}
