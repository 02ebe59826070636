package io.jsocklnd.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static io.jsocklnd.wire.WireConstants.LNET_PID_USERFLAG;
import static io.jsocklnd.wire.WireConstants.LOLND;
import static io.jsocklnd.wire.WireConstants.O2IBLND;
import static io.jsocklnd.wire.WireConstants.SOCKLND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NID, network and process id text as Lustre prints it ({@code libcfs_nid2str}, {@code libcfs_nidstr},
 * {@code libcfs_idstr}), parsed back, and malformed text refused with the text in the message.
 */
@Timeout(10)
class NidTextTest
{
    @Test
    void shouldParseAndFormatExamplesOfSection2()
    {
        assertEquals(0x00020000C0A8010AL, Nid.parse("192.168.1.10@tcp"));
        assertEquals(0x00020003C0A8010AL, Nid.parse("192.168.1.10@tcp3"));
        assertEquals("192.168.1.10@tcp", Nid.toString(0x00020000C0A8010AL));
        assertEquals("192.168.1.10@tcp3", Nid.toString(0x00020003C0A8010AL));
        assertEquals(SOCKLND, Nid.lndType(0x00020003C0A8010AL));
        assertEquals(3, Nid.netNum(0x00020003C0A8010AL));
        assertEquals(0xC0A8010A, Nid.addr(0x00020003C0A8010AL));
        assertEquals(0x00020003, Nid.net(0x00020003C0A8010AL));
    }

    @Test
    void shouldSpellLoopbackAndAny()
    {
        assertEquals(0x0009000000000000L, Nid.LO);
        assertEquals(Nid.LO, Nid.parse("0@lo"));
        assertEquals("0@lo", Nid.toString(Nid.LO));
        assertEquals(LOLND, Nid.lndType(Nid.LO));
        // A loopback NID with a network number still prints, but that text does not parse back.
        final long numberedLo = Nid.make(LOLND, 3602, 243529967);
        assertEquals("243529967@lo3602", Nid.toString(numberedLo));
        assertThrows(IllegalArgumentException.class, () -> Nid.parse("243529967@lo3602"));
        assertEquals("<?>", Nid.toString(Nid.ANY));
        assertEquals(Nid.ANY, Nid.parse("<?>"));
        assertEquals("<?>", LargeNid.ANY.toString());
        assertEquals(LargeNid.ANY, LargeNid.parse("<?>"));
        assertTrue(LargeNid.ANY.isAny());
    }

    @ParameterizedTest
    @CsvSource({
        "tcp, 2, 0", "tcp3, 2, 3", "tcp65535, 2, 65535", "o2ib, 5, 0", "o2ib1, 5, 1", "lo, 9, 0", "<7:0>, 7, 0",
        "<300:12>, 300, 12"})
    void shouldParseAndFormatNetworks(final String text, final int lnd, final int num)
    {
        final int net = Nid.parseNet(text);
        assertEquals(lnd, Nid.netType(net));
        assertEquals(num, Nid.netNumOfNet(net));
        assertEquals(text, Nid.netToString(net));
    }

