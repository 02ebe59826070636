package io.jsocklnd.nativeio;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * File-descriptor calls that are not about one socket: files, plain read/write, sendfile, splice and vmsplice.
 * Results follow {@link Errno#ioResult}: 0 means would block; calls that read a stream return -1 at its end.
 */
public final class NativeIo
{
    private NativeIo()
    {
    }

    /**
     * Opens path with O_* flags and mode (for O_CREAT).
     *
     * @return the file descriptor.
     */
    public static int open(final Path path, final int flags, final int mode) throws NativeIoException
    {
        final byte[] bytes = path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer name = DirectMemory.allocate(bytes.length + 1);
        name.putBytes(0, bytes);
        name.putByte(bytes.length, (byte)0);
        final int rc = JslNative.lib().jsl_open(name.addressOffset(), flags, mode);
        if (rc < 0)
        {
            throw Errno.newException("open", -rc, "path=" + path);
        }
        return rc;
    }

    /**
     * Closes fd.
     */
    public static void close(final int fd) throws NativeIoException
    {
        Errno.check("close", JslNative.lib().jsl_close(fd));
    }

    /**
     * read(2) of up to length bytes to address.
     *
     * @return bytes read, 0 when nothing is available, -1 at end of stream.
     */
    public static int read(final int fd, final long address, final int length) throws NativeIoException
    {
        return (int)Errno.readResult("read", JslNative.lib().jsl_read(fd, address, length));
    }

    /**
     * write(2) of length bytes at address; for pipes and files (a socket should use {@link NativeSocket#send}).
     *
     * @return bytes written, 0 when it would block.
     */
    public static int write(final int fd, final long address, final int length) throws NativeIoException
    {
        return (int)Errno.ioResult("write", JslNative.lib().jsl_write(fd, address, length));
    }

    /**
     * writev(2) of the first count entries of iov; for pipes and files.
     *
     * @return bytes written, 0 when it would block.
     */
    public static long writev(final int fd, final IovecArrayFlyweight iov, final int count) throws NativeIoException
    {
        return Errno.ioResult("writev", JslNative.lib().jsl_writev(fd, iov.address(), count));
    }

    /**
     * readv(2) into the first count entries of iov.
     *
     * @return bytes read, 0 when nothing is available, -1 at end of stream.
     */
    public static long readv(final int fd, final IovecArrayFlyweight iov, final int count) throws NativeIoException
    {
        return Errno.readResult("readv", JslNative.lib().jsl_readv(fd, iov.address(), count));
    }

    /**
     * sendfile(2) of up to count bytes of inFd to outFd, from and advancing the off_t at offsetAddress (or the file
     * position when it is 0).
     *
     * @return bytes sent, 0 when outFd is full, -1 when inFd is at its end.
     */
    public static long sendfile(final int outFd, final int inFd, final long offsetAddress, final long count)
        throws NativeIoException
    {
        return Errno.readResult("sendfile", JslNative.lib().jsl_sendfile(outFd, inFd, offsetAddress, count));
    }

    /**
     * splice(2) of up to length bytes from fdIn to fdOut, one of them a pipe, with SPLICE_F_* flags.
     *
     * @return bytes moved, 0 when it would block, -1 when fdIn is at its end.
     */
    public static long splice(final int fdIn, final int fdOut, final long length, final int flags)
        throws NativeIoException
    {
        return Errno.readResult("splice", JslNative.lib().jsl_splice(fdIn, fdOut, length, flags));
    }

    /**
     * splice(2) from a file fdIn at the loff_t at offsetAddress (which advances) into the pipe fdOut.
     *
     * @return bytes moved, 0 when it would block, -1 when fdIn is at its end.
     */
    public static long spliceAt(
        final int fdIn, final long offsetAddress, final int fdOut, final long length, final int flags)
        throws NativeIoException
    {
        return Errno.readResult("splice", JslNative.lib().jsl_splice_at(fdIn, offsetAddress, fdOut, length, flags));
    }

    /**
     * vmsplice(2) of the first count entries of iov into the pipe fd. Without SPLICE_F_GIFT the pipe refers to the
     * pages: leave them unchanged until the data has been read out of the pipe.
     *
     * @return bytes moved, 0 when the pipe is full.
     */
    public static long vmsplice(final int fd, final IovecArrayFlyweight iov, final int count, final int flags)
        throws NativeIoException
    {
        return Errno.ioResult("vmsplice", JslNative.lib().jsl_vmsplice(fd, iov.address(), count, flags));
    }
}
