package io.jsocklnd.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V2;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V3;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static io.jsocklnd.wire.WireConstants.LNET_PID_USERFLAG;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireTestBytes.buffer;
import static io.jsocklnd.wire.WireTestBytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden vectors cut from the two captures in {@code shared/pcaps} ({@code tshark -T fields -e tcp.payload}),
 * decoded field by field against a hand reading of the bytes, then re-encoded from the decoded fields and
 * compared byte for byte.
 */
@Timeout(10)
class CaptureVectorsTest
{
    /** ndpi_lustre.pcapng frame 4: connreq from 192.168.88.132:1022 to 192.168.88.131:988. */
    static final String NDPI_CONNREQ = "0071ceac010000008358a8c000000200";
    /** ndpi_lustre.pcapng frame 6: the active side's V3 hello, BULK_IN. */
    static final String NDPI_HELLO_ACTIVE = "63697245030000008458a8c0000002008358a8c0000002003930000000000000" +
        "f0ee59a00882f01700000000000000000200000000000000";
    /** ndpi_lustre.pcapng frame 8: the passive side's reply, BULK_OUT. */
    static final String NDPI_HELLO_PASSIVE = "63697245030000008358a8c0000002008458a8c0000002003930000000000000" +
        "22b18f960b82f01700000000000000000300000000000000";
    /** ndpi_lustre.pcapng frame 10: an LNet ACK (ksock header + nid4 header). */
    static final String NDPI_ACK = "c10000000000000000000000000000000000000000000000" +
        "7758a8c0000002007658a8c000000200393000003930000000000000000000005" +
        "64db811adccf117dd61000000000000000000000000008030000000000000000000000000000000";
    /** ndpi_lustre.pcapng frame 9: first 96 bytes of a PUT carrying an MGS_CONNECT request (payload 520). */
    static final String NDPI_PUT = "c10000000000000000000000000000000000000000000000" +
        "7758a8c0000002007658a8c0000002003930000039300000010000000802000" +
        "0ffffffffffffffffffffffffffffffff400000e2756d060000000000000000001a00000000000000";

    /** lnet_oracle_synth.pcap frame 6: V2 hello from a userspace PID, ctype ANY. */
    static final String SYNTH_V2_HELLO = "6369724502000000010aa8c000000200020aa8c0000002009210008039300000" +
        "f6e5d4c3b2a1e81700000000000000000000000000000000";
    /** lnet_oracle_synth.pcap frame 8: V2 reply echoing the peer's PID and incarnation. */
    static final String SYNTH_V2_REPLY = "6369724502000000020aa8c000000200010aa8c00000020039300000921000800" +
        "100d4c3b2a1e817f6e5d4c3b2a1e8170000000000000000";
    /** lnet_oracle_synth.pcap frame 76: V3 hello on tcp7 with one IP. */
    static final String SYNTH_V3_HELLO_NIPS1 = "63697245030000000302010a070002000402010a07000200921000803930000" +
        "0f6e5d4c3b2a1e817000000000000000003000000010000000302010a";
    /** lnet_oracle_synth.pcap frame 10: PUT with ZC request cookie 42. */
    static final String SYNTH_PUT_ZC = "c1000000000000002a000000000000000000000000000000020aa8c000000200010a" +
        "a8c0000002003930000092100080010000000000000044443333222211118888777766665555efbeadde00000000efcdab8967452" +
        "3010400000000000000";
    /** lnet_oracle_synth.pcap frame 12: NOOP ACK of cookie 42. */
    static final String SYNTH_NOOP_ACK = "c00000000000000000000000000000002a00000000000000";
    /** lnet_oracle_synth.pcap frame 14: GET with a checksum and a piggybacked ACK of cookie 43. */
    static final String SYNTH_GET = "c10000007856341200000000000000002b00000000000000020aa8c000000200010aa8c0" +
        "0000020039300000921000800200000000000000ddddccccbbbbaaaa0201000000000000eeffc000000000000a00000000020000" +
        "0010000000000000";
    /** lnet_oracle_synth.pcap frame 66: ACK of the PUT, mlength 8192. */
    static final String SYNTH_ACK = "c10000000000000000000000000000000000000000000000010aa8c000000200020aa8c" +
        "0000002009210008039300000000000000000000044443333222211118888777766665555efbeadde00000000002000000000000" +
        "00000000000000000";
    /** lnet_oracle_synth.pcap frame 16, first 96 bytes: REPLY of 70000 bytes. */
    static final String SYNTH_REPLY = "c10000000000000000000000000000000000000000000000010aa8c000000200020aa8" +
        "c00000020092100080393000000300000070110100ddddccccbbbbaaaa0201000000000000000000000000000000000000000000" +
        "000000000000000000";
    /** lnet_oracle_synth.pcap frame 82: NOOP acknowledging the range 5..7. */
    static final String SYNTH_NOOP_RANGE = "c00000000000000005000000000000000700000000000000";
    /** lnet_oracle_synth.pcap frame 84: keepalive NOOP. */
    static final String SYNTH_KEEPALIVE = "c00000000000000000000000000000000100000000000000";
    /** lnet_oracle_synth.pcap frame 94: a NOOP ACK of cookie 9 and an LNET PUT in one segment. */
    static final String SYNTH_NOOP_THEN_PUT = "c00000000000000000000000000000000900000000000000" +
        "c100000000000000000000000000000000000000000000000402010a070002000302010a070002003930000092100080" +
        "010000000000000000000000000000000000000000000000420000000000000000000000000000000800000000000000";

