package io.jsocklnd.lnd;

import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NodeConfig#conclude()}: what it refuses (each message naming the settings and values), what it
 * resolves, that the result does not depend on the order of the setter calls, that a concluded config
 * refuses setters, and that a node started with settings in conflict opens nothing.
 */
@Timeout(30)
class NodeConfigTest
{
    private static final String REFUSED_IP = "127.0.77.1";
    private static final String RUNNING_IP = "127.0.77.2";
    private static final String REFUSED_LNET_IP = "127.0.77.3";

    /** A named change of settings. */
    private record Step(String name, UnaryOperator<NodeConfig> change)
    {
        public String toString()
        {
            return name;
        }
    }

    private static Step step(final String name, final UnaryOperator<NodeConfig> change)
    {
        return new Step(name, change);
    }

    static Stream<Arguments> refusals()
    {
        final UnaryOperator<NodeConfig> badRings = c -> c.ringCapacities(1000, 1024);
        return Stream.of(
            Arguments.of("loopback NID", (UnaryOperator<NodeConfig>)c -> c.nid("0@lo"), List.of("nid=0@lo")),
            Arguments.of("o2ib NID", (UnaryOperator<NodeConfig>)c -> c.nid("10.0.0.1@o2ib"),
                List.of("nid=10.0.0.1@o2ib")),
            Arguments.of("port 0", (UnaryOperator<NodeConfig>)c -> c.port(0), List.of("port=0")),
            Arguments.of("port 65536", (UnaryOperator<NodeConfig>)c -> c.port(65536), List.of("port=65536")),
            Arguments.of("port 0 without an acceptor",
                (UnaryOperator<NodeConfig>)c -> c.port(0).acceptMode(NodeConfig.AcceptMode.NONE), List.of("port=0")),
            Arguments.of("no accept mode", (UnaryOperator<NodeConfig>)c -> c.acceptMode(null),
                List.of("acceptMode=null")),
            Arguments.of("no threading mode", (UnaryOperator<NodeConfig>)c -> c.threadingMode(null),
                List.of("threadingMode=null")),
            Arguments.of("no ZC mode", (UnaryOperator<NodeConfig>)c -> c.zcMode(null), List.of("zcMode=null")),
            Arguments.of("protocol 3, legacy 2",
                (UnaryOperator<NodeConfig>)c -> c.protocolVersion(3).legacyProtocol(2),
                List.of("protocolVersion=3", "legacyProtocol=2")),
            Arguments.of("legacy 2, protocol 3",
                (UnaryOperator<NodeConfig>)c -> c.legacyProtocol(2).protocolVersion(3),
                List.of("protocolVersion=3", "legacyProtocol=2")),
            Arguments.of("legacy 1, protocol 2",
                (UnaryOperator<NodeConfig>)c -> c.legacyProtocol(1).protocolVersion(2),
                List.of("protocolVersion=2", "legacyProtocol=1")),
            Arguments.of("legacy 3 (current), protocol 2",
                (UnaryOperator<NodeConfig>)c -> c.legacyProtocol(3).protocolVersion(2),
                List.of("protocolVersion=2", "legacyProtocol=3")),
            Arguments.of("portals compatibility without an acceptor",
                (UnaryOperator<NodeConfig>)c -> c.portalsCompatibility(true).acceptMode(NodeConfig.AcceptMode.NONE),
                List.of("portalsCompatibility=true", "acceptMode=NONE")),
            Arguments.of("negative min_bulk", (UnaryOperator<NodeConfig>)c -> c.minBulk(-1), List.of("minBulk=-1")),
            Arguments.of("sock_timeout 0", (UnaryOperator<NodeConfig>)c -> c.sockTimeout(0, TimeUnit.SECONDS),
                List.of("sockTimeoutNs=0")),
            Arguments.of("negative accept_timeout",
                (UnaryOperator<NodeConfig>)c -> c.acceptTimeout(-1, TimeUnit.MILLISECONDS),
                List.of("acceptTimeoutNs=-1000000")),
            Arguments.of("negative keepalive", (UnaryOperator<NodeConfig>)c -> c.keepalive(-1, TimeUnit.SECONDS),
                List.of("keepaliveNs=-1000000000")),
            Arguments.of("min reconnect 0", (UnaryOperator<NodeConfig>)c -> c.reconnect(0, 10, TimeUnit.SECONDS),
                List.of("minReconnectNs=0")),
            Arguments.of("min reconnect above max",
                (UnaryOperator<NodeConfig>)c -> c.reconnect(5, 1, TimeUnit.SECONDS),
                List.of("minReconnectNs=5000000000", "maxReconnectNs=1000000000")),
            Arguments.of("negative tx_buffer_size", (UnaryOperator<NodeConfig>)c -> c.bufferSizes(-1, 0),
                List.of("txBufferSize=-1")),
            Arguments.of("negative rx_buffer_size", (UnaryOperator<NodeConfig>)c -> c.bufferSizes(0, -2),
                List.of("rxBufferSize=-2")),
            Arguments.of("busy spin in invoker mode",
                (UnaryOperator<NodeConfig>)c -> c.busySpin(true).threadingMode(NodeConfig.ThreadingMode.INVOKER),
                List.of("busySpin=true", "threadingMode=INVOKER")),
            Arguments.of("send ring not a power of two", badRings, List.of("sendRingCapacity=1000")),
            Arguments.of("completion ring not a power of two",
                (UnaryOperator<NodeConfig>)c -> c.ringCapacities(1 << 20, 3 << 10),
                List.of("completionRingCapacity=3072")),
            Arguments.of("send ring 0", (UnaryOperator<NodeConfig>)c -> c.ringCapacities(0, 1 << 20),
                List.of("sendRingCapacity=0")),
            Arguments.of("send ring too small for a send record",
                (UnaryOperator<NodeConfig>)c -> c.ringCapacities(NodeConfig.MIN_SEND_RING_CAPACITY / 2, 1 << 20),
                List.of("sendRingCapacity=" + NodeConfig.MIN_SEND_RING_CAPACITY / 2)),
            Arguments.of("completion ring too small for a completion",
                (UnaryOperator<NodeConfig>)c -> c.ringCapacities(1 << 20, NodeConfig.MIN_COMPLETION_RING_CAPACITY / 2),
                List.of("completionRingCapacity=" + NodeConfig.MIN_COMPLETION_RING_CAPACITY / 2)),
            Arguments.of("every refusal in one message",
                (UnaryOperator<NodeConfig>)c -> badRings.apply(c).port(0).legacyProtocol(1).protocolVersion(3),
                List.of("sendRingCapacity=1000", "port=0", "protocolVersion=3", "legacyProtocol=1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void shouldRefuseAndNameTheSettings(
        final String name, final UnaryOperator<NodeConfig> settings, final List<String> named)
    {
        final NodeConfig config = settings.apply(new NodeConfig());
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, config::conclude);
        for (final String setting : named)
        {
            assertTrue(ex.getMessage().contains(setting), () -> "message names " + setting + ": " + ex.getMessage());
        }
        assertFalse(config.concluded());
    }

    static Stream<Arguments> setterRefusals()
    {
        return Stream.of(
            Arguments.of("pid LNET_PID_ANY",
                (UnaryOperator<NodeConfig>)c -> c.pid(WireConstants.LNET_PID_ANY), "LNET_PID_ANY"),
            Arguments.of("protocol 4", (UnaryOperator<NodeConfig>)c -> c.protocolVersion(4), "version=4"),
            Arguments.of("protocol 0", (UnaryOperator<NodeConfig>)c -> c.protocolVersion(0), "version=0"),
            Arguments.of("legacy 4", (UnaryOperator<NodeConfig>)c -> c.legacyProtocol(4), "version=4"),
            Arguments.of("legacy -1", (UnaryOperator<NodeConfig>)c -> c.legacyProtocol(-1), "version=-1"),
            Arguments.of("conns_per_peer -1", (UnaryOperator<NodeConfig>)c -> c.connsPerPeer(-1), "value=-1"),
            Arguments.of("conns_per_peer 128", (UnaryOperator<NodeConfig>)c -> c.connsPerPeer(128), "value=128"),
            Arguments.of("negative peer idle timeout",
                (UnaryOperator<NodeConfig>)c -> c.peerIdleTimeout(-1, TimeUnit.SECONDS), "-1"),
            Arguments.of("negative hello latency",
                (UnaryOperator<NodeConfig>)c -> c.simulatedHelloLatency(-1, TimeUnit.SECONDS), "-1"),
            Arguments.of("bad NID", (UnaryOperator<NodeConfig>)c -> c.nid("not-a-nid"), "not-a-nid"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("setterRefusals")
    void shouldRefuseASingleValueOutOfRangeInItsSetter(
        final String name, final UnaryOperator<NodeConfig> settings, final String named)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> settings.apply(new NodeConfig()));
        assertTrue(ex.getMessage().contains(named), ex.getMessage());
    }

    static Stream<Arguments> accepted()
    {
        return Stream.of(
            Arguments.of("defaults", (UnaryOperator<NodeConfig>)c -> c),
            Arguments.of("legacy 2 and protocol 2",
                (UnaryOperator<NodeConfig>)c -> c.legacyProtocol(2).protocolVersion(2)),
            Arguments.of("legacy 0 and protocol 1",
                (UnaryOperator<NodeConfig>)c -> c.legacyProtocol(0).protocolVersion(1)),
            Arguments.of("legacy 3 and protocol 3",
                (UnaryOperator<NodeConfig>)c -> c.protocolVersion(3).legacyProtocol(3)),
            Arguments.of("portals compatibility on a current node",
                (UnaryOperator<NodeConfig>)c -> c.portalsCompatibility(true)),
            Arguments.of("portals compatibility on a legacy V1 node",
                (UnaryOperator<NodeConfig>)c -> c.portalsCompatibility(true).legacyProtocol(1)),
            Arguments.of("portals compatibility on a legacy V2 node",
                (UnaryOperator<NodeConfig>)c -> c.portalsCompatibility(true).legacyProtocol(2)),
            Arguments.of("no acceptor", (UnaryOperator<NodeConfig>)c -> c.acceptMode(NodeConfig.AcceptMode.NONE)),
            Arguments.of("busy spin, shared thread",
                (UnaryOperator<NodeConfig>)c -> c.busySpin(true).threadingMode(NodeConfig.ThreadingMode.SHARED)),
            Arguments.of("invoker without busy spin",
                (UnaryOperator<NodeConfig>)c -> c.busySpin(false).threadingMode(NodeConfig.ThreadingMode.INVOKER)),
            Arguments.of("smallest rings", (UnaryOperator<NodeConfig>)c -> c.ringCapacities(
                NodeConfig.MIN_SEND_RING_CAPACITY, NodeConfig.MIN_COMPLETION_RING_CAPACITY)),
            Arguments.of("fixed reconnect delay", (UnaryOperator<NodeConfig>)c -> c.reconnect(1, 1, TimeUnit.SECONDS)),
            Arguments.of("no keepalive, peers forgotten at once", (UnaryOperator<NodeConfig>)c ->
                c.keepalive(0, TimeUnit.SECONDS).peerIdleTimeout(0, TimeUnit.SECONDS)),
            Arguments.of("ports 1 and 65535", (UnaryOperator<NodeConfig>)c -> c.port(1).port(65535)),
            Arguments.of("checksums on a V1 node (no V2 connection to carry them)",
                (UnaryOperator<NodeConfig>)c -> c.enableCsum(true).legacyProtocol(1)),
            Arguments.of("copy mode on a legacy node",
                (UnaryOperator<NodeConfig>)c -> c.zcMode(NodeConfig.ZcMode.COPY).legacyProtocol(2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void shouldAcceptSettingsThatDoNotConflict(final String name, final UnaryOperator<NodeConfig> settings)
    {
        final NodeConfig concluded = settings.apply(new NodeConfig()).conclude();
        assertTrue(concluded.concluded());
    }

    @Test
    void shouldResolveTheProtocolFromTheLegacyGeneration()
    {
        assertProtocol(new NodeConfig(), 3, 0);
        assertProtocol(new NodeConfig().legacyProtocol(2), 2, 2);
        assertProtocol(new NodeConfig().legacyProtocol(1), 1, 1);
        assertProtocol(new NodeConfig().legacyProtocol(3), 3, 0);
        assertProtocol(new NodeConfig().legacyProtocol(0), 3, 0);
        assertProtocol(new NodeConfig().protocolVersion(2), 2, 0);
        assertProtocol(new NodeConfig().protocolVersion(1).legacyProtocol(0), 1, 0);
        assertProtocol(new NodeConfig().legacyProtocol(0).protocolVersion(1), 1, 0);
        assertProtocol(new NodeConfig().legacyProtocol(1).protocolVersion(1), 1, 1);
        assertProtocol(new NodeConfig().legacyProtocol(2).legacyProtocol(0), 3, 0);
    }

    private static void assertProtocol(final NodeConfig config, final int version, final int legacy)
    {
        final NodeConfig concluded = config.conclude();
        assertEquals(version, concluded.protocolVersion(), concluded::toString);
        assertEquals(legacy, concluded.legacyProtocol(), concluded::toString);
    }

    @Test
    void shouldResolveAutoZeroCopyToTheModeMeasuredBestForTheNid()
    {
        final NodeConfig config = new NodeConfig();
        assertEquals(NodeConfig.ZcMode.AUTO, config.zcMode());
        assertEquals(ZcProbe.decide(true, ZcProbe.measured()), config.conclude().zcMode());
        assertEquals(ZcProbe.decide(false, ZcProbe.measured()),
            new NodeConfig().nid("10.1.2.3@tcp").conclude().zcMode());
        assertEquals(NodeConfig.ZcMode.AUTO, config.zcMode(), "the config concluded from is left as it was");
        for (final NodeConfig.ZcMode mode : new NodeConfig.ZcMode[]{
            NodeConfig.ZcMode.SPLICE, NodeConfig.ZcMode.MSG_ZEROCOPY, NodeConfig.ZcMode.COPY})
        {
            assertEquals(mode, new NodeConfig().zcMode(mode).conclude().zcMode());
        }
    }

    @Test
    void shouldTakeTheIncarnationWhenConcludedUnlessSet()
    {
        final NodeConfig config = new NodeConfig();
        assertEquals(0, config.incarnation());
        final long before = System.currentTimeMillis() * 1_000_000L;
        final long incarnation = config.conclude().incarnation();
        final long after = System.currentTimeMillis() * 1_000_000L;
        assertTrue(incarnation >= before && incarnation <= after, () -> before + " <= " + incarnation + " <= " + after);
        assertEquals(0, config.incarnation());
        assertEquals(1_000, new NodeConfig().incarnation(1_000).conclude().incarnation());
    }

    @Test
    void shouldKeepTheFloorOfZcMinPayload()
    {
        assertEquals(NodeConfig.ZC_MIN_PAYLOAD_FLOOR, new NodeConfig().zcMinPayload(100).conclude().zcMinPayload());
        assertEquals(8192, new NodeConfig().zcMinPayload(8192).conclude().zcMinPayload());
    }

    static Stream<Arguments> orders()
    {
        return Stream.of(
            Arguments.of(List.of(
                step("protocolVersion(2)", c -> c.protocolVersion(2)),
                step("legacyProtocol(2)", c -> c.legacyProtocol(2)),
                step("zcMode(SPLICE)", c -> c.zcMode(NodeConfig.ZcMode.SPLICE)),
                step("threadingMode(SHARED)", c -> c.threadingMode(NodeConfig.ThreadingMode.SHARED)),
                step("busySpin(true)", c -> c.busySpin(true)),
                step("incarnation(7)", c -> c.incarnation(7)))),
            Arguments.of(List.of(
                step("legacyProtocol(1)", c -> c.legacyProtocol(1)),
                step("portalsCompatibility(true)", c -> c.portalsCompatibility(true)),
                step("acceptMode(ALL)", c -> c.acceptMode(NodeConfig.AcceptMode.ALL)),
                step("reconnect(1, 2, s)", c -> c.reconnect(1, 2, TimeUnit.SECONDS)),
                step("incarnation(7)", c -> c.incarnation(7)))),
            Arguments.of(List.of(
                step("legacyProtocol(0)", c -> c.legacyProtocol(0)),
                step("protocolVersion(1)", c -> c.protocolVersion(1)),
                step("zcMinPayload(4096)", c -> c.zcMinPayload(4096)),
                step("incarnation(7)", c -> c.incarnation(7)))),
            Arguments.of(List.of(
                step("protocolVersion(3)", c -> c.protocolVersion(3)),
                step("legacyProtocol(2)", c -> c.legacyProtocol(2)),
                step("incarnation(7)", c -> c.incarnation(7)))),
            Arguments.of(List.of(
                step("busySpin(true)", c -> c.busySpin(true)),
                step("threadingMode(INVOKER)", c -> c.threadingMode(NodeConfig.ThreadingMode.INVOKER)),
                step("nagle(true)", c -> c.nagle(true)))),
            Arguments.of(List.of(
                step("portalsCompatibility(true)", c -> c.portalsCompatibility(true)),
                step("acceptMode(NONE)", c -> c.acceptMode(NodeConfig.AcceptMode.NONE)),
                step("reconnect(3, 2, s)", c -> c.reconnect(3, 2, TimeUnit.SECONDS)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orders")
    void shouldConcludeTheSameWhateverTheOrderOfTheSetters(final List<Step> steps)
    {
        final List<List<Step>> orders = permutations(steps);
        final String expected = outcome(orders.get(0));
        for (final List<Step> order : orders)
        {
            assertEquals(expected, outcome(order), order::toString);
        }
    }

    private static String outcome(final List<Step> order)
    {
        NodeConfig config = new NodeConfig();
        for (final Step step : order)
        {
            config = step.change().apply(config);
        }
        try
        {
            return config.conclude().toString();
        }
        catch (final IllegalArgumentException ex)
        {
            return "refused: " + ex.getMessage();
        }
    }

    private static List<List<Step>> permutations(final List<Step> steps)
    {
        final List<List<Step>> result = new ArrayList<>();
        if (steps.isEmpty())
        {
            result.add(new ArrayList<>());
            return result;
        }
        for (int i = 0; i < steps.size(); i++)
        {
            final List<Step> rest = new ArrayList<>(steps);
            final Step first = rest.remove(i);
            for (final List<Step> tail : permutations(rest))
            {
                tail.add(0, first);
                result.add(tail);
            }
        }
        return result;
    }

    @Test
    void shouldRefuseEverySetterOnceConcluded() throws Exception
    {
        final NodeConfig config = new NodeConfig().nid("127.0.77.9@tcp").legacyProtocol(2);
        final NodeConfig concluded = config.conclude();
        assertNotSame(config, concluded);
        assertSame(concluded, concluded.conclude(), "a concluded config concludes to itself");
        assertTrue(concluded.concluded());
        assertFalse(config.concluded());
        final String before = concluded.toString();

        int setters = 0;
        for (final Method method : NodeConfig.class.getMethods())
        {
            if (method.getReturnType() != NodeConfig.class || method.getParameterCount() == 0 ||
                Modifier.isStatic(method.getModifiers()))
            {
                continue;
            }
            final Object[] args = argumentsFor(method);
            final InvocationTargetException ex =
                assertThrows(InvocationTargetException.class, () -> method.invoke(concluded, args), method::toString);
            final IllegalStateException refusal = assertInstanceOf(IllegalStateException.class, ex.getCause());
            assertTrue(refusal.getMessage().contains(method.getName()), refusal::getMessage);
            method.invoke(config, args);
            setters++;
        }
        assertTrue(setters >= 25, "setters found: " + setters);
        assertEquals(before, concluded.toString(), "the concluded config did not change");
        assertEquals(Nid.parse("127.0.0.1@tcp"), config.nid(), "the config concluded from still takes setters");
    }

    private static Object[] argumentsFor(final Method method)
    {
        final Class<?>[] types = method.getParameterTypes();
        final Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++)
        {
            final Class<?> type = types[i];
            if (type == String.class)
            {
                args[i] = "127.0.0.1@tcp";
            }
            else if (type == int.class)
            {
                args[i] = 1;
            }
            else if (type == long.class)
            {
                args[i] = 1L;
            }
            else if (type == boolean.class)
            {
                args[i] = true;
            }
            else if (type.isEnum())
            {
                args[i] = type.getEnumConstants()[0];
            }
            else
            {
                throw new IllegalStateException("no argument for " + method);
            }
        }
        return args;
    }

    @Test
    void shouldOpenNothingWhenStartedWithSettingsInConflict() throws Exception
    {
        final NodeConfig conflicting = new NodeConfig().nid(REFUSED_IP + "@tcp").port(WireConstants.LNET_ACCEPT_PORT)
            .protocolVersion(3).legacyProtocol(2);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> Node.start(conflicting, new TestNodes.RecordingHandler()));
        assertTrue(ex.getMessage().contains("protocolVersion=3 conflicts with legacyProtocol=2"), ex.getMessage());
        assertTrue(canBind(REFUSED_IP), "nothing listens on " + REFUSED_IP + ":988");

        final NodeConfig conflictingLnet = new NodeConfig().nid(REFUSED_LNET_IP + "@tcp")
            .port(WireConstants.LNET_ACCEPT_PORT).busySpin(true).threadingMode(NodeConfig.ThreadingMode.INVOKER);
        final IllegalArgumentException lnetEx = assertThrows(IllegalArgumentException.class,
            () -> Lnet.start(conflictingLnet));
        assertTrue(lnetEx.getMessage().contains("busySpin=true conflicts with threadingMode=INVOKER"),
            lnetEx.getMessage());
        assertTrue(canBind(REFUSED_LNET_IP), "nothing listens on " + REFUSED_LNET_IP + ":988");

        // The same check against a node that does start: its acceptor holds the address.
        final NodeConfig config = new NodeConfig().nid(RUNNING_IP + "@tcp").port(WireConstants.LNET_ACCEPT_PORT)
            .legacyProtocol(2);
        try (Node node = Node.start(config, new TestNodes.RecordingHandler()))
        {
            assertFalse(canBind(RUNNING_IP), "the running node listens on " + RUNNING_IP + ":988");
            final NodeConfig running = node.config();
            assertNotSame(config, running);
            assertTrue(running.concluded());
            assertEquals(2, running.protocolVersion());
            assertNotEquals(NodeConfig.ZcMode.AUTO, running.zcMode());
            assertNotEquals(0, running.incarnation());
            assertThrows(IllegalStateException.class, () -> running.port(989));
        }
        assertTrue(canBind(RUNNING_IP), "closed node's address free again");
    }

    private static boolean canBind(final String ip) throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress(InetAddress.getByName(ip), WireConstants.LNET_ACCEPT_PORT));
            return true;
        }
        catch (final BindException ex)
        {
            return false;
        }
    }
}
