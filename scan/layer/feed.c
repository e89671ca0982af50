#include "scan/layer/feed.h"
#include "conf/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Spilled bytes handed to the scanner per read. */
#define FEED_SPILL_READ	(256u << 10)
/*
 * A spilling feed never holds the upload up. Once its scan is surely
 * reading an archive (FEED_NICE_AFTER bytes in) it runs at a low
 * priority. Not before: a blob that is no archive should be given up
 * on at once, before it spills.
 */
#define FEED_NICE	19
#define FEED_NICE_AFTER	(1u << 20)

struct feed_budget {
	pthread_mutex_t		 mu;
	uint64_t		 used, max;
};

struct feed_chunk {
	struct feed_chunk	*next;
	size_t			 len;
	char			 data[];
};

struct feed {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* the consumer waits on it */
	pthread_cond_t		 room;		/* feed_refill waits on it */
	struct feed_chunk	*head, *tail;
	struct feed_chunk	*reading;	/* handed to libarchive */
	size_t			 queued, bound;
	int			 finished, aborted, was_full;
	int			 consumer_done;	/* scan over: discard input */
	/*
	 * Past the bound, bytes go to an unlinked file instead of making
	 * the producer wait: spill_r..spill_w is unread. While any is
	 * unread, new bytes are appended there too, so order is kept.
	 */
	char			*spill_dir;	/* NULL: no spilling */
	int			 spill_fd;	/* -1 until first needed */
	uint64_t		 spill_r, spill_w, spill_max;
	uint64_t		 spilled;	/* bytes ever spilled */
	struct feed_budget	*budget;	/* NULL: only spill_max */
	int			 blocked;	/* the budget said no */
	/*
	 * FEED_BEHIND_DROP: past the bound, bytes from drop_at on are
	 * dropped; feed_refill brings them back after the stream.
	 */
	int			 drop, dropping;
	uint64_t		 queued_ever, drop_at;
	uint64_t		 consumed;	/* bytes the scanner took */
	int			 niced;
	pthread_t		 thread;
	struct layer_limits	 lim;
	const struct layer_link	*links;		/* a second pass: opts' */
	size_t			 nlinks;
	void			(*done)(struct layer_result *, int, void *);
	void			(*drained)(void *);
	void			*arg;
};

struct feed_budget *
feed_budget_new(uint64_t max)
{
	struct feed_budget	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	pthread_mutex_init(&b->mu, NULL);
	b->max = max;
	return b;
}

void
feed_budget_free(struct feed_budget *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->mu);
	free(b);
}

uint64_t
feed_budget_used(struct feed_budget *b)
{
	uint64_t	n;

	pthread_mutex_lock(&b->mu);
	n = b->used;
	pthread_mutex_unlock(&b->mu);
	return n;
}

/* Room for n more bytes on disk? force: take them anyway (overdraft). */
static int
feed_budget_take(struct feed_budget *b, uint64_t n, int force)
{
	int	rv = -1;

	if (b == NULL)
		return 0;
	pthread_mutex_lock(&b->mu);
	if (force || b->used + n <= b->max) {
		b->used += n;
		rv = 0;
	}
	pthread_mutex_unlock(&b->mu);
	return rv;
}

static void
feed_budget_give(struct feed_budget *b, uint64_t n)
{
	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	b->used = n < b->used ? b->used - n : 0;
	pthread_mutex_unlock(&b->mu);
}

/* Lock held: the spill file is empty again; its disk goes back. */
static void
feed_spill_release(struct feed *f)
{
	if (f->spill_w > 0) {
		feed_budget_give(f->budget, f->spill_w);
		if (ftruncate(f->spill_fd, 0) == -1)
			log_warnx("feed: cannot truncate the spill file");
	}
	f->spill_r = f->spill_w = 0;
	f->blocked = 0;
}