    private static final long NID_88_131 = Nid.parse("192.168.88.131@tcp");
    private static final long NID_88_132 = Nid.parse("192.168.88.132@tcp");
    private static final long NID_10_1 = Nid.parse("192.168.10.1@tcp");
    private static final long NID_10_2 = Nid.parse("192.168.10.2@tcp");
    private static final int USER_PID = LNET_PID_USERFLAG | 4242;

    private final UnsafeBuffer out = new UnsafeBuffer(new byte[512]);

    @Test
    void shouldDecodeRealConnreqAndReencodeIt()
    {
        final AcceptorRequestFlyweight connreq = new AcceptorRequestFlyweight().wrap(buffer(NDPI_CONNREQ), 0, 16);
        assertEquals(1, connreq.version());
        assertEquals(ByteOrder.LITTLE_ENDIAN, connreq.byteOrder());
        assertEquals(0x00020000C0A85883L, connreq.nid4());
        assertEquals("192.168.88.131@tcp", Nid.toString(connreq.nid4()));

        final int length = AcceptorRequestFlyweight.encodeV1(out, 0, connreq.nid4(), connreq.byteOrder());
        assertEquals(NDPI_CONNREQ, hex(out, 0, length));
    }

    @Test
    void shouldDecodeRealActiveHelloAndReencodeIt()
    {
        final HelloFlyweight hello = new HelloFlyweight().wrap(buffer(NDPI_HELLO_ACTIVE), 0, 56);
        assertEquals(KSOCK_PROTO_V3, hello.version());
        assertEquals(ByteOrder.LITTLE_ENDIAN, hello.byteOrder());
        assertEquals(NID_88_132, hello.srcNid());
        assertEquals(NID_88_131, hello.dstNid());
        assertEquals(LNET_PID_LUSTRE, hello.srcPid());
        assertEquals(0, hello.dstPid());
        assertEquals(0x17F08208A059EEF0L, hello.srcIncarnation());
        assertEquals(0, hello.dstIncarnation());
        assertEquals(SOCKLND_CONN_BULK_IN, hello.ctype());
        assertEquals(0, hello.nips());
        assertEquals(NDPI_HELLO_ACTIVE, reencodeHello(hello));
    }

    @Test
    void shouldDecodeRealPassiveReplyWithInverseTypeAndReencodeIt()
    {
        final HelloFlyweight hello = new HelloFlyweight().wrap(buffer(NDPI_HELLO_PASSIVE), 0, 56);
        assertEquals(KSOCK_PROTO_V3, hello.version());
        assertEquals(NID_88_131, hello.srcNid());
        assertEquals(NID_88_132, hello.dstNid());
        assertEquals(LNET_PID_LUSTRE, hello.srcPid());
        assertEquals(0, hello.dstPid());
        assertEquals(0x17F0820B968FB122L, hello.srcIncarnation());
        assertEquals(0, hello.dstIncarnation());
        assertEquals(SOCKLND_CONN_BULK_OUT, hello.ctype());
        assertEquals(NDPI_HELLO_PASSIVE, reencodeHello(hello));
    }

