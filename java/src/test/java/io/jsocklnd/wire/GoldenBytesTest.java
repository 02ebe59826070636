package io.jsocklnd.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V3;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireTestBytes.buffer;
import static io.jsocklnd.wire.WireTestBytes.clean;
import static io.jsocklnd.wire.WireTestBytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worked byte examples of PROTOCOL.md section 15: a Java node 10.0.0.2@tcp (PID 12345) connecting to a
 * kernel 10.0.0.1@tcp, from a little-endian sender.
 */
@Timeout(10)
class GoldenBytesTest
{
    private static final long KERNEL_NID = 0x000200000A000001L;
    private static final long JAVA_NID = 0x000200000A000002L;

    static final String NID4_LE = "01 00 00 0a 00 00 02 00";
    static final String CONNREQ = "00 71 ce ac | 01 00 00 00 | 01 00 00 0a 00 00 02 00";
    static final String V3_HELLO = "63 69 72 45 | 03 00 00 00 | 02 00 00 0a 00 00 02 00 | 01 00 00 0a 00 00 02 00 |" +
        " 39 30 00 00 | 00 00 00 00 | 88 77 66 55 44 33 22 11 | 00 00 00 00 00 00 00 00 | 01 00 00 00 | 00 00 00 00";
    static final String V4_NID = "00 02 00 00 | 0a 00 00 01 | 00 00 00 00 00 00 00 00 00 00 00 00";
    static final String ZC_ACK_NOOP_272 = "c0 00 00 00 | 00 00 00 00 | 00 00 00 00 00 00 00 00 | 10 01 00 00 00 00 00 00";
    static final String KEEPALIVE_NOOP = "c0 00 00 00 | 00 00 00 00 | 00 00 00 00 00 00 00 00 | 01 00 00 00 00 00 00 00";

    private final UnsafeBuffer out = new UnsafeBuffer(new byte[256]);

    @Test
    void shouldMakeNid4OfTcpAddress()
    {
        assertEquals(KERNEL_NID, Nid.tcp(0x0A000001, 0));
        assertEquals(KERNEL_NID, Nid.parse("10.0.0.1@tcp"));
        out.putLong(0, KERNEL_NID, ByteOrder.LITTLE_ENDIAN);
        assertEquals(clean(NID4_LE), hex(out, 0, 8));
    }

    @Test
    void shouldEncodeConnreqV1ExactlyAsSection15()
    {
        final int length = AcceptorRequestFlyweight.encodeV1(out, 0, KERNEL_NID, ByteOrder.LITTLE_ENDIAN);
        assertEquals(16, length);
        assertEquals(clean(CONNREQ), hex(out, 0, length));
    }

    @Test
    void shouldDecodeConnreqV1OfSection15()
    {
        final AcceptorRequestFlyweight connreq = new AcceptorRequestFlyweight().wrap(buffer(CONNREQ), 0, 16);
        assertEquals(1, connreq.version());
        assertEquals(ByteOrder.LITTLE_ENDIAN, connreq.byteOrder());
        assertEquals(KERNEL_NID, connreq.nid4());
        assertEquals(16, connreq.length());
    }

    @Test
    void shouldEncodeV3HelloExactlyAsSection15()
    {
        final HelloFlyweight hello = new HelloFlyweight()
            .wrapForEncode(out, 0, out.capacity(), KSOCK_PROTO_V3, ByteOrder.LITTLE_ENDIAN)
            .srcNid(JAVA_NID)
            .dstNid(KERNEL_NID)
            .srcPid(LNET_PID_LUSTRE)
            .dstPid(0)
            .srcIncarnation(0x1122334455667788L)
            .dstIncarnation(0)
            .ctype(SOCKLND_CONN_CONTROL)
            .nips(0);
        assertEquals(56, hello.length());
        assertEquals(clean(V3_HELLO), hex(out, 0, hello.length()));
    }

