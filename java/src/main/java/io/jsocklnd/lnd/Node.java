package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.JslNative;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An LNet node speaking socklnd over TCP: a conductor (acceptor, hellos, reconnects) and an IO agent
 * (sends, receives, ZC-ACKs). Application threads send through a ring buffer and poll completions from
 * another; neither path allocates or locks.
 */
public final class Node implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final NodeConfig config;
    private final RingBuffer sendRing;
    private final RingBuffer completionRing;
    private final Conductor conductor;
    private final IoAgent ioAgent;
    /** Wakes the conductor's own thread, or null when the IO agent's thread runs it. */
    private final Wakeup conductorWakeup;
    private final CounterSet conductorCounters = new CounterSet();
    private final CounterSet ioCounters = new CounterSet();
    private final AtomicLong agentErrors = new AtomicLong();
    private final AgentRunner[] runners;
    private final AgentInvoker invoker;
    private final org.agrona.concurrent.MessageHandler completionReader;
    private CompletionHandler completionTarget;

    private Node(
        final NodeConfig config,
        final MessageHandler handler,
        final CompletionHandler completions,
        final NanoClock clock) throws NativeIoException
    {
        JslNative.ensureAvailable();
        this.config = config;
        sendRing = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(config.sendRingCapacity() + RingBufferDescriptor.TRAILER_LENGTH)));
        completionRing = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(config.completionRingCapacity() + RingBufferDescriptor.TRAILER_LENGTH)));
        final OneToOneConcurrentArrayQueue<AgentMessages.ToIo> toIo = new OneToOneConcurrentArrayQueue<>(4096);
        final OneToOneConcurrentArrayQueue<AgentMessages.ToConductor> toConductor = new OneToOneConcurrentArrayQueue<>(4096);

        // Each agent thread waits for work in an epoll set when idle, woken by an eventfd when another thread hands
        // it work. A thread that runs both agents waits in the IO agent's set, which watches the conductor's.
        final boolean conductorThread = config.threadingMode() == NodeConfig.ThreadingMode.DEDICATED;
        Wakeup ioWakeup = null;
        Wakeup conductorWakeup = null;
        IoAgent io = null;
        Conductor c = null;
        boolean made = false;
        try
        {
            ioWakeup = new Wakeup();
            conductorWakeup = conductorThread ? new Wakeup() : null;
            io = new IoAgent(config, handler, sendRing, completionRing, completions, toIo, toConductor, clock,
                ioCounters, ioWakeup, conductorWakeup);
            c = new Conductor(config, toIo, toConductor, clock, conductorCounters, conductorWakeup, ioWakeup);
            if (!conductorThread)
            {
                io.watchConductor(c.epollFd(), c::onSocketsReady);
                c.watchedByIoAgent();
            }
            made = true;
        }
        finally
        {
            if (!made)
            {
                // Each agent closes its own wake-up; what no agent took over is closed here.
                if (null != c)
                {
                    c.onClose();
                }
                else
                {
                    CloseHelper.quietClose(conductorWakeup);
                }
                if (null != io)
                {
                    io.onClose();
                }
                else
                {
                    CloseHelper.quietClose(ioWakeup);
                }
            }
        }
        ioAgent = io;
        this.conductorWakeup = conductorWakeup;
        conductor = c;
        completionReader = (msgTypeId, buffer, index, length) ->
            completionTarget.onCompletion(buffer.getLong(index), buffer.getInt(index + 8));

        final ErrorHandler errorHandler = throwable ->
        {
            agentErrors.incrementAndGet();
            LOG.error("agent error", throwable);
        };
        switch (config.threadingMode())
        {
            case DEDICATED:
                runners = new AgentRunner[]{
                    // Only the thread that carries messages spins: a spinning conductor would take a CPU from it.
                    new AgentRunner(new SleepingIdleStrategy(conductor), errorHandler, null, conductor),
                    new AgentRunner(config.busySpin() ? new BusySpinIdleStrategy() : new SleepingIdleStrategy(ioAgent),
                        errorHandler, null, ioAgent)};
                invoker = null;
                break;
            case SHARED:
                final IoAgent sharedIo = ioAgent;
                final Conductor sharedConductor = conductor;
                final BooleanSupplier eitherHasWork = () -> sharedConductor.hasQueuedInput() || sharedIo.hasQueuedInput();
                final SleepingIdleStrategy.Sleeper bothAgents = () -> sharedIo.sleepUntilWork(
                    Math.min(sharedIo.timerWaitMs(), sharedConductor.waitMs()), eitherHasWork);
                runners = new AgentRunner[]{
                    new AgentRunner(config.busySpin() ? new BusySpinIdleStrategy() : new SleepingIdleStrategy(bothAgents),
                        errorHandler, null, new CompositeAgent(conductor, ioAgent))};
                invoker = null;
                break;
            default:
                runners = new AgentRunner[0];
                invoker = new AgentInvoker(errorHandler, null, new CompositeAgent(conductor, ioAgent));
                break;
        }
    }

    /**
     * Start a node: conclude its settings ({@link NodeConfig#conclude()}), then bind its acceptor and start its
     * agents (unless in invoker mode).
     *
     * @param config  settings; left as they are, the node keeps a concluded copy ({@link #config()}).
     * @param handler the layer above, told of every received message.
     * @return the running node.
     * @throws NativeIoException        if the acceptor cannot listen.
     * @throws IllegalArgumentException if the settings conflict, before anything is opened.
     */
    public static Node start(final NodeConfig config, final MessageHandler handler) throws NativeIoException
    {
        return start(config, handler, null, new SystemNanoClock());
    }

    /**
     * Start a node for a layer above that runs on the IO agent thread, as LNet does over an LND: it sends through
     * the {@link LndPort} its handler is given in {@link MessageHandler#onStart(LndPort)} and is told of every
     * completion on that thread, by a direct call, instead of through {@link #pollCompletions} (which then
     * delivers nothing). Application threads may still use {@link #send}; their completions go to the same
     * handler.
     *
     * @param config      settings.
     * @param handler     the layer above, told of every received message.
     * @param completions the layer above, told of every completed send on the IO agent thread.
     * @return the running node.
     * @throws NativeIoException if the acceptor cannot listen.
     */
    public static Node start(final NodeConfig config, final MessageHandler handler, final CompletionHandler completions)
        throws NativeIoException
    {
        return start(config, handler, completions, new SystemNanoClock());
    }

    /**
     * Start a node whose agents read the time from {@code clock} (tests move it to drive timers).
     */
    static Node start(
        final NodeConfig config,
        final MessageHandler handler,
        final CompletionHandler completions,
        final NanoClock clock) throws NativeIoException
    {
        final Node node = new Node(config.conclude(), handler, completions, clock);
        for (final AgentRunner runner : node.runners)
        {
            AgentRunner.startOnThread(runner);
        }
        if (null != node.invoker)
        {
            node.invoker.start();
        }
        return node;
    }

    /**
     * @return the concluded settings this node runs with, which refuse every setter.
     */
    public NodeConfig config()
    {
        return config;
    }

    /**
     * Queue an LNet message to a peer. The payload memory must stay untouched until the completion for
     * {@code correlationId} has been polled: a payload of {@link NodeConfig#zcMinPayload()} or more sent on a
     * V2 or newer connection goes out zero-copy and completes only when the peer's ZC-ACK has arrived.
     * The node knows the payload by address only: keep the buffer that owns it reachable until then (a direct
     * buffer nobody references any more may be freed, and the send fails with {@code -EFAULT} or carries
     * whatever that memory holds by then).
     *
     * @param dstNid         the peer's NID.
     * @param dstPid         the peer's PID.
     * @param header         the 72-byte nid4 LNet header, little-endian (see {@link LnetHeaderFlyweight}).
     * @param headerOffset   its offset in {@code header}.
     * @param payloadAddress native address of the payload (0 if none).
     * @param payloadLength  payload bytes; must equal the header's {@code payload_length}.
     * @param correlationId  returned with the completion.
     * @return false if the send ring is full (back pressure: try again later).
     */
    public boolean send(
        final long dstNid,
        final int dstPid,
        final DirectBuffer header,
        final int headerOffset,
        final long payloadAddress,
        final int payloadLength,
        final long correlationId)
    {
        return write(SendCommand.SEND_MSG_TYPE, dstNid, dstPid, header, headerOffset, payloadAddress, payloadLength,
            -1, 0, correlationId);
    }

    /**
     * Queue an LNet message whose payload is a region of an open file, sent by sendfile. The descriptor must
     * stay open and the region unchanged until the completion for {@code correlationId} has been polled; a
     * region of {@link NodeConfig#zcMinPayload()} or more on a V2 or newer connection is a ZC request and
     * completes on the peer's ZC-ACK.
     *
     * @param dstNid        the peer's NID.
     * @param dstPid        the peer's PID.
     * @param header        the 72-byte nid4 LNet header, little-endian.
     * @param headerOffset  its offset in {@code header}.
     * @param fd            an open, readable file descriptor.
     * @param fileOffset    where the region starts in the file.
     * @param length        region bytes; must equal the header's {@code payload_length}.
     * @param correlationId returned with the completion.
     * @return false if the send ring is full (back pressure: try again later).
     */
    public boolean sendFile(
        final long dstNid,
        final int dstPid,
        final DirectBuffer header,
        final int headerOffset,
        final int fd,
        final long fileOffset,
        final int length,
        final long correlationId)
    {
        return write(SendCommand.SEND_FILE_MSG_TYPE, dstNid, dstPid, header, headerOffset, 0, length, fd, fileOffset,
            correlationId);
    }

    /**
     * Write a send command straight into the ring (no staging copy): the header is copied once here and once more
     * by the IO agent, into the slot it is sent from.
     */
    private boolean write(
        final int msgTypeId,
        final long dstNid,
        final int dstPid,
        final DirectBuffer header,
        final int headerOffset,
        final long payloadAddress,
        final int payloadLength,
        final int fd,
        final long fileOffset,
        final long correlationId)
    {
        final int index = sendRing.tryClaim(msgTypeId, SendCommand.LENGTH);
        if (index < 0)
        {
            return false;
        }
        final AtomicBuffer record = sendRing.buffer();
        record.putLong(index + SendCommand.CORRELATION_ID_OFFSET, correlationId);
        record.putLong(index + SendCommand.DST_NID_OFFSET, dstNid);
        record.putInt(index + SendCommand.DST_PID_OFFSET, dstPid);
        record.putInt(index + SendCommand.PAYLOAD_LENGTH_OFFSET, payloadLength);
        record.putLong(index + SendCommand.PAYLOAD_ADDRESS_OFFSET, payloadAddress);
        record.putLong(index + SendCommand.FILE_OFFSET_OFFSET, fileOffset);
        record.putInt(index + SendCommand.FILE_FD_OFFSET, fd);
        record.putBytes(index + SendCommand.HEADER_OFFSET, header, headerOffset, LnetHeaderFlyweight.LENGTH);
        sendRing.commit(index);
        ioAgent.wakeup.wake();
        return true;
    }

    /**
     * Close every connection to a peer, as {@code lctl disconnect} does; sends after it connect again. What
     * the node learned about the peer (an older protocol it speaks) is kept.
     *
     * @param peerNid the peer's NID.
     * @return false if the send ring is full (try again later).
     */
    public boolean disconnect(final long peerNid)
    {
        final int index = sendRing.tryClaim(SendCommand.DISCONNECT_MSG_TYPE, SendCommand.LENGTH);
        if (index < 0)
        {
            return false;
        }
        sendRing.buffer().setMemory(index, SendCommand.LENGTH, (byte)0);
        sendRing.buffer().putLong(index + SendCommand.DST_NID_OFFSET, peerNid);
        sendRing.commit(index);
        ioAgent.wakeup.wake();
        return true;
    }

    /**
     * Tell the IO agent that work waits for it in a ring its layer above reads on the IO thread
     * ({@link MessageHandler#onDutyCycle()}): it is woken if it waits for work. Any thread, after writing that
     * ring; {@link #send} does this by itself.
     */
    public void wakeIoAgent()
    {
        ioAgent.wakeup.wake();
    }

    /**
     * Deliver completed sends to a handler on the calling thread (one poller at a time). Completions are
     * never dropped: while the completion ring is full the node takes no new sends, so {@link #send} starts
     * returning false until completions are polled.
     *
     * @param handler told of each completion.
     * @param limit   most completions to deliver.
     * @return completions delivered.
     */
    public int pollCompletions(final CompletionHandler handler, final int limit)
    {
        completionTarget = handler;
        return completionRing.read(completionReader, limit);
    }

    /**
     * Run one duty cycle of both agents (invoker mode only).
     *
     * @return work done.
     */
    public int doWork()
    {
        if (null == invoker)
        {
            throw new IllegalStateException("doWork is for ThreadingMode.INVOKER");
        }
        return invoker.invoke();
    }

    /**
     * Continue a receive left waiting by {@link RxDecision#await()} (invoker mode, or on the IO thread).
     *
     * @param connectionId the connection.
     * @param address      payload destination, 0 to drop.
     * @param capacity     bytes available there.
     * @return true if the connection was waiting.
     */
    public boolean resumeReceive(final long connectionId, final long address, final int capacity)
    {
        return ioAgent.resumeReceive(connectionId, address, capacity);
    }

    /**
     * Every counter of the node (acceptor, peers, connections, sends), readable while it runs. The counter
     * {@code node agent_errors} counts exceptions that escaped an agent's work cycle (each is logged); a node
     * that works as it should keeps it at zero.
     *
     * @return label to value.
     */
    public Map<String, Long> counters()
    {
        final Map<String, Long> all = new LinkedHashMap<>(conductorCounters.snapshot());
        ioCounters.snapshot().forEach((k, v) -> all.merge(k, v, Long::sum));
        all.put("node agent_errors", agentErrors.get());
        return all;
    }

    /**
     * Live connections: one line each, {@code "conn#ID NID TYPE Vn"}.
     *
     * @return connection lines, in the order they were established.
     */
    public List<String> connections()
    {
        return ioAgent.establishedConnections();
    }

    public void close()
    {
        ioAgent.wakeup.stop();
        if (null != conductorWakeup)
        {
            conductorWakeup.stop();
        }
        CloseHelper.closeAll(runners);
        if (null != invoker)
        {
            invoker.close();
        }
    }
}