/* Consumer side: the layer scanner's read callback. */
/* Unread spilled bytes, into a chunk of their own. -1 on error. */
static ssize_t
feed_read_spill(struct feed *f, const void **buf)
{
	struct feed_chunk	*c;
	uint64_t		 off = f->spill_r;
	size_t			 want = f->spill_w - f->spill_r;
	ssize_t			 n;

	if (want > FEED_SPILL_READ)
		want = FEED_SPILL_READ;
	if ((c = malloc(sizeof(*c) + want)) == NULL)
		return -1;
	/* Only this thread reads; the producer appends past spill_w. */
	pthread_mutex_unlock(&f->mu);
	n = pread(f->spill_fd, c->data, want, (off_t)off);
	pthread_mutex_lock(&f->mu);
	if (n <= 0) {
		log_warnx("feed: spill file read failed");
		free(c);
		return -1;
	}
	c->len = (size_t)n;
	f->spill_r += (uint64_t)n;
	if (f->spill_r == f->spill_w)
		feed_spill_release(f);	/* caught up: memory again */
	f->reading = c;
	*buf = c->data;
	return n;
}

/* Consumer side: the layer scanner's read callback. */
static ssize_t
feed_read(void *arg, const void **buf)
{
	struct feed	*f = arg;
	ssize_t		 n;
	int		 notify = 0;

	pthread_mutex_lock(&f->mu);
	/* The previous chunk has been consumed by libarchive by now. */
	free(f->reading);
	f->reading = NULL;
	/*
	 * Once bytes spill, the scan has fallen behind the upload and
	 * cannot finish first. Competing for the CPU would only slow the
	 * push (the relay and the registry need it; a low priority is not
	 * enough on a busy machine), so the scan waits for the stream to
	 * end and then catches up from the file at full speed. Unless the
	 * disk budget stopped the spilling: then the producer waits for
	 * the scan, which must read on.
	 */
	while (f->head == NULL && !f->finished && !f->aborted &&
	    !(f->blocked && f->spill_r < f->spill_w))
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->aborted) {
		n = -1;
	} else if (f->head != NULL) {
		/* Memory first: it holds what came before any spill. */
		f->reading = f->head;
		f->head = f->head->next;
		if (f->head == NULL)
			f->tail = NULL;
		f->queued -= f->reading->len;
		*buf = f->reading->data;
		n = (ssize_t)f->reading->len;
		if (f->drop)
			pthread_cond_signal(&f->room);
	} else if (f->spill_r < f->spill_w) {
		n = feed_read_spill(f, buf);
	} else {
		n = 0;		/* finished and drained */
	}
	if (f->was_full && f->queued < f->bound / 2 && f->spill_r == f->spill_w) {
		f->was_full = 0;
		f->blocked = 0;		/* the budget may have room again */
		notify = 1;
	}
	if (n > 0)
		f->consumed += (uint64_t)n;
	pthread_mutex_unlock(&f->mu);
	if ((f->spill_dir != NULL || f->drop) && !f->niced &&
	    f->consumed > FEED_NICE_AFTER) {
		f->niced = 1;
		if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
		    FEED_NICE) == -1)
			log_debug("feed: cannot lower the scanner's priority");
	}
	if (notify && f->drained != NULL)
		f->drained(f->arg);
	return n;
}

static void *
feed_thread(void *arg)
{
	struct feed		*f = arg;
	struct layer_result	*r = calloc(1, sizeof(*r));
	struct feed_chunk	*c;
	int			 rv = -1;

	if (r != NULL)
		rv = layer_scan_links(r, &f->lim, feed_read, f, f->links,
		    f->nlinks);
	/*
	 * The scan may end before the stream does (not an archive, a
	 * corrupt one): from now on bytes are accepted and dropped, so the
	 * producer is never left waiting for a drain that cannot come.
	 */
	pthread_mutex_lock(&f->mu);
	f->consumer_done = 1;
	while ((c = f->head) != NULL) {
		f->head = c->next;
		free(c);
	}
	f->tail = NULL;
	f->queued = 0;
	feed_spill_release(f);
	pthread_cond_broadcast(&f->room);
	pthread_mutex_unlock(&f->mu);
	f->done(r, rv, f->arg);
	return NULL;
}

