package io.jsocklnd.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;
import static io.jsocklnd.wire.WireConstants.LNET_MAX_PAYLOAD;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_MAGIC;
import static io.jsocklnd.wire.WireConstants.LOLND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded randomized round trips of every structure in both byte orders: encode then decode gives the fields
 * back, decode then encode gives the bytes back (in canonical form where the encoder writes zeros), and a
 * big-endian sender decodes to the same fields as a little-endian one. The seed is printed; rerun one with
 * {@code -Djsocklnd.test.seed=N}.
 */
@Timeout(60)
class RoundTripTest
{
    private static final int ROUNDS = Integer.getInteger("jsocklnd.roundtrip.rounds", 2_000);
    private static final ByteOrder[] ORDERS = {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN};
    private static long seed;

    private final UnsafeBuffer a = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer b = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer c = new UnsafeBuffer(new byte[256]);

    @BeforeAll
    static void chooseSeed()
    {
        final String fixed = System.getProperty("jsocklnd.test.seed");
        seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println("RoundTripTest seed=" + seed + " (rerun with -Djsocklnd.test.seed=" + seed + ")");
    }

    private static Random random(final String test)
    {
        return new Random(seed ^ test.hashCode());
    }

    private static String ctx(final int round)
    {
        return "seed=" + seed + " round=" + round;
    }

    static long randomNid4(final Random r)
    {
        long nid;
        do
        {
            switch (r.nextInt(3))
            {
                case 0:
                    nid = Nid.tcp(r.nextInt(), r.nextInt(4));
                    break;
                case 1:
                    nid = Nid.make(r.nextInt(0x10000), r.nextInt(0x10000), r.nextInt());
                    break;
                default:
                    nid = r.nextLong();
                    break;
            }
        }
        while (nid == Nid.ANY);
        return nid;
    }

    static LargeNid randomLargeNid(final Random r)
    {
        switch (r.nextInt(3))
        {
            case 0:
                return LargeNid.tcp4(r.nextInt(), r.nextInt(8));
            case 1:
            {
                final byte[] ip6 = new byte[16];
                r.nextBytes(ip6);
                return LargeNid.tcp6(ip6, r.nextInt(8));
            }
            default:
                return LargeNid.of(r.nextInt(256), r.nextInt(255), r.nextInt(0x10000), r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt());
        }
    }

    @Test
    void shouldRoundTripConnreqInBothOrders()
    {
        final Random r = random("connreq");
        final AcceptorRequestFlyweight le = new AcceptorRequestFlyweight();
        final AcceptorRequestFlyweight be = new AcceptorRequestFlyweight();
        for (int i = 0; i < ROUNDS; i++)
        {
            final boolean v2 = r.nextBoolean();
            final long nid4 = randomNid4(r);
            final LargeNid nid = randomLargeNid(r);
            final int n = v2 ? AcceptorRequestFlyweight.encodeV2(a, 0, nid, ByteOrder.LITTLE_ENDIAN)
                : AcceptorRequestFlyweight.encodeV1(a, 0, nid4, ByteOrder.LITTLE_ENDIAN);
            final int m = v2 ? AcceptorRequestFlyweight.encodeV2(b, 0, nid, ByteOrder.BIG_ENDIAN)
                : AcceptorRequestFlyweight.encodeV1(b, 0, nid4, ByteOrder.BIG_ENDIAN);
            assertEquals(n, m);
            assertEquals(n, AcceptorRequestFlyweight.requiredLength(a, 0, 8), ctx(i));
            le.wrap(a, 0, n);
            be.wrap(b, 0, m);
            assertEquals(ByteOrder.LITTLE_ENDIAN, le.byteOrder());
            assertEquals(ByteOrder.BIG_ENDIAN, be.byteOrder());
            assertEquals(v2 ? nid : LargeNid.fromNid4(nid4), le.nid(), ctx(i));
            assertEquals(le.nid(), be.nid(), ctx(i));
            assertEquals(le.nid4(), be.nid4(), ctx(i));
            assertEquals(le.version(), be.version(), ctx(i));
            for (final AcceptorRequestFlyweight in : new AcceptorRequestFlyweight[] {le, be})
            {
                final int k = Reencode.connreq(in, c, 0);
                assertEquals(n, k);
                assertTrue(sameBytes(in == le ? a : b, c, k), ctx(i));
            }
        }
    }

