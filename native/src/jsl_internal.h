/* Helpers shared by the jsl_*.c files; not part of the contract. */
#ifndef JSL_INTERNAL_H
#define JSL_INTERNAL_H

#include <errno.h>
#include <stdint.h>

#include "jsl.h"

/* Evaluates a libc call until it stops failing with EINTR; yields its result or -errno. */
#define JSL_RETRY(call)                                        \
    ({                                                         \
        long jsl_r_;                                           \
        do {                                                   \
            jsl_r_ = (long)(call);                             \
        } while (jsl_r_ == -1 && errno == EINTR);              \
        jsl_r_ == -1 ? (long)-errno : jsl_r_;                  \
    })

/* Yields 0 or -errno for a libc call that returns 0 or -1 and must not be retried. */
#define JSL_ONCE(call) ((call) == -1 ? -errno : 0)

#define JSL_PTR(addr) ((void *)(intptr_t)(addr))

#endif
