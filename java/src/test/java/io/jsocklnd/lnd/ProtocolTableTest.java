package io.jsocklnd.lnd;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;

import static io.jsocklnd.lnd.SocklndProtocol.MATCH_MAYBE;
import static io.jsocklnd.lnd.SocklndProtocol.MATCH_NO;
import static io.jsocklnd.lnd.SocklndProtocol.MATCH_YES;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The protocol tables against PROTOCOL.md §7.3 (which connection a send may use) and §5.1 (framing).
 */
@Timeout(10)
class ProtocolTableTest
{
    private static final int MIN_BULK = 1024;
    private static final int SMALL = 24 + 72 + 100;
    private static final int LARGE = 24 + 72 + 4096;
    private static final int NOOP = 24;

    @Test
    void shouldMatchV1AndV2LikeKsocknalMatchTx()
    {
        for (final SocklndProtocol p : new SocklndProtocol[]{ProtocolV1.INSTANCE, ProtocolV2.INSTANCE})
        {
            assertEquals(MATCH_YES, p.match(SOCKLND_CONN_ANY, SMALL, false, MIN_BULK), p.toString());
            assertEquals(MATCH_MAYBE, p.match(SOCKLND_CONN_BULK_IN, LARGE, false, MIN_BULK), p.toString());
            assertEquals(MATCH_YES, p.match(SOCKLND_CONN_BULK_OUT, LARGE, false, MIN_BULK), p.toString());
            assertEquals(MATCH_MAYBE, p.match(SOCKLND_CONN_BULK_OUT, SMALL, false, MIN_BULK), p.toString());
            assertEquals(MATCH_YES, p.match(SOCKLND_CONN_CONTROL, SMALL, false, MIN_BULK), p.toString());
            assertEquals(MATCH_MAYBE, p.match(SOCKLND_CONN_CONTROL, LARGE, false, MIN_BULK), p.toString());
            assertEquals(MATCH_YES, p.match(SOCKLND_CONN_CONTROL, NOOP, true, MIN_BULK),
                "V1/V2 ignore the non-blocking flag: " + p);
        }
    }

    @Test
    void shouldMatchV3LikeKsocknalMatchTxV3()
    {
        final SocklndProtocol p = ProtocolV3.INSTANCE;
        for (final int nob : new int[]{NOOP, SMALL, LARGE})
        {
            assertEquals(MATCH_NO, p.match(SOCKLND_CONN_ANY, nob, false, MIN_BULK), "V3 never uses ANY");
            assertEquals(MATCH_NO, p.match(SOCKLND_CONN_ANY, nob, true, MIN_BULK), "V3 never uses ANY");
        }
        assertEquals(MATCH_YES, p.match(SOCKLND_CONN_BULK_IN, NOOP, true, MIN_BULK), "ZC-ACK on the ACK conn");
        assertEquals(MATCH_NO, p.match(SOCKLND_CONN_BULK_OUT, NOOP, true, MIN_BULK));
        assertEquals(MATCH_NO, p.match(SOCKLND_CONN_CONTROL, NOOP, true, MIN_BULK));

        assertEquals(MATCH_MAYBE, p.match(SOCKLND_CONN_BULK_IN, NOOP, false, MIN_BULK));
        assertEquals(MATCH_MAYBE, p.match(SOCKLND_CONN_BULK_OUT, NOOP, false, MIN_BULK));
        assertEquals(MATCH_YES, p.match(SOCKLND_CONN_CONTROL, NOOP, false, MIN_BULK));

        assertEquals(MATCH_NO, p.match(SOCKLND_CONN_BULK_IN, SMALL, false, MIN_BULK), "no LNET on BULK_IN");
        assertEquals(MATCH_NO, p.match(SOCKLND_CONN_BULK_IN, LARGE, false, MIN_BULK), "no LNET on BULK_IN");
        assertEquals(MATCH_YES, p.match(SOCKLND_CONN_BULK_OUT, LARGE, false, MIN_BULK));
        assertEquals(MATCH_MAYBE, p.match(SOCKLND_CONN_BULK_OUT, SMALL, false, MIN_BULK));
        assertEquals(MATCH_YES, p.match(SOCKLND_CONN_CONTROL, SMALL, false, MIN_BULK));
        assertEquals(MATCH_MAYBE, p.match(SOCKLND_CONN_CONTROL, LARGE, false, MIN_BULK));
    }

