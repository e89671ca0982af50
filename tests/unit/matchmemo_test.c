/*
 * The sweep's memory of package matches: an answer comes back as it
 * was put (a copy the caller frees, zero findings included), only for
 * the same ecosystem, package, version and source; a new data version
 * forgets everything; past its byte bound nothing more is kept, and
 * what is not kept is "not known" (-1), never a wrong answer.
 */
#include "scan/image/matchmemo.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>

int
main(void)
{
	struct matchmemo		*m = matchmemo_new(64 * 1024);
	struct vulnmatch_finding	 f[2], *got;
	struct vulnmatch_pkg		 p = { "libssl3", "3.3.2-r0", "openssl",
					    "3.3.2-r0" };
	struct vulnmatch_pkg		 q = { "libssl3", "3.3.2-r1", "openssl",
					    "3.3.2-r1" };
	struct vulnmatch_pkg		 z = { "zlib", "1.3.1-r1", NULL, NULL };
	int				 n, i, kept;

	memset(f, 0, sizeof(f));
	strcpy(f[0].id, "CVE-2024-9143");
	strcpy(f[1].id, "CVE-2024-13176");
	is_int(matchmemo_get(m, "v1", "Alpine:v3.20", &p, &got), -1,
	    "nothing known at first");
	matchmemo_put(m, "v1", "Alpine:v3.20", &p, f, 2);
	matchmemo_put(m, "v1", "Alpine:v3.20", &z, NULL, 0);
	n = matchmemo_get(m, "v1", "Alpine:v3.20", &p, &got);
	ok(n == 2 && got != NULL && !strcmp(got[0].id, "CVE-2024-9143") &&
	    !strcmp(got[1].id, "CVE-2024-13176"), "an answer comes back whole");
	free(got);
	is_int(matchmemo_get(m, "v1", "Alpine:v3.20", &z, &got), 0,
	    "a package that matched nothing is known to match nothing");
	is_int(matchmemo_get(m, "v1", "Alpine:v3.20", &q, &got), -1,
	    "another version of the package is not known");
	is_int(matchmemo_get(m, "v1", "Alpine:v3.19", &p, &got), -1,
	    "nor the same package in another ecosystem");
	is_int(matchmemo_get(m, "v2", "Alpine:v3.20", &p, &got), -1,
	    "new advisory data: nothing is known any more");
	is_int(matchmemo_get(m, "v1", "Alpine:v3.20", &p, &got), -1,
	    "not even under the old version again");
	/* Past 64 KiB (a finding is about 1.3 KiB): no more kept. */
	for (i = kept = 0; i < 200; i++) {
		char	ver[16];

		snprintf(ver, sizeof(ver), "1.%d", i);
		z.version = ver;
		matchmemo_put(m, "v2", "Alpine:v3.20", &z, f, 2);
		if (matchmemo_get(m, "v2", "Alpine:v3.20", &z, &got) == 2)
			kept++;
		free(got);
	}
	ok(kept > 0 && kept < 200, "the byte bound holds: %d of 200 kept",
	    kept);
	matchmemo_free(m);
	return done_testing();
}