    @Test
    void shouldPrintUnnamedLndLikeLustre()
    {
        final long nid = Nid.make(7, 0, 0x1f);
        assertEquals("1f@<7:0>", Nid.toString(nid));
        assertEquals(nid, Nid.parse("1f@<7:0>"));
        assertEquals("10.1.2.3@o2ib2", Nid.toString(Nid.make(O2IBLND, 2, 0x0A010203)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "@tcp", "1.2.3@tcp", "1.2.3.256@tcp", "1.2.3.4.5@tcp", "1..3.4@tcp", "1.2.3.4x@tcp", " 1.2.3.4@tcp",
        "1.2.3.4@tcp ", "1.2.3.4@", "1.2.3.4", "1.2.3.4@udp", "1.2.3.4@TCP", "1.2.3.4@tcp-1", "1.2.3.4@tcp65536",
        "1.2.3.4@tcp3x", "1.2.3.4@lo", "0@lo1", "x@lo", "1.2.3.4@tcp@tcp", "0001.2.3.4@tcp", "+1.2.3.4@tcp",
        "\u0661.2.3.4@tcp", "1@<2:0>", "1@<7>", "1@<7:>", "g@<7:0>", "1@<65535:65535>", "::1@tcp", "<?>@tcp"})
    void shouldRejectMalformedNid4Text(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Nid.parse(text));
        assertTrue(ex.getMessage().endsWith("text=" + text), ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp-1", "tcp 1", "lo0", "", "<1:2", "<a:2>", "<2:0>"})
    void shouldRejectMalformedNetText(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Nid.parseNet(text));
        assertTrue(ex.getMessage().contains("text=" + text), ex.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "2001:db8::1@tcp, 2001:db8::1@tcp",
        "2001:DB8:0:0:0:0:0:1@tcp2, 2001:db8::1@tcp2",
        "::@tcp, ::@tcp",
        "::1@tcp, ::1@tcp",
        "::ffff:10.0.0.1@tcp, ::ffff:10.0.0.1@tcp",
        "fe80::5efe:10.0.0.1@tcp, fe80::5efe:10.0.0.1@tcp",
        "fe80::200:5efe:a00:1@tcp, fe80::200:5efe:10.0.0.1@tcp",
        "2001:db8:0:0:1:0:0:1@tcp, 2001:db8::1:0:0:1@tcp",
        "1:0:0:2:0:0:0:3@tcp, 1:0:0:2::3@tcp",
        "2001:db8:0:1:1:1:1:1@tcp, 2001:db8:0:1:1:1:1:1@tcp",
        "1::@tcp, 1::@tcp",
        "1:2:3:4:5:6:7::@tcp, 1:2:3:4:5:6:7:0@tcp",
        "::2:3:4:5:6:7:8@tcp, 0:2:3:4:5:6:7:8@tcp",
        "::1.2.3.4@tcp, ::102:304@tcp"})
    void shouldFormatIpv6NidsAsTheKernelPrintsThem(final String input, final String printed)
    {
        final LargeNid nid = LargeNid.parse(input);
        assertEquals(LargeNid.SIZE_IPV6, nid.size());
        assertEquals(SOCKLND, nid.type());
        assertFalse(nid.isNid4());
        assertEquals(printed, nid.toString());
        assertEquals(nid, LargeNid.parse(printed));
    }

    @Test
    void shouldKeepIpv6AddressBytesInNetworkOrder()
    {
        final LargeNid nid = LargeNid.parse("2001:db8::a:b@tcp1");
        assertEquals(0x20010db8, nid.addrWord(0));
        assertEquals(0, nid.addrWord(1));
        assertEquals(0, nid.addrWord(2));
        assertEquals(0x000a000b, nid.addrWord(3));
        assertEquals(1, nid.num());
        final byte[] bytes = {0x20, 0x01, 0x0d, (byte)0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0x0b};
        assertEquals(nid, LargeNid.tcp6(bytes, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "2001:db8:::1@tcp", "2001:db8::1::2@tcp", "12345::1@tcp", "1:2:3:4:5:6:7:8:9@tcp", "1:2:3:4:5:6:7@tcp",
        "[::1]@tcp", "::1%eth0@tcp", "::1@o2ib", ":1::2@tcp", "1:@tcp", ":@tcp", "::g@tcp", "1:2:3:4:5:6:7:1.2.3.4@tcp",
        "::1.2.3@tcp", "::1.2.3.4:5@tcp", "::\uff11@tcp", "1:2:3:4:5:6:7:8::@tcp"})
    void shouldRejectMalformedIpv6Text(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> LargeNid.parse(text));
        assertTrue(ex.getMessage().endsWith("text=" + text), ex.getMessage());
    }

    @Test
    void shouldParseIpv4LargeNidLikeNid4()
    {
        final LargeNid nid = LargeNid.parse("10.0.0.1@tcp");
        assertEquals(LargeNid.tcp4(0x0A000001, 0), nid);
        assertEquals(Nid.parse("10.0.0.1@tcp"), nid.toNid4());
        assertEquals(LargeNid.fromNid4(Nid.LO), LargeNid.parse("0@lo"));
    }

    @Test
    void shouldPrintUnnamedLargeNidAsHexWords()
    {
        final LargeNid nid = LargeNid.of(8, 7, 3, 0xa, 0xb, 0xc, 0);
        assertEquals("a:b:c@<7:3>", nid.toString());
        assertEquals(nid, LargeNid.parse("a:b:c@<7:3>"));
        assertThrows(IllegalArgumentException.class, () -> LargeNid.parse("1:2:3:4:5@<7:3>"));
        assertThrows(IllegalArgumentException.class, () -> LargeNid.parse("1@<255:0>"));
        assertThrows(IllegalArgumentException.class, () -> LargeNid.parse("1@<300:0>"));
        assertEquals(Nid.make(300, 0, 1), Nid.parse("1@<300:0>"));
    }

    @Test
    void shouldPrintAndParseProcessIds()
    {
        final ProcessId kernel = ProcessId.ofNid4(Nid.parse("10.0.0.1@tcp"), LNET_PID_LUSTRE);
        assertEquals("12345-10.0.0.1@tcp", kernel.toString());
        assertEquals(kernel, ProcessId.parse("12345-10.0.0.1@tcp"));
        assertEquals(Nid.parse("10.0.0.1@tcp"), kernel.nid4());
        assertFalse(kernel.isUserspace());

        final ProcessId user = new ProcessId(LargeNid.parse("2001:db8::1@tcp"), LNET_PID_USERFLAG | 4242);
        assertEquals("U4242-2001:db8::1@tcp", user.toString());
        assertEquals(user, ProcessId.parse(user.toString()));
        assertTrue(user.isUserspace());

        final ProcessId any = ProcessId.ofNid4(Nid.LO, LNET_PID_ANY);
        assertEquals("LNET_PID_ANY-0@lo", any.toString());
        assertEquals(any, ProcessId.parse(any.toString()));
        assertFalse(any.isUserspace());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x-10.0.0.1@tcp", "12345-", "12345-foo", "-10.0.0.1@tcp", "U-10.0.0.1@tcp",
        "12345 10.0.0.1@tcp", "2147483648-10.0.0.1@tcp", "99999999999-10.0.0.1@tcp"})
    void shouldRejectMalformedProcessIds(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> ProcessId.parse(text));
        assertTrue(ex.getMessage().contains("text=" + text), ex.getMessage());
    }
}