    @Test
    void shouldRoundTripHellosOfEveryVersionInBothOrders()
    {
        final Random r = random("hello");
        final HelloFlyweight enc = new HelloFlyweight();
        final HelloFlyweight le = new HelloFlyweight();
        final HelloFlyweight be = new HelloFlyweight();
        for (int i = 0; i < ROUNDS; i++)
        {
            final int version = 1 + r.nextInt(4);
            final int nips = version == KSOCK_PROTO_V4 ? 0 : r.nextInt(17);
            final int[] ips = new int[nips];
            for (int k = 0; k < nips; k++)
            {
                ips[k] = r.nextInt() | (1 << r.nextInt(32));
            }
            final long srcNid4 = randomNid4(r);
            final long dstNid4 = randomNid4(r);
            final LargeNid srcNid = randomLargeNid(r);
            final LargeNid dstNid = randomLargeNid(r);
            final int srcPid = r.nextInt();
            final int dstPid = r.nextInt();
            final long srcInc = r.nextLong();
            final long dstInc = r.nextLong();
            final int ctype = r.nextInt(5) - 1;

            final UnsafeBuffer[] targets = {a, b};
            for (int o = 0; o < 2; o++)
            {
                enc.wrapForEncode(targets[o], 0, targets[o].capacity(), version, ORDERS[o])
                    .srcPid(srcPid).dstPid(dstPid).srcIncarnation(srcInc).dstIncarnation(dstInc).ctype(ctype).nips(nips);
                if (version == KSOCK_PROTO_V4)
                {
                    enc.srcNid(srcNid).dstNid(dstNid);
                }
                else
                {
                    enc.srcNid(srcNid4).dstNid(dstNid4);
                }
                for (int k = 0; k < nips; k++)
                {
                    enc.ip(k, ips[k]);
                }
            }
            final int length = enc.length();
            assertEquals(length, HelloFlyweight.requiredLength(a, 0, HelloFlyweight.fixedLength(version)), ctx(i));
            le.wrap(a, 0, length);
            be.wrap(b, 0, length);

            assertEquals(version, le.version(), ctx(i));
            assertEquals(ByteOrder.LITTLE_ENDIAN, le.byteOrder());
            assertEquals(version == KSOCK_PROTO_V1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN, be.byteOrder());
            assertEquals(version == KSOCK_PROTO_V4 ? srcNid : LargeNid.fromNid4(srcNid4), le.srcLargeNid(), ctx(i));
            if (version == KSOCK_PROTO_V1)
            {
                assertEquals(Nid.ANY, le.dstNid());
                assertEquals(0, le.dstIncarnation());
            }
            else
            {
                assertEquals(version == KSOCK_PROTO_V4 ? dstNid : LargeNid.fromNid4(dstNid4), le.dstLargeNid(), ctx(i));
                assertEquals(dstInc, le.dstIncarnation(), ctx(i));
            }
            assertEquals(srcPid, le.srcPid(), ctx(i));
            assertEquals(dstPid, le.dstPid(), ctx(i));
            assertEquals(srcInc, le.srcIncarnation(), ctx(i));
            assertEquals(ctype, le.ctype(), ctx(i));
            assertEquals(nips, le.nips(), ctx(i));
            for (int k = 0; k < nips; k++)
            {
                assertEquals(ips[k], le.ip(k), ctx(i));
            }
            assertSameHelloFields(le, be, ctx(i));

            for (final HelloFlyweight in : new HelloFlyweight[] {le, be})
            {
                final int k = Reencode.hello(in, c, 0);
                assertEquals(length, k);
                assertTrue(sameBytes(in == le ? a : b, c, k), ctx(i));
            }
        }
    }

    @Test
    void shouldSwapBothNidsOfFlippedV2AndV3Hellos()
    {
        final long src = Nid.parse("10.0.0.2@tcp");
        final long dst = Nid.parse("10.0.0.1@tcp3");
        final HelloFlyweight hello = new HelloFlyweight()
            .wrapForEncode(a, 0, 56, WireConstants.KSOCK_PROTO_V3, ByteOrder.BIG_ENDIAN).srcNid(src).dstNid(dst);
        assertEquals("45726963", WireTestBytes.hex(a, 0, 4));
        assertEquals("000200000a000002", WireTestBytes.hex(a, HelloFlyweight.KSHM_SRC_NID_OFFSET, 8));
        assertEquals("000200030a000001", WireTestBytes.hex(a, HelloFlyweight.KSHM_DST_NID_OFFSET, 8));
        hello.wrap(a, 0, 56);
        assertEquals(src, hello.srcNid());
        assertEquals(dst, hello.dstNid());
    }

