package io.jsocklnd.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V2;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V3;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;
import static io.jsocklnd.wire.WireConstants.LNET_MAX_PAYLOAD;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireTestBytes.buffer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every way a decoder refuses bytes, each asserting the field and value the exception names; and the fields
 * the kernel does not check, which the decoders accept too.
 */
@Timeout(10)
class ProtocolErrorsTest
{
    private static final long SRC = Nid.parse("10.0.0.2@tcp");
    private static final long DST = Nid.parse("10.0.0.1@tcp");

    private final UnsafeBuffer buf = new UnsafeBuffer(new byte[256]);
    private final AcceptorRequestFlyweight connreq = new AcceptorRequestFlyweight();
    private final HelloFlyweight hello = new HelloFlyweight();
    private final KsockMsgFlyweight ksock = new KsockMsgFlyweight();
    private final LnetHeaderFlyweight header = new LnetHeaderFlyweight();
    private final LnetHeader16Flyweight header16 = new LnetHeader16Flyweight();

    private static ProtocolException assertProtocolError(final String field, final long value, final Executable decode)
    {
        final ProtocolException ex = assertThrows(ProtocolException.class, decode);
        assertEquals(field, ex.field(), ex.getMessage());
        assertEquals(value, ex.value(), ex.getMessage());
        return ex;
    }

    @Test
    void shouldRejectConnreqWithBadMagic()
    {
        final ProtocolException ex = assertProtocolError(
            "acr_magic", 0x12345678L, () -> connreq.wrap(buffer("78563412 01000000 0100000a00000200"), 0, 16));
        assertEquals("bad connreq: field=acr_magic value=0x12345678", ex.getMessage());
    }

    @Test
    void shouldRejectConnreqCarryingHelloMagicOfOldPeer()
    {
        assertProtocolError("acr_magic", WireConstants.LNET_PROTO_MAGIC,
            () -> connreq.wrap(buffer("63697245 03000000 0100000a00000200"), 0, 16));
    }

    @Test
    void shouldRejectConnreqWithUnknownVersion()
    {
        assertProtocolError("acr_version", 3, () -> connreq.wrap(buffer("0071ceac 03000000 0100000a00000200"), 0, 16));
        assertProtocolError("acr_version", 3,
            () -> AcceptorRequestFlyweight.requiredLength(buffer("acce7100 00000003"), 0, 8));
    }

    @Test
    void shouldRejectShortConnreq()
    {
        assertProtocolError("length", 5, () -> connreq.wrap(buffer("0071ceac01"), 0, 5));
        assertProtocolError("length", 15, () -> connreq.wrap(buffer("0071ceac 01000000 0100000a000002"), 0, 15));
        final UnsafeBuffer v2 = new UnsafeBuffer(new byte[28]);
        AcceptorRequestFlyweight.encodeV2(v2, 0, LargeNid.fromNid4(DST), ByteOrder.BIG_ENDIAN);
        final ProtocolException ex = assertProtocolError("length", 27, () -> connreq.wrap(v2, 0, 27));
        assertEquals("bad connreq: field=length value=27 need=28", ex.getMessage());
    }

    @Test
    void shouldTellConnreqLengthFromPrefix()
    {
        assertEquals(8, AcceptorRequestFlyweight.requiredLength(buffer("0071ceac"), 0, 4));
        assertEquals(16, AcceptorRequestFlyweight.requiredLength(buffer("0071ceac 01000000"), 0, 8));
        assertEquals(28, AcceptorRequestFlyweight.requiredLength(buffer("acce7100 00000002"), 0, 8));
        assertProtocolError("acr_magic", 0xFFFFFFFFL,
            () -> AcceptorRequestFlyweight.requiredLength(buffer("ffffffff"), 0, 4));
    }

    @Test
    void shouldRejectHelloWithBadMagic()
    {
        assertProtocolError("kshm_magic", 0xdeadbeefL, () -> hello.wrap(buffer("efbeadde 03000000"), 0, 8));
    }

