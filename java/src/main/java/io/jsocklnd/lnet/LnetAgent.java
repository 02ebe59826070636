package io.jsocklnd.lnet;

import io.jsocklnd.lnd.CompletionHandler;
import io.jsocklnd.lnd.LndPort;
import io.jsocklnd.lnd.MessageHandler;
import io.jsocklnd.lnd.RxDecision;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayDeque;

import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_PING_MATCHBITS;
import static io.jsocklnd.wire.WireConstants.LNET_RESERVED_PORTAL;
import static io.jsocklnd.wire.WireConstants.LNET_WIRE_HANDLE_COOKIE_NONE;

/**
 * The LNet layer on the IO agent thread, over the LND's {@link LndPort}: it takes the application's commands,
 * starts PUTs and GETs, matches incoming messages against the portals and places their payloads, answers GETs
 * and ACK requests, and turns completions into events ({@code lib-move.c}, {@code lib-msg.c}). Every field is
 * owned by the IO agent thread; the descriptors it runs come from the {@link MdTable}.
 */
final class LnetAgent implements MessageHandler, CompletionHandler, LnetCommands.Handler
{
    private static final int COMMANDS_PER_CYCLE = 1024;

    private final long nid;
    private final int pid;
    private final long interfaceCookie;
    private final MdTable table;
    private final LnetCommands commands;
    private final Portals portals;
    private final Ops ops = new Ops();
    private final EventWriter events = new EventWriter();
    private final Long2ObjectHashMap<RxPending> pending = new Long2ObjectHashMap<>();
    /**
     * The latest receive whose payload is coming, held out of {@link #pending} until another connection's header
     * arrives first: a header and its payload usually come in one read, and then no map is touched.
     */
    private RxPending latest;
    private long latestConnectionId;
    private final ArrayDeque<RxPending> rxPool = new ArrayDeque<>(64);
    private LndPort port;
    private LnetCounters counters;

    /**
     * A matched PUT or REPLY whose payload is being received.
     */
    private static final class RxPending
    {
        int kind;
        LibMd md;
        long srcNid;
        int srcPid;
        int portal;
        long matchBits;
        long hdrData;
        int rlength;
        int mlength;
        int offset;
        long ackInterfaceCookie;
        long ackObjectCookie;
        boolean ack;
    }

    LnetAgent(
        final long nid,
        final int pid,
        final long interfaceCookie,
        final MdTable table,
        final LnetCommands commands,
        final int portalCount)
    {
        this.nid = nid;
        this.pid = pid;
        this.interfaceCookie = interfaceCookie;
        this.table = table;
        this.commands = commands;
        this.portals = new Portals(portalCount);
    }

    public void onStart(final LndPort port)
    {
        this.port = port;
        this.counters = new LnetCounters(port);
    }

    public int onDutyCycle()
    {
        return null == port ? 0 : commands.read(this, COMMANDS_PER_CYCLE);
    }

    public boolean hasPendingWork()
    {
        // A PUT or GET that found no send credit waits for a completion, which only this thread's own work brings.
        return commands.hasPending() && (!commands.stalled() || canStartSend());
    }

    public boolean canStartSend()
    {
        return port.sendCredits() > 0;
    }

    public void onBind(final long handle)
    {
        table.activate(table.slot(handle), handle);
    }

    public void onAttach(final long handle)
    {
        final LibMd md = table.slot(handle);
        table.activate(md, handle);
        portals.append(md);
    }

    public void onUnlink(final long handle)
    {
        final LibMd md = table.lookup(handle);
        if (null == md)
        {
            return;
        }
        stopMatching(md);
        if (md.refs == 0)
        {
            events.begin(md, LnetEventType.UNLINK, 0, true).matchBits(md.matchBits).initiator(nid, pid)
                .target(nid, pid).portal(md.portal).send();
            table.free(md);
        }
    }

