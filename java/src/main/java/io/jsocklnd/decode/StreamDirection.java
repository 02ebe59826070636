package io.jsocklnd.decode;

/**
 * Which way the bytes of a record travelled.
 */
public enum StreamDirection
{
    /** From the client (the active side, which connects to the acceptor) to the server. */
    C2S("c2s"),
    /** From the server (the passive side) to the client. */
    S2C("s2c");

    private final String text;

    StreamDirection(final String text)
    {
        this.text = text;
    }

    /**
     * @return {@code c2s} or {@code s2c}.
     */
    public String text()
    {
        return text;
    }
}
