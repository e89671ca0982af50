#include "proxy/gate/monitor.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/record.h"
#include "proxy/gate/gate.h"
#include "scan/image/verdict.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/policy.h"
#include "conf/log.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Images re-matched per loop turn. */
#define MONITOR_BATCH	32

struct monitor {
	struct gate	*g;
	struct event	*tick;		/* every monitor.interval */
	struct event	*step;		/* next batch, at once */
	char		 version[64];	/* data version last swept */
	char		**todo;		/* digests still to re-match */
	size_t		 ntodo, done;
	uint64_t	 flips_before;
	/*
	 * Decisions as they stood before a policy reload or an allowlist
	 * expiry, oldest first: a policy and the moment it decided at.
	 * Each is kept until every judged image has been decided under it
	 * and under its successor (was[1], or the running policy now);
	 * sweeping: the todo list is for that.
	 */
	struct monitor_was {
		struct policy	*policy;
		time_t		 at;
		int		 expiry;	/* what came next: 0 a reload */
	}		*was;
	size_t		 nwas;
	int		 sweeping;
	time_t		 expiry_seen;	/* allowlist expiries checked up to */
};

/* What the running policy sweep is about, for the log. */
static const char *
monitor_sweep_name(const struct monitor *m)
{
	return m->was[0].expiry ? "allowlist expiry" : "policy reloaded";
}

/* Forget the oldest: its sweep is over. */
static void
monitor_was_shift(struct monitor *m)
{
	policy_clear(m->was[0].policy);
	free(m->was[0].policy);
	memmove(m->was, m->was + 1, --m->nwas * sizeof(*m->was));
}

/*
 * Queue a sweep from policy p as it decided at `at`, before a reload or
 * (expiry) an allowlist entry running out; p is taken over.
 */
static void
monitor_was_push(struct monitor *m, struct policy *p, time_t at, int expiry)
{
	struct monitor_was	*nw;

	if ((nw = reallocarray(m->was, m->nwas + 1, sizeof(*nw))) == NULL) {
		log_warnx("monitor: out of memory: this change's flips go "
		    "unreported");
		policy_clear(p);
		free(p);
		return;
	}
	m->was = nw;
	m->was[m->nwas].policy = p;
	m->was[m->nwas].expiry = expiry;
	m->was[m->nwas++].at = at;
}

/* Finished documents made with other data than now: to re-match. */
static int
monitor_collect(const char *digest, const char *json, void *arg)
{
	struct monitor	*m = arg;
	json_t		*j = json_loads(json, 0, NULL);
	const char	*v = json_string_value(json_object_get(j,
			    "data_version"));
	char		**nt;
	int		 rv = 0;

	/* A policy sweep takes every finished one. */
	if (v != NULL && (m->sweeping || strcmp(v, m->version) != 0) &&
	    !json_is_true(json_object_get(j, "pending"))) {
		if ((nt = reallocarray(m->todo, m->ntodo + 1,
		    sizeof(*nt))) == NULL || (nt[m->ntodo] = strdup(digest)) ==
		    NULL) {
			if (nt != NULL)
				m->todo = nt;
			rv = -1;
		} else {
			m->todo = nt;
			m->ntodo++;
		}
	}
	json_decref(j);
	return rv;
}

static void
monitor_clear(struct monitor *m)
{
	size_t	i;

	for (i = 0; i < m->ntodo; i++)
		free(m->todo[i]);
	free(m->todo);
	m->todo = NULL;
	m->ntodo = m->done = 0;
}

/* One judged image decided under the replaced policy and the new one. */
static void
monitor_policy_one(struct monitor *m, const char *digest)
{
	struct store	*st = gate_store(m->g);
	struct verdict	 before, after;
	char		*rec = NULL;
	const char	*repo;
	json_t		*doc;
	time_t		 now = time(NULL);

	if (st == NULL || store_digest_get(st, STORE_IMAGES, digest, &rec) !=
	    STORE_OK)
		return;
	if ((doc = json_loads(rec, 0, NULL)) != NULL) {
		repo = json_string_value(json_object_get(doc, "repository"));
		verdict_eval(doc, m->was[0].policy, repo ? repo : "",
		    m->was[0].at, &before);
		if (m->nwas > 1)
			verdict_eval(doc, m->was[1].policy, repo ? repo : "",
			    m->was[1].at, &after);
		else
			verdict_eval(doc, &m->g->conf->policy, repo ? repo :
			    "", now, &after);
		record_flip(m->g, digest, repo, &before, &after,
		    m->was[0].expiry ? "an allowlist entry expired" :
		    "a policy reload", m->was[0].expiry ? "allowlist-expired" :
		    "policy");
		json_decref(doc);
	}
	free(rec);
}

