#include "proxy/gate/workers.h"
#include "proxy/fleet/results.h"
#include "conf/conf.h"
#include "conf/log.h"
#include "proxy/gate/feeds.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/hold.h"
#include "proxy/gate/monitor.h"
#include "proxy/gate/notify.h"
#include "proxy/gate/pushgate.h"
#include "proxy/gate/scanjob.h"
#include "proxy/gate/upload.h"

/* A layer's result was stored: pulls and pushes waiting on it go on. */
static void
workers_layers_done(struct gate *g)
{
	hold_uploads_done(g);
	pushgate_layers_done(g);
}

int
workers_start(struct gate *g)
{
	char	err[512];

	/* upload.c learns of held pulls and pushes only through this. */
	g->layers_done = workers_layers_done;
	if (g->conf->fleet.key_file != NULL && (g->results = results_new(
	    g->base, g->conf, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	/* No feed thread is no reason to stop: db import still works. */
	g->feeds = feeds_start(g->conf);
	return monitor_start(g);
}

void
workers_stop(struct gate *g)
{
	hold_shutdown(g);
	pushgate_shutdown(g);
	feeds_stop(g->feeds);
	g->feeds = NULL;
	monitor_stop(g);
	/* Its answers would go to uploads about to be freed: none come. */
	results_stop(g->results);
	upload_shutdown(g);
	/* Scan threads may be reading the fleet's results: joined first. */
	scanjob_shutdown(g);
	results_free(g->results);
	g->results = NULL;
	notify_shutdown(g);
}
