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
#include <isa-l/igzip_lib.h>

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

/* Why ISA-L stopped a member: for the finding. */
static const char *
inflater_why(int r)
{
	switch (r) {
	case ISAL_INVALID_WRAPPER:
		return "gzip: invalid header";
	case ISAL_UNSUPPORTED_METHOD:
		return "gzip: unknown compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "gzip: incorrect data check";
	case ISAL_INVALID_LOOKBACK:
		return "gzip: invalid distance too far back";
	case ISAL_INVALID_SYMBOL:
		return "gzip: invalid code";
	default:
		return "gzip: invalid compressed data";
	}
}

/* A member's header is read whole before ISA-L is given it: at most this. */
#define INFLATE_HDR_MAX	8192

/*
 * Length of the gzip member header at the start of p (n bytes), 0 while
 * more bytes are needed. Only the length is read here; ISA-L judges the
 * header, handed to it whole: split across calls, ISA-L 2.30 miscounts
 * the header's own CRC (FHCRC) and refuses a good member.
 */
static size_t
inflater_hdr_len(const unsigned char *p, size_t n)
{
	const unsigned char	*e;
	size_t			 o = 10;
	int			 k;

	if (n < o)
		return 0;
	if (p[3] & 0x04) {			/* FEXTRA */
		if (n < o + 2)
			return 0;
		o += 2 + (size_t)(p[o] | p[o + 1] << 8);
	}
	for (k = 0x08; k <= 0x10; k <<= 1)	/* FNAME, FCOMMENT */
		if (p[3] & k) {
			if (n <= o || (e = memchr(p + o, 0, n - o)) == NULL)
				return 0;
			o = (size_t)(e - p) + 1;
		}
	if (p[3] & 0x02)			/* FHCRC */
		o += 2;
	return n < o ? 0 : o;
}

/* ISA-L's state, and the member header being gathered for it. */
struct inflater_z {
	struct inflate_state	st;
	unsigned char		hdr[INFLATE_HDR_MAX];
	size_t			nhdr;
	int			in_hdr;		/* gathering it */
};

/*
 * Gather a member's header from p (*n bytes, advanced past what it
 * took); once whole, give it to ISA-L. 0 gathered or given, -1 (why
 * set) when it is too long or ISA-L refuses it.
 */
static int
inflater_header(struct inflater_z *z, const unsigned char **p, size_t *n,
    const char **why)
{
	size_t	take = *n < INFLATE_HDR_MAX - z->nhdr ? *n :
		    INFLATE_HDR_MAX - z->nhdr, hl;
	int	r;

	memcpy(z->hdr + z->nhdr, *p, take);
	if ((hl = inflater_hdr_len(z->hdr, z->nhdr + take)) == 0) {
		if (z->nhdr + take == INFLATE_HDR_MAX) {
			*why = "gzip: a member header longer than 8 KiB";
			return -1;
		}
		z->nhdr += take;
		*p += take;
		*n -= take;
		return 0;
	}
	/* This read's part of the header only: the rest is data. */
	*p += hl - z->nhdr;
	*n -= hl - z->nhdr;
	z->in_hdr = 0;
	z->st.next_in = z->hdr;
	z->st.avail_in = (uint32_t)hl;
	z->st.avail_out = 0;
	if ((r = isal_inflate(&z->st)) != ISAL_DECOMP_OK ||
	    z->st.avail_in != 0) {
		*why = inflater_why(r != ISAL_DECOMP_OK ? r :
		    ISAL_INVALID_WRAPPER);
		return -1;
	}
	return 0;
}

/*
 * Inflate gzip members one after the other, as libarchive's gzip
 * filter does: after a member, bytes that start another (0x1f) are one,
 * its header judged by the inflater; anything else is trailing data,
 * hashed but not inflated, as libarchive ignores it too. ISA-L's igzip,
 * not zlib: it inflates twice as fast (0.5 s against 1.07 s for a
 * 187 MiB layer), and inflating is what a large layer's scan waits on.
 * It checks each member's header and CRC-32 and length trailer itself.
 */
static void *
inflater_thread(void *arg)
{
	struct inflater		*in = arg;
	struct inflater_z	*z = NULL;
	const unsigned char	*p = in->first;
	const void		*np;
	const char		*why;
	size_t			 np_len = in->nfirst, fill = 0;
	ssize_t			 n;
	int			 slot, r, member_done = 0;

	pthread_mutex_lock(&in->mu);
	in->tid = (pid_t)syscall(SYS_gettid);
	pthread_mutex_unlock(&in->mu);
	inflater_took(in, p, np_len);
	/* 48 KiB of state: not on this thread's stack. */
	if ((z = malloc(sizeof(*z))) == NULL) {
		inflater_end(in, 1, 0, "gzip: out of memory");
		goto drain;
	}
	isal_inflate_init(&z->st);
	z->st.crc_flag = ISAL_GZIP;
	z->nhdr = 0;
	z->in_hdr = 1;
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
			isal_inflate_reset(&z->st);
			z->st.crc_flag = ISAL_GZIP;
			z->nhdr = 0;
			z->in_hdr = 1;
			member_done = 0;
		}
		if (z->in_hdr) {
			if (inflater_header(z, &p, &np_len, &why) == -1)
				goto failed;
			continue;
		}
		z->st.next_in = (uint8_t *)(uintptr_t)p;
		z->st.avail_in = (uint32_t)(np_len > UINT32_MAX ? UINT32_MAX :
		    np_len);
		z->st.next_out = in->blk[slot] + fill;
		z->st.avail_out = (uint32_t)(INFLATE_BLOCK - fill);
		r = isal_inflate(&z->st);
		np_len -= (size_t)(z->st.next_in - p);
		p = z->st.next_in;
		fill = INFLATE_BLOCK - z->st.avail_out;
		if (r != ISAL_DECOMP_OK) {
			why = inflater_why(r);
			goto failed;
		}
		if (z->st.block_state == ISAL_BLOCK_FINISH)
			member_done = 1;
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
 failed:
	if (fill > 0)
		inflater_publish(in, slot, fill);
	inflater_end(in, 1, 0, why);
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
	free(z);
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
