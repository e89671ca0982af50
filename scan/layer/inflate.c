#include "scan/layer/inflate.h"
#include "conf/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

/*
 * Sixteen blocks of 128 KiB (2 MiB): enough for the thread to stay ahead
 * across a slow file (a nested archive, a large text); four were seen to
 * leave it waiting on the /usr/share layer.
 */
#define INFLATE_BLOCKS	16
#define INFLATE_BLOCK	(128 * 1024)

struct inflater {
	pthread_t		 th;
	pthread_mutex_t		 mu;
	pthread_cond_t		 filled;	/* a block is full, or the end */
	pthread_cond_t		 room;		/* a block is free, or stop */
	inflater_source_fn	 read;
	void			*arg;
	const unsigned char	*first;
	size_t			 nfirst;
	EVP_MD_CTX		*md;
	uint64_t		*compressed;
	unsigned char		*blk[INFLATE_BLOCKS];
	size_t			 len[INFLATE_BLOCKS];
	unsigned		 head;		/* the consumer's next block */
	unsigned		 count;		/* full blocks from head on */
	int			 holding;	/* the consumer has blk[head] */
	int			 ended;		/* no more blocks will come */
	int			 failed;	/* ... because of an error */
	int			 source_failed;
	int			 stop;		/* the consumer wants no more */
	int			 joined;
	pid_t			 tid;		/* the thread's, for its nice */
	int			 niced;
	char			 err[200];
};

/* The compressed bytes pass through here: hashed and counted. */
static void
inflater_took(struct inflater *in, const void *p, size_t n)
{
	EVP_DigestUpdate(in->md, p, n);
	*in->compressed += (uint64_t)n;
}

/* A free block to fill: its index, or -1 once the consumer stopped. */
static int
inflater_slot(struct inflater *in)
{
	int	slot = -1;

	pthread_mutex_lock(&in->mu);
	while (in->count == INFLATE_BLOCKS && !in->stop)
		pthread_cond_wait(&in->room, &in->mu);
	if (!in->stop)
		slot = (int)((in->head + in->count) % INFLATE_BLOCKS);
	pthread_mutex_unlock(&in->mu);
	return slot;
}

static void
inflater_publish(struct inflater *in, int slot, size_t n)
{
	pthread_mutex_lock(&in->mu);
	in->len[slot] = n;
	in->count++;
	pthread_cond_signal(&in->filled);
	pthread_mutex_unlock(&in->mu);
}

/* No more blocks; failed: why (printf-style, into err). */
static void
inflater_end(struct inflater *in, int failed, int source, const char *why)
{
	pthread_mutex_lock(&in->mu);
	in->ended = 1;
	in->failed = failed;
	in->source_failed = source;
	if (why != NULL)
		snprintf(in->err, sizeof(in->err), "%s", why);
	pthread_cond_broadcast(&in->filled);
	pthread_mutex_unlock(&in->mu);
}

/*
 * Inflate gzip members one after the other, as libarchive's gzip
 * filter does: after a member, bytes that start another (0x1f) are one,
 * inflate judging its header; anything else is trailing data, hashed
 * but not inflated, as libarchive ignores it too.
 */
static void *
inflater_thread(void *arg)
{
	struct inflater		*in = arg;
	z_stream		 z;
	const unsigned char	*p = in->first;
	const void		*np;
	size_t			 np_len = in->nfirst, fill = 0;
	ssize_t			 n;
	int			 slot, r, member_done = 0, zok;
	char			 why[200];

	pthread_mutex_lock(&in->mu);
	in->tid = (pid_t)syscall(SYS_gettid);
	pthread_mutex_unlock(&in->mu);
	memset(&z, 0, sizeof(z));
	zok = inflateInit2(&z, 16 + MAX_WBITS) == Z_OK;
	inflater_took(in, p, np_len);
	if (!zok) {
		inflater_end(in, 1, 0, "gzip: out of memory");
		goto drain;
	}
	if ((slot = inflater_slot(in)) == -1)
		goto stopped;
	for (;;) {
		if (np_len == 0) {
			if ((n = in->read(in->arg, &np)) < 0) {
				inflater_end(in, 1, 1, "layer source failed");
				goto out;
			}
			if (n == 0) {
				if (fill > 0)
					inflater_publish(in, slot, fill);
				if (member_done)
					inflater_end(in, 0, 0, NULL);
				else
					inflater_end(in, 1, 0, "gzip: truncated "
					    "stream (the source ended inside "
					    "a member)");
				goto out;	/* the source is at its end */
			}
			p = np;
			np_len = (size_t)n;
			inflater_took(in, p, np_len);
		}
		if (member_done) {
			if (p[0] != 0x1f)
				break;		/* trailing data */
			inflateReset(&z);
			member_done = 0;
		}
		z.next_in = (unsigned char *)(uintptr_t)p;
		z.avail_in = (uInt)np_len;
		z.next_out = in->blk[slot] + fill;
		z.avail_out = (uInt)(INFLATE_BLOCK - fill);
		r = inflate(&z, Z_NO_FLUSH);
		p += np_len - z.avail_in;
		np_len = z.avail_in;
		fill = INFLATE_BLOCK - z.avail_out;
		if (r == Z_STREAM_END)
			member_done = 1;
		else if (r != Z_OK && r != Z_BUF_ERROR) {
			if (fill > 0)
				inflater_publish(in, slot, fill);
			snprintf(why, sizeof(why), "gzip: %s", z.msg ?
			    z.msg : "invalid compressed data");
			inflater_end(in, 1, 0, why);
			goto drain;
		}
		if (fill == INFLATE_BLOCK) {
			inflater_publish(in, slot, fill);
			fill = 0;
			if ((slot = inflater_slot(in)) == -1)
				goto stopped;
		}
	}
	if (fill > 0)
		inflater_publish(in, slot, fill);
	inflater_end(in, 0, 0, NULL);
	goto drain;
 stopped:
	inflater_end(in, 0, 0, NULL);
 drain:
	/* The digest covers the whole blob: read what was not inflated. */
	while ((n = in->read(in->arg, &np)) > 0)
		inflater_took(in, np, (size_t)n);
	if (n < 0) {
		pthread_mutex_lock(&in->mu);
		in->source_failed = 1;
		pthread_mutex_unlock(&in->mu);
	}
 out:
	if (zok)
		inflateEnd(&z);
	return NULL;
}