    @Test
    void shouldDecodeRealLnetAckAndReencodeIt()
    {
        final UnsafeBuffer in = buffer(NDPI_ACK);
        final KsockMsgFlyweight ksock = new KsockMsgFlyweight().wrap(in, 0, in.capacity(), ByteOrder.LITTLE_ENDIAN);
        assertTrue(ksock.isLnet());
        assertEquals(0, ksock.csum());
        assertEquals(0, ksock.zcCookie0());
        assertEquals(0, ksock.zcCookie1());

        final LnetHeaderFlyweight header = new LnetHeaderFlyweight().wrap(in, 24, in.capacity() - 24);
        assertEquals(Nid.parse("192.168.88.119@tcp"), header.destNid());
        assertEquals(Nid.parse("192.168.88.118@tcp"), header.srcNid());
        assertEquals(LNET_PID_LUSTRE, header.destPid());
        assertEquals(LNET_PID_LUSTRE, header.srcPid());
        assertEquals(LNET_MSG_ACK, header.type());
        assertEquals(0, header.payloadLength());
        assertEquals(0x17F1CCAD11B84D56L, header.wmdInterfaceCookie());
        assertEquals(0x61DDL, header.wmdObjectCookie());
        assertEquals(WireConstants.LNET_PROTO_PING_MATCHBITS, header.matchBits());
        assertEquals(48, header.ackMlength());
        assertEquals(72, header.messageLength());

        assertEquals(NDPI_ACK, reencodeLnet(ksock, header));
    }

    @Test
    void shouldDecodeRealPutHeaderAndReencodeIt()
    {
        final UnsafeBuffer in = buffer(NDPI_PUT);
        final KsockMsgFlyweight ksock = new KsockMsgFlyweight().wrap(in, 0, in.capacity(), ByteOrder.LITTLE_ENDIAN);
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight().wrap(in, 24, in.capacity() - 24);
        assertEquals(LNET_MSG_PUT, header.type());
        assertEquals(520, header.payloadLength());
        assertEquals(72 + 520, header.messageLength());
        assertEquals(-1L, header.wmdInterfaceCookie());
        assertEquals(-1L, header.wmdObjectCookie());
        assertEquals(0x00066D75E2000040L, header.matchBits());
        assertEquals(0, header.putHdrData());
        assertEquals(26, header.putPtlIndex());
        assertEquals(0, header.putOffset());
        assertEquals(NDPI_PUT, reencodeLnet(ksock, header));
    }

    @Test
    void shouldDecodeSyntheticV2HelloFromUserspacePid()
    {
        final HelloFlyweight hello = new HelloFlyweight().wrap(buffer(SYNTH_V2_HELLO), 0, 56);
        assertEquals(KSOCK_PROTO_V2, hello.version());
        assertEquals(NID_10_1, hello.srcNid());
        assertEquals(NID_10_2, hello.dstNid());
        assertEquals(USER_PID, hello.srcPid());
        assertTrue(hello.srcProcessId().isUserspace());
        assertEquals("U4242-192.168.10.1@tcp", hello.srcProcessId().toString());
        assertEquals(LNET_PID_LUSTRE, hello.dstPid());
        assertEquals(0x17E8A1B2C3D4E5F6L, hello.srcIncarnation());
        assertEquals(0, hello.dstIncarnation());
        assertEquals(SOCKLND_CONN_ANY, hello.ctype());
        assertEquals(SYNTH_V2_HELLO, reencodeHello(hello));
    }

    @Test
    void shouldDecodeSyntheticV2ReplyEchoingPeer()
    {
        final HelloFlyweight hello = new HelloFlyweight().wrap(buffer(SYNTH_V2_REPLY), 0, 56);
        assertEquals(NID_10_2, hello.srcNid());
        assertEquals(NID_10_1, hello.dstNid());
        assertEquals(LNET_PID_LUSTRE, hello.srcPid());
        assertEquals(USER_PID, hello.dstPid());
        assertEquals(0x17E8A1B2C3D40001L, hello.srcIncarnation());
        assertEquals(0x17E8A1B2C3D4E5F6L, hello.dstIncarnation());
        assertEquals(SYNTH_V2_REPLY, reencodeHello(hello));
    }