    @Test
    void shouldLayV1HelloOverTheNid4HeaderUnion()
    {
        final Random r = random("v1-union");
        for (int i = 0; i < ROUNDS; i++)
        {
            final long src = randomNid4(r);
            final long incarnation = r.nextLong();
            final int ctype = r.nextInt(4);
            final int pid = r.nextInt();
            new HelloFlyweight().wrapForEncode(a, 0, 72, KSOCK_PROTO_V1, ByteOrder.BIG_ENDIAN)
                .srcNid(src).srcPid(pid).srcIncarnation(incarnation).ctype(ctype);
            b.setMemory(0, 72, (byte)0);
            new LnetHeaderFlyweight().wrapForEncode(b, 0, 72, WireConstants.LNET_MSG_HELLO)
                .srcNid(src).srcPid(pid).helloIncarnation(incarnation).helloType(ctype);
            b.putInt(0, LNET_PROTO_TCP_MAGIC, ByteOrder.LITTLE_ENDIAN);
            b.putShort(4, (short)1, ByteOrder.LITTLE_ENDIAN);
            assertTrue(sameBytes(a, b, 72), ctx(i));
        }
    }

    @Test
    void shouldDecodeThenEncodeRandomValidHelloBytes()
    {
        final Random r = random("hello-bytes");
        final HelloFlyweight hello = new HelloFlyweight();
        for (int i = 0; i < ROUNDS; i++)
        {
            final int version = 1 + r.nextInt(4);
            final ByteOrder order = version == KSOCK_PROTO_V1 ? ByteOrder.LITTLE_ENDIAN : ORDERS[r.nextInt(2)];
            final int nips = version == KSOCK_PROTO_V4 ? 0 : r.nextInt(17);
            final int fixed = HelloFlyweight.fixedLength(version);
            final byte[] bytes = new byte[fixed + 4 * nips];
            r.nextBytes(bytes);
            final UnsafeBuffer in = new UnsafeBuffer(bytes);
            if (version == KSOCK_PROTO_V1)
            {
                in.putInt(0, LNET_PROTO_TCP_MAGIC, ByteOrder.LITTLE_ENDIAN);
                in.putInt(4, 1, ByteOrder.LITTLE_ENDIAN);
                in.putInt(HelloFlyweight.V1_TYPE_OFFSET, WireConstants.LNET_MSG_HELLO, ByteOrder.LITTLE_ENDIAN);
                in.putInt(HelloFlyweight.V1_PAYLOAD_LENGTH_OFFSET, 4 * nips + r.nextInt(4), ByteOrder.LITTLE_ENDIAN);
                in.putLong(HelloFlyweight.V1_SRC_NID_OFFSET, randomNid4(r), order);
            }
            else
            {
                in.putInt(0, LNET_PROTO_MAGIC, order);
                in.putInt(4, version, order);
                if (version == KSOCK_PROTO_V4)
                {
                    in.putInt(HelloFlyweight.V4_NIPS_OFFSET, 0, order);
                    in.putByte(HelloFlyweight.V4_SRC_NID_OFFSET + LargeNid.NID_TYPE_OFFSET, (byte)r.nextInt(255));
                }
                else
                {
                    in.putInt(HelloFlyweight.KSHM_NIPS_OFFSET, nips, order);
                    in.putLong(HelloFlyweight.KSHM_SRC_NID_OFFSET, randomNid4(r), order);
                }
            }
            for (int k = 0; k < nips; k++)
            {
                in.putInt(fixed + 4 * k, r.nextInt() | 1, order);
            }
            hello.wrap(in, 0, bytes.length);
            final int n = Reencode.hello(hello, c, 0);
            final byte[] expected = bytes.clone();
            Reencode.canonicalHello(expected, version);
            assertEquals(expected.length, n, ctx(i));
            assertArrayEquals(expected, copy(c, n), ctx(i));
        }
    }