    @Test
    void shouldInvertConnectionTypes()
    {
        assertEquals(SOCKLND_CONN_CONTROL, SocklndProtocol.invertType(SOCKLND_CONN_CONTROL));
        assertEquals(SOCKLND_CONN_ANY, SocklndProtocol.invertType(SOCKLND_CONN_ANY));
        assertEquals(SOCKLND_CONN_BULK_OUT, SocklndProtocol.invertType(SOCKLND_CONN_BULK_IN));
        assertEquals(SOCKLND_CONN_BULK_IN, SocklndProtocol.invertType(SOCKLND_CONN_BULK_OUT));
        assertEquals(SOCKLND_CONN_NONE, SocklndProtocol.invertType(4));
        assertEquals(SOCKLND_CONN_NONE, SocklndProtocol.invertType(SOCKLND_CONN_NONE));
    }

    @Test
    void shouldPackKsockHeaderLittleEndianWithCookies()
    {
        final Tx tx = new Tx().lnet();
        tx.cookies().set(0x1122, 0x3344);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[24]);
        assertEquals(24, ProtocolV3.INSTANCE.packFraming(tx, buffer, 0, ByteOrder.LITTLE_ENDIAN));
        assertArrayEquals(new byte[]{
            (byte)0xc1, 0, 0, 0, 0, 0, 0, 0,
            0x22, 0x11, 0, 0, 0, 0, 0, 0,
            0x44, 0x33, 0, 0, 0, 0, 0, 0}, buffer.byteArray());

        final Tx noop = new Tx().noop(272);
        ProtocolV2.INSTANCE.packFraming(noop, buffer, 0, ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(new byte[]{
            (byte)0xc0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0,
            0x10, 0x01, 0, 0, 0, 0, 0, 0}, buffer.byteArray(), "PROTOCOL.md §15 ZC-ACK NOOP for cookie 272");
    }

    @Test
    void shouldFrameV1WithoutKsockHeaderAndRefuseNoopsAndAcks()
    {
        final SocklndProtocol v1 = ProtocolV1.INSTANCE;
        assertEquals(0, v1.framingLength());
        assertEquals(SocklndProtocol.RX_START_LNET_HEADER, v1.rxStartState());
        assertFalse(v1.zcCapable());
        assertFalse(v1.keepaliveDefined());
        assertEquals(0, v1.packFraming(new Tx().lnet(), new UnsafeBuffer(new byte[0]), 0, ByteOrder.LITTLE_ENDIAN));
        assertThrows(IllegalStateException.class,
            () -> v1.packFraming(new Tx().noop(5), new UnsafeBuffer(new byte[24]), 0, ByteOrder.LITTLE_ENDIAN));
        assertThrows(IllegalStateException.class, () -> v1.queueAck(new TxQueue(), SOCKLND_CONN_CONTROL, new Tx().noop(5)));
    }

    @Test
    void shouldBatchAcksOnlyOnV3AckConnection()
    {
        final TxQueue ackConn = new TxQueue();
        assertFalse(ProtocolV3.INSTANCE.queueAck(ackConn, SOCKLND_CONN_BULK_IN, new Tx().noop(10)));
        assertTrue(ProtocolV3.INSTANCE.queueAck(ackConn, SOCKLND_CONN_BULK_IN, new Tx().noop(11)));
        assertEquals(1, ackConn.size());
        assertEquals(11, ackConn.head().cookies().cookie0());
        assertEquals(10, ackConn.head().cookies().cookie1());

        final TxQueue control = new TxQueue();
        assertFalse(ProtocolV3.INSTANCE.queueAck(control, SOCKLND_CONN_CONTROL, new Tx().noop(10)));
        assertFalse(ProtocolV3.INSTANCE.queueAck(control, SOCKLND_CONN_CONTROL, new Tx().noop(11)));
        assertEquals(2, control.size(), "one cookie per NOOP off the ACK connection");

        final TxQueue v2 = new TxQueue();
        assertFalse(ProtocolV2.INSTANCE.queueAck(v2, SOCKLND_CONN_BULK_IN, new Tx().noop(10)));
        assertFalse(ProtocolV2.INSTANCE.queueAck(v2, SOCKLND_CONN_BULK_IN, new Tx().noop(11)));
        assertEquals(2, v2.size(), "V2 never batches");
    }

    @Test
    void shouldLookUpTablesByVersion()
    {
        assertSame(ProtocolV1.INSTANCE, Protocols.forVersion(1));
        assertSame(ProtocolV2.INSTANCE, Protocols.forVersion(2));
        assertSame(ProtocolV3.INSTANCE, Protocols.forVersion(3));
        assertNull(Protocols.forVersion(4));
        assertNull(Protocols.forVersion(0));
    }
}
