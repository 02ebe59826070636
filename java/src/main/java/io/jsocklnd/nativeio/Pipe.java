package io.jsocklnd.nativeio;

/**
 * A kernel pipe, the middle of a splice or vmsplice path.
 */
public final class Pipe implements AutoCloseable
{
    private final LibJsl lib;
    private int readFd;
    private int writeFd;

    private Pipe(final LibJsl lib, final int readFd, final int writeFd)
    {
        this.lib = lib;
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /**
     * Opens a pipe with flags {@link NativeConstants#O_NONBLOCK} and/or {@link NativeConstants#O_CLOEXEC}.
     */
    public static Pipe open(final int flags) throws NativeIoException
    {
        final LibJsl lib = JslNative.lib();
        final long fds = Errno.check("pipe2", lib.jsl_pipe2(flags));
        return new Pipe(lib, (int)(fds >>> 32), (int)fds);
    }

    /**
     * The read end.
     */
    public int readFd()
    {
        return readFd;
    }

    /**
     * The write end.
     */
    public int writeFd()
    {
        return writeFd;
    }

    /**
     * Asks for at least size bytes of capacity (F_SETPIPE_SZ).
     *
     * @return the capacity the kernel chose.
     */
    public int capacity(final int size) throws NativeIoException
    {
        return (int)Errno.check("pipe_set_size", lib.jsl_pipe_set_size(writeFd, size));
    }

    /**
     * The capacity in bytes (F_GETPIPE_SZ).
     */
    public int capacity() throws NativeIoException
    {
        return (int)Errno.check("pipe_get_size", lib.jsl_pipe_get_size(readFd));
    }

    /**
     * Closes both ends; further calls do nothing.
     */
    public void close() throws NativeIoException
    {
        final int r = readFd;
        final int w = writeFd;
        readFd = -1;
        writeFd = -1;
        final int rcRead = r >= 0 ? lib.jsl_close(r) : 0;
        final int rcWrite = w >= 0 ? lib.jsl_close(w) : 0;
        Errno.check("close", Math.min(rcRead, rcWrite));
    }
}
