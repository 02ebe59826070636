package io.jsocklnd.nativeio;

/**
 * The jnr-ffi binding of libjsl; each method is the C function of the same name in {@code native/include/jsl.h}.
 * <p>
 * Every call returns {@code -errno} on failure. Addresses are those of direct memory the caller owns and keeps
 * reachable for the duration of the call (and, for MSG_ZEROCOPY and vmsplice, until the kernel is done with it).
 */
public interface LibJsl
{
    int jsl_abi_version();

    int jsl_noop(int value);

    int jsl_const_count();

    int jsl_const_name(int index, long buf, int cap);

    long jsl_const_value(int index);

    long jsl_page_size();

    int jsl_socket_tcp(int family);

    int jsl_bind(int fd, long addr, int addrlen);

    int jsl_bind_privileged(int fd, long addr, int addrlen, int startPort);

    int jsl_listen(int fd, int backlog);

    int jsl_accept4(int fd, long addr, int addrlen);

    int jsl_connect(int fd, long addr, int addrlen);

    int jsl_finish_connect(int fd);

    int jsl_getsockname(int fd, long addr, int addrlen);

    int jsl_getpeername(int fd, long addr, int addrlen);

    int jsl_setsockopt_int(int fd, int level, int optname, int value);

    int jsl_getsockopt_int(int fd, int level, int optname);

    int jsl_setsockopt(int fd, int level, int optname, long optval, int optlen);

    int jsl_getsockopt(int fd, int level, int optname, long optval, int optlen);

    int jsl_outq(int fd);

    int jsl_shutdown(int fd, int how);

    int jsl_close(int fd);

    int jsl_poll(int fd, int events, int timeoutMs);

    long jsl_read(int fd, long buf, int len);

    long jsl_write(int fd, long buf, int len);

    long jsl_send(int fd, long buf, int len, int flags);

    long jsl_readv(int fd, long iov, int iovcnt);

    long jsl_writev(int fd, long iov, int iovcnt);

    long jsl_sendmsg(int fd, long msg, int flags);

    long jsl_recvmsg(int fd, long msg, int flags);

    int jsl_recv_zc_completion(int fd, long out);

    long jsl_sendfile(int outFd, int inFd, long offset, long count);

    long jsl_splice(int fdIn, int fdOut, long len, int flags);

    long jsl_splice_at(int fdIn, long offIn, int fdOut, long len, int flags);

    long jsl_vmsplice(int fd, long iov, int nrSegs, int flags);

    long jsl_pipe2(int flags);

    int jsl_pipe_set_size(int fd, int size);

    int jsl_pipe_get_size(int fd);

    int jsl_open(long path, int flags, int mode);

    int jsl_epoll_create1(int flags);

    int jsl_epoll_ctl(int epfd, int op, int fd, int events, long data);

    int jsl_epoll_wait(int epfd, long events, int maxevents, int timeoutMs);

    int jsl_eventfd(int initval, int flags);
}
