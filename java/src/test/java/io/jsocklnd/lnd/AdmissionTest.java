package io.jsocklnd.lnd;

import io.jsocklnd.lnd.Admission.Decision;
import io.jsocklnd.wire.Nid;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V2;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V3;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_MAGIC;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The admission rules as tables, one per decision, each row what a node knows of a peer and the fields of a
 * hello (or of the reply to one) with the decision expected; no sockets. The race cases are those the socket
 * tests drive: A, two current nodes connect to each other at once (ConnectionRaceTest, VersionRaceTest case
 * 1); B, the two speak different versions and the newer falls back, or both already speak V1 and their V1
 * hellos cross (VersionRaceTest case 2, V1RaceLockstepTest case B); C, a V1 node races a current one and
 * wins or loses by NID order (VersionRaceTest cases 3 and 4, V1RaceLockstepTest case C). Rows that differ
 * only by which side has the lower NID come in pairs.
 */
@Timeout(10)
class AdmissionTest
{
    private static final long LOW = Nid.parse("127.0.35.1@tcp");
    private static final long HIGH = Nid.parse("127.0.35.2@tcp");
    private static final long STRANGER = Nid.parse("127.0.35.3@tcp");
    private static final long INC = 1_000;
    private static final long NEW_INC = 2_000;
    private static final int PID = LNET_PID_LUSTRE;
    private static final CounterSet COUNTER_SET = new CounterSet();
    private static final int V1 = KSOCK_PROTO_V1;
    private static final int V2 = KSOCK_PROTO_V2;
    private static final int V3 = KSOCK_PROTO_V3;
    private static final int V4 = KSOCK_PROTO_V4;
    private static final int ANY = SOCKLND_CONN_ANY;
    private static final int CONTROL = SOCKLND_CONN_CONTROL;
    private static final int BULK_IN = SOCKLND_CONN_BULK_IN;
    private static final int BULK_OUT = SOCKLND_CONN_BULK_OUT;
    private static final int NONE = SOCKLND_CONN_NONE;
    private static final int MAGIC = LNET_PROTO_MAGIC;
    private static final int V1_MAGIC = LNET_PROTO_TCP_MAGIC;

    private static final Admission CURRENT_LOW = node(LOW, 0, 1);
    private static final Admission CURRENT_HIGH = node(HIGH, 0, 1);
    private static final Admission V2_LOW = node(LOW, 2, 1);
    private static final Admission V2_HIGH = node(HIGH, 2, 1);
    private static final Admission V1_LOW = node(LOW, 1, 1);
    private static final Admission V1_HIGH = node(HIGH, 1, 1);
    private static final Admission CURRENT_TWO_BULK = node(HIGH, 0, 2);

    private static final Decision ACCEPT = Decision.ACCEPT;
    private static final Decision RACE = Decision.RACE;
    private static final Decision STALE = Decision.STALE;
    private static final Decision DUPLICATE = Decision.DUPLICATE;
    private static final Decision NOT_UNDERSTOOD = Decision.NOT_UNDERSTOOD;
    private static final Decision RETRY_LATER = Decision.RETRY_LATER;
    private static final Decision TRY_AGAIN = Decision.TRY_AGAIN;
    private static final Decision UNSUPPORTED_VERSION = Decision.UNSUPPORTED_VERSION;
    private static final Decision WRONG_PEER = Decision.WRONG_PEER;
    private static final Decision WRONG_TYPE = Decision.WRONG_TYPE;
    private static final Decision FAIL = Decision.FAIL;