    @Test
    void shouldRoundTripKsockHeadersInBothOrders()
    {
        final Random r = random("ksock");
        final KsockMsgFlyweight le = new KsockMsgFlyweight();
        final KsockMsgFlyweight be = new KsockMsgFlyweight();
        for (int i = 0; i < ROUNDS; i++)
        {
            final int type = r.nextBoolean() ? KSOCK_MSG_NOOP : KSOCK_MSG_LNET;
            final int csum = r.nextInt();
            final long c0 = r.nextLong();
            final long c1 = r.nextLong();
            KsockMsgFlyweight.encode(a, 0, ByteOrder.LITTLE_ENDIAN, type, csum, c0, c1);
            KsockMsgFlyweight.encode(b, 0, ByteOrder.BIG_ENDIAN, type, csum, c0, c1);
            le.wrap(a, 0, 24, ByteOrder.LITTLE_ENDIAN);
            be.wrap(b, 0, 24, ByteOrder.BIG_ENDIAN);
            for (final KsockMsgFlyweight m : new KsockMsgFlyweight[] {le, be})
            {
                assertEquals(type, m.type(), ctx(i));
                assertEquals(csum, m.csum(), ctx(i));
                assertEquals(c0, m.zcCookie0(), ctx(i));
                assertEquals(c1, m.zcCookie1(), ctx(i));
                Reencode.ksock(m, c, 0);
                assertTrue(sameBytes(m == le ? a : b, c, 24), ctx(i));
            }
        }
    }

    @Test
    void shouldRoundTripNid4LnetHeaders()
    {
        final Random r = random("lnet");
        final LnetHeaderFlyweight header = new LnetHeaderFlyweight();
        for (int i = 0; i < ROUNDS; i++)
        {
            final byte[] bytes = new byte[LnetHeaderFlyweight.LENGTH];
            r.nextBytes(bytes);
            final UnsafeBuffer in = new UnsafeBuffer(bytes);
            final int type = r.nextInt(4);
            in.putInt(LnetHeaderFlyweight.TYPE_OFFSET, type, ByteOrder.LITTLE_ENDIAN);
            in.putInt(LnetHeaderFlyweight.PAYLOAD_LENGTH_OFFSET, validPayload(r, type), ByteOrder.LITTLE_ENDIAN);
            header.wrap(in, 0, bytes.length);
            assertEquals(in.getLong(0, ByteOrder.LITTLE_ENDIAN), header.destNid());
            assertEquals(in.getLong(8, ByteOrder.LITTLE_ENDIAN), header.srcNid());
            assertEquals(in.getLong(LnetHeaderFlyweight.MSG_OFFSET, ByteOrder.LITTLE_ENDIAN), header.wmdInterfaceCookie());
            final int n = Reencode.lnet(header, c, 0);
            final byte[] expected = bytes.clone();
            Reencode.canonicalLnet(expected, LnetHeaderFlyweight.MSG_OFFSET, type);
            assertArrayEquals(expected, copy(c, n), ctx(i));
            header.wrap(c, 0, n);
            assertEquals(type, header.type(), ctx(i));
        }
    }

    @Test
    void shouldRoundTripNid16LnetHeaders()
    {
        final Random r = random("lnet16");
        final LnetHeader16Flyweight header = new LnetHeader16Flyweight();
        for (int i = 0; i < ROUNDS; i++)
        {
            final byte[] bytes = new byte[LnetHeader16Flyweight.LENGTH];
            r.nextBytes(bytes);
            final UnsafeBuffer in = new UnsafeBuffer(bytes);
            final int type = r.nextInt(4);
            in.putInt(LnetHeader16Flyweight.TYPE_OFFSET, type, ByteOrder.LITTLE_ENDIAN);
            in.putInt(LnetHeader16Flyweight.PAYLOAD_LENGTH_OFFSET, validPayload(r, type), ByteOrder.LITTLE_ENDIAN);
            header.wrap(in, 0, bytes.length);
            assertTrue(header.destNidEquals(LargeNid.decode(in, 0)), ctx(i));
            assertTrue(header.srcNidEquals(LargeNid.decode(in, 20)), ctx(i));
            final int n = Reencode.lnet16(header, c, 0);
            final byte[] expected = bytes.clone();
            Reencode.canonicalLnet(expected, LnetHeader16Flyweight.MSG_OFFSET, type);
            assertArrayEquals(expected, copy(c, n), ctx(i));
        }
    }