    @Test
    void shouldRejectByteSwappedV1Magic()
    {
        assertProtocolError("kshm_magic", Integer.reverseBytes(WireConstants.LNET_PROTO_TCP_MAGIC) & 0xFFFF_FFFFL,
            () -> HelloFlyweight.detectVersion(buffer("eebc0ded 00010000"), 0, 8));
    }

    @Test
    void shouldRejectHelloWithUnknownVersionInEitherOrder()
    {
        final ProtocolException ex =
            assertProtocolError("kshm_version", 5, () -> hello.wrap(buffer("63697245 05000000"), 0, 8));
        assertEquals("bad hello: field=kshm_version value=5", ex.getMessage());
        assertProtocolError("kshm_version", 5, () -> HelloFlyweight.detectVersion(buffer("45726963 00000005"), 0, 8));
        assertProtocolError("kshm_version", 1, () -> HelloFlyweight.detectVersion(buffer("63697245 01000000"), 0, 8));
    }

    @Test
    void shouldRejectV1HelloOtherThanVersion1Point0()
    {
        assertProtocolError("version_major", 2, () -> HelloFlyweight.detectVersion(buffer("ed0dbcee 0200 0000"), 0, 8));
        assertProtocolError("version_minor", 1, () -> HelloFlyweight.detectVersion(buffer("ed0dbcee 0100 0100"), 0, 8));
    }

    @Test
    void shouldRejectV1HelloWhoseTypeIsNotHello()
    {
        v1Hello(0);
        buf.putInt(HelloFlyweight.V1_TYPE_OFFSET, LNET_MSG_PUT, ByteOrder.LITTLE_ENDIAN);
        assertProtocolError("type", LNET_MSG_PUT, () -> hello.wrap(buf, 0, 72));
    }

    @Test
    void shouldRejectV1HelloWithTooManyIps()
    {
        v1Hello(0);
        buf.putInt(HelloFlyweight.V1_PAYLOAD_LENGTH_OFFSET, 4 * 17, ByteOrder.LITTLE_ENDIAN);
        assertProtocolError("payload_length", 68, () -> HelloFlyweight.requiredLength(buf, 0, 72));
        buf.putInt(HelloFlyweight.V1_PAYLOAD_LENGTH_OFFSET, -1, ByteOrder.LITTLE_ENDIAN);
        assertProtocolError("payload_length", 0xFFFFFFFFL, () -> hello.wrap(buf, 0, buf.capacity()));
    }

    @Test
    void shouldReadV1IpCountAsKernelDoesFromPayloadLengthRoundedDown()
    {
        v1Hello(1);
        buf.putInt(HelloFlyweight.V1_PAYLOAD_LENGTH_OFFSET, 4 * 16 + 3, ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++)
        {
            buf.putInt(72 + 4 * i, 0x0A000001 + i, ByteOrder.LITTLE_ENDIAN);
        }
        assertEquals(72 + 64, HelloFlyweight.requiredLength(buf, 0, 72));
        assertEquals(16, hello.wrap(buf, 0, 72 + 64).nips());
    }

    @Test
    void shouldRejectHelloWithTooManyIps()
    {
        v3Hello(ByteOrder.LITTLE_ENDIAN).nips(16);
        buf.putInt(HelloFlyweight.KSHM_NIPS_OFFSET, 17, ByteOrder.LITTLE_ENDIAN);
        final ProtocolException ex = assertProtocolError("kshm_nips", 17, () -> hello.wrap(buf, 0, buf.capacity()));
        assertEquals("bad hello: field=kshm_nips value=17 max=16", ex.getMessage());
        buf.putInt(HelloFlyweight.KSHM_NIPS_OFFSET, -1, ByteOrder.LITTLE_ENDIAN);
        assertProtocolError("kshm_nips", 0xFFFFFFFFL, () -> HelloFlyweight.requiredLength(buf, 0, 56));
    }

    @Test
    void shouldRejectFlippedHelloWithTooManyIps()
    {
        v3Hello(ByteOrder.BIG_ENDIAN);
        buf.putInt(HelloFlyweight.KSHM_NIPS_OFFSET, 17, ByteOrder.BIG_ENDIAN);
        assertProtocolError("kshm_nips", 17, () -> hello.wrap(buf, 0, buf.capacity()));
    }

