/*
 *   portcullis db import [-s state_dir] PATH...    OSV dirs, files, zips
 *   portcullis db query  [-s state_dir] ECOSYSTEM NAME VERSION
 *   portcullis db info   [-s state_dir]
 */
#include "proxy/cmd_db.h"
#include "scan/osv.h"
#include "scan/vulnmatch.h"
#include "store/db.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static void
cmd_db_usage(void)
{
	fprintf(stderr,
	    "usage: portcullis db import [-s state_dir] PATH...\n"
	    "       portcullis db query [-s state_dir] ECOSYSTEM NAME VERSION\n"
	    "       portcullis db info [-s state_dir]\n");
	exit(2);
}

static int
cmd_db_hit(const struct vulnmatch_hit *h, void *arg)
{
	json_t	*arr = arg;

	return json_array_append_new(arr, json_pack("{s:s, s:s, s:f, s:s?, "
	    "s:s?, s:s}", "id", h->id, "severity", h->severity ?
	    h->severity : "UNKNOWN", "score", h->score, "fixed", h->fixed,
	    "summary", h->summary, "aliases", h->aliases));
}

int
cmd_db(int argc, char **argv)
{
	struct store	*st = NULL;
	struct osv_stats stats;
	const char	*state = getenv("PORTCULLIS_STATE");
	const char	*sub;
	char		 path[4096], buf[128];
	int		 ch, rv = 1;

	if (state == NULL)
		state = "/var/lib/portcullis";
	if (argc < 2)
		cmd_db_usage();
	sub = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "s:")) != -1) {
		if (ch == 's')
			state = optarg;
		else
			cmd_db_usage();
	}
	argc -= optind;
	argv += optind;
	snprintf(path, sizeof(path), "%s/db", state);
	if (strcmp(sub, "import") == 0) {
		if (argc < 1)
			cmd_db_usage();
		if (mkdir(state, 0750) == -1 && errno != EEXIST) {
			log_warn("%s", state);
			goto done;
		}
		if ((st = store_open(path, 0)) == NULL)
			goto done;
		if (osv_import(st, argv, argc, isatty(2), &stats) == -1) {
			fprintf(stderr, "import failed; the store is unchanged\n");
			goto done;
		}
		printf("imported %lu records (%lu package entries), %lu "
		    "withdrawn, %lu rejected, %lu in ecosystems without "
		    "version ordering\n", stats.records, stats.entries,
		    stats.withdrawn, stats.rejected, stats.unknown_eco);
		rv = 0;
	} else if (strcmp(sub, "query") == 0) {
		json_t	*arr = json_array();
		char	*out;
		int	 n;

		if (argc != 3)
			cmd_db_usage();
		if ((st = store_open(path, 1)) == NULL) {
			json_decref(arr);
			goto done;
		}
		n = vulnmatch_query(st, argv[0], argv[1], argv[2], cmd_db_hit,
		    arr);
		if (n >= 0 && (out = json_dumps(arr, JSON_INDENT(2))) != NULL) {
			printf("%s\n", out);
			free(out);
			rv = 0;
		}
		json_decref(arr);
	} else if (strcmp(sub, "info") == 0) {
		if ((st = store_open(path, 1)) == NULL)
			goto done;
		printf("schema: %s\n", store_meta_get(st, "schema", buf,
		    sizeof(buf)) == STORE_OK ? buf : "-");
		printf("data_version: %s\n", store_meta_get(st, "data_version",
		    buf, sizeof(buf)) == STORE_OK ? buf : "-");
		printf("advisory_entries: %llu\n",
		    (unsigned long long)store_adv_count(st));
		rv = 0;
	} else
		cmd_db_usage();
 done:
	store_close(st);
	return rv;
}
