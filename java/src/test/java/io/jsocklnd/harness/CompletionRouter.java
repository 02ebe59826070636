package io.jsocklnd.harness;

import io.jsocklnd.lnd.CompletionHandler;
import io.jsocklnd.lnd.Node;

import java.util.ArrayList;
import java.util.List;

/**
 * Lets several {@link TrafficSender}s of one node share its completion ring (which has one poller at a
 * time): whoever polls takes the lock and hands each completion to the sender whose plan holds its
 * correlation id (plans of one node must not overlap).
 */
public final class CompletionRouter implements CompletionHandler
{
    private final Node node;
    private final List<TrafficSender> senders = new ArrayList<>();
    private int unrouted;

    /**
     * @param node the node whose completions are shared.
     */
    public CompletionRouter(final Node node)
    {
        this.node = node;
    }

    synchronized void register(final TrafficSender sender)
    {
        senders.add(sender);
    }

    synchronized int poll(final int limit)
    {
        return node.pollCompletions(this, limit);
    }

    public void onCompletion(final long correlationId, final int status)
    {
        for (final TrafficSender sender : senders)
        {
            if (sender.owns(correlationId))
            {
                sender.onCompletion(correlationId, status);
                return;
            }
        }
        unrouted++;
    }

    /**
     * @return completions no registered sender owned.
     */
    public synchronized int unrouted()
    {
        return unrouted;
    }
}