struct inflater *
inflater_start(inflater_source_fn readfn, void *arg, const void *first,
    size_t nfirst, EVP_MD_CTX *md, uint64_t *compressed)
{
	struct inflater	*in;
	int		 i, e;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		goto fail;
	for (i = 0; i < INFLATE_BLOCKS; i++)
		if ((in->blk[i] = malloc(INFLATE_BLOCK)) == NULL)
			goto fail;
	in->read = readfn;
	in->arg = arg;
	in->first = first;
	in->nfirst = nfirst;
	in->md = md;
	in->compressed = compressed;
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->filled, NULL);
	pthread_cond_init(&in->room, NULL);
	if ((e = pthread_create(&in->th, NULL, inflater_thread, in)) != 0) {
		log_warnx("inflate: no thread (%s); libarchive inflates",
		    strerror(e));
		pthread_mutex_destroy(&in->mu);
		pthread_cond_destroy(&in->filled);
		pthread_cond_destroy(&in->room);
		goto fail;
	}
	return in;
 fail:
	if (in != NULL)
		for (i = 0; i < INFLATE_BLOCKS; i++)
			free(in->blk[i]);
	free(in);
	return NULL;
}

/*
 * A scan the feed lowered to nice 19 (it fell behind its upload) must
 * not compete through this thread's reader either: the consumer takes
 * the thread's priority, which the feed sets on the thread that reads.
 */
static void
inflater_nice(struct inflater *in, pid_t tid)
{
	int	theirs, mine;

	if (in->niced || tid == 0)
		return;
	errno = 0;
	theirs = getpriority(PRIO_PROCESS, (id_t)tid);
	if (errno != 0)
		return;
	mine = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	if (theirs > mine) {
		in->niced = 1;
		if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
		    theirs) == -1)
			log_debug("inflate: cannot lower the scan's priority");
	}
}

ssize_t
inflater_read(struct inflater *in, const void **buf)
{
	ssize_t	n;
	pid_t	tid;

	pthread_mutex_lock(&in->mu);
	tid = in->tid;
	if (in->holding) {
		in->head = (in->head + 1) % INFLATE_BLOCKS;
		in->count--;
		in->holding = 0;
		pthread_cond_signal(&in->room);
	}
	while (in->count == 0 && !in->ended)
		pthread_cond_wait(&in->filled, &in->mu);
	if (in->count > 0) {
		*buf = in->blk[in->head];
		n = (ssize_t)in->len[in->head];
		in->holding = 1;
	} else
		n = in->failed ? -1 : 0;
	pthread_mutex_unlock(&in->mu);
	inflater_nice(in, tid);
	return n;
}

const char *
inflater_error(struct inflater *in, int *source)
{
	const char	*e;

	pthread_mutex_lock(&in->mu);
	*source = in->source_failed;
	e = in->err[0] ? in->err : "gzip: invalid compressed data";
	pthread_mutex_unlock(&in->mu);
	return e;
}

int
inflater_finish(struct inflater *in)
{
	int	ok;

	if (!in->joined) {
		pthread_mutex_lock(&in->mu);
		in->stop = 1;
		pthread_cond_broadcast(&in->room);
		pthread_mutex_unlock(&in->mu);
		pthread_join(in->th, NULL);
		in->joined = 1;
	}
	ok = !in->source_failed;
	return ok;
}

void
inflater_free(struct inflater *in)
{
	int	i;

	if (in == NULL)
		return;
	(void)inflater_finish(in);
	pthread_mutex_destroy(&in->mu);
	pthread_cond_destroy(&in->filled);
	pthread_cond_destroy(&in->room);
	for (i = 0; i < INFLATE_BLOCKS; i++)
		free(in->blk[i]);
	free(in);
}
