#include "proxy/relay/splice.h"
#include "conf/log.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * The pipe between the sockets. 1 MiB (the default pipe-max-size) lets
 * one wake-up move as much as the socket buffers hold; a smaller pipe
 * still works, only with more turns.
 */
#define SPLICE_PIPE	(1 << 20)

struct splice {
	int		 p[2];
	int		 from, to;
	size_t		 cap;		/* the pipe's size */
	size_t		 inpipe;	/* read from `from`, not yet sent */
	uint64_t	 left;		/* still to read from `from` */
	struct event	*rd, *wr;
	struct timeval	 timeout;
	int		 in_cb;		/* freed from the callback: defer */
	int		 freed;
	splice_cb	 cb;
	void		*arg;
};

static void
splice_release(struct splice *sp)
{
	if (sp->rd != NULL)
		event_free(sp->rd);
	if (sp->wr != NULL)
		event_free(sp->wr);
	if (sp->p[0] != -1)
		close(sp->p[0]);
	if (sp->p[1] != -1)
		close(sp->p[1]);
	free(sp);
}

void
splice_free(struct splice *sp)
{
	if (sp == NULL)
		return;
	if (sp->in_cb)
		sp->freed = 1;		/* splice_pump frees on return */
	else
		splice_release(sp);
}

/*
 * Move what both sockets allow now, then wait on whichever side holds
 * the move up. Reports progress and the outcome to the caller.
 */
static void
splice_pump(struct splice *sp, int timed_out)
{
	enum splice_state	 st = SPLICE_MORE;
	size_t			 moved = 0;
	ssize_t			 n;
	int			 from_dry = 0, to_full = 0;

	if (timed_out) {
		st = SPLICE_TIMEOUT;
		goto report;
	}
	for (;;) {
		if (!from_dry && sp->left > 0 && sp->inpipe < sp->cap) {
			size_t want = sp->cap - sp->inpipe;

			if (want > sp->left)
				want = (size_t)sp->left;
			n = splice(sp->from, NULL, sp->p[1], NULL, want,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				sp->left -= (uint64_t)n;
				sp->inpipe += (size_t)n;
			} else if (n == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				st = SPLICE_FAIL_FROM;
				goto report;
			} else if (errno == EAGAIN)
				from_dry = 1;
		}
		if (!to_full && sp->inpipe > 0) {
			n = splice(sp->p[0], NULL, sp->to, NULL, sp->inpipe,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				sp->inpipe -= (size_t)n;
				moved += (size_t)n;
			} else if (n == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				st = SPLICE_FAIL_TO;
				goto report;
			} else if (errno == EAGAIN)
				to_full = 1;
		}
		if (sp->left == 0 && sp->inpipe == 0) {
			st = SPLICE_DONE;
			goto report;
		}
		/* Stuck on both ends (or one end with nothing to do). */
		if ((from_dry || sp->left == 0 || sp->inpipe == sp->cap) &&
		    (to_full || sp->inpipe == 0))
			break;
	}
	/* Read only with room in the pipe; write only when it is full. */
	if (sp->left > 0 && sp->inpipe < sp->cap)
		event_add(sp->rd, &sp->timeout);
	else
		event_del(sp->rd);
	if (sp->inpipe > 0 && to_full)
		event_add(sp->wr, &sp->timeout);
	else
		event_del(sp->wr);
 report:
	if (st != SPLICE_MORE) {
		event_del(sp->rd);
		event_del(sp->wr);
	}
	sp->in_cb = 1;
	sp->cb(sp->arg, moved, sp->left, st);
	sp->in_cb = 0;
	if (sp->freed)
		splice_release(sp);
}

static void
splice_event_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	splice_pump(arg, (what & EV_TIMEOUT) != 0);
}

struct splice *
splice_start(struct event_base *base, int from, int to, uint64_t len,
    const struct timeval *timeout, splice_cb cb, void *arg)
{
	struct splice	*sp;
	int		 sz;

	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	sp->p[0] = sp->p[1] = -1;
	sp->from = from;
	sp->to = to;
	sp->left = len;
	sp->timeout = *timeout;
	sp->cb = cb;
	sp->arg = arg;
	if (pipe2(sp->p, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_warn("splice: no pipe, relaying through memory");
		goto fail;
	}
	if ((sz = fcntl(sp->p[1], F_SETPIPE_SZ, SPLICE_PIPE)) == -1)
		sz = fcntl(sp->p[1], F_GETPIPE_SZ);
	sp->cap = sz > 0 ? (size_t)sz : 65536;
	if ((sp->rd = event_new(base, from, EV_READ, splice_event_cb, sp)) ==
	    NULL || (sp->wr = event_new(base, to, EV_WRITE, splice_event_cb,
	    sp)) == NULL)
		goto fail;
	/* Bytes may be queued already: try at once, from the loop. */
	event_active(sp->rd, EV_READ, 0);
	return sp;
 fail:
	splice_release(sp);
	return NULL;
}
