#include "proxy/gate/readback.h"
#include "proxy/registry/regclient.h"
#include "scan/layer/feed.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct readback {
	pthread_t		 thread;
	const struct conf	*conf;
	struct feed		*feed;
	char			 repo[256];
	char			 digest[80];
	char			*authorization;	/* the client's; wiped */
	uint64_t		 offset;	/* next byte the scan wants */
	int			 stopped;	/* the scan wants no more */
	int			 cancel;	/* shutting down (atomic) */
	int			 rv;
	void			(*ended)(void *);
	void			*arg;
	struct readback_head	*head;		/* the first bytes, or NULL */
};

static int
readback_sink(void *arg, const void *buf, size_t len)
{
	struct readback	*rb = arg;

	if (rb->head != NULL && rb->offset < rb->head->cap) {
		size_t	o = (size_t)rb->offset;
		size_t	n = len < rb->head->cap - o ? len : rb->head->cap - o;

		memcpy(rb->head->buf + o, buf, n);
		rb->head->len = o + n;
	}
	if (feed_refill(rb->feed, buf, len) == -1) {
		rb->stopped = 1;
		return -1;
	}
	rb->offset += len;
	if (rb->head != NULL)
		rb->head->total = rb->offset;
	return 0;
}

/* One read from rb->offset on: account 0 with the client's header. */
static int
readback_try(struct readback *rb, int account, char *err, size_t errlen)
{
	struct regclient	rc;
	int			rv = -1;

	if (regclient_upstream(&rc, rb->conf, account, err, errlen) == -1)
		return -1;
	rc.cancel = &rb->cancel;
	if (!account && rb->authorization != NULL &&
	    regclient_set_authorization(&rc, rb->authorization) == -1) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	rv = regclient_blob_stream(&rc, rb->repo, rb->digest, rb->offset,
	    readback_sink, rb, err, errlen);
 done:
	regclient_free(&rc);
	return rv;
}

static void *
readback_thread(void *arg)
{
	struct readback	*rb = arg;
	char		 err[512] = "";
	uint64_t	 from = rb->offset;

	rb->rv = readback_try(rb, 0, err, sizeof(err));
	/*
	 * Refused (or cut off): the scanner's account, if there is one,
	 * resumes from the last byte handed over.
	 */
	if (rb->rv == -1 && !rb->stopped &&
	    !__atomic_load_n(&rb->cancel, __ATOMIC_ACQUIRE) &&
	    rb->conf->scanner.username != NULL) {
		log_info("readback %s: %s; trying the scanner account",
		    rb->digest, err);
		rb->rv = readback_try(rb, 1, err, sizeof(err));
	}
	if (rb->stopped) {
		rb->rv = 0;	/* the scan had all it wanted */
		feed_finish(rb->feed);
	} else if (rb->rv == 0) {
		log_debug("readback %s: %llu bytes from the registry",
		    rb->digest, (unsigned long long)(rb->offset - from));
		feed_finish(rb->feed);
	} else {
		log_warnx("readback %s in %s: %s; the layer is not scanned",
		    rb->digest, rb->repo, err);
		feed_abort(rb->feed);
	}
	if (rb->authorization != NULL)
		explicit_bzero(rb->authorization, strlen(rb->authorization));
	rb->ended(rb->arg);
	return NULL;
}

struct readback *
readback_start(const struct conf *c, const char *repo, const char *digest,
    uint64_t offset, const char *authorization, struct feed *feed,
    struct readback_head *head, void (*ended)(void *), void *arg)
{
	struct readback	*rb;

	if ((rb = calloc(1, sizeof(*rb))) == NULL)
		return NULL;
	rb->conf = c;
	rb->feed = feed;
	rb->offset = offset;
	rb->ended = ended;
	rb->arg = arg;
	rb->head = offset == 0 ? head : NULL;
	snprintf(rb->repo, sizeof(rb->repo), "%s", repo);
	snprintf(rb->digest, sizeof(rb->digest), "%s", digest);
	if ((authorization != NULL &&
	    (rb->authorization = strdup(authorization)) == NULL) ||
	    pthread_create(&rb->thread, NULL, readback_thread, rb) != 0) {
		log_warnx("readback %s: cannot start a thread", digest);
		free(rb->authorization);
		free(rb);
		return NULL;
	}
	return rb;
}

void
readback_cancel(struct readback *rb)
{
	__atomic_store_n(&rb->cancel, 1, __ATOMIC_RELEASE);
}

int
readback_join(struct readback *rb)
{
	int	rv;

	pthread_join(rb->thread, NULL);
	rv = rb->rv;
	free(rb->authorization);
	free(rb);
	return rv;
}
