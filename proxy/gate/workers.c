#include "proxy/gate/workers.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/hold.h"
#include "proxy/gate/monitor.h"
#include "proxy/gate/notify.h"
#include "proxy/gate/scanjob.h"
#include "proxy/gate/upload.h"

int
workers_start(struct gate *g)
{
	/* upload.c learns of held pulls only through this. */
	g->layers_done = hold_uploads_done;
	return monitor_start(g);
}

void
workers_stop(struct gate *g)
{
	hold_shutdown(g);
	monitor_stop(g);
	upload_shutdown(g);
	scanjob_shutdown(g);
	notify_shutdown(g);
}
