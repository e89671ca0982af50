/*
 * Store benchmark: OSV import rate and package lookups per second, each
 * against a baseline measured in the same run:
 *   import  vs  parsing the same JSON with jansson and nothing else
 *   lookup  vs  a bare LMDB prefix scan for the same keys (store_adv_each
 *               with a no-op callback), so the ratio is what matching costs
 * Records are synthetic (TEST-BENCH-* ids) and exist only to fill the store.
 *
 *   db_bench [records] [lookups]
 */
#include "scan/advisory/osv.h"
#include "scan/advisory/vulnmatch.h"
#include "store/db.h"
#include "conf/log.h"
#include "tests/bench/bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
	int		 nrec = argc > 1 ? atoi(argv[1]) : 50000;
	int		 nlook = argc > 2 ? atoi(argv[2]) : 200000;
	char		 dir[] = "/tmp/portcullis-dbbench.XXXXXX", cmd[300];
	char		 **recs, name[64], ver[32];
	struct store	*st;
	struct tally stats = { 0 };
	double		 t0, t_parse, t_import, t_raw, t_match;
	size_t		 sink = 0;
	int		 i, hits = 0;

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL || (st = store_open(dir, 0)) == NULL)
		return 1;
	if ((recs = calloc((size_t)nrec, sizeof(*recs))) == NULL)
		return 1;
	for (i = 0; i < nrec; i++) {
		char buf[1024];

		snprintf(buf, sizeof(buf), "{\"id\":\"TEST-BENCH-%d\","
		    "\"aliases\":[\"CVE-BENCH-%d\"],\"severity\":[{\"type\":"
		    "\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/"
		    "C:H/I:H/A:H\"}],\"affected\":[{\"package\":{\"ecosystem\":"
		    "\"npm\",\"name\":\"bench-pkg-%d\"},\"ranges\":[{\"type\":"
		    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
		    "{\"fixed\":\"1.%d.0\"}]}]}]}", i, i, i % (nrec / 4 + 1),
		    i % 50);
		recs[i] = strdup(buf);
	}
	t0 = now();
	for (i = 0; i < nrec; i++) {
		json_t *j = json_loads(recs[i], JSON_REJECT_DUPLICATES, NULL);
		json_decref(j);
	}
	t_parse = now() - t0;
	t0 = now();
	store_write_begin(st);
	for (i = 0; i < nrec; i++)
		osv_import_record(st, recs[i], strlen(recs[i]), "bench", &stats);
	if (store_write_commit(st) != STORE_OK)
		return 1;
	t_import = now() - t0;

	srand(42);
	t0 = now();
	for (i = 0; i < nlook; i++) {
		snprintf(name, sizeof(name), "bench-pkg-%d", rand() % (nrec / 4 + 1));
		store_adv_each(st, "npm", name, noop_cb, &sink);
	}
	t_raw = now() - t0;
	srand(42);
	t0 = now();
	for (i = 0; i < nlook; i++) {
		struct vulnmatch_pkg	  p = { name, ver, NULL, NULL };
		struct vulnmatch_finding *f = NULL;
		int			  n;

		snprintf(name, sizeof(name), "bench-pkg-%d", rand() % (nrec / 4 + 1));
		snprintf(ver, sizeof(ver), "1.%d.0", i % 60);
		n = vulnmatch_package(st, "npm", &p, &f);
		if (n > 0)
			hits += n;
		free(f);
	}
	t_match = now() - t0;

	printf("records: %d (%lu rows), lookups: %d (%d findings)\n", nrec,
	    stats.entries, nlook, hits);
	printf("import: %.0f records/s; JSON parse alone: %.0f records/s; "
	    "import/parse time ratio %.2fx\n", nrec / t_import, nrec / t_parse,
	    t_import / t_parse);
	printf("lookup: %.0f packages/s matched; bare LMDB prefix scan: %.0f/s; "
	    "match/scan time ratio %.2fx\n", nlook / t_match, nlook / t_raw,
	    t_match / t_raw);
	store_close(st);
	for (i = 0; i < nrec; i++)
		free(recs[i]);
	free(recs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
