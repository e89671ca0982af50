#include "scan/feed.h"
#include "conf/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct feed_chunk {
	struct feed_chunk	*next;
	size_t			 len;
	char			 data[];
};

struct feed {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct feed_chunk	*head, *tail;
	struct feed_chunk	*reading;	/* handed to libarchive */
	size_t			 queued, bound;
	int			 finished, aborted, was_full;
	int			 consumer_done;	/* scan over: discard input */
	pthread_t		 thread;
	struct layer_limits	 lim;
	void			(*done)(struct layer_result *, int, void *);
	void			(*drained)(void *);
	void			*arg;
};

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
	while (f->head == NULL && !f->finished && !f->aborted)
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->aborted) {
		n = -1;
	} else if (f->head == NULL) {
		n = 0;		/* finished and drained */
	} else {
		f->reading = f->head;
		f->head = f->head->next;
		if (f->head == NULL)
			f->tail = NULL;
		f->queued -= f->reading->len;
		*buf = f->reading->data;
		n = (ssize_t)f->reading->len;
		if (f->was_full && f->queued < f->bound / 2) {
			f->was_full = 0;
			notify = 1;
		}
	}
	pthread_mutex_unlock(&f->mu);
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
		rv = layer_scan(r, &f->lim, feed_read, f);
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
	pthread_mutex_unlock(&f->mu);
	f->done(r, rv, f->arg);
	return NULL;
}

struct feed *
feed_start(size_t bound, const struct layer_limits *lim,
    void (*done)(struct layer_result *, int, void *), void (*drained)(void *),
    void *arg)
{
	struct feed	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->bound = bound;
	f->lim = *lim;
	f->done = done;
	f->drained = drained;
	f->arg = arg;
	if (pthread_create(&f->thread, NULL, feed_thread, f) != 0) {
		log_warnx("feed: cannot start a scanner thread");
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		free(f);
		return NULL;
	}
	return f;
}

static int
feed_push_common(struct feed *f, const void *buf, size_t len, int force)
{
	struct feed_chunk	*c;
	int			 rv = -1;

	if (len == 0)
		return 0;
	pthread_mutex_lock(&f->mu);
	if (f->consumer_done) {
		rv = 0;		/* nobody reads any more: drop */
		goto done;
	}
	if (f->finished || f->aborted ||
	    (!force && f->queued + len > f->bound)) {
		f->was_full = 1;
		goto done;
	}
	if (f->queued + len >= f->bound)
		f->was_full = 1;
	if ((c = malloc(sizeof(*c) + len)) == NULL)
		goto done;
	c->next = NULL;
	c->len = len;
	memcpy(c->data, buf, len);
	if (f->tail != NULL)
		f->tail->next = c;
	else
		f->head = c;
	f->tail = c;
	f->queued += len;
	pthread_cond_signal(&f->cv);
	rv = 0;
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
	room = f->queued < f->bound ? f->bound - f->queued : 0;
	pthread_mutex_unlock(&f->mu);
	return room;
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
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}
