package io.jsocklnd.lnd;

import io.jsocklnd.wire.KsockChecksum;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;

/**
 * Builds the byte stream a peer sends on one connection after the hello, message by message, in a protocol
 * version and byte order, with or without {@code ksm_csum}; and the events an {@link RxHarness} logs for it when
 * every payload is delivered whole.
 */
final class RxStreams
{
    static final long SRC_NID = Nid.parse("127.0.90.2@tcp");
    static final long DST_NID = Nid.parse("127.0.90.1@tcp");

    private final SocklndProtocol proto;
    private final ByteOrder order;
    private final boolean checksums;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<String> expected = new ArrayList<>();
    private final KsockChecksum csum = new KsockChecksum();
    private long matchBits;

    /**
     * @param version   1, 2 or 3.
     * @param order     byte order of the ksock headers.
     * @param checksums whether ksock headers carry the checksum of their message (V2: all of it, V3: its payload).
     */
    RxStreams(final int version, final ByteOrder order, final boolean checksums)
    {
        this.proto = Protocols.forVersion(version);
        this.order = order;
        this.checksums = checksums;
    }

    SocklndProtocol proto()
    {
        return proto;
    }

    ByteOrder order()
    {
        return order;
    }

    /**
     * A NOOP (V2 and later).
     *
     * @param cookie0 {@code ksm_zc_cookies[0]}.
     * @param cookie1 {@code ksm_zc_cookies[1]}, an ACK when not 0.
     * @return this.
     */
    RxStreams noop(final long cookie0, final long cookie1)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[KsockMsgFlyweight.LENGTH]);
        append(message, KSOCK_MSG_NOOP, cookie0, cookie1);
        if (cookie1 != 0)
        {
            expected.add(RxHarness.ackEvent(true, cookie0, cookie1));
        }
        return this;
    }

    /**
     * An LNET message; its match bits count the messages.
     *
     * @param type      LNet message type.
     * @param zcCookie  ZC request cookie, 0 for none.
     * @param ackCookie piggybacked ACK, 0 for none.
     * @param payload   the payload.
     * @return this.
     */
    RxStreams message(final int type, final long zcCookie, final long ackCookie, final byte[] payload)
    {
        final int framing = proto.framingLength();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[framing + LnetHeaderFlyweight.LENGTH + payload.length]);
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight()
            .wrapForEncode(message, framing, LnetHeaderFlyweight.LENGTH, type)
            .destNid(DST_NID)
            .srcNid(SRC_NID)
            .destPid(12345)
            .srcPid(12345)
            .payloadLength(payload.length)
            .matchBits(++matchBits);
        message.putBytes(framing + LnetHeaderFlyweight.LENGTH, payload);
        if (framing > 0)
        {
            append(message, KSOCK_MSG_LNET, zcCookie, ackCookie);
            if (ackCookie != 0)
            {
                expected.add(RxHarness.ackEvent(false, zcCookie, ackCookie));
            }
        }
        else
        {
            bytes.writeBytes(message.byteArray());
        }
        expected.add(RxHarness.headerEvent(header));
        expected.add(RxHarness.payloadEvent(payload.length, payload.length, crc(payload)));
        if (zcCookie != 0 && framing > 0)
        {
            expected.add(RxHarness.zcRequestEvent(zcCookie));
        }
        return this;
    }

    /**
     * Bytes as they are, e.g. damage.
     *
     * @param raw the bytes.
     * @return this.
     */
    RxStreams raw(final byte[] raw)
    {
        bytes.writeBytes(raw);
        return this;
    }

    int length()
    {
        return bytes.size();
    }

    byte[] bytes()
    {
        return bytes.toByteArray();
    }

    /**
     * @return the events of the messages so far, each payload delivered whole.
     */
    List<String> expected()
    {
        return new ArrayList<>(expected);
    }

    /**
     * A payload of {@code length} bytes that differ from one message to the next.
     *
     * @param length its length.
     * @param seed   what makes it differ.
     * @return the bytes.
     */
    static byte[] payload(final int length, final int seed)
    {
        final byte[] payload = new byte[length];
        new Random(seed).nextBytes(payload);
        return payload;
    }

    static int crc(final byte[] bytes)
    {
        final CRC32 crc = new CRC32();
        crc.update(bytes);
        return (int)crc.getValue();
    }

    /**
     * The checksum of a whole message as its protocol checks it: V2 over all of it, V3 over the payload alone
     * (a NOOP: the empty sum).
     */
    private int checksum(final UnsafeBuffer message)
    {
        if (!proto.checksumsPayloadOnly())
        {
            return csum.computeV2(message, 0, message.capacity());
        }
        final int payloadStart = Math.min(message.capacity(), KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH);
        return csum.reset().update(message, payloadStart, message.capacity() - payloadStart).value();
    }

    private void append(final UnsafeBuffer message, final int type, final long cookie0, final long cookie1)
    {
        KsockMsgFlyweight.encode(message, 0, order, type, 0, cookie0, cookie1);
        if (checksums)
        {
            message.putInt(KsockMsgFlyweight.KSM_CSUM_OFFSET, checksum(message), order);
        }
        bytes.writeBytes(message.byteArray());
    }
}
