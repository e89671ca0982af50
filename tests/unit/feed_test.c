/*
 * The scanner thread behind a bounded feed: a real layer pushed in
 * small pieces by a producer that respects the bound gives the same
 * digest and packages as scanning the file; the queue never exceeds
 * its bound; an abort ends the scan with an error. The layer is this
 * machine's own dpkg database and os-release, tarred and gzipped.
 */
#include "scan/layer/feed.h"
#include "conf/log.h"
#include "tests/tap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct result {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct layer_result	*r;
	int			 rv, done, drains;
};

static void
done_cb(struct layer_result *r, int rv, void *arg)
{
	struct result *res = arg;

	pthread_mutex_lock(&res->mu);
	res->r = r;
	res->rv = rv;
	res->done = 1;
	pthread_cond_signal(&res->cv);
	pthread_mutex_unlock(&res->mu);
}

/* Until the scanner thread has called done_cb. */
static void
wait_done(struct result *res)
{
	pthread_mutex_lock(&res->mu);
	while (!res->done)
		pthread_cond_wait(&res->cv, &res->mu);
	pthread_mutex_unlock(&res->mu);
}

static void
drained_cb(void *arg)
{
	struct result *res = arg;

	pthread_mutex_lock(&res->mu);
	res->drains++;
	pthread_cond_signal(&res->cv);
	pthread_mutex_unlock(&res->mu);
}