static void
monitor_step_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct monitor	*m = arg;
	struct timeval	 now = { 0, 0 };
	size_t		 end = m->done + MONITOR_BATCH;
	char		*doc;
	int		 error;

	if (end > m->ntodo)
		end = m->ntodo;
	for (; m->done < end; m->done++) {
		if (m->sweeping) {
			monitor_policy_one(m, m->todo[m->done]);
			continue;
		}
		/* record_scan_doc re-matches, stores, logs, tells webhooks. */
		doc = record_scan_doc(m->g, m->todo[m->done], &error);
		free(doc);
	}
	if (m->done < m->ntodo) {
		event_add(m->step, &now);
		return;
	}
	if (m->sweeping) {
		log_info("monitor: %s: %zu images re-evaluated, %llu verdicts "
		    "changed", monitor_sweep_name(m), m->ntodo,
		    (unsigned long long)(m->g->stats.verdicts_changed -
		    m->flips_before));
		monitor_was_shift(m);
		m->sweeping = 0;	/* the next tick takes the next one */
	} else
		log_info("monitor: advisory data %s: %zu images re-evaluated, "
		    "%llu verdicts changed", m->version, m->ntodo,
		    (unsigned long long)(m->g->stats.verdicts_changed -
		    m->flips_before));
	monitor_clear(m);
}

/* Every judged image, decided under the replaced policy and this one. */
static void
monitor_policy_sweep(struct monitor *m, struct store *st)
{
	struct timeval	now = { 0, 0 };

	m->sweeping = 1;
	if (store_digest_each(st, STORE_IMAGES, NULL, monitor_collect, m) ==
	    -1) {
		log_warnx("monitor: cannot list the recorded images");
		monitor_clear(m);
		m->sweeping = 0;	/* try again next tick */
		return;
	}
	m->flips_before = m->g->stats.verdicts_changed;
	log_info("monitor: %s: re-evaluating %zu images",
	    monitor_sweep_name(m), m->ntodo);
	event_add(m->step, &now);
}

static void
monitor_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct monitor	*m = arg;
	struct store	*st = gate_store(m->g);
	struct policy	*p;
	char		 ver[64] = "";
	struct timeval	 now = { 0, 0 };
	time_t		 t = time(NULL);

	/*
	 * An allowlist entry ran out since the last look: what it allowed
	 * is decided again from now (the decision cache forgets), and a
	 * sweep reports what flipped, as for a reload.
	 */
	if (t > m->expiry_seen && policy_expired_between(&m->g->conf->policy,
	    m->expiry_seen, t)) {
		gatecache_clear(m->g->gatecache);
		if ((p = malloc(sizeof(*p))) == NULL ||
		    policy_copy(p, &m->g->conf->policy) == -1) {
			log_warnx("monitor: out of memory: flips from an "
			    "allowlist expiry go unreported");
			free(p);
		} else {
			log_info("monitor: an allowlist entry expired");
			monitor_was_push(m, p, m->expiry_seen, 1);
		}
	}
	if (t > m->expiry_seen)
		m->expiry_seen = t;
	if (st == NULL || m->ntodo > 0 || m->sweeping)
		return;		/* no store yet, or a sweep still running */
	if (store_meta_get(st, "data_version", ver, sizeof(ver)) != STORE_OK ||
	    strcmp(ver, m->version) == 0) {
		if (m->nwas > 0)
			monitor_policy_sweep(m, st);
		return;
	}
	memcpy(m->version, ver, sizeof(m->version));
	if (store_digest_each(st, STORE_IMAGES, NULL, monitor_collect, m) == -1) {
		log_warnx("monitor: cannot list the recorded images");
		monitor_clear(m);
		m->version[0] = '\0';	/* try again next tick */
		return;
	}
	if (m->ntodo == 0)
		return;
	m->flips_before = m->g->stats.verdicts_changed;
	log_info("monitor: advisory data changed to %s: re-evaluating %zu "
	    "images", ver, m->ntodo);
	event_add(m->step, &now);
}

int
monitor_start(struct gate *g)
{
	struct monitor	*m;
	struct timeval	 tv = { (time_t)g->conf->monitor_interval, 0 };
	struct store	*st;

	if (g->conf->monitor_interval == 0)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->g = g;
	m->expiry_seen = time(NULL);
	/* What is current at start needs no sweep: pulls re-match lazily. */
	if ((st = g->store) != NULL)
		store_meta_get(st, "data_version", m->version,
		    sizeof(m->version));
	if ((m->tick = event_new(g->base, -1, EV_PERSIST, monitor_tick_cb,
	    m)) == NULL || (m->step = evtimer_new(g->base, monitor_step_cb,
	    m)) == NULL || event_add(m->tick, &tv) == -1) {
		log_warnx("monitor: cannot start");
		if (m->tick != NULL)
			event_free(m->tick);
		if (m->step != NULL)
			event_free(m->step);
		free(m);
		return -1;
	}
	g->monitor = m;
	return 0;
}

void
monitor_policy_changed(struct gate *g, struct policy *was)
{
	struct monitor	*m = g->monitor;

	/* Monitoring off: pulls decide under the new policy, unreported. */
	if (m == NULL) {
		policy_clear(was);
		free(was);
		return;
	}
	monitor_was_push(m, was, time(NULL), 0);
	/* At once, unless a sweep is running: then after it. */
	event_active(m->tick, EV_TIMEOUT, 0);
}

void
monitor_stop(struct gate *g)
{
	struct monitor	*m = g->monitor;

	if (m == NULL)
		return;
	event_free(m->tick);
	event_free(m->step);
	monitor_clear(m);
	while (m->nwas > 0)
		monitor_was_shift(m);
	free(m->was);
	free(m);
	g->monitor = NULL;
}