    @Test
    void shouldDecodeSyntheticV3HelloWithOneIp()
    {
        final UnsafeBuffer in = buffer(SYNTH_V3_HELLO_NIPS1);
        assertEquals(60, HelloFlyweight.requiredLength(in, 0, 56));
        final HelloFlyweight hello = new HelloFlyweight().wrap(in, 0, in.capacity());
        assertEquals(KSOCK_PROTO_V3, hello.version());
        assertEquals("10.1.2.3@tcp7", Nid.toString(hello.srcNid()));
        assertEquals("10.1.2.4@tcp7", Nid.toString(hello.dstNid()));
        assertEquals(USER_PID, hello.srcPid());
        assertEquals(LNET_PID_LUSTRE, hello.dstPid());
        assertEquals(SOCKLND_CONN_BULK_OUT, hello.ctype());
        assertEquals(1, hello.nips());
        assertEquals(0x0A010203, hello.ip(0));
        assertEquals(60, hello.length());
        assertEquals(SYNTH_V3_HELLO_NIPS1, reencodeHello(hello));
    }

    @Test
    void shouldDecodeSyntheticPutWithZcRequest()
    {
        final UnsafeBuffer in = buffer(SYNTH_PUT_ZC);
        final KsockMsgFlyweight ksock = new KsockMsgFlyweight().wrap(in, 0, in.capacity(), ByteOrder.LITTLE_ENDIAN);
        assertEquals(KSOCK_MSG_LNET, ksock.type());
        assertEquals(42, ksock.zcCookie0());
        assertEquals(0, ksock.zcCookie1());
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight().wrap(in, 24, in.capacity() - 24);
        assertEquals(NID_10_2, header.destNid());
        assertEquals(NID_10_1, header.srcNid());
        assertEquals(LNET_PID_LUSTRE, header.destPid());
        assertEquals(USER_PID, header.srcPid());
        assertEquals(LNET_MSG_PUT, header.type());
        assertEquals(0, header.payloadLength());
        assertEquals(0x1111222233334444L, header.wmdInterfaceCookie());
        assertEquals(0x5555666677778888L, header.wmdObjectCookie());
        assertEquals(0xDEADBEEFL, header.matchBits());
        assertEquals(0x0123456789ABCDEFL, header.putHdrData());
        assertEquals(4, header.putPtlIndex());
        assertEquals(0, header.putOffset());
        assertEquals(SYNTH_PUT_ZC, reencodeLnet(ksock, header));
    }

    @Test
    void shouldDecodeSyntheticGetWithChecksumAndPiggybackedAck()
    {
        final UnsafeBuffer in = buffer(SYNTH_GET);
        final KsockMsgFlyweight ksock = new KsockMsgFlyweight().wrap(in, 0, in.capacity(), ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x12345678, ksock.csum());
        assertEquals(0, ksock.zcCookie0());
        assertEquals(43, ksock.zcCookie1());
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight().wrap(in, 24, in.capacity() - 24);
        assertEquals(LNET_MSG_GET, header.type());
        assertEquals(0xAAAABBBBCCCCDDDDL, header.wmdInterfaceCookie());
        assertEquals(0x0102L, header.wmdObjectCookie());
        assertEquals(0xC0FFEEL, header.matchBits());
        assertEquals(10, header.getPtlIndex());
        assertEquals(512, header.getSrcOffset());
        assertEquals(4096, header.getSinkLength());
        assertEquals(SYNTH_GET, reencodeLnet(ksock, header));
    }

    @Test
    void shouldDecodeSyntheticAckAndReply()
    {
        final UnsafeBuffer ackIn = buffer(SYNTH_ACK);
        final KsockMsgFlyweight ksock = new KsockMsgFlyweight().wrap(ackIn, 0, 96, ByteOrder.LITTLE_ENDIAN);
        final LnetHeaderFlyweight ack = new LnetHeaderFlyweight().wrap(ackIn, 24, 72);
        assertEquals(LNET_MSG_ACK, ack.type());
        assertEquals(USER_PID, ack.destPid());
        assertEquals(0x1111222233334444L, ack.wmdInterfaceCookie());
        assertEquals(0xDEADBEEFL, ack.matchBits());
        assertEquals(8192, ack.ackMlength());
        assertEquals(SYNTH_ACK, reencodeLnet(ksock, ack));

        final UnsafeBuffer replyIn = buffer(SYNTH_REPLY);
        final KsockMsgFlyweight replyKsock = new KsockMsgFlyweight().wrap(replyIn, 0, 96, ByteOrder.LITTLE_ENDIAN);
        final LnetHeaderFlyweight reply = new LnetHeaderFlyweight().wrap(replyIn, 24, 72);
        assertEquals(LNET_MSG_REPLY, reply.type());
        assertEquals(70000, reply.payloadLength());
        assertEquals(0xAAAABBBBCCCCDDDDL, reply.wmdInterfaceCookie());
        assertEquals(0x0102L, reply.wmdObjectCookie());
        assertEquals(SYNTH_REPLY, reencodeLnet(replyKsock, reply));
    }

