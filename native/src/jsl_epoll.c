/* epoll: create, control, wait; eventfd to wake a waiting thread. */
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "jsl_internal.h"

int jsl_epoll_create1(int flags)
{
    return (int)JSL_RETRY(epoll_create1(flags));
}

int jsl_epoll_ctl(int epfd, int op, int fd, int events, int64_t data)
{
    struct epoll_event ev = { .events = (uint32_t)events, .data.u64 = (uint64_t)data };
    return (int)JSL_RETRY(epoll_ctl(epfd, op, fd, &ev));
}

int jsl_epoll_wait(int epfd, int64_t events, int maxevents, int timeout_ms)
{
    return (int)JSL_RETRY(epoll_wait(epfd, JSL_PTR(events), maxevents, timeout_ms));
}

int jsl_eventfd(int initval, int flags)
{
    return (int)JSL_RETRY(eventfd((unsigned int)initval, flags));
}