    @Test
    void shouldRejectHelloWithZeroIp()
    {
        v3Hello(ByteOrder.LITTLE_ENDIAN).nips(2).ip(0, 0x0A000001).ip(1, 0);
        final ProtocolException ex = assertProtocolError("kshm_ips", 0, () -> hello.wrap(buf, 0, 64));
        assertEquals("bad hello: field=kshm_ips value=0 index=1", ex.getMessage());
        v1Hello(1);
        assertProtocolError("kshm_ips", 0, () -> hello.wrap(buf, 0, 76));
    }

    @Test
    void shouldRejectV4HelloWithIps()
    {
        v4Hello().nips(1);
        final ProtocolException ex = assertProtocolError("kshm_nips", 1, () -> hello.wrap(buf, 0, 80));
        assertEquals("bad hello: field=kshm_nips value=1 max=0", ex.getMessage());
    }

    @Test
    void shouldRejectHelloFromAnyNid()
    {
        v3Hello(ByteOrder.LITTLE_ENDIAN).srcNid(Nid.ANY);
        assertProtocolError("kshm_src_nid", -1L, () -> hello.wrap(buf, 0, 56));
        v1Hello(0);
        hello.srcNid(Nid.ANY);
        assertProtocolError("src_nid", -1L, () -> hello.wrap(buf, 0, 72));
        v4Hello().srcNid(LargeNid.ANY);
        assertProtocolError("kshm_src_nid", 0xFF, () -> hello.wrap(buf, 0, 80));
    }

    @Test
    void shouldRejectShortHello()
    {
        assertProtocolError("length", 7, () -> hello.wrap(buffer("63697245030000"), 0, 7));
        assertProtocolError("length", 3, () -> HelloFlyweight.detectByteOrder(buffer("636972"), 0, 3));
        v3Hello(ByteOrder.LITTLE_ENDIAN);
        final ProtocolException ex = assertProtocolError("length", 55, () -> hello.wrap(buf, 0, 55));
        assertEquals("bad hello: field=length value=55 need=56", ex.getMessage());
        v3Hello(ByteOrder.LITTLE_ENDIAN).nips(2).ip(0, 1).ip(1, 2);
        assertProtocolError("length", 60, () -> hello.wrap(buf, 0, 60));
        v4Hello();
        assertProtocolError("length", 79, () -> hello.wrap(buf, 0, 79));
        v1Hello(0);
        assertProtocolError("length", 71, () -> hello.wrap(buf, 0, 71));
    }

    @Test
    void shouldTellHelloLengthStepByStep()
    {
        v3Hello(ByteOrder.BIG_ENDIAN).nips(3).ip(0, 1).ip(1, 2).ip(2, 3);
        assertEquals(8, HelloFlyweight.requiredLength(buf, 0, 0));
        assertEquals(8, HelloFlyweight.requiredLength(buf, 0, 5));
        assertEquals(56, HelloFlyweight.requiredLength(buf, 0, 8));
        assertEquals(68, HelloFlyweight.requiredLength(buf, 0, 56));
        assertEquals(68, HelloFlyweight.requiredLength(buf, 0, 68));
        v4Hello();
        assertEquals(80, HelloFlyweight.requiredLength(buf, 0, 8));
        assertEquals(80, HelloFlyweight.requiredLength(buf, 0, 80));
        v1Hello(2);
        assertEquals(72, HelloFlyweight.requiredLength(buf, 0, 8));
        assertEquals(80, HelloFlyweight.requiredLength(buf, 0, 72));
        assertProtocolError("kshm_magic", 0, () -> HelloFlyweight.requiredLength(new UnsafeBuffer(new byte[8]), 0, 4));
    }

    @Test
    void shouldAcceptHelloFieldsTheKernelDoesNotCheck()
    {
        v3Hello(ByteOrder.LITTLE_ENDIAN).dstNid(Nid.ANY).dstPid(-1).dstIncarnation(-1).ctype(77);
        hello.wrap(buf, 0, 56);
        assertEquals(Nid.ANY, hello.dstNid());
        assertEquals(77, hello.ctype());
        v4Hello().dstNid(LargeNid.ANY).ctype(WireConstants.SOCKLND_CONN_NONE);
        hello.wrap(buf, 0, 80);
        assertEquals(LargeNid.ANY, hello.dstLargeNid());
        assertEquals(-1, hello.ctype());
    }