    @Test
    void shouldPlaceNid16UnionFieldsTwentyFourBytesAfterNid4Ones()
    {
        final Random r = random("shift");
        for (int i = 0; i < ROUNDS; i++)
        {
            final int type = r.nextInt(4);
            final LnetHeaderFlyweight h4 = new LnetHeaderFlyweight().wrapForEncode(a, 0, 72, type);
            final LnetHeader16Flyweight h16 = new LnetHeader16Flyweight().wrapForEncode(b, 0, 96, type);
            final int pid = r.nextInt();
            final long bits = r.nextLong();
            final int word = r.nextInt();
            h4.srcPid(pid).matchBits(bits).putOffset(word);
            h16.srcPid(pid).matchBits(bits).putOffset(word);
            assertArrayEquals(Arrays.copyOfRange(a.byteArray(), 16, 72), Arrays.copyOfRange(b.byteArray(), 40, 96), ctx(i));
        }
        assertEquals(72, LnetHeader16Flyweight.MSG_OFFSET + LnetHeader.MATCH_BITS_OFFSET);
        assertEquals(80, LnetHeader16Flyweight.MSG_OFFSET + LnetHeader.PUT_HDR_DATA_OFFSET);
        assertEquals(88, LnetHeader16Flyweight.MSG_OFFSET + LnetHeader.PUT_PTL_INDEX_OFFSET);
        assertEquals(92, LnetHeader16Flyweight.MSG_OFFSET + LnetHeader.PUT_OFFSET_OFFSET);
        assertEquals(84, LnetHeader16Flyweight.MSG_OFFSET + LnetHeader.GET_SRC_OFFSET_OFFSET);
        assertEquals(80, LnetHeader16Flyweight.MSG_OFFSET + LnetHeader.ACK_MLENGTH_OFFSET);
    }

    @Test
    void shouldRoundTripLargeNidBytesAndNid4Conversion()
    {
        final Random r = random("largenid");
        final byte[] x = new byte[20];
        final byte[] y = new byte[20];
        for (int i = 0; i < ROUNDS; i++)
        {
            r.nextBytes(x);
            r.nextBytes(y);
            if (r.nextInt(8) == 0)
            {
                System.arraycopy(x, 0, y, 0, 20 - r.nextInt(3));
            }
            final LargeNid nx = LargeNid.decode(new UnsafeBuffer(x), 0, 20);
            final LargeNid ny = LargeNid.decode(new UnsafeBuffer(y), 0, 20);
            nx.encode(c, 0);
            assertArrayEquals(x, copy(c, 20), ctx(i));
            assertTrue(nx.equalsAt(new UnsafeBuffer(x), 0));
            assertEquals(Integer.signum(Arrays.compareUnsigned(x, y)), Integer.signum(nx.compareTo(ny)), ctx(i));
            assertEquals(Arrays.equals(x, y), nx.equals(ny), ctx(i));
            assertEquals(nx.toNid4(), LargeNid.toNid4(new UnsafeBuffer(x), 0), ctx(i));

            final long nid4 = randomNid4(r);
            final LargeNid converted = LargeNid.fromNid4(nid4);
            assertTrue(converted.isNid4());
            // nid_type is one byte: an LND type whose low byte is 0xFF reads back as ANY, as in lnet_nid_to_nid4.
            final long expected = (Nid.lndType(nid4) & 0xFF) == 0xFF ? Nid.ANY
                : Nid.make(Nid.lndType(nid4) & 0xFF, Nid.netNum(nid4), Nid.addr(nid4));
            assertEquals(expected, converted.toNid4(), ctx(i));
        }
        assertEquals(Nid.ANY, LargeNid.fromNid4(Nid.ANY).toNid4());
    }

    @Test
    void shouldOrderIpv4LargeNidsLikeUnsignedNid4()
    {
        final Random r = random("order");
        for (int i = 0; i < ROUNDS; i++)
        {
            final long x = Nid.make(r.nextInt(256), r.nextInt(0x10000), r.nextInt());
            final long y = r.nextBoolean() ? x + r.nextInt(3) - 1 : Nid.make(r.nextInt(256), r.nextInt(0x10000), r.nextInt());
            assertEquals(Integer.signum(Long.compareUnsigned(x, y)),
                Integer.signum(LargeNid.fromNid4(x).compareTo(LargeNid.fromNid4(y))), ctx(i));
        }
    }

