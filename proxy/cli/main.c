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
#include "proxy/cli/cmd_breakglass.h"
#include "proxy/cli/cmd_db.h"
#include "proxy/cli/cmd_scan.h"
#include "proxy/cli/serve.h"

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
	    "       portcullis breakglass grant|revoke|list ...\n"
	    "       portcullis scan [-f table|json] [-F severity] SOURCE\n"
	    "       portcullis version\n");
	exit(2);
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

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(main_conf(argc - 1, argv + 1));
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
	if (strcmp(argv[1], "breakglass") == 0)
		return cmd_breakglass(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0) {
		printf("portcullis %s\n", PACKAGE_VERSION);
		return 0;
	}
	usage();
	return 2;
}
