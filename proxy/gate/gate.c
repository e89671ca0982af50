#include "proxy/gate/gate.h"
#include "proxy/fleet/results.h"
#include "proxy/gate/baseindex.h"
#include "proxy/gate/refindex.h"
#include "proxy/gate/searchindex.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/events.h"
#include "proxy/gate/journal.h"
#include "scan/layer/feed.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <errno.h>
#include <malloc.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>

struct store *
gate_store(struct gate *g)
{
	char	path[4096];
	time_t	now = time(NULL);

	if (g->store != NULL || now - g->store_tried < 5)
		return g->store;
	g->store_tried = now;
	/* The proxy records what it scans: open for writing, creating. */
	if (mkdir(g->conf->state_dir, 0750) == -1 && errno != EEXIST) {
		log_warn("state_dir %s", g->conf->state_dir);
		return NULL;
	}
	/* Before the store: pushes left unrecorded are refused from now. */
	if (g->journal == NULL) {
		snprintf(path, sizeof(path), "%s/pushes.journal",
		    g->conf->state_dir);
		g->journal = journal_open(path,
		    g->conf->limits.max_connections ?
		    g->conf->limits.max_connections : 1024);
	}
	snprintf(path, sizeof(path), "%s/db", g->conf->state_dir);
	if ((g->store = store_open(path, 0)) == NULL)
		return NULL;
	if (baseindex_build(g->store) == -1)
		log_warnx("cannot index the recorded images by their first "
		    "layer: bases found by layers may be missed until a "
		    "restart does it");
	if (searchindex_build(g->store) == -1)
		log_warnx("search: the index of judged images could not be "
		    "built; searches miss images judged before this version");
	if (refindex_build(g->store) == -1)
		log_warnx("cannot index the recorded images' blobs: blob "
		    "downloads of older images follow unknown_images until a "
		    "restart does it");
	/* Those builds read every document once: give the memory back. */
	malloc_trim(0);
	return g->store;
}

static void
gate_remember(struct gate *g, const char *digest, const char *why,
    time_t expires)
{
	struct gate_failure	*f = &g->failed[g->failed_next++ %
				    GATE_FAILED_MAX];

	snprintf(f->digest, sizeof(f->digest), "%s", digest ? digest : "");
	snprintf(f->why, sizeof(f->why), "%s", why);
	f->expires = expires;
}

void
gate_note_failed(struct gate *g, const char *digest, const char *why)
{
	gate_remember(g, digest, why, time(NULL) + GATE_FAILED_TTL);
}

/* gate_store for a module that knows no gate (events). */
static struct store *
gate_store_of(void *g)
{
	return gate_store(g);
}

void
gate_store_failed(struct gate *g, const char *digest, const char *why)
{
	g->stats.store_errors++;
	g->store_failed_at = time(NULL);
	log_warnx("store: %s for %s; pulls of images the proxy has not "
	    "recorded are refused while the store fails", why,
	    digest ? digest : "?");
	gate_remember(g, digest, "the scan store refused to record it", 0);
}

const char *
gate_failed_recently(struct gate *g, const char *digest)
{
	time_t	now = time(NULL);
	size_t	i;

	if (digest == NULL)
		return NULL;
	for (i = 0; i < GATE_FAILED_MAX; i++)
		if (g->failed[i].digest[0] != '\0' &&
		    strcmp(g->failed[i].digest, digest) == 0 &&
		    (g->failed[i].expires == 0 || g->failed[i].expires > now))
			return g->failed[i].why;
	return NULL;
}

/*
 * The advisory data version decisions are made with: instances of a
 * fleet following one published version show the same label.
 */
static void
gate_metrics_data(struct gate *g, struct evbuffer *out)
{
	struct store	*st = gate_store(g);
	char		 ver[64], *p;

	if (st == NULL || store_meta_get(st, "data_version", ver,
	    sizeof(ver)) != STORE_OK)
		snprintf(ver, sizeof(ver), "none");
	/* A label value: no quote, backslash or newline. */
	for (p = ver; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || *p == '\n')
			*p = '_';
	evbuffer_add_printf(out, "# HELP portcullis_data_version_info the "
	    "advisory data version decisions are made with\n"
	    "# TYPE portcullis_data_version_info gauge\n"
	    "portcullis_data_version_info{version=\"%s\"} 1\n", ver);
}

