/*
 * A Content-Length body moved from one plain socket to another through
 * a kernel pipe (splice(2)), so its bytes never enter user space: the
 * relay then costs a few system calls per pipe-full instead of two
 * copies of every byte. Used when nothing in the proxy needs to see the
 * bytes (no scan wants them, no TLS on either side).
 *
 * The caller hands both sockets over with nothing buffered on either
 * side (its own reading of `from` paused, nothing queued for `to`) and
 * gets them back when the body has moved or the move failed.
 */
#ifndef PROXY_RELAY_SPLICE_H
#define PROXY_RELAY_SPLICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct event_base;
struct splice;

enum splice_state {
	SPLICE_MORE,		/* progress; still moving */
	SPLICE_DONE,		/* every byte delivered */
	SPLICE_FAIL_FROM,	/* the sender closed or failed mid-body */
	SPLICE_FAIL_TO,		/* the receiver would take no more */
	SPLICE_TIMEOUT		/* no progress for the timeout */
};

/*
 * moved: bytes delivered to `to` since the last call; left: bytes still
 * to read from `from`. After anything but SPLICE_MORE the caller frees
 * the splice (it may do so from inside the callback).
 */
typedef void (*splice_cb)(void *arg, size_t moved, uint64_t left,
    enum splice_state);

/*
 * Start moving len bytes from from to to. NULL (logged) when a pipe
 * cannot be had: the caller relays the body its usual way.
 */
struct splice	*splice_start(struct event_base *, int from, int to,
		    uint64_t len, const struct timeval *timeout, splice_cb,
		    void *arg);
/* Stop (bytes in flight are lost: only when done or giving up). */
void		 splice_free(struct splice *);

#endif