    public void onPut(
        final long handle, final long targetNid, final int targetPid, final int portal, final long matchBits,
        final int remoteOffset, final long hdrData, final boolean ack)
    {
        final LibMd md = initiator(handle);
        if (null == md)
        {
            return;
        }
        final Ops.Op op = ops.take(Ops.PUT_SEND, md, targetNid, targetPid, portal, matchBits, hdrData, md.length,
            md.length, remoteOffset);
        port.claimSend(LNET_MSG_PUT, targetNid, targetPid, md.address, md.length, op.index)
            .destNid(targetNid).srcNid(nid).destPid(targetPid).srcPid(pid).payloadLength(md.length)
            .wmdInterfaceCookie(ack ? interfaceCookie : LNET_WIRE_HANDLE_COOKIE_NONE)
            .wmdObjectCookie(ack ? md.handle : LNET_WIRE_HANDLE_COOKIE_NONE)
            .matchBits(matchBits).putHdrData(hdrData).putPtlIndex(portal).putOffset(remoteOffset);
        counters.putsOut.incrementOrdered();
        initiated(md, portal);
        port.commitSend();
    }

    public void onGet(
        final long handle, final long targetNid, final int targetPid, final int portal, final long matchBits,
        final int remoteOffset)
    {
        final LibMd md = initiator(handle);
        if (null == md)
        {
            return;
        }
        final Ops.Op op = ops.take(Ops.GET_SEND, md, targetNid, targetPid, portal, matchBits, 0, md.length, md.length,
            remoteOffset);
        port.claimSend(LNET_MSG_GET, targetNid, targetPid, 0, 0, op.index)
            .destNid(targetNid).srcNid(nid).destPid(targetPid).srcPid(pid).payloadLength(0)
            .wmdInterfaceCookie(interfaceCookie).wmdObjectCookie(md.handle)
            .matchBits(matchBits).getPtlIndex(portal).getSrcOffset(remoteOffset).getSinkLength(md.length);
        counters.getsOut.incrementOrdered();
        initiated(md, portal);
        port.commitSend();
    }

    /**
     * @return the live descriptor a PUT or GET starts from, or null (counted) if it went stale after the call.
     */
    private LibMd initiator(final long handle)
    {
        final LibMd md = table.lookup(handle);
        if (null == md || md.threshold == 0)
        {
            counters.commandsStale.incrementOrdered();
            return null;
        }
        return md;
    }

    private void initiated(final LibMd md, final int portal)
    {
        md.refs++;
        md.lastPortal = portal;
        consume(md);
    }

    public void onCompletion(final long correlationId, final int status)
    {
        final Ops.Op op = ops.get(correlationId);
        if (status != 0)
        {
            counters.sendsFailed.incrementOrdered();
        }
        final LibMd md = op.md;
        if (null != md)
        {
            md.refs--;
            final boolean unlinked = md.isDone();
            if (op.kind == Ops.REPLY_SEND)
            {
                events.begin(md, LnetEventType.GET, status, unlinked).matchBits(op.matchBits)
                    .initiator(op.peerNid, op.peerPid).target(nid, pid).portal(op.portal)
                    .lengths(op.mlength, op.rlength, op.offset).send();
            }
            else
            {
                events.begin(md, LnetEventType.SEND, status, unlinked).matchBits(op.matchBits).hdrData(op.hdrData)
                    .initiator(nid, pid).target(op.peerNid, op.peerPid).portal(op.portal)
                    .lengths(op.mlength, op.rlength, op.offset).send();
            }
            if (unlinked)
            {
                free(md);
            }
        }
        ops.release(op);
    }

    public void onHeader(
        final long connectionId, final long srcNid, final LnetHeaderFlyweight header, final RxDecision decision)
    {
        decision.drop();
        if (header.destNid() != nid)
        {
            counters.dropWrongNid.incrementOrdered();
            return;
        }
        switch (header.type())
        {
            case LNET_MSG_PUT:
                onPutIn(connectionId, header, decision);
                break;
            case LNET_MSG_GET:
                onGetIn(header);
                break;
            case LNET_MSG_ACK:
                onAckIn(header);
                break;
            case LNET_MSG_REPLY:
                onReplyIn(connectionId, header, decision);
                break;
            default:
                break;
        }
    }