struct feed *
feed_start(const struct feed_opts *o, const struct layer_limits *lim,
    void (*done)(struct layer_result *, int, void *), void (*drained)(void *),
    void *arg)
{
	struct feed	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->spill_fd = -1;
	f->spill_max = o->spill_max;
	f->budget = o->budget;
	f->drop = o->behind == FEED_BEHIND_DROP;
	if (o->behind == FEED_BEHIND_SPILL && o->spill_dir != NULL &&
	    (f->spill_dir = strdup(o->spill_dir)) == NULL) {
		free(f);
		return NULL;
	}
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	pthread_cond_init(&f->room, NULL);
	f->bound = o->bound;
	f->lim = *lim;
	f->links = o->links;
	f->nlinks = o->nlinks;
	f->done = done;
	f->drained = drained;
	f->arg = arg;
	if (pthread_create(&f->thread, NULL, feed_thread, f) != 0) {
		log_warnx("feed: cannot start a scanner thread");
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		pthread_cond_destroy(&f->room);
		free(f->spill_dir);
		free(f);
		return NULL;
	}
	return f;
}

/*
 * Append to the spill file (lock held). 0, or -1: spilling is off or
 * over its bounds. force: bytes the producer already holds and cannot
 * put back go over the budget, but block further spilling.
 */
