#include "proxy/cli/serve.h"
#include "proxy/endpoint/endpoint.h"
#include "proxy/endpoint/status.h"
#include "proxy/gate/asclient.h"
#include "proxy/gate/attest.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/hold.h"
#include "proxy/gate/pushgate.h"
#include "proxy/gate/referrers.h"
#include "proxy/gate/reload.h"
#include "proxy/gate/tap.h"
#include "proxy/gate/workers.h"
#include "proxy/relay/relay.h"
#include "proxy/relay/server.h"
#include "proxy/relay/session.h"
#include "proxy/sys/priv.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdio.h>

static void
serve_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct event_base	*base = arg;

	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(base, NULL);
}

/* A held session ended: the gate's hold (pull or push) or an endpoint's reply. */
static void
serve_gone(void *arg, struct session *s)
{
	hold_gone(arg, s);
	pushgate_gone(arg, s);
	endpoint_gone(arg, s);
}

static void
serve_hup_cb(evutil_socket_t sig, short ev, void *arg)
{
	reload_policy(arg);
}

int
cmd_serve(struct conf *c)
{
	struct event_base	*base;
	struct evdns_base	*dns;
	struct gate		*g;
	struct server		*srv;
	struct event		*sigint, *sigterm, *sighup;
	struct event_config	*cfg;
	struct relay_hooks	 hooks = {
		.tap = tap_open,
		.decide = hold_decide,
		.admit_wanted = pushgate_wanted,
		.admit = pushgate_admit,
		.gone = serve_gone,
		.local = endpoint_reply,
	};

	signal(SIGPIPE, SIG_IGN);
	/* Scanner threads wake the loop with event_active(). */
	if (evthread_use_pthreads() == -1)
		fatalx("evthread_use_pthreads");
	/*
	 * epoll's changelist: interest changed and changed back within one
	 * loop turn (a relay queues bytes, then writes them at once, see
	 * session_flush) never reaches the kernel.
	 */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg,
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == -1 ||
	    (base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new");
	event_config_free(cfg);
	/*
	 * Three priorities: everything at the middle one (libevent's
	 * default), the monitor's sweep below it, so that its turns run
	 * only when no request has an event waiting.
	 */
	if (event_base_priority_init(base, 3) == -1)
		fatalx("event_base_priority_init");
	if ((dns = evdns_base_new(base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (dns = evdns_base_new(base, 0)) == NULL)
		/* No resolv.conf: literal addresses still work. */
		fatalx("evdns_base_new");
	/* A referrer added or taken out: its subject's VEX is read again. */
	referrers_on_change(attest_forget);
	if ((g = gate_new(base, dns, c)) == NULL || workers_start(g) == -1)
		fatalx("cannot start");
	hooks.arg = g;
	if ((srv = server_new(base, dns, c, &hooks, session_new)) == NULL)
		fatalx("cannot start");
	if (priv_drop(c) == -1)
		fatalx("cannot give up root");
	reload_since_last_run(g);
	sigint = evsignal_new(base, SIGINT, serve_signal_cb, base);
	sigterm = evsignal_new(base, SIGTERM, serve_signal_cb, base);
	sighup = evsignal_new(base, SIGHUP, serve_hup_cb, g);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sighup, NULL);
	log_info("listening on %s%s, upstream %s", srv->bound,
	    srv->server_ctx ? " (TLS)" : "", c->upstream.url);
	/* Tests and scripts wait for this line. */
	printf("portcullis: ready on %s\n", srv->bound);
	fflush(stdout);
	event_base_dispatch(base);
	event_free(sigint);
	event_free(sigterm);
	event_free(sighup);
	/* Sessions first: their holds and taps belong to the gate. */
	session_free_all(srv);
	status_shutdown();
	asclient_shutdown();
	server_free(srv);
	workers_stop(g);
	gate_free(g);
	evdns_base_free(dns, 0);
	event_base_free(base);
	conf_free(c);
	return 0;
}