    @Test
    void shouldDecodeV3HelloOfSection15()
    {
        final HelloFlyweight hello = new HelloFlyweight().wrap(buffer(V3_HELLO), 0, 56);
        assertEquals(KSOCK_PROTO_V3, hello.version());
        assertEquals(ByteOrder.LITTLE_ENDIAN, hello.byteOrder());
        assertEquals(JAVA_NID, hello.srcNid());
        assertEquals(KERNEL_NID, hello.dstNid());
        assertEquals(LNET_PID_LUSTRE, hello.srcPid());
        assertEquals(0, hello.dstPid());
        assertEquals(0x1122334455667788L, hello.srcIncarnation());
        assertEquals(0, hello.dstIncarnation());
        assertEquals(SOCKLND_CONN_CONTROL, hello.ctype());
        assertEquals(0, hello.nips());
        assertEquals(56, hello.length());
        assertEquals("12345-10.0.0.2@tcp", hello.srcProcessId().toString());
    }

    @Test
    void shouldEncodeLargeNidExactlyAsSection15()
    {
        final int length = LargeNid.fromNid4(KERNEL_NID).encode(out, 0);
        assertEquals(20, length);
        assertEquals(clean(V4_NID), hex(out, 0, length));
        assertEquals(clean(V4_NID), encodeText("10.0.0.1@tcp"));
    }

    @Test
    void shouldDecodeLargeNidOfSection15()
    {
        final LargeNid nid = LargeNid.decode(buffer(V4_NID), 0, 20);
        assertEquals(0, nid.size());
        assertEquals(2, nid.type());
        assertEquals(0, nid.num());
        assertEquals(0x0A000001, nid.addrWord(0));
        assertTrue(nid.isNid4());
        assertEquals(KERNEL_NID, nid.toNid4());
        assertEquals("10.0.0.1@tcp", nid.toString());
    }

    @Test
    void shouldEncodeZcAckNoopForCookie272()
    {
        new KsockMsgFlyweight().wrapForEncode(out, 0, 24, ByteOrder.LITTLE_ENDIAN, KSOCK_MSG_NOOP).zcCookie1(272);
        assertEquals(clean(ZC_ACK_NOOP_272), hex(out, 0, 24));
        final KsockMsgFlyweight msg = new KsockMsgFlyweight().wrap(buffer(ZC_ACK_NOOP_272), 0, 24, ByteOrder.LITTLE_ENDIAN);
        assertTrue(msg.isNoop());
        assertEquals(0, msg.csum());
        assertEquals(0, msg.zcCookie0());
        assertEquals(272, msg.zcCookie1());
    }

    @Test
    void shouldEncodeKeepaliveNoop()
    {
        final int length = KsockMsgFlyweight.encode(
            out, 0, ByteOrder.LITTLE_ENDIAN, KSOCK_MSG_NOOP, 0, 0, WireConstants.SOCKNAL_KEEPALIVE_PING);
        assertEquals(clean(KEEPALIVE_NOOP), hex(out, 0, length));
        final KsockMsgFlyweight msg = new KsockMsgFlyweight().wrap(buffer(KEEPALIVE_NOOP), 0, 24, ByteOrder.LITTLE_ENDIAN);
        assertEquals(KSOCK_MSG_NOOP, msg.type());
        assertEquals(1, msg.zcCookie1());
    }

    @Test
    void shouldFrameV3LnetMessageAsKsockHeaderThenLittleEndianHeader()
    {
        final int ksock = KsockMsgFlyweight.encode(out, 0, ByteOrder.LITTLE_ENDIAN, KSOCK_MSG_LNET, 0, 0, 0);
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight()
            .wrapForEncode(out, ksock, out.capacity() - ksock, WireConstants.LNET_MSG_PUT)
            .destNid(KERNEL_NID)
            .srcNid(JAVA_NID)
            .destPid(LNET_PID_LUSTRE)
            .srcPid(LNET_PID_LUSTRE)
            .payloadLength(0);
        assertEquals(96, ksock + header.length());
        assertEquals("c1000000", hex(out, 0, 4));
        assertEquals(clean(NID4_LE), hex(out, 24, 8));
        assertEquals("01000000", hex(out, 24 + LnetHeaderFlyweight.TYPE_OFFSET, 4));
    }

    private String encodeText(final String text)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[20]);
        LargeNid.parse(text).encode(b, 0);
        return hex(b, 0, 20);
    }
}
