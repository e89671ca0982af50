#include "proxy/gate/workers.h"
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
	/* upload.c learns of held pulls and pushes only through this. */
	g->layers_done = workers_layers_done;
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
	upload_shutdown(g);
	scanjob_shutdown(g);
	notify_shutdown(g);
}
