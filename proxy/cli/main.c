/*
 * portcullis: registry-side scanning proxy.
 *
 *   portcullis serve -c FILE [-d] [-l ADDR] [-u URL]
 *
 * Subcommands grow with the scanner and the store; each lives in its
 * own file and main only dispatches.
 */
#include "config.h"
#include "conf/conf.h"
#include "conf/log.h"
#include "proxy/relay/server.h"
#include "proxy/cli/cmd_db.h"
#include "proxy/cli/cmd_scan.h"
#include "proxy/sys/priv.h"
#include "proxy/gate/reload.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
usage(void)
{
	fprintf(stderr,
	    "usage: portcullis serve [-d] [-c config.yaml] [-l host:port] "
	    "[-u upstream-url]\n"
	    "       portcullis check-config -c config.yaml\n"
	    "       portcullis db import|update|query|info ...\n"
	    "       portcullis scan [-f table|json] [-F severity] SOURCE\n"
	    "       portcullis version\n");
	exit(2);
}

static void
main_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct event_base	*base = arg;

	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(base, NULL);
}

static int
main_level(const char *s)
{
	if (strcmp(s, "error") == 0)
		return LOG_LEVEL_ERROR;
	if (strcmp(s, "warn") == 0)
		return LOG_LEVEL_WARN;
	if (strcmp(s, "debug") == 0)
		return LOG_LEVEL_DEBUG;
	return LOG_LEVEL_INFO;
}

static struct conf *
main_conf(int argc, char **argv)
{
	struct conf	*c = NULL;
	const char	*path = NULL, *listen = NULL, *up = NULL;
	char		 err[512];
	int		 ch, debug = 0;

	while ((ch = getopt(argc, argv, "c:dl:u:")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'd': debug = 1; break;
		case 'l': listen = optarg; break;
		case 'u': up = optarg; break;
		default: usage();
		}
	}
	if (path != NULL)
		c = conf_load(path, err, sizeof(err));
	else if (up != NULL) {
		if ((c = conf_new()) == NULL)
			snprintf(err, sizeof(err), "out of memory");
	} else
		snprintf(err, sizeof(err), "need -c config.yaml or -u URL");
	if (c == NULL)
		fatalx("%s", err);
	if ((listen != NULL && conf_set_listen(c, listen, err,
	    sizeof(err)) == -1) ||
	    (up != NULL && conf_set_upstream(c, up, err, sizeof(err)) == -1))
		fatalx("%s", err);
	if (debug) {
		free(c->log_level);
		c->log_level = strdup("debug");
	}
	log_init(main_level(c->log_level ? c->log_level : "info"));
	return c;
}

static void
main_hup_cb(evutil_socket_t sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	reload_policy(arg);
}

static int
main_serve(int argc, char **argv)
{
	struct event_base	*base;
	struct server		*srv;
	struct event		*sigint, *sigterm, *sighup;
	struct conf		*c;

	c = main_conf(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	/* Scanner threads wake the loop with event_active(). */
	if (evthread_use_pthreads() == -1)
		fatalx("evthread_use_pthreads");
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((srv = server_new(base, c)) == NULL)
		fatalx("cannot start");
	if (priv_drop(srv->conf) == -1)
		fatalx("cannot give up root");
	reload_since_last_run(srv);
	sigint = evsignal_new(base, SIGINT, main_signal_cb, base);
	sigterm = evsignal_new(base, SIGTERM, main_signal_cb, base);
	sighup = evsignal_new(base, SIGHUP, main_hup_cb, srv);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sighup, NULL);
	log_info("listening on %s%s, upstream %s", srv->bound,
	    srv->server_ctx ? " (TLS)" : "", srv->conf->upstream.url);
	/* Tests and scripts wait for this line. */
	printf("portcullis: ready on %s\n", srv->bound);
	fflush(stdout);
	event_base_dispatch(base);
	event_free(sigint);
	event_free(sigterm);
	event_free(sighup);
	server_free(srv);
	event_base_free(base);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "serve") == 0)
		return main_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "check-config") == 0) {
		struct conf *c = main_conf(argc - 1, argv + 1);

		printf("%s: ok\n", c->path ? c->path : "configuration");
		conf_free(c);
		return 0;
	}
	if (strcmp(argv[1], "scan") == 0)
		return cmd_scan(argc - 1, argv + 1);
	if (strcmp(argv[1], "db") == 0)
		return cmd_db(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0) {
		printf("portcullis %s\n", PACKAGE_VERSION);
		return 0;
	}
	usage();
	return 2;
}