    @Test
    void shouldDecodeSyntheticNoops()
    {
        final KsockMsgFlyweight ack = new KsockMsgFlyweight().wrap(buffer(SYNTH_NOOP_ACK), 0, 24, ByteOrder.LITTLE_ENDIAN);
        assertTrue(ack.isNoop());
        assertEquals(0, ack.zcCookie0());
        assertEquals(42, ack.zcCookie1());

        final KsockMsgFlyweight range = new KsockMsgFlyweight().wrap(buffer(SYNTH_NOOP_RANGE), 0, 24, ByteOrder.LITTLE_ENDIAN);
        assertEquals(5, range.zcCookie0());
        assertEquals(7, range.zcCookie1());
        assertTrue(range.zcCookie0() < range.zcCookie1(), "a < b means an inclusive range");

        final KsockMsgFlyweight keepalive = new KsockMsgFlyweight().wrap(buffer(SYNTH_KEEPALIVE), 0, 24, ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, keepalive.zcCookie0());
        assertEquals(WireConstants.SOCKNAL_KEEPALIVE_PING, keepalive.zcCookie1());

        for (final String noop : new String[] {SYNTH_NOOP_ACK, SYNTH_NOOP_RANGE, SYNTH_KEEPALIVE})
        {
            final KsockMsgFlyweight in = new KsockMsgFlyweight().wrap(buffer(noop), 0, 24, ByteOrder.LITTLE_ENDIAN);
            final int n = KsockMsgFlyweight.encode(
                out, 0, ByteOrder.LITTLE_ENDIAN, in.type(), in.csum(), in.zcCookie0(), in.zcCookie1());
            assertEquals(noop, hex(out, 0, n));
        }
    }

    @Test
    void shouldSplitNoopAndLnetMessageSharingOneSegment()
    {
        final UnsafeBuffer in = buffer(SYNTH_NOOP_THEN_PUT);
        final KsockMsgFlyweight msg = new KsockMsgFlyweight();
        msg.wrap(in, 0, in.capacity(), ByteOrder.LITTLE_ENDIAN);
        assertTrue(msg.isNoop());
        assertEquals(9, msg.zcCookie1());

        msg.wrap(in, 24, in.capacity() - 24, ByteOrder.LITTLE_ENDIAN);
        assertFalse(msg.isNoop());
        final LnetHeaderFlyweight put = new LnetHeaderFlyweight().wrap(in, 48, in.capacity() - 48);
        assertEquals(LNET_MSG_PUT, put.type());
        assertEquals(0x42, put.matchBits());
        assertEquals(8, put.putPtlIndex());
        assertEquals(in.capacity(), 24 + 24 + put.messageLength());
    }

    @Test
    void shouldReadDetectedVersionsOfEveryCapturedHello()
    {
        assertEquals(KSOCK_PROTO_V3, HelloFlyweight.detectVersion(buffer(NDPI_HELLO_ACTIVE), 0, 8));
        assertEquals(KSOCK_PROTO_V2, HelloFlyweight.detectVersion(buffer(SYNTH_V2_HELLO), 0, 8));
        assertEquals(56, HelloFlyweight.requiredLength(buffer(NDPI_HELLO_PASSIVE), 0, 56));
    }

    private String reencodeHello(final HelloFlyweight in)
    {
        return hex(out, 0, Reencode.hello(in, out, 0));
    }

    private String reencodeLnet(final KsockMsgFlyweight ksock, final LnetHeaderFlyweight in)
    {
        final int n = Reencode.ksock(ksock, out, 0);
        return hex(out, 0, n + Reencode.lnet(in, out, n));
    }
}