int
main(void)
{
	struct layer_limits	 lim;
	struct layer_result	 ref;
	struct result		 res = { PTHREAD_MUTEX_INITIALIZER,
				    PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0 };
	struct feed		*f;
	char			 dir[] = "/tmp/portcullis-feed.XXXXXX", cmd[600];
	char			 layer[300], buf[3000];
	FILE			*fp;
	size_t			 n, maxq = 0, bound = 64 * 1024;
	uint64_t		 pushed, spilled, consumed;
	struct feed_budget	*budget;
	struct feed_opts	 o = { 0 };

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(layer, sizeof(layer), "%s/layer.tar.gz", dir);
	snprintf(cmd, sizeof(cmd), "tar -C / -czf '%s' var/lib/dpkg/status "
	    "etc/os-release usr/lib/os-release 2>/dev/null", layer);
	if (system(cmd) != 0) {
		printf("1..0 # SKIP no dpkg database here\n");
		return 0;
	}
	layer_limits_default(&lim);
	ok(layer_scan_file(&ref, &lim, layer) == 0, "file scan of the layer");

	o.bound = bound;
	f = feed_start(&o, &lim, done_cb, drained_cb, &res);
	ok(f != NULL, "scanner thread started");
	fp = fopen(layer, "r");
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		/* Like the proxy: stop when full, resume when drained. */
		while (feed_push(f, buf, n) == -1) {
			pthread_mutex_lock(&res.mu);
			if (res.drains == 0 && !res.done)
				pthread_cond_wait(&res.cv, &res.mu);
			res.drains = 0;
			pthread_mutex_unlock(&res.mu);
		}
		if (bound - feed_room(f) > maxq)
			maxq = bound - feed_room(f);
	}
	fclose(fp);
	feed_finish(f);
	wait_done(&res);
	feed_join(f);
	is_int(res.rv, 0, "fed scan completed");
	ok(maxq <= bound, "queue stayed within its bound (%zu <= %zu)", maxq,
	    bound);
	is_str(res.r->digest, ref.digest, "same digest as the file scan");
	is_int(res.r->pkgs.n, ref.pkgs.n, "same packages (%zu)", ref.pkgs.n);
	ok(ref.pkgs.n > 10 && res.r->os.found, "a real package list and os");
	layer_result_free(res.r);
	free(res.r);

	/*
	 * Spilling: the producer never waits. A tiny memory bound, the
	 * whole layer pushed at once; the excess goes through the file and
	 * the scan still sees every byte in order.
	 */
	res.done = 0;
	o.bound = 4096;
	o.behind = FEED_BEHIND_SPILL;
	o.spill_dir = dir;
	o.spill_max = 1ULL << 30;
	f = feed_start(&o, &lim, done_cb, NULL, &res);
	fp = fopen(layer, "r");
	n = 0;
	pushed = 0;
	{
		size_t	refused = 0, r;

		while ((r = fread(buf, 1, sizeof(buf), fp)) > 0) {
			if (feed_push(f, buf, r) == -1)
				refused++;
			pushed += r;
		}
		is_int((int)refused, 0, "a spilling feed refuses nothing");
	}
	fclose(fp);
	/*
	 * Behind the upload, the scan leaves the CPU to it until the
	 * stream ends: given ample time, it has read no spilled byte.
	 */
	usleep(500000);
	feed_counts(f, &spilled, &consumed);
	ok(spilled > 0, "bytes past the bound went to the spill file (%llu)",
	    (unsigned long long)spilled);
	ok(consumed <= pushed - spilled, "a scan that fell behind waits for "
	    "the stream's end (%llu of %llu read)",
	    (unsigned long long)consumed, (unsigned long long)pushed);
	feed_finish(f);
	wait_done(&res);
	feed_join(f);
	is_int(res.rv, 0, "spilled scan completed");
	is_str(res.r->digest, ref.digest, "same digest: order kept");
	is_int(res.r->pkgs.n, ref.pkgs.n, "same packages");
	layer_result_free(res.r);
	free(res.r);

	/*
	 * A disk budget far smaller than the layer. The producer works as
	 * the proxy's upload does: every read forced in, then no further
	 * read while there is no room, until the drain. Spilling stops at
	 * the budget (over it by one read at most), the scan reads the
	 * file down, and every byte still arrives in order.
	 */
	budget = feed_budget_new(32768);
	res.done = 0;
	res.drains = 0;
	o.budget = budget;
	f = feed_start(&o, &lim, done_cb, drained_cb, &res);
	fp = fopen(layer, "r");
	{
		int	refused = 0, over = 0, stalled = 0;
		struct timespec	until;

		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 && !stalled) {
			if (feed_push_force(f, buf, n) == -1)
				refused++;
			if (feed_budget_used(budget) > 32768 + sizeof(buf))
				over = 1;
			pthread_mutex_lock(&res.mu);
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 10;
			while (feed_room(f) == 0 && res.drains == 0 &&
			    !res.done && !stalled)
				stalled = pthread_cond_timedwait(&res.cv,
				    &res.mu, &until) != 0;
			res.drains = 0;
			pthread_mutex_unlock(&res.mu);
		}
		is_int(refused, 0, "a budgeted feed loses nothing");
		ok(!over, "the disk budget held (within one read)");
		ok(!stalled, "no read waited for a drain that never came");
	}
	fclose(fp);
	feed_counts(f, &spilled, &consumed);
	ok(spilled > 0, "it spilled while the budget allowed (%llu)",
	    (unsigned long long)spilled);
	feed_finish(f);
	wait_done(&res);
	feed_join(f);
	is_int(res.rv, 0, "budgeted scan completed");
	is_str(res.r->digest, ref.digest, "same digest: order kept");
	is_int((int)feed_budget_used(budget), 0, "the budget is whole again");
	feed_budget_free(budget);
	layer_result_free(res.r);
	free(res.r);

	/*
	 * Dropping: the producer never waits and nothing touches the disk.
	 * Past a tiny bound the bytes are dropped; the scan waits, and the
	 * same bytes handed in again from feed_dropped_from() on (as the
	 * proxy reads them back from the registry) complete it exactly.
	 */
	res.done = 0;
	memset(&o, 0, sizeof(o));
	o.bound = 4096;
	o.behind = FEED_BEHIND_DROP;
	f = feed_start(&o, &lim, done_cb, NULL, &res);
	fp = fopen(layer, "r");
	pushed = 0;
	{
		size_t		 refused = 0, full = 0, r;
		uint64_t	 from;

		while ((r = fread(buf, 1, sizeof(buf), fp)) > 0) {
			if (feed_push_force(f, buf, r) == -1)
				refused++;
			if (feed_room(f) == 0)
				full++;
			pushed += r;
		}
		is_int((int)refused, 0, "a dropping feed refuses nothing");
		is_int((int)full, 0, "and never asks the producer to wait");
		usleep(300000);
		from = feed_dropped_from(f);
		feed_counts(f, &spilled, &consumed);
		ok(from > 0 && from < pushed && from <= 4096 + sizeof(buf),
		    "bytes past the bound were dropped from %llu on",
		    (unsigned long long)from);
		ok(spilled == 0, "nothing went to disk");
		ok(consumed <= from, "the scan waits for the refill (%llu read)",
		    (unsigned long long)consumed);
		refused = 0;
		if (fseeko(fp, (off_t)from, SEEK_SET) != 0)
			refused++;
		while ((r = fread(buf, 1, 1000, fp)) > 0)
			if (feed_refill(f, buf, r) == -1)
				refused++;
		is_int((int)refused, 0, "the refill was taken whole");
	}
	fclose(fp);
	feed_finish(f);
	wait_done(&res);
	feed_join(f);
	is_int(res.rv, 0, "refilled scan completed");
	is_str(res.r->digest, ref.digest, "same digest: the refill fits");
	is_int(res.r->pkgs.n, ref.pkgs.n, "same packages");
	layer_result_free(res.r);
	free(res.r);

	/*
	 * A blob that is no archive is still read to its end, as one
	 * file: what it holds is searched like any file's contents.
	 */
	res.done = 0;
	memset(&o, 0, sizeof(o));
	o.bound = bound;
	f = feed_start(&o, &lim, done_cb, NULL, &res);
	memset(buf, 'x', sizeof(buf));
	for (n = 0; n < 4; n++)
		feed_push(f, buf, sizeof(buf));
	feed_push(f, "\n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\n", 42);
	feed_finish(f);
	wait_done(&res);
	feed_join(f);
	ok(res.rv == 0 && res.r->compressed_bytes == 4 * sizeof(buf) + 42,
	    "a blob that is no archive is read whole (%llu bytes)",
	    (unsigned long long)res.r->compressed_bytes);
	ok(res.r->findings.n == 1 && res.r->findings.v[0].kind ==
	    FINDING_SECRET, "and searched like a file: its token found");
	layer_result_free(res.r);
	free(res.r);

	/* Abort mid-stream. */
	res.done = 0;
	memset(&o, 0, sizeof(o));
	o.bound = bound;
	f = feed_start(&o, &lim, done_cb, NULL, &res);
	feed_push(f, "\x1f\x8b\x08\x00", 4);
	feed_abort(f);
	feed_join(f);
	ok(res.done && res.rv == -1, "aborted feed ends the scan with an error");
	layer_result_free(res.r);
	free(res.r);
	layer_result_free(&ref);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