    private void onPutIn(final long connectionId, final LnetHeaderFlyweight header, final RxDecision decision)
    {
        counters.putsIn.incrementOrdered();
        final int portal = header.putPtlIndex();
        if (!validPortal(portal))
        {
            return;
        }
        final int rlength = header.payloadLength();
        if (!matched(portals.match(portal, MemoryDescriptor.OP_PUT, header.srcNid(), header.srcPid(),
            header.matchBits(), rlength, header.putOffset())))
        {
            return;
        }
        final LibMd md = portals.matched;
        final RxPending p = receiving(connectionId, LNET_MSG_PUT, md, header, portal, header.matchBits(),
            header.putHdrData(), rlength, portals.matchedLength, portals.matchedOffset);
        p.ackInterfaceCookie = header.wmdInterfaceCookie();
        p.ackObjectCookie = header.wmdObjectCookie();
        p.ack = (md.options & MemoryDescriptor.ACK_DISABLE) == 0 &&
            !(p.ackInterfaceCookie == LNET_WIRE_HANDLE_COOKIE_NONE &&
            p.ackObjectCookie == LNET_WIRE_HANDLE_COOKIE_NONE);
        if (p.mlength > 0)
        {
            decision.deliverTo(md.address + p.offset, p.mlength);
        }
    }

    private void onGetIn(final LnetHeaderFlyweight header)
    {
        counters.getsIn.incrementOrdered();
        final int portal = header.getPtlIndex();
        if (!validPortal(portal))
        {
            return;
        }
        final long srcNid = header.srcNid();
        final int srcPid = header.srcPid();
        final long bits = header.matchBits();
        final int rlength = header.getSinkLength();
        if (!matched(portals.match(portal, MemoryDescriptor.OP_GET, srcNid, srcPid, bits, rlength,
            header.getSrcOffset())))
        {
            return;
        }
        final LibMd md = portals.matched;
        final int mlength = portals.matchedLength;
        final int offset = portals.matchedOffset;
        md.refs++;
        consume(md);
        if (portal == LNET_RESERVED_PORTAL && bits == LNET_PROTO_PING_MATCHBITS)
        {
            counters.pingsAnswered.incrementOrdered();
        }
        final Ops.Op op = ops.take(Ops.REPLY_SEND, md, srcNid, srcPid, portal, bits, 0, rlength, mlength, offset);
        port.claimSend(LNET_MSG_REPLY, srcNid, srcPid, mlength > 0 ? md.address + offset : 0, mlength, op.index)
            .destNid(srcNid).srcNid(nid).destPid(srcPid).srcPid(pid).payloadLength(mlength)
            .wmdInterfaceCookie(header.wmdInterfaceCookie()).wmdObjectCookie(header.wmdObjectCookie());
        counters.repliesOut.incrementOrdered();
        port.commitSend();
    }

    private void onAckIn(final LnetHeaderFlyweight header)
    {
        counters.acksIn.incrementOrdered();
        final LibMd md = wireHandle(header);
        if (null == md)
        {
            return;
        }
        consume(md);
        final boolean unlinked = md.isDone();
        final int mlength = header.ackMlength();
        events.begin(md, LnetEventType.ACK, 0, unlinked).matchBits(header.matchBits())
            .initiator(header.srcNid(), header.srcPid()).target(nid, pid).portal(md.lastPortal)
            .lengths(mlength, mlength, 0).send();
        if (unlinked)
        {
            free(md);
        }
    }

    private void onReplyIn(final long connectionId, final LnetHeaderFlyweight header, final RxDecision decision)
    {
        counters.repliesIn.incrementOrdered();
        final LibMd md = wireHandle(header);
        if (null == md)
        {
            return;
        }
        final int rlength = header.payloadLength();
        final int mlength;
        if (rlength <= md.length)
        {
            mlength = rlength;
        }
        else if ((md.options & MemoryDescriptor.TRUNCATE) != 0)
        {
            mlength = md.length;
        }
        else
        {
            counters.dropTooLong.incrementOrdered();
            return;
        }
        receiving(connectionId, LNET_MSG_REPLY, md, header, md.lastPortal, 0, 0, rlength, mlength, 0);
        if (mlength > 0)
        {
            decision.deliverTo(md.address, mlength);
        }
    }

    public void onPayload(final long connectionId, final long address, final int receivedLength, final int payloadLength)
    {
        final RxPending p = takePending(connectionId);
        if (null == p)
        {
            return;
        }
        final int status = receivedLength == p.mlength ? 0 : -Errno.EIO;
        finish(p, status, receivedLength);
        if (p.kind == LNET_MSG_PUT && p.ack)
        {
            sendAck(p, receivedLength);
        }
        release(p);
    }