    @Test
    void shouldRoundTripNidText()
    {
        final Random r = random("text");
        for (int i = 0; i < ROUNDS; i++)
        {
            final long nid = randomNid4(r);
            final String text = Nid.toString(nid);
            if (Nid.lndType(nid) == LOLND && Nid.netNum(nid) != 0)
            {
                // Formatting prints "lo<N>", but a loopback network takes no number when parsed (as in Lustre).
                assertThrows(IllegalArgumentException.class, () -> Nid.parse(text), ctx(i) + " text=" + text);
            }
            else if (Nid.net(nid) != -1)
            {
                assertEquals(nid, Nid.parse(text), ctx(i) + " text=" + text);
            }
            final LargeNid large = randomLargeNid(r);
            final String largeText = large.toString();
            final LargeNid parsed;
            try
            {
                parsed = LargeNid.parse(largeText);
            }
            catch (final IllegalArgumentException ex)
            {
                assertTrue(large.type() == 2 || large.type() == 5 || large.type() == 9 || large.net() == -1, ctx(i) + " " + ex);
                continue;
            }
            assertEquals(largeText, parsed.toString(), ctx(i));
            if (large.type() == 2 && (large.size() == 0 || large.size() == 12) && (large.size() != 0 || large.addrWord(1) == 0))
            {
                assertEquals(large, parsed, ctx(i) + " text=" + largeText);
            }
        }
    }

    @Test
    void shouldComputeChecksumAsInvertedCrc32()
    {
        final Random r = random("csum");
        final KsockChecksum csum = new KsockChecksum();
        for (int i = 0; i < 200; i++)
        {
            final byte[] message = new byte[24 + r.nextInt(3000)];
            r.nextBytes(message);
            final CRC32 crc = new CRC32();
            crc.update(message, 0, 4);
            crc.update(new byte[4]);
            crc.update(message, 8, message.length - 8);
            final int expected = (int)~crc.getValue();
            assertEquals(expected, csum.computeV2(new UnsafeBuffer(message), 0, message.length), ctx(i));
            final UnsafeBuffer direct = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(message.length));
            direct.putBytes(0, message);
            assertEquals(expected, csum.computeV2(direct, 0, message.length), ctx(i));
        }
    }

    private static int validPayload(final Random r, final int type)
    {
        if (type == LNET_MSG_PUT || type == LNET_MSG_REPLY)
        {
            return r.nextInt(LNET_MAX_PAYLOAD + 1);
        }
        assertTrue(type == LNET_MSG_GET || type == 0);
        return 0;
    }

    private static void assertSameHelloFields(final HelloFlyweight x, final HelloFlyweight y, final String ctx)
    {
        assertEquals(x.version(), y.version(), ctx);
        assertEquals(x.srcLargeNid(), y.srcLargeNid(), ctx);
        assertEquals(x.dstLargeNid(), y.dstLargeNid(), ctx);
        assertEquals(x.srcNid(), y.srcNid(), ctx);
        assertEquals(x.dstNid(), y.dstNid(), ctx);
        assertEquals(x.srcPid(), y.srcPid(), ctx);
        assertEquals(x.dstPid(), y.dstPid(), ctx);
        assertEquals(x.srcIncarnation(), y.srcIncarnation(), ctx);
        assertEquals(x.dstIncarnation(), y.dstIncarnation(), ctx);
        assertEquals(x.ctype(), y.ctype(), ctx);
        assertEquals(x.nips(), y.nips(), ctx);
        assertEquals(x.length(), y.length(), ctx);
        for (int k = 0; k < x.nips(); k++)
        {
            assertEquals(x.ip(k), y.ip(k), ctx);
        }
        if (x.version() != KSOCK_PROTO_V1)
        {
            assertNotEquals(x.byteOrder(), y.byteOrder(), ctx);
        }
    }

    private static boolean sameBytes(final UnsafeBuffer x, final UnsafeBuffer y, final int length)
    {
        return Arrays.equals(copy(x, length), copy(y, length));
    }

    private static byte[] copy(final UnsafeBuffer buffer, final int length)
    {
        final byte[] out = new byte[length];
        buffer.getBytes(0, out, 0, length);
        return out;
    }
}
