package io.jsocklnd.lnd;

/**
 * Told once per send that it completed: the payload memory may be reused.
 */
@FunctionalInterface
public interface CompletionHandler
{
    /**
     * A send completed.
     *
     * @param correlationId the id given to {@link Node#send}.
     * @param status        0 on success, else a negative errno ({@code -EIO}, {@code -ETIMEDOUT}, ...).
     */
    void onCompletion(long correlationId, int status);
}