/* The exceptions in force, and those past their expiry (to remove). */
static void
gate_metrics_policy(struct gate *g, struct evbuffer *out)
{
	const struct policy	*p = &g->conf->policy;
	time_t			 now = time(NULL);
	size_t			 i, live = 0;

	for (i = 0; i < p->nexc; i++)
		live += policy_exception_live(&p->exc[i], now);
	evbuffer_add_printf(out,
	    "# TYPE portcullis_policy_exceptions gauge\n"
	    "portcullis_policy_exceptions{state=\"active\"} %zu\n"
	    "portcullis_policy_exceptions{state=\"expired\"} %zu\n"
	    "# TYPE portcullis_policy_vex_statements gauge\n"
	    "portcullis_policy_vex_statements %zu\n", live, p->nexc - live,
	    p->vex.n);
}

void
gate_metrics(struct gate *g, struct evbuffer *out)
{
	const struct gate_stats *st = &g->stats;

	evbuffer_add_printf(out,
	    "# TYPE portcullis_gate_decisions_total counter\n"
	    "portcullis_gate_decisions_total{decision=\"allow\"} %llu\n"
	    "portcullis_gate_decisions_total{decision=\"deny\"} %llu\n"
	    "# TYPE portcullis_gate_unscanned_total counter\n"
	    "portcullis_gate_unscanned_total %llu\n"
	    "# TYPE portcullis_gate_cache_hits_total counter\n"
	    "portcullis_gate_cache_hits_total %llu\n"
	    "# TYPE portcullis_gate_decide_cpu_seconds_total counter\n"
	    "portcullis_gate_decide_cpu_seconds_total{cached=\"true\"} %.6f\n"
	    "portcullis_gate_decide_cpu_seconds_total{cached=\"false\"} %.6f\n"
	    "# TYPE portcullis_gate_decide_timed_total counter\n"
	    "portcullis_gate_decide_timed_total{cached=\"true\"} %llu\n"
	    "portcullis_gate_decide_timed_total{cached=\"false\"} %llu\n"
	    "# TYPE portcullis_gate_decided_uncached_total counter\n"
	    "portcullis_gate_decided_uncached_total %llu\n"
	    "# TYPE portcullis_layers_scanned_total counter\n"
	    "portcullis_layers_scanned_total %llu\n"
	    "# TYPE portcullis_layers_from_fleet_total counter\n"
	    "portcullis_layers_from_fleet_total %llu\n"
	    "# TYPE portcullis_uploads_scanning gauge\n"
	    "portcullis_uploads_scanning %u\n"
	    "# TYPE portcullis_uploads_deferred gauge\n"
	    "portcullis_uploads_deferred %u\n"
	    "# TYPE portcullis_uploads_deferred_total counter\n"
	    "portcullis_uploads_deferred_total %llu\n"
	    "# TYPE portcullis_store_errors_total counter\n"
	    "portcullis_store_errors_total %llu\n"
	    "# TYPE portcullis_blobs_denied_total counter\n"
	    "portcullis_blobs_denied_total %llu\n"
	    "# TYPE portcullis_pushes_unrecorded gauge\n"
	    "portcullis_pushes_unrecorded %u\n"
	    "# TYPE portcullis_pulls_denied_unrecorded_total counter\n"
	    "portcullis_pulls_denied_unrecorded_total %llu\n"
	    "# TYPE portcullis_pulls_on_stale_data_total counter\n"
	    "portcullis_pulls_on_stale_data_total %llu\n"
	    "# TYPE portcullis_breakglass_allowed_total counter\n"
	    "portcullis_breakglass_allowed_total %llu\n"
	    "# TYPE portcullis_decisions_excepted_total counter\n"
	    "portcullis_decisions_excepted_total %llu\n"
	    "# TYPE portcullis_vex_attestation_checks_total counter\n"
	    "portcullis_vex_attestation_checks_total %llu\n"
	    "# TYPE portcullis_vex_attestations_total counter\n"
	    "portcullis_vex_attestations_total{outcome=\"read\"} %llu\n"
	    "portcullis_vex_attestations_total{outcome=\"set-aside\"} %llu\n"
	    "# TYPE portcullis_upload_scan_waits_total counter\n"
	    "portcullis_upload_scan_waits_total %llu\n"
	    "# TYPE portcullis_upload_readbacks_total counter\n"
	    "portcullis_upload_readbacks_total %llu\n"
	    "# TYPE portcullis_upload_readback_failures_total counter\n"
	    "portcullis_upload_readback_failures_total %llu\n"
	    "# TYPE portcullis_spill_bytes gauge\n"
	    "portcullis_spill_bytes %llu\n"
	    "# TYPE portcullis_images_rematched_total counter\n"
	    "portcullis_images_rematched_total %llu\n"
	    "# TYPE portcullis_verdicts_changed_total counter\n"
	    "portcullis_verdicts_changed_total %llu\n"
	    "# TYPE portcullis_scans_running gauge\n"
	    "portcullis_scans_running %u\n"
	    "# TYPE portcullis_monitor_sweep_seconds gauge\n"
	    "portcullis_monitor_sweep_seconds %.6f\n"
	    "# TYPE portcullis_monitor_sweep_images gauge\n"
	    "portcullis_monitor_sweep_images %llu\n"
	    "# TYPE portcullis_monitor_turn_seconds_max gauge\n"
	    "portcullis_monitor_turn_seconds_max %.6f\n",
	    (unsigned long long)st->allowed,
	    (unsigned long long)st->denied,
	    (unsigned long long)st->unknown,
	    (unsigned long long)st->cached,
	    (double)st->cpu_cached_ns / 1e9, (double)st->cpu_other_ns / 1e9,
	    (unsigned long long)st->timed_cached,
	    (unsigned long long)st->timed_other,
	    (unsigned long long)st->decided_other,
	    (unsigned long long)st->layers_scanned,
	    (unsigned long long)st->layers_from_fleet, g->nuploads,
	    g->ndeferred, (unsigned long long)st->uploads_deferred,
	    (unsigned long long)st->store_errors,
	    (unsigned long long)st->blobs_denied,
	    journal_left(g->journal),
	    (unsigned long long)st->denied_unrecorded,
	    (unsigned long long)st->stale_data,
	    (unsigned long long)st->breakglass,
	    (unsigned long long)st->excepted,
	    (unsigned long long)st->vex_checks,
	    (unsigned long long)st->vex_read,
	    (unsigned long long)st->vex_set_aside,
	    (unsigned long long)st->scan_waits,
	    (unsigned long long)st->readbacks,
	    (unsigned long long)st->readback_failures,
	    (unsigned long long)feed_budget_used(g->spill_budget),
	    (unsigned long long)st->images_rematched,
	    (unsigned long long)st->verdicts_changed, g->nscanjobs,
	    (double)st->sweep_us / 1e6, (unsigned long long)st->sweep_images,
	    (double)st->sweep_turn_max_us / 1e6);
	gate_metrics_data(g, out);
	gate_metrics_policy(g, out);
	results_metrics(g->results, out);
}

