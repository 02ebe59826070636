package io.jsocklnd.cli;

import io.jsocklnd.lnd.NodeConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.concurrent.TimeUnit;

/**
 * Node options shared by the LNet subcommands, named after the ksocklnd and LNet module parameters
 * ({@code accept}, {@code accept_port}, {@code conns_per_peer}, {@code min_bulk}, {@code sock_timeout},
 * {@code keepalive}, {@code nagle}, {@code tx_buffer_size}, {@code rx_buffer_size}, {@code zc_min_payload}).
 */
public final class EngineOptions
{
    @Option(names = "--port", defaultValue = "988", description = "Acceptor port (accept_port, default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--accept", defaultValue = "secure", description = "Source ports admitted: secure, all or none (accept, default ${DEFAULT-VALUE}).")
    String accept;

    @Option(names = "--proto", defaultValue = "v3", description = "Protocol: v3 (current, falls back to older peers), or v2/v1 to behave as a legacy socklnd of that version that speaks only it (default ${DEFAULT-VALUE}).")
    String proto;

    @Option(names = "--zc", description = "Zero-copy send mode: auto, splice, msg_zerocopy or copy.")
    String zc;

    @Option(names = "--zc-min-payload", description = "Smallest payload sent zero-copy, bytes (zc_min_payload).")
    Integer zcMinPayload;

    @Option(names = "--conns-per-peer",
        description = "BULK_IN and BULK_OUT connections opened per peer, 0 for automatic by link speed (conns_per_peer).")
    Integer connsPerPeer;

    @Option(names = "--min-bulk", description = "Message size from which a bulk connection is used, bytes (min_bulk).")
    Integer minBulk;

    @Option(names = "--sock-timeout", description = "Dead socket and stuck message timeout, seconds (sock_timeout).")
    Integer sockTimeout;

    @Option(names = "--keepalive", description = "Idle seconds before a V3 keepalive NOOP, 0 disables (keepalive).")
    Integer keepalive;

    @Option(names = "--peer-idle-timeout", description = "Seconds a peer with no connection and nothing queued is remembered, with its counters, before it is forgotten (default 10).")
    Double peerIdleTimeout;

    @Option(names = "--nagle", description = "Keep Nagle's algorithm on (nagle; off by default).")
    boolean nagle;

    @Option(names = "--enable-csum", description = "Put a checksum in ksm_csum of sends on V2 connections (enable_csum; off by default).")
    boolean enableCsum;

    @Option(names = "--tx-buffer-size", description = "SO_SNDBUF bytes, 0 = system default (tx_buffer_size).")
    Integer txBufferSize;

    @Option(names = "--rx-buffer-size", description = "SO_RCVBUF bytes, 0 = system default (rx_buffer_size).")
    Integer rxBufferSize;

    @Option(names = "--busy-spin", description = "Agent threads spin when idle (lowest latency, one core each).")
    boolean busySpin;

    /**
     * Build the node settings and conclude them, so that settings in conflict are a usage error.
     *
     * @param commandLine for usage errors.
     * @param nid         the node's NID.
     * @return the concluded settings.
     */
    NodeConfig toConfig(final CommandLine commandLine, final String nid)
    {
        final NodeConfig config = new NodeConfig();
        try
        {
            config.nid(nid).port(port);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(commandLine, ex.getMessage());
        }
        switch (accept)
        {
            case "secure" -> config.acceptMode(NodeConfig.AcceptMode.SECURE);
            case "all" -> config.acceptMode(NodeConfig.AcceptMode.ALL);
            case "none" -> config.acceptMode(NodeConfig.AcceptMode.NONE);
            default -> throw new CommandLine.ParameterException(commandLine, "bad --accept: " + accept);
        }
        final int version = switch (proto)
        {
            case "v1" -> 1;
            case "v2" -> 2;
            case "v3" -> 3;
            default -> throw new CommandLine.ParameterException(commandLine, "bad --proto: " + proto);
        };
        config.legacyProtocol(version);
        if (null != zc)
        {
            switch (zc)
            {
                case "auto" -> config.zcMode(NodeConfig.ZcMode.AUTO);
                case "splice" -> config.zcMode(NodeConfig.ZcMode.SPLICE);
                case "msg_zerocopy" -> config.zcMode(NodeConfig.ZcMode.MSG_ZEROCOPY);
                case "copy" -> config.zcMode(NodeConfig.ZcMode.COPY);
                default -> throw new CommandLine.ParameterException(commandLine, "bad --zc: " + zc);
            }
        }
        if (null != zcMinPayload)
        {
            config.zcMinPayload(zcMinPayload);
        }
        try
        {
            if (null != connsPerPeer)
            {
                config.connsPerPeer(connsPerPeer);
            }
            if (null != minBulk)
            {
                config.minBulk(minBulk);
            }
            if (null != sockTimeout)
            {
                config.sockTimeout(sockTimeout, TimeUnit.SECONDS);
            }
            if (null != keepalive)
            {
                config.keepalive(keepalive, TimeUnit.SECONDS);
            }
            if (null != peerIdleTimeout)
            {
                config.peerIdleTimeout(Math.round(peerIdleTimeout * 1000), TimeUnit.MILLISECONDS);
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(commandLine, ex.getMessage());
        }
        config.nagle(nagle);
        config.enableCsum(enableCsum);
        config.bufferSizes(null == txBufferSize ? 0 : txBufferSize, null == rxBufferSize ? 0 : rxBufferSize);
        config.busySpin(busySpin);
        config.reconnect(200, 10_000, TimeUnit.MILLISECONDS);
        try
        {
            return config.conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(commandLine, ex.getMessage());
        }
    }
}