    /**
     * Passive side, on the first 8 bytes of a hello.
     */
    static Stream<Prefix> helloPrefixes()
    {
        return Stream.of(
            new Prefix("current node, V3 hello",
                CURRENT_LOW, MAGIC, V3, ACCEPT),
            new Prefix("current node, V2 hello",
                CURRENT_LOW, MAGIC, V2, ACCEPT),
            new Prefix("current node, V1 hello: always answered in V1",
                CURRENT_LOW, V1_MAGIC, V1, ACCEPT),
            new Prefix("current node, V4 hello: not spoken, V3 proposed",
                CURRENT_LOW, MAGIC, V4, Decision.proposeVersion(V3)),
            new Prefix("current node, unknown version 99: V3 proposed",
                CURRENT_LOW, MAGIC, 99, Decision.proposeVersion(V3)),
            new Prefix("B: legacy V2 node, V3 hello: V2 proposed (the newer side falls back)",
                V2_LOW, MAGIC, V3, Decision.proposeVersion(V2)),
            new Prefix("B: legacy V2 node, V3 hello, NID order swapped: V2 proposed all the same",
                V2_HIGH, MAGIC, V3, Decision.proposeVersion(V2)),
            new Prefix("legacy V2 node, V2 hello",
                V2_LOW, MAGIC, V2, ACCEPT),
            new Prefix("legacy V2 node, V1 hello: answered in V1",
                V2_LOW, V1_MAGIC, V1, ACCEPT),
            new Prefix("C: legacy V1 node, V3 hello: closed without a reply",
                V1_HIGH, MAGIC, V3, NOT_UNDERSTOOD),
            new Prefix("C: legacy V1 node, V2 hello: closed without a reply",
                V1_HIGH, MAGIC, V2, NOT_UNDERSTOOD),
            new Prefix("C: legacy V1 node, V3 hello, NID order swapped: closed all the same",
                V1_LOW, MAGIC, V3, NOT_UNDERSTOOD),
            new Prefix("legacy V1 node, V4 hello: closed, nothing proposed",
                V1_LOW, MAGIC, V4, NOT_UNDERSTOOD),
            new Prefix("legacy V1 node, V1 hello",
                V1_LOW, V1_MAGIC, V1, ACCEPT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("helloPrefixes")
    void shouldDecideOnTheFirstBytesOfAHello(final Prefix row)
    {
        assertEquals(row.expected(), row.decide(), row.name());
    }

    /**
     * Passive side, on a whole hello.
     */
    static Stream<Hello> hellos()
    {
        return Stream.of(
            new Hello("A: lower NID's hello reaches the higher while it connects: race",
                CURRENT_HIGH, known(LOW).connecting(), V3, INC, CONTROL, RACE),
            new Hello("A: higher NID's hello reaches the lower while it connects: taken",
                CURRENT_LOW, known(HIGH).connecting(), V3, INC, CONTROL, ACCEPT),
            new Hello("A: lower NID's hello between an attempt told to retry at once and the next: race",
                CURRENT_HIGH, known(LOW).retryNow(), V3, INC, BULK_IN, RACE),
            new Hello("A: higher NID's hello between an attempt told to retry at once and the next: taken",
                CURRENT_LOW, known(HIGH).retryNow(), V3, INC, BULK_IN, ACCEPT),
            new Hello("A: lower NID's hello while the higher is not connecting: taken",
                CURRENT_HIGH, known(LOW), V3, INC, CONTROL, ACCEPT),
            new Hello("A: lower NID's hello while the higher only accepts from it: taken",
                CURRENT_HIGH, known(LOW).accepting(), V3, INC, BULK_OUT, ACCEPT),
            new Hello("B: legacy V2 node's hello reaches the current higher node while it connects: race",
                CURRENT_HIGH, known(LOW).connecting(), V2, INC, CONTROL, RACE),
            new Hello("B: legacy V2 node's hello reaches the current lower node while it connects: taken",
                CURRENT_LOW, known(HIGH).connecting(), V2, INC, CONTROL, ACCEPT),
            new Hello("B: V1 hellos cross, the current node (higher, speaking V1 to it) refuses the lower",
                CURRENT_HIGH, known(LOW).learned(V1, INC).connecting(), V1, INC,
                ANY, RACE),
            new Hello("B: V1 hellos cross, the legacy V1 node (higher) refuses the lower",
                V1_HIGH, known(LOW).connecting(), V1, INC, ANY, RACE),
            new Hello("B: V1 hellos cross, the legacy V1 node (lower) takes the higher's",
                V1_LOW, known(HIGH).connecting(), V1, INC, ANY, ACCEPT),
            new Hello("C: V1 node (higher) wins: its V1 hello is taken while the current node tries V3",
                CURRENT_LOW, known(HIGH).connecting(), V1, INC, ANY, ACCEPT),
            new Hello("C: V1 node (lower) loses: its V1 hello is refused while the current node tries V3",
                CURRENT_HIGH, known(LOW).connecting(), V1, INC, ANY, RACE),
            new Hello("C: V1 node (lower) takes the current node's V1 hello while it is rescheduled",
                V1_LOW, known(HIGH).retryNow(), V1, INC, ANY, ACCEPT),
            new Hello("peer restarted: new incarnation with its connections up",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).bundle(), V3, NEW_INC,
                CONTROL, STALE),
            new Hello("peer changed protocol: another version with its connections up",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(CONTROL, 1),
                V2, INC, BULK_IN, STALE),
            new Hello("peer restarted with no connection up: a new start, taken",
                CURRENT_LOW, known(HIGH).incarnation(INC), V3, NEW_INC, CONTROL, ACCEPT),
            new Hello("incarnation not known yet, connections up: not stale",
                CURRENT_LOW, known(HIGH).version(V3).conns(CONTROL, 1), V3, NEW_INC,
                BULK_IN, ACCEPT),
            new Hello("restarted lower peer's hello while connecting to it: the race rule comes first",
                CURRENT_HIGH, known(LOW).incarnation(INC).version(V3).bundle().connecting(),
                V3, NEW_INC, CONTROL, RACE),
            new Hello("restarted higher peer's hello while connecting to it: stale",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).bundle().connecting(),
                V3, NEW_INC, CONTROL, STALE),
            new Hello("second CONTROL connection: duplicate",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(CONTROL, 1),
                V3, INC, CONTROL, DUPLICATE),
            new Hello("second ANY connection (V1): duplicate",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V1).conns(ANY, 1),
                V1, INC, ANY, DUPLICATE),
            new Hello("second BULK_IN with conns_per_peer=1: taken (a peer opens as many as its own setting says)",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(BULK_IN, 1),
                V3, INC, BULK_IN, ACCEPT),
            new Hello("second BULK_IN with conns_per_peer=2: taken",
                CURRENT_TWO_BULK, known(LOW).incarnation(INC).version(V3).conns(BULK_IN, 1),
                V3, INC, BULK_IN, ACCEPT),
            new Hello("third BULK_OUT with conns_per_peer=2: taken",
                CURRENT_TWO_BULK, known(LOW).incarnation(INC).version(V3).conns(BULK_OUT, 2),
                V3, INC, BULK_OUT, ACCEPT),
            new Hello("127th BULK_OUT: taken",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(BULK_OUT, 126),
                V3, INC, BULK_OUT, ACCEPT),
            new Hello("128th BULK_IN: duplicate (the kernel's most is 127)",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(BULK_IN, 127),
                V3, INC, BULK_IN, DUPLICATE),
            new Hello("BULK_OUT beside a CONTROL: taken",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(CONTROL, 1),
                V3, INC, BULK_OUT, ACCEPT),
            new Hello("second CONTROL from this node's own address: taken (loopback has no duplicates)",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(CONTROL, 1).loopback(),
                V3, INC, CONTROL, ACCEPT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hellos")
    void shouldDecideOnAHelloReceived(final Hello row)
    {
        assertEquals(row.expected(), row.decide(), row.name() + ": " + row.peer());
    }

    /**
     * Active side, on the reply to a hello sent.
     */
    static Stream<Reply> replies()
    {
        return Stream.of(
            new Reply("reply in kind",
                CURRENT_LOW, known(HIGH), V3, CONTROL,
                HIGH, PID, V3, CONTROL, INC, ACCEPT),
            new Reply("BULK_IN asked, BULK_OUT answered",
                CURRENT_LOW, known(HIGH), V3, BULK_IN,
                HIGH, PID, V3, BULK_OUT, INC, ACCEPT),
            new Reply("A: refused by the higher NID in the version sent (race lost): retry later",
                CURRENT_LOW, known(HIGH).connecting(), V3, CONTROL,
                HIGH, PID, V3, NONE, INC, RETRY_LATER),
            new Reply("A: refused in the version sent, NID order swapped: retry later all the same",
                CURRENT_HIGH, known(LOW).connecting(), V3, CONTROL,
                LOW, PID, V3, NONE, INC, RETRY_LATER),
            new Reply("A: the lower NID's CONTROL arrives after the higher's was taken: duplicate",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(CONTROL, 1), V3, CONTROL,
                HIGH, PID, V3, CONTROL, INC, DUPLICATE),
            new Reply("A: the same, NID order swapped: duplicate all the same",
                CURRENT_HIGH, known(LOW).incarnation(INC).version(V3).conns(CONTROL, 1), V3, CONTROL,
                LOW, PID, V3, CONTROL, INC, DUPLICATE),
            new Reply("A: a second BULK_OUT, which the peer took, while one came up the other way: kept, as there",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(BULK_OUT, 1), V3, BULK_OUT,
                HIGH, PID, V3, BULK_IN, INC, ACCEPT),
            new Reply("A: the same at the kernel's most bulk connections of a type: duplicate",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(BULK_OUT, 127), V3, BULK_OUT,
                HIGH, PID, V3, BULK_IN, INC, DUPLICATE),
            new Reply("B: legacy V2 node proposes V2 to a V3 hello: fall back to V2",
                CURRENT_LOW, known(HIGH).connecting(), V3, CONTROL,
                HIGH, PID, V2, NONE, INC, Decision.fallBack(V2)),
            new Reply("B: legacy V2 node proposes V2, NID order swapped: fall back to V2 all the same",
                CURRENT_HIGH, known(LOW).connecting(), V3, CONTROL,
                LOW, PID, V2, NONE, INC, Decision.fallBack(V2)),
            new Reply("B: V1 hellos cross, the legacy V1 node (lower) is refused in V1: retry later",
                V1_LOW, known(HIGH).connecting(), V1, ANY,
                HIGH, PID, V1, NONE, INC, RETRY_LATER),
            new Reply("C: V1 node (lower) loses and is refused in V1: retry later",
                V1_LOW, known(HIGH).connecting(), V1, ANY,
                HIGH, PID, V1, NONE, INC, RETRY_LATER),
            new Reply("C: V1 node's V1 reply to the current node's fallen-back V1 hello",
                CURRENT_HIGH, known(LOW).learned(V1, 0).connecting(), V1, ANY,
                LOW, PID, V1, ANY, INC, ACCEPT),
            new Reply("peer proposes V1 to a V3 hello: fall back to V1",
                CURRENT_LOW, known(HIGH), V3, CONTROL,
                HIGH, PID, V1, NONE, INC, Decision.fallBack(V1)),
            new Reply("peer proposes V1 to a V2 hello: fall back to V1",
                CURRENT_LOW, known(HIGH), V2, CONTROL,
                HIGH, PID, V1, NONE, INC, Decision.fallBack(V1)),
            new Reply("peer proposes V3 to a V2 hello: that version is followed",
                CURRENT_LOW, known(HIGH).learned(V2, INC), V2, CONTROL,
                HIGH, PID, V3, NONE, NEW_INC, Decision.fallBack(V3)),
            new Reply("peer proposes V4: unsupported",
                CURRENT_LOW, known(HIGH), V3, CONTROL,
                HIGH, PID, V4, NONE, INC, UNSUPPORTED_VERSION),
            new Reply("legacy V2 node told V3: newer than it speaks, unsupported",
                V2_LOW, known(HIGH), V2, CONTROL,
                HIGH, PID, V3, NONE, INC, UNSUPPORTED_VERSION),
            new Reply("refusal from another NID: the refusal is taken first",
                CURRENT_LOW, known(HIGH), V3, CONTROL,
                STRANGER, PID, V3, NONE, INC, RETRY_LATER),
            new Reply("reply from another NID: wrong peer",
                CURRENT_LOW, known(HIGH), V3, CONTROL,
                STRANGER, PID, V3, CONTROL, INC, WRONG_PEER),
            new Reply("reply from another PID than the one known: wrong peer",
                CURRENT_LOW, known(HIGH).pid(PID), V3, CONTROL,
                HIGH, PID + 1, V3, CONTROL, INC, WRONG_PEER),
            new Reply("any PID while none is known",
                CURRENT_LOW, known(HIGH), V3, CONTROL,
                HIGH, PID + 1, V3, CONTROL, INC, ACCEPT),
            new Reply("CONTROL asked, BULK_IN answered: wrong type",
                CURRENT_LOW, known(HIGH), V3, CONTROL,
                HIGH, PID, V3, BULK_IN, INC, WRONG_TYPE),
            new Reply("BULK_IN asked, BULK_IN answered: wrong type",
                CURRENT_LOW, known(HIGH), V3, BULK_IN,
                HIGH, PID, V3, BULK_IN, INC, WRONG_TYPE),
            new Reply("reply in V4: unsupported",
                CURRENT_LOW, known(HIGH), V3, CONTROL,
                HIGH, PID, V4, CONTROL, INC, UNSUPPORTED_VERSION),
            new Reply("legacy V2 node gets a V3 reply: unsupported",
                V2_LOW, known(HIGH), V2, CONTROL,
                HIGH, PID, V3, CONTROL, INC, UNSUPPORTED_VERSION),
            new Reply("V1 peer restarted, no connection up: try V3 again",
                CURRENT_LOW, known(HIGH).incarnation(INC).learned(V1, INC), V1, ANY,
                HIGH, PID, V1, ANY, NEW_INC, Decision.restarted(V3, false)),
            new Reply("V1 peer restarted with its connection up: close it, try V3 again",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V1).learned(V1, INC).conns(ANY, 1), V1, ANY,
                HIGH, PID, V1, ANY, NEW_INC, Decision.restarted(V3, true)),
            new Reply("V2 peer restarted: try V3 again",
                CURRENT_LOW, known(HIGH).learned(V2, INC), V2, CONTROL,
                HIGH, PID, V2, CONTROL, NEW_INC, Decision.restarted(V3, false)),
            new Reply("learned V1 with no incarnation seen yet (it closed on V2): not a restart",
                CURRENT_LOW, known(HIGH).learned(V1, 0), V1, ANY,
                HIGH, PID, V1, ANY, NEW_INC, ACCEPT),
            new Reply("learned V1 but V3 sent: not a restart",
                CURRENT_LOW, known(HIGH).learned(V1, INC), V3, CONTROL,
                HIGH, PID, V3, CONTROL, NEW_INC, ACCEPT),
            new Reply("V1 peer, same incarnation",
                CURRENT_LOW, known(HIGH).learned(V1, INC), V1, ANY,
                HIGH, PID, V1, ANY, INC, ACCEPT),
            new Reply("peer restarted: new incarnation with its connections up",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V3).conns(CONTROL, 1), V3, BULK_IN,
                HIGH, PID, V3, BULK_OUT, NEW_INC, STALE),
            new Reply("peer changed protocol: another version with its connections up",
                CURRENT_LOW, known(HIGH).incarnation(INC).version(V2).conns(CONTROL, 1), V3, BULK_IN,
                HIGH, PID, V3, BULK_OUT, INC, STALE),
            new Reply("peer restarted with no connection up: a new start, taken",
                CURRENT_LOW, known(HIGH).incarnation(INC), V3, CONTROL,
                HIGH, PID, V3, CONTROL, NEW_INC, ACCEPT),
            new Reply("second BULK_OUT with conns_per_peer=2: taken",
                CURRENT_TWO_BULK, known(LOW).incarnation(INC).version(V3).conns(BULK_OUT, 1), V3, BULK_OUT,
                LOW, PID, V3, BULK_IN, INC, ACCEPT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replies")
    void shouldDecideOnAReply(final Reply row)
    {
        assertEquals(row.expected(), row.decide(), row.name() + ": " + row.peer());
    }

    /**
     * Active side, when the peer closes on a hello sent.
     */
    static Stream<ClosedOnHello> closesOnHello()
    {
        return Stream.of(
            new ClosedOnHello("a current peer closes one V3 hello (no NI, teardown...): V3 again at once",
                CURRENT_LOW, known(HIGH).connecting(), V3, TRY_AGAIN),
            new ClosedOnHello("the same, NID order swapped: V3 again all the same",
                CURRENT_HIGH, known(LOW).connecting(), V3, TRY_AGAIN),
            new ClosedOnHello("a reply came since the last close at V3: a first close again, V3 again",
                CURRENT_LOW, known(HIGH), V3, TRY_AGAIN),
            new ClosedOnHello("C: V1 node closes on V3 a second time in a row, no connection up: fall back to V2",
                CURRENT_LOW, known(HIGH).closed(V3).connecting(), V3, Decision.fallBack(V2)),
            new ClosedOnHello("C: the same, NID order swapped: fall back to V2 all the same",
                CURRENT_HIGH, known(LOW).closed(V3).connecting(), V3, Decision.fallBack(V2)),
            new ClosedOnHello("C: V1 node closes on V2 the first time: V2 again",
                CURRENT_LOW, known(HIGH).learned(V2, 0), V2, TRY_AGAIN),
            new ClosedOnHello("C: V1 node closes on V2 a second time in a row: fall back to V1",
                CURRENT_LOW, known(HIGH).learned(V2, 0).closed(V2), V2, Decision.fallBack(V1)),
            new ClosedOnHello("closed on V3 before, then on V2: a first close at V2, V2 again",
                CURRENT_LOW, known(HIGH).closed(V3), V2, TRY_AGAIN),
            new ClosedOnHello("C: V1 node (higher) won, its connection is up when it closes on V3: retry later",
                CURRENT_LOW, known(HIGH).version(V1).conns(ANY, 1), V3, RETRY_LATER),
            new ClosedOnHello("C: the same after a close at V3 already: retry later all the same",
                CURRENT_LOW, known(HIGH).version(V1).conns(ANY, 1).closed(V3), V3, RETRY_LATER),
            new ClosedOnHello("closed once on V1, no connection up: V1 again",
                CURRENT_LOW, known(HIGH).learned(V1, 0), V1, TRY_AGAIN),
            new ClosedOnHello("closed twice in a row on V1, no connection up: nothing older, fail",
                CURRENT_LOW, known(HIGH).learned(V1, 0).closed(V1), V1, FAIL),
            new ClosedOnHello("legacy V1 node closed twice on its V1 hello: fail",
                V1_LOW, known(HIGH).closed(V1), V1, FAIL),
            new ClosedOnHello("closed on V1 with a connection up: retry later",
                CURRENT_LOW, known(HIGH).version(V1).conns(ANY, 1), V1, RETRY_LATER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("closesOnHello")
    void shouldDecideWhenThePeerClosesOnAHello(final ClosedOnHello row)
    {
        assertEquals(row.expected(), row.decide(), row.name() + ": " + row.peer());
    }

    /**
     * Whether a peer restarted, as both agents ask it: incarnation known, incarnation shown.
     */
    static Stream<Arguments> incarnations()
    {
        return Stream.of(
            Arguments.of("none known yet", 0L, INC, false),
            Arguments.of("same", INC, INC, false),
            Arguments.of("another", INC, NEW_INC, true),
            Arguments.of("an older one", NEW_INC, INC, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("incarnations")
    void shouldSayWhetherAPeerRestarted(final String row, final long known, final long shown, final boolean expected)
    {
        assertEquals(expected, Admission.peerRestarted(known, shown), row);
    }

    /**
     * Whether a node is connecting to a peer (a hello from it then crossed one of ours), and the version an
     * active connection to it starts with: node, what it knows, connecting, version.
     */
    static Stream<Arguments> connectingAndVersions()
    {
        return Stream.of(
            Arguments.of("nothing known: newest", CURRENT_LOW, known(HIGH), false, V3),
            Arguments.of("attempt under way", CURRENT_LOW, known(HIGH).connecting(), true, V3),
            Arguments.of("attempt to retry at once", CURRENT_LOW, known(HIGH).retryNow(), true, V3),
            Arguments.of("accepting only", CURRENT_LOW, known(HIGH).accepting(), false, V3),
            Arguments.of("learned V1", CURRENT_LOW, known(HIGH).learned(V1, INC), false, V1),
            Arguments.of("in use V2 beats learned V1", CURRENT_LOW,
                known(HIGH).version(V2).learned(V1, INC), false, V2),
            Arguments.of("legacy V2 node: its own newest", V2_LOW, known(HIGH), false, V2),
            Arguments.of("legacy V1 node: its own newest", V1_LOW, known(HIGH), false, V1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connectingAndVersions")
    void shouldTellConnectingAndTheVersionToOffer(
        final String row, final Admission node, final Known peer, final boolean connecting, final int version)
    {
        final PeerRecord record = peer.record();
        assertEquals(connecting, Admission.connecting(record), row);
        assertEquals(version, node.versionFor(record), row);
    }

    private static Admission node(final long nid, final int legacy, final int connsPerPeer)
    {
        return new Admission(new NodeConfig().nid(Nid.toString(nid)).legacyProtocol(legacy).connsPerPeer(connsPerPeer)
            .conclude());
    }

    private static Known known(final long nid)
    {
        return new Known(nid);
    }

    /**
     * The first 8 bytes of a hello: node, magic, version.
     */
    record Prefix(String name, Admission node, int magic, int version, Decision expected)
    {
        Decision decide()
        {
            return node.helloPrefix(magic, version);
        }

        public String toString()
        {
            return name;
        }
    }

    /**
     * A whole hello: node, what it knows of the peer (and whether it is on this node's own address), the
     * hello's version and incarnation, the type this side takes.
     */
    record Hello(String name, Admission node, Known peer, int version, long incarnation, int ourType, Decision expected)
    {
        Decision decide()
        {
            return node.hello(peer.record(), version, incarnation, ourType, peer.loopback);
        }

        public String toString()
        {
            return name;
        }
    }

    /**
     * The reply to a hello sent: node, what it knows of the peer, the version and type sent, the reply's source
     * NID and PID, version, type and incarnation.
     */
    record Reply(
        String name, Admission node, Known peer, int sentVersion, int sentType,
        long srcNid, int srcPid, int version, int ctype, long incarnation, Decision expected)
    {
        Decision decide()
        {
            return node.reply(peer.record(), sentVersion, sentType, srcNid, srcPid, version, ctype, incarnation);
        }

        public String toString()
        {
            return name;
        }
    }

    /**
     * The peer closed on a hello sent: node, what it knows of the peer, the version sent.
     */
    record ClosedOnHello(String name, Admission node, Known peer, int sentVersion, Decision expected)
    {
        Decision decide()
        {
            return node.closedOnHello(peer.record(), sentVersion);
        }

        public String toString()
        {
            return name;
        }
    }

    /**
     * What a node knows of a peer, built into a fresh {@link PeerRecord} for each row.
     */
    static final class Known
    {
        private final long nid;
        private final int[] connections = new int[4];
        private int pid;
        private long incarnation;
        private int version;
        private int learnedVersion;
        private long learnedIncarnation;
        private int closedVersion;
        private int activeInProgress;
        private boolean retryNow;
        private int accepting;
        private boolean loopback;

        Known(final long nid)
        {
            this.nid = nid;
        }

        Known pid(final int pid)
        {
            this.pid = pid;
            return this;
        }

        Known incarnation(final long incarnation)
        {
            this.incarnation = incarnation;
            return this;
        }

        Known version(final int version)
        {
            this.version = version;
            return this;
        }

        Known learned(final int version, final long incarnation)
        {
            this.learnedVersion = version;
            this.learnedIncarnation = incarnation;
            return this;
        }

        /** The peer closed on the last hello sent, of this version, and no reply came since. */
        Known closed(final int version)
        {
            this.closedVersion = version;
            return this;
        }

        Known conns(final int ctype, final int count)
        {
            connections[ctype] = count;
            return this;
        }

        /** One CONTROL, one BULK_IN and one BULK_OUT connection up. */
        Known bundle()
        {
            return conns(CONTROL, 1).conns(BULK_IN, 1).conns(BULK_OUT, 1);
        }

        Known connecting()
        {
            activeInProgress = 1;
            return this;
        }

        Known retryNow()
        {
            retryNow = true;
            return this;
        }

        Known accepting()
        {
            accepting = 1;
            return this;
        }

        /** The peer's address is this node's own. */
        Known loopback()
        {
            loopback = true;
            return this;
        }

        PeerRecord record()
        {
            final PeerRecord record = new PeerRecord(nid, COUNTER_SET, 0);
            record.counters.close();
            record.pid = pid;
            record.incarnation = incarnation;
            record.version = version;
            record.learnedVersion = learnedVersion;
            record.learnedIncarnation = learnedIncarnation;
            record.closedVersion = closedVersion;
            System.arraycopy(connections, 0, record.connections, 0, connections.length);
            record.activeInProgress = activeInProgress;
            record.retryNow = retryNow;
            record.accepting = accepting;
            return record;
        }

        public String toString()
        {
            return "peer " + Nid.toString(nid) + " pid=" + pid + " incarnation=" + incarnation + " version=" +
                version + " learned=" + learnedVersion + "/" + learnedIncarnation + " closed=" + closedVersion +
                " connections=" + Arrays.toString(connections) + " active=" + activeInProgress + " retryNow=" + retryNow +
                " accepting=" + accepting + (loopback ? " loopback" : "");
        }
    }
}