    /**
     * The connection died inside the payload: the operation fails with {@code -EIO}, as the kernel completes a
     * partial receive ({@code ksocknal_destroy_conn}), with the matched length as {@code mlength}, and no ACK.
     */
    public void onReceiveAborted(final long connectionId, final int status)
    {
        final RxPending p = takePending(connectionId);
        if (null == p)
        {
            return;
        }
        counters.receivesAborted.incrementOrdered();
        finish(p, -Errno.EIO, p.mlength);
        release(p);
    }

    private void finish(final RxPending p, final int status, final int mlength)
    {
        final LibMd md = p.md;
        md.refs--;
        final boolean unlinked = md.isDone();
        events.begin(md, p.kind == LNET_MSG_PUT ? LnetEventType.PUT : LnetEventType.REPLY, status, unlinked)
            .matchBits(p.matchBits).hdrData(p.hdrData).initiator(p.srcNid, p.srcPid).target(nid, pid).portal(p.portal)
            .lengths(mlength, p.rlength, p.offset).send();
        if (unlinked)
        {
            free(md);
        }
    }

    private void sendAck(final RxPending p, final int mlength)
    {
        final Ops.Op op = ops.take(Ops.ACK_SEND, null, p.srcNid, p.srcPid, p.portal, p.matchBits, 0, 0, 0, 0);
        port.claimSend(LNET_MSG_ACK, p.srcNid, p.srcPid, 0, 0, op.index)
            .destNid(p.srcNid).srcNid(nid).destPid(p.srcPid).srcPid(pid).payloadLength(0)
            .wmdInterfaceCookie(p.ackInterfaceCookie).wmdObjectCookie(p.ackObjectCookie)
            .matchBits(p.matchBits).ackMlength(mlength);
        counters.acksOut.incrementOrdered();
        port.commitSend();
    }

    private boolean validPortal(final int portal)
    {
        if (portal < 0 || portal >= portals.count())
        {
            counters.dropBadPortal.incrementOrdered();
            return false;
        }
        return true;
    }

    private boolean matched(final int rc)
    {
        if (rc == Portals.MATCH_OK)
        {
            return true;
        }
        (rc == Portals.MATCH_DROP ? counters.dropTooLong : counters.dropNoMatch).incrementOrdered();
        return false;
    }

    /**
     * @return the live descriptor an ACK or REPLY names, or null (counted).
     */
    private LibMd wireHandle(final LnetHeaderFlyweight header)
    {
        final LibMd md = header.wmdInterfaceCookie() == interfaceCookie ? table.lookup(header.wmdObjectCookie()) : null;
        if (null == md || md.threshold == 0)
        {
            counters.dropBadHandle.incrementOrdered();
            return null;
        }
        return md;
    }

    private void consume(final LibMd md)
    {
        if (md.consume())
        {
            stopMatching(md);
        }
    }

    private void stopMatching(final LibMd md)
    {
        table.withdraw(md);
        portals.remove(md);
    }

    /**
     * Release a descriptor whose last operation is done.
     */
    private void free(final LibMd md)
    {
        if (!md.unlinking)
        {
            stopMatching(md);
        }
        table.free(md);
    }

    /**
     * A matched PUT or REPLY whose payload is coming on a connection: it holds its descriptor until done.
     */
    private RxPending receiving(
        final long connectionId, final int kind, final LibMd md, final LnetHeaderFlyweight header, final int portal,
        final long matchBits, final long hdrData, final int rlength, final int mlength, final int offset)
    {
        md.refs++;
        consume(md);
        final RxPending p = obtain();
        p.kind = kind;
        p.md = md;
        p.srcNid = header.srcNid();
        p.srcPid = header.srcPid();
        p.portal = portal;
        p.matchBits = matchBits;
        p.hdrData = hdrData;
        p.rlength = rlength;
        p.mlength = mlength;
        p.offset = offset;
        p.ack = false;
        if (null != latest)
        {
            pending.put(latestConnectionId, latest);
        }
        latest = p;
        latestConnectionId = connectionId;
        return p;
    }

    private RxPending takePending(final long connectionId)
    {
        if (null != latest && latestConnectionId == connectionId)
        {
            final RxPending p = latest;
            latest = null;
            return p;
        }
        return pending.remove(connectionId);
    }

    private RxPending obtain()
    {
        final RxPending p = rxPool.pollFirst();
        return null == p ? new RxPending() : p;
    }

    private void release(final RxPending p)
    {
        p.md = null;
        rxPool.addLast(p);
    }
}
