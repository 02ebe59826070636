package io.jsocklnd.lnd;

import io.jsocklnd.wire.Nid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ZcProbe}: the rule that turns measured figures into the mode AUTO stands for, with given figures,
 * and the probe itself over a real loopback connection.
 */
@Timeout(30)
class ZcProbeTest
{
    private static final NodeConfig.ZcMode COPY = NodeConfig.ZcMode.COPY;
    private static final NodeConfig.ZcMode SPLICE = NodeConfig.ZcMode.SPLICE;
    private static final NodeConfig.ZcMode MSG_ZEROCOPY = NodeConfig.ZcMode.MSG_ZEROCOPY;

    private static ZcProbe.Measurement m(final NodeConfig.ZcMode mode, final double gbit, final double cpu)
    {
        return new ZcProbe.Measurement(mode, gbit, cpu);
    }

    @Test
    void shouldTakeTheFastestZeroCopyPathOnLoopbackWhenItBeatsCopyingByTheMargin()
    {
        // Figures of a host where vmsplice+splice outran send (71-79 against 44-57 Gbit/s).
        assertEquals(SPLICE,
            ZcProbe.decide(true, List.of(m(COPY, 50, 0.2), m(SPLICE, 75, 0.1), m(MSG_ZEROCOPY, 40, 0.1))));
        assertEquals(MSG_ZEROCOPY,
            ZcProbe.decide(true, List.of(m(COPY, 20, 0.2), m(SPLICE, 15, 0.1), m(MSG_ZEROCOPY, 23, 0.1))));
    }

    @Test
    void shouldCopyOnLoopbackWhenZeroCopyIsSlowerOrWithinTheMargin()
    {
        // Figures of a host where send outran every zero-copy path.
        assertEquals(COPY,
            ZcProbe.decide(true, List.of(m(COPY, 28, 0.3), m(SPLICE, 15, 0.1), m(MSG_ZEROCOPY, 14, 0.1))));
        // 9 % faster is within the margin: a copied send completes without waiting for the ZC-ACK.
        assertEquals(COPY, ZcProbe.decide(true, List.of(m(COPY, 100, 0.3), m(SPLICE, 109, 0.1))));
        assertEquals(SPLICE, ZcProbe.decide(true, List.of(m(COPY, 100, 0.3), m(SPLICE, 111, 0.1))));
    }

    @Test
    void shouldDecideByTheSendersCpuPerGibOffLoopback()
    {
        // Throughput over loopback says nothing of a NIC: the sender's own CPU per GiB decides.
        assertEquals(MSG_ZEROCOPY,
            ZcProbe.decide(false, List.of(m(COPY, 50, 0.30), m(SPLICE, 20, 0.20), m(MSG_ZEROCOPY, 10, 0.05))));
        assertEquals(SPLICE, ZcProbe.decide(false, List.of(m(COPY, 50, 0.30), m(SPLICE, 20, 0.20))));
        assertEquals(COPY,
            ZcProbe.decide(false, List.of(m(COPY, 50, 0.30), m(SPLICE, 60, 0.28), m(MSG_ZEROCOPY, 10, 0.40))));
    }

    @Test
    void shouldCopyWhenNoZeroCopyPathWasMeasuredAndGiveNoAnswerWithoutFigures()
    {
        assertEquals(COPY, ZcProbe.decide(true, List.of(m(COPY, 10, 0.3))));
        assertEquals(COPY, ZcProbe.decide(false, List.of(m(COPY, 10, 0.3))));
        assertNull(ZcProbe.decide(true, List.of()));
        assertNull(ZcProbe.decide(false, List.of(m(SPLICE, 10, 0.3))));
    }

    @Test
    void shouldTellLoopbackNidsFromOthers()
    {
        assertTrue(ZcProbe.isLoopback(Nid.parse("127.0.0.1@tcp")));
        assertTrue(ZcProbe.isLoopback(Nid.parse("127.0.94.7@tcp1")));
        assertFalse(ZcProbe.isLoopback(Nid.parse("10.1.2.3@tcp")));
        assertFalse(ZcProbe.isLoopback(Nid.parse("128.0.0.1@tcp")));
    }

    @Test
    void shouldMeasureEveryPathThisKernelOffersOverRealSockets() throws Exception
    {
        final List<ZcProbe.Measurement> figures = ZcProbe.measure();
        assertEquals(COPY, figures.get(0).mode(), figures::toString);
        for (final ZcProbe.Measurement figure : figures)
        {
            assertTrue(figure.gbitPerSecond() > 0, figures::toString);
            assertTrue(figure.senderCpuSPerGiB() >= 0 && figure.senderCpuSPerGiB() < 1000, figures::toString);
        }
        final boolean splice = ZeroCopyWriter.bestAvailable() == ZeroCopyWriter.Mode.SPLICE;
        assertEquals(splice, figures.stream().anyMatch(f -> f.mode() == SPLICE), figures::toString);
        for (final boolean loopback : new boolean[]{true, false})
        {
            final NodeConfig.ZcMode mode = ZcProbe.decide(loopback, figures);
            assertNotNull(mode);
            assertNotEquals(NodeConfig.ZcMode.AUTO, mode);
        }
    }

    @Test
    void shouldProbeOncePerProcess()
    {
        final List<ZcProbe.Measurement> first = ZcProbe.measured();
        assertFalse(first.isEmpty(), "the probe ran over loopback");
        assertSame(first, ZcProbe.measured());
    }
}
