#include "proxy/cli/cmd_breakglass.h"
#include "proxy/gate/breakglass.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
cmd_breakglass_usage(void)
{
	fprintf(stderr,
	    "usage: portcullis breakglass grant [-c CONF | -s STATE] "
	    "-r REASON [-t DURATION] [-b BY] REPOSITORY@DIGEST\n"
	    "       portcullis breakglass revoke [-c CONF | -s STATE] "
	    "[-b BY] DIGEST\n"
	    "       portcullis breakglass list [-c CONF | -s STATE]\n"
	    "DURATION: 90m, 4h, 2d (default 4h, at most 7d); REPOSITORY may "
	    "be a glob, * for any\n");
	exit(2);
}

/* Who runs this, for the audit trail: the sudo caller, else the user. */
static const char *
cmd_breakglass_who(void)
{
	static char	 name[64];
	const char	*s = getenv("SUDO_USER");
	struct passwd	*pw;

	if (s != NULL && *s != '\0')
		return s;
	if ((pw = getpwuid(getuid())) != NULL) {
		snprintf(name, sizeof(name), "%s", pw->pw_name);
		return name;
	}
	snprintf(name, sizeof(name), "uid %u", (unsigned)getuid());
	return name;
}

int
cmd_breakglass(int argc, char **argv)
{
	struct store	*st = NULL;
	struct conf	*c = NULL;
	const char	*state = getenv("PORTCULLIS_STATE");
	const char	*sub, *reason = NULL, *by = NULL, *confpath = NULL;
	const char	*at;
	char		 path[4096], err[512], repo[256];
	long		 secs = 4 * 3600;
	int		 ch, rv = 1;
	time_t		 now = time(NULL);

	if (argc < 2)
		cmd_breakglass_usage();
	sub = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "b:c:r:s:t:")) != -1) {
		switch (ch) {
		case 'b': by = optarg; break;
		case 'c': confpath = optarg; break;
		case 'r': reason = optarg; break;
		case 's': state = optarg; break;
		case 't':
			if ((secs = breakglass_duration(optarg)) == -1) {
				fprintf(stderr, "breakglass: %s is not a "
				    "duration of at most 7d\n", optarg);
				return 2;
			}
			break;
		default: cmd_breakglass_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (confpath != NULL) {
		if ((c = conf_load(confpath, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		state = c->state_dir;
	}
	if (state == NULL)
		state = "/var/lib/portcullis";
	if (by == NULL)
		by = cmd_breakglass_who();
	snprintf(path, sizeof(path), "%s/db", state);
	if (strcmp(sub, "list") == 0) {
		if (argc != 0)
			cmd_breakglass_usage();
		if ((st = store_open(path, 1)) != NULL &&
		    breakglass_list(st, stdout, now) == 0)
			rv = 0;
	} else if (strcmp(sub, "grant") == 0) {
		if (argc != 1 || reason == NULL ||
		    (at = strrchr(argv[0], '@')) == NULL || at == argv[0] ||
		    (size_t)(at - argv[0]) >= sizeof(repo))
			cmd_breakglass_usage();
		snprintf(repo, sizeof(repo), "%.*s", (int)(at - argv[0]),
		    argv[0]);
		if (mkdir(state, 0750) == -1 && errno != EEXIST)
			log_warn("%s", state);
		else if ((st = store_open(path, 0)) != NULL &&
		    breakglass_grant(st, at + 1, repo, by, reason, secs,
		    now) == 0) {
			printf("break-glass: %s@%s may be pulled until %ld s "
			    "from now (granted by %s); revoke with: portcullis "
			    "breakglass revoke %s\n", repo, at + 1, secs, by,
			    at + 1);
			rv = 0;
		}
	} else if (strcmp(sub, "revoke") == 0) {
		if (argc != 1)
			cmd_breakglass_usage();
		if ((st = store_open(path, 0)) != NULL) {
			switch (breakglass_revoke(st, argv[0], by, now)) {
			case 0:
				printf("break-glass for %s revoked by %s\n",
				    argv[0], by);
				rv = 0;
				break;
			case 1:
				fprintf(stderr, "breakglass: no grant in force "
				    "for %s\n", argv[0]);
				break;
			}
		}
	} else
		cmd_breakglass_usage();
	store_close(st);
	conf_free(c);
	return rv;
}
