#include "proxy/monitor.h"
#include "proxy/record.h"
#include "proxy/server.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Images re-matched per loop turn. */
#define MONITOR_BATCH	32

struct monitor {
	struct server	*srv;
	struct event	*tick;		/* every monitor.interval */
	struct event	*step;		/* next batch, at once */
	char		 version[64];	/* data version last swept */
	char		**todo;		/* digests still to re-match */
	size_t		 ntodo, done;
	uint64_t	 flips_before;
};

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

	if (v != NULL && strcmp(v, m->version) != 0 &&
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
	/* record_scan_doc re-matches, stores, logs and tells webhooks. */
	for (; m->done < end; m->done++) {
		doc = record_scan_doc(m->srv, m->todo[m->done], &error);
		free(doc);
	}
	if (m->done < m->ntodo) {
		event_add(m->step, &now);
		return;
	}
	log_info("monitor: advisory data %s: %zu images re-evaluated, %llu "
	    "verdicts changed", m->version, m->ntodo, (unsigned long long)
	    (m->srv->stats.verdicts_changed - m->flips_before));
	monitor_clear(m);
}

static void
monitor_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct monitor	*m = arg;
	struct store	*st = server_store(m->srv);
	char		 ver[64] = "";
	struct timeval	 now = { 0, 0 };

	if (st == NULL || m->ntodo > 0)
		return;		/* no store yet, or a sweep still running */
	if (store_meta_get(st, "data_version", ver, sizeof(ver)) != STORE_OK ||
	    strcmp(ver, m->version) == 0)
		return;
	memcpy(m->version, ver, sizeof(m->version));
	if (store_digest_each(st, STORE_IMAGES, NULL, monitor_collect, m) == -1) {
		log_warnx("monitor: cannot list the recorded images");
		monitor_clear(m);
		m->version[0] = '\0';	/* try again next tick */
		return;
	}
	if (m->ntodo == 0)
		return;
	m->flips_before = m->srv->stats.verdicts_changed;
	log_info("monitor: advisory data changed to %s: re-evaluating %zu "
	    "images", ver, m->ntodo);
	event_add(m->step, &now);
}

int
monitor_start(struct server *srv)
{
	struct monitor	*m;
	struct timeval	 tv = { (time_t)srv->conf->monitor_interval, 0 };
	struct store	*st;

	if (srv->conf->monitor_interval == 0)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->srv = srv;
	/* What is current at start needs no sweep: pulls re-match lazily. */
	if ((st = srv->store) != NULL)
		store_meta_get(st, "data_version", m->version,
		    sizeof(m->version));
	if ((m->tick = event_new(srv->base, -1, EV_PERSIST, monitor_tick_cb,
	    m)) == NULL || (m->step = evtimer_new(srv->base, monitor_step_cb,
	    m)) == NULL || event_add(m->tick, &tv) == -1) {
		log_warnx("monitor: cannot start");
		if (m->tick != NULL)
			event_free(m->tick);
		if (m->step != NULL)
			event_free(m->step);
		free(m);
		return -1;
	}
	srv->monitor = m;
	return 0;
}

void
monitor_stop(struct server *srv)
{
	struct monitor	*m = srv->monitor;

	if (m == NULL)
		return;
	event_free(m->tick);
	event_free(m->step);
	monitor_clear(m);
	free(m);
	srv->monitor = NULL;
}