struct gate *
gate_new(struct event_base *base, struct evdns_base *dns, struct conf *conf)
{
	struct gate	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	g->base = base;
	g->dns = dns;
	g->conf = conf;
	TAILQ_INIT(&g->uploads);
	TAILQ_INIT(&g->scanjobs);
	TAILQ_INIT(&g->notifies);
	TAILQ_INIT(&g->holds);
	TAILQ_INIT(&g->pushholds);
	/* A slot per few hundred bytes: 4096 entries, about 4.6 MiB. */
	if ((g->gatecache = gatecache_new(4096)) == NULL ||
	    (g->events = events_new(base, gate_store_of, g)) == NULL ||
	    (g->spill_budget = feed_budget_new(conf->scanner.spill_max)) ==
	    NULL)
		goto fail;
	/*
	 * Create state_dir and the store now, not at the first push: the
	 * upload feeds spill there. Failure is retried later (logged).
	 */
	gate_store(g);
	return g;
 fail:
	log_warnx("%s: cannot start the gate", __func__);
	gate_free(g);
	return NULL;
}

void
gate_free(struct gate *g)
{
	if (g == NULL)
		return;
	/* Every feed is joined: none uses the budget any more. */
	feed_budget_free(g->spill_budget);
	/* The last events are written while the store is still open. */
	events_free(g->events);
	store_close(g->store);
	journal_free(g->journal);
	gatecache_free(g->gatecache);
	SSL_CTX_free(g->notify_ctx);
	free(g);
}