    @Test
    void shouldRejectKsockMsgOfUnknownType()
    {
        KsockMsgFlyweight.encode(buf, 0, ByteOrder.LITTLE_ENDIAN, 0xc2, 0, 0, 0);
        final ProtocolException ex =
            assertProtocolError("ksm_type", 0xc2, () -> ksock.wrap(buf, 0, 24, ByteOrder.LITTLE_ENDIAN));
        assertEquals("bad ksock msg: field=ksm_type value=0xc2", ex.getMessage());
    }

    @Test
    void shouldRejectKsockMsgReadInTheWrongOrder()
    {
        KsockMsgFlyweight.encode(buf, 0, ByteOrder.BIG_ENDIAN, KSOCK_MSG_NOOP, 0, 0, 7);
        assertProtocolError("ksm_type", 0xc0000000L, () -> ksock.wrap(buf, 0, 24, ByteOrder.LITTLE_ENDIAN));
        assertEquals(7, ksock.wrap(buf, 0, 24, ByteOrder.BIG_ENDIAN).zcCookie1());
    }

    @Test
    void shouldRejectShortKsockMsg()
    {
        KsockMsgFlyweight.encode(buf, 0, ByteOrder.LITTLE_ENDIAN, KSOCK_MSG_NOOP, 0, 0, 0);
        assertProtocolError("length", 23, () -> ksock.wrap(buf, 0, 23, ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void shouldRejectLnetHeaderOfUnknownType()
    {
        for (final int type : new int[] {4, 5, -1})
        {
            lnetHeader(LNET_MSG_PUT);
            buf.putInt(LnetHeaderFlyweight.TYPE_OFFSET, type, ByteOrder.LITTLE_ENDIAN);
            assertProtocolError("type", type & 0xFFFF_FFFFL, () -> header.wrap(buf, 0, 72));
        }
    }

    @Test
    void shouldRejectAckAndGetCarryingPayload()
    {
        lnetHeader(LNET_MSG_ACK).payloadLength(1);
        final ProtocolException ex = assertProtocolError("payload_length", 1, () -> header.wrap(buf, 0, 72));
        assertEquals("bad lnet header: field=payload_length value=1 type=0 max=0", ex.getMessage());
        lnetHeader(LNET_MSG_GET).payloadLength(-8);
        assertProtocolError("payload_length", 0xFFFFFFF8L, () -> header.wrap(buf, 0, 72));
    }

    @Test
    void shouldRejectPutAndReplyPayloadOverOneMebibyte()
    {
        lnetHeader(LNET_MSG_PUT).payloadLength(LNET_MAX_PAYLOAD);
        assertEquals(72 + LNET_MAX_PAYLOAD, header.wrap(buf, 0, 72).messageLength());
        lnetHeader(LNET_MSG_PUT).payloadLength(LNET_MAX_PAYLOAD + 1);
        assertProtocolError("payload_length", LNET_MAX_PAYLOAD + 1, () -> header.wrap(buf, 0, 72));
        lnetHeader(LNET_MSG_REPLY).payloadLength(-1);
        assertProtocolError("payload_length", 0xFFFFFFFFL, () -> header.wrap(buf, 0, 72));
    }

    @Test
    void shouldRejectShortLnetHeaders()
    {
        lnetHeader(LNET_MSG_PUT);
        assertProtocolError("length", 71, () -> header.wrap(buf, 0, 71));
        header16.wrapForEncode(buf, 0, 96, LNET_MSG_PUT);
        assertProtocolError("length", 95, () -> header16.wrap(buf, 0, 95));
    }

    @Test
    void shouldRejectBadNid16Headers()
    {
        header16.wrapForEncode(buf, 0, 96, LNET_MSG_GET).payloadLength(4);
        assertProtocolError("payload_length", 4, () -> header16.wrap(buf, 0, 96));
        header16.wrapForEncode(buf, 0, 96, 4);
        assertProtocolError("type", 4, () -> header16.wrap(buf, 0, 96));
    }

    @Test
    void shouldRejectShortLargeNid()
    {
        assertProtocolError("length", 19, () -> LargeNid.decode(buf, 0, 19));
    }

    @Test
    void shouldRefuseToWriteOutsideCapacity()
    {
        assertThrows(IllegalArgumentException.class, () -> hello.wrapForEncode(buf, 0, 55, KSOCK_PROTO_V3, ByteOrder.LITTLE_ENDIAN));
        hello.wrapForEncode(buf, 0, 60, KSOCK_PROTO_V2, ByteOrder.LITTLE_ENDIAN);
        assertThrows(IllegalArgumentException.class, () -> hello.nips(2));
        assertThrows(IndexOutOfBoundsException.class, () -> hello.nips(1).ip(1, 5));
        assertThrows(IllegalArgumentException.class, () -> header.wrapForEncode(buf, 0, 71, LNET_MSG_ACK));
        assertThrows(IllegalArgumentException.class, () -> ksock.wrapForEncode(buf, 0, 23, ByteOrder.LITTLE_ENDIAN, KSOCK_MSG_NOOP));
        assertThrows(IllegalStateException.class, () -> header.wrap(lnetHeaderBytes(), 0, 72).destPid(1));
    }

    private HelloFlyweight v3Hello(final ByteOrder order)
    {
        buf.setMemory(0, buf.capacity(), (byte)0);
        return hello.wrapForEncode(buf, 0, buf.capacity(), KSOCK_PROTO_V3, order)
            .srcNid(SRC).dstNid(DST).srcPid(LNET_PID_LUSTRE).srcIncarnation(1).ctype(SOCKLND_CONN_CONTROL);
    }

    private HelloFlyweight v4Hello()
    {
        buf.setMemory(0, buf.capacity(), (byte)0);
        return hello.wrapForEncode(buf, 0, buf.capacity(), KSOCK_PROTO_V4, ByteOrder.LITTLE_ENDIAN)
            .srcNid(LargeNid.parse("2001:db8::2@tcp")).dstNid(LargeNid.parse("2001:db8::1@tcp"))
            .srcPid(LNET_PID_LUSTRE).srcIncarnation(1).ctype(SOCKLND_CONN_CONTROL);
    }

    private void v1Hello(final int nips)
    {
        buf.setMemory(0, buf.capacity(), (byte)0);
        hello.wrapForEncode(buf, 0, buf.capacity(), KSOCK_PROTO_V1, ByteOrder.BIG_ENDIAN)
            .srcNid(SRC).srcPid(LNET_PID_LUSTRE).srcIncarnation(1).ctype(SOCKLND_CONN_CONTROL).nips(nips);
    }

    private LnetHeaderFlyweight lnetHeader(final int type)
    {
        return header.wrapForEncode(buf, 0, 72, type).destNid(DST).srcNid(SRC)
            .destPid(LNET_PID_LUSTRE).srcPid(LNET_PID_LUSTRE);
    }

    private UnsafeBuffer lnetHeaderBytes()
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[72]);
        new LnetHeaderFlyweight().wrapForEncode(b, 0, 72, LNET_MSG_REPLY);
        return b;
    }

    @Test
    void shouldDetectEveryVersion()
    {
        v1Hello(0);
        assertEquals(KSOCK_PROTO_V1, HelloFlyweight.detectVersion(buf, 0, 8));
        assertEquals(KSOCK_PROTO_V2, HelloFlyweight.detectVersion(buffer("63697245 02000000"), 0, 8));
        assertEquals(KSOCK_PROTO_V3, HelloFlyweight.detectVersion(buffer("45726963 00000003"), 0, 8));
        assertEquals(ByteOrder.BIG_ENDIAN, HelloFlyweight.detectByteOrder(buffer("45726963 00000003"), 0, 8));
        assertEquals(KSOCK_PROTO_V4, HelloFlyweight.detectVersion(buffer("63697245 04000000"), 0, 8));
    }
}
