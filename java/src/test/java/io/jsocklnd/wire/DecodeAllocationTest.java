package io.jsocklnd.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding the per-message structures (ksock header, both LNet header forms) and the hello and connreq scalar
 * fields allocates nothing, measured with the JVM's per-thread allocation counter.
 */
@Timeout(30)
class DecodeAllocationTest
{
    private static final int ROUNDS = 200_000;
    /** Slack for the counter's own bookkeeping; a single allocation per round would be megabytes. */
    private static final long SLACK_BYTES = 64 * 1024;

    @Test
    void shouldDecodeWithoutAllocating()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final UnsafeBuffer msg = WireTestBytes.buffer(CaptureVectorsTest.SYNTH_PUT_ZC);
        final UnsafeBuffer hello = WireTestBytes.buffer(CaptureVectorsTest.SYNTH_V3_HELLO_NIPS1);
        final UnsafeBuffer connreq = WireTestBytes.buffer(CaptureVectorsTest.NDPI_CONNREQ);
        final UnsafeBuffer msg16 = new UnsafeBuffer(new byte[96]);
        final LargeNid dst = LargeNid.parse("2001:db8::1@tcp");
        new LnetHeader16Flyweight().wrapForEncode(msg16, 0, 96, WireConstants.LNET_MSG_GET).destNid(dst);

        final KsockMsgFlyweight ksock = new KsockMsgFlyweight();
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight();
        final LnetHeader16Flyweight header16 = new LnetHeader16Flyweight();
        final HelloFlyweight helloFw = new HelloFlyweight();
        final AcceptorRequestFlyweight connreqFw = new AcceptorRequestFlyweight();

        long sum = decodeAll(msg, hello, connreq, msg16, dst, ksock, header, header16, helloFw, connreqFw, ROUNDS);
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        sum += decodeAll(msg, hello, connreq, msg16, dst, ksock, header, header16, helloFw, connreqFw, ROUNDS);
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

        assertTrue(allocated < SLACK_BYTES, "allocated=" + allocated + " rounds=" + ROUNDS + " checksum=" + sum);
    }

    private static long decodeAll(
        final UnsafeBuffer msg,
        final UnsafeBuffer hello,
        final UnsafeBuffer connreq,
        final UnsafeBuffer msg16,
        final LargeNid dst,
        final KsockMsgFlyweight ksock,
        final LnetHeaderFlyweight header,
        final LnetHeader16Flyweight header16,
        final HelloFlyweight helloFw,
        final AcceptorRequestFlyweight connreqFw,
        final int rounds)
    {
        long sum = 0;
        for (int i = 0; i < rounds; i++)
        {
            ksock.wrap(msg, 0, msg.capacity(), ByteOrder.LITTLE_ENDIAN);
            sum += ksock.type() + ksock.zcCookie0() + ksock.zcCookie1() + ksock.csum();
            header.wrap(msg, 24, msg.capacity() - 24);
            sum += header.destNid() + header.srcNid() + header.payloadLength() + header.matchBits() + header.putHdrData();
            header16.wrap(msg16, 0, 96);
            sum += header16.type() + (header16.destNidEquals(dst) ? 1 : 0) + LargeNid.toNid4(msg16, 20);
            helloFw.wrap(hello, 0, hello.capacity());
            sum += helloFw.srcNid() + helloFw.srcIncarnation() + helloFw.ctype() + helloFw.ip(0) + helloFw.length();
            sum += HelloFlyweight.requiredLength(hello, 0, hello.capacity());
            connreqFw.wrap(connreq, 0, connreq.capacity());
            sum += connreqFw.nid4() + connreqFw.version();
        }
        return sum;
    }
}