static int
feed_spill(struct feed *f, const void *buf, size_t len, int force)
{
	if (f->spill_dir == NULL || f->spill_w + len > f->spill_max ||
	    (f->blocked && !force))
		return -1;
	if (feed_budget_take(f->budget, len, 0) == -1) {
		/* Over the disk budget: let the scan drain it. */
		f->blocked = 1;
		pthread_cond_signal(&f->cv);
		if (!force || feed_budget_take(f->budget, len, 1) == -1)
			return -1;
	}
	if (f->spill_fd == -1 && (f->spill_fd = open(f->spill_dir,
	    O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) == -1) {
		log_warn("feed: no spill file in %s, backpressure instead",
		    f->spill_dir);
		feed_budget_give(f->budget, len);
		free(f->spill_dir);
		f->spill_dir = NULL;
		return -1;
	}
	if (pwrite(f->spill_fd, buf, len, (off_t)f->spill_w) != (ssize_t)len) {
		log_warn("feed: spill write failed, backpressure instead");
		feed_budget_give(f->budget, len);
		return -1;
	}
	f->spill_w += len;
	f->spilled += len;
	return 0;
}

/* Lock held: bytes to the memory queue, for the consumer. 0 or -1. */
static int
feed_append(struct feed *f, const void *buf, size_t len)
{
	struct feed_chunk	*c;

	if ((c = malloc(sizeof(*c) + len)) == NULL)
		return -1;
	c->next = NULL;
	c->len = len;
	memcpy(c->data, buf, len);
	if (f->tail != NULL)
		f->tail->next = c;
	else
		f->head = c;
	f->tail = c;
	f->queued += len;
	f->queued_ever += len;
	pthread_cond_signal(&f->cv);
	return 0;
}

static int
feed_push_common(struct feed *f, const void *buf, size_t len, int force)
{
	int	rv = -1;

	if (len == 0)
		return 0;
	pthread_mutex_lock(&f->mu);
	if (f->consumer_done) {
		rv = 0;		/* nobody reads any more: drop */
		goto done;
	}
	if (f->finished || f->aborted)
		goto done;
	if (f->drop && (f->dropping || f->queued + len > f->bound)) {
		/* Behind: the refill brings these back after the stream. */
		if (!f->dropping) {
			f->dropping = 1;
			f->drop_at = f->queued_ever;
		}
		rv = 0;
		goto done;
	}
	/* Over the bound, or behind unread spilled bytes: to the file. */
	if ((f->spill_r < f->spill_w || f->queued + len > f->bound) &&
	    feed_spill(f, buf, len, force && f->spill_r < f->spill_w) == 0) {
		/* No wake-up: the scan reads spilled bytes after the end. */
		if (f->blocked)
			f->was_full = 1;	/* the producer must wait */
		rv = 0;
		goto done;
	}
	if (f->spill_r < f->spill_w) {
		f->was_full = 1;	/* cannot jump the spilled bytes */
		goto done;
	}
	if (!force && f->queued + len > f->bound) {
		f->was_full = 1;
		goto done;
	}
	if (!f->drop && f->queued + len >= f->bound &&
	    (f->spill_dir == NULL || f->blocked))
		f->was_full = 1;	/* no spilling: backpressure */
	rv = feed_append(f, buf, len);
 done:
	pthread_mutex_unlock(&f->mu);
	return rv;
}

int
feed_push(struct feed *f, const void *buf, size_t len)
{
	return feed_push_common(f, buf, len, 0);
}

int
feed_push_force(struct feed *f, const void *buf, size_t len)
{
	return feed_push_common(f, buf, len, 1);
}

size_t
feed_room(struct feed *f)
{
	size_t	room;

	pthread_mutex_lock(&f->mu);
	/* A dropping feed always has room; a spilling one until its file
	 * is at its bounds. */
	if (f->drop)
		room = f->bound;
	else if (f->spill_dir != NULL && f->spill_w < f->spill_max && !f->blocked)
		room = f->spill_max - f->spill_w;
	else if (f->spill_r < f->spill_w)
		room = 0;
	else
		room = f->queued < f->bound ? f->bound - f->queued : 0;
	pthread_mutex_unlock(&f->mu);
	return room;
}

uint64_t
feed_dropped_from(struct feed *f)
{
	uint64_t	at;

	pthread_mutex_lock(&f->mu);
	at = f->dropping && !f->consumer_done ? f->drop_at : UINT64_MAX;
	pthread_mutex_unlock(&f->mu);
	return at;
}

int
feed_wants_bytes(struct feed *f)
{
	int	wants;

	pthread_mutex_lock(&f->mu);
	wants = !f->dropping && !f->consumer_done && !f->aborted &&
	    !f->finished;
	pthread_mutex_unlock(&f->mu);
	return wants;
}

int
feed_refill(struct feed *f, const void *buf, size_t len)
{
	int	rv = -1;

	pthread_mutex_lock(&f->mu);
	while (!f->consumer_done && !f->aborted && f->queued >= f->bound)
		pthread_cond_wait(&f->room, &f->mu);
	if (!f->consumer_done && !f->aborted && !f->finished)
		rv = len == 0 ? 0 : feed_append(f, buf, len);
	pthread_mutex_unlock(&f->mu);
	return rv;
}

void
feed_finish(struct feed *f)
{
	pthread_mutex_lock(&f->mu);
	f->finished = 1;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

void
feed_abort(struct feed *f)
{
	pthread_mutex_lock(&f->mu);
	f->aborted = 1;
	pthread_cond_signal(&f->cv);
	pthread_cond_broadcast(&f->room);
	pthread_mutex_unlock(&f->mu);
}

void
feed_join(struct feed *f)
{
	struct feed_chunk	*c;

	pthread_join(f->thread, NULL);
	while ((c = f->head) != NULL) {
		f->head = c->next;
		free(c);
	}
	free(f->reading);
	/* The thread released the spill file's budget when it ended. */
	if (f->spill_fd != -1)
		close(f->spill_fd);
	free(f->spill_dir);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	pthread_cond_destroy(&f->room);
	free(f);
}

void
feed_counts(struct feed *f, uint64_t *spilled, uint64_t *consumed)
{
	pthread_mutex_lock(&f->mu);
	*spilled = f->spilled;
	*consumed = f->consumed;
	pthread_mutex_unlock(&f->mu);
}
