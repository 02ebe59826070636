package io.jsocklnd.lnet;

/**
 * Told of each event taken from an {@link EventQueue}; the event flyweight is valid only during the call.
 */
@FunctionalInterface
public interface EventHandler
{
    /**
     * One event.
     *
     * @param event the event, read in place from the queue.
     */
    void onEvent(LnetEvent event);
}
