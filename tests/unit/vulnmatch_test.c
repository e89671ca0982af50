/*
 * OSV range evaluation (the spec's "Evaluation" section). The rows are
 * shaped like stored advisories; their IDs say they are test shapes.
 */
#include "scan/advisory/vulnmatch.h"
#include "tests/tap.h"

#include <jansson.h>

static void
check(enum version_scheme s, const char *rowjson, const char *v, int want,
    const char *want_fixed)
{
	json_t		*row = json_loads(rowjson, 0, NULL);
	const char	*fixed = NULL;
	int		 got = row ? vulnmatch_row(s, row, v, &fixed) : -1;

	ok(got == want, "%s %s affected=%d", version_scheme_name(s), v, want);
	if (want)
		is_str(fixed, want_fixed, "%s: fix to move to", v);
	json_decref(row);
}

int
main(void)
{
	const char *simple = "{\"id\":\"TEST-1\",\"ranges\":[{\"type\":"
	    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
	    "{\"fixed\":\"4.17.21\"}]}]}";
	/* Two windows, given out of order: sorting must not matter. */
	const char *two = "{\"id\":\"TEST-2\",\"ranges\":[{\"type\":"
	    "\"ECOSYSTEM\",\"events\":[{\"fixed\":\"1.2.5\"},"
	    "{\"introduced\":\"2.0.0\"},{\"introduced\":\"1.0.0\"},"
	    "{\"fixed\":\"2.1.3\"}]}]}";
	const char *last = "{\"id\":\"TEST-3\",\"ranges\":[{\"type\":"
	    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1:1.0-1\"},"
	    "{\"last_affected\":\"1:1.2-3\"}]}]}";
	const char *list = "{\"id\":\"TEST-4\",\"versions\":[\"2.3.9-1\","
	    "\"2.3.9-1+deb12u1\"],\"ranges\":[{\"type\":\"GIT\",\"events\":"
	    "[{\"introduced\":\"0\"}]}]}";
	const char *deb = "{\"id\":\"TEST-5\",\"ranges\":[{\"type\":"
	    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
	    "{\"fixed\":\"3.0.11-1~deb12u2\"}]}]}";

	check(VERSION_SEMVER, simple, "4.17.20", 1, "4.17.21");
	check(VERSION_SEMVER, simple, "4.17.21", 0, NULL);
	check(VERSION_SEMVER, simple, "4.17.21-rc.1", 1, "4.17.21");
	check(VERSION_SEMVER, simple, "0.0.1", 1, "4.17.21");
	check(VERSION_SEMVER, two, "0.9.0", 0, NULL);
	check(VERSION_SEMVER, two, "1.0.0", 1, "1.2.5");
	check(VERSION_SEMVER, two, "1.2.5", 0, NULL);
	check(VERSION_SEMVER, two, "1.9.9", 0, NULL);
	check(VERSION_SEMVER, two, "2.1.2", 1, "2.1.3");
	check(VERSION_SEMVER, two, "2.1.3", 0, NULL);
	check(VERSION_DPKG, last, "1:1.2-3", 1, NULL);
	check(VERSION_DPKG, last, "1:1.2-3+b1", 0, NULL);
	check(VERSION_DPKG, last, "1.5-1", 0, NULL);	/* epoch 0 < 1 */
	check(VERSION_DPKG, list, "2.3.9-1+deb12u1", 1, NULL);
	check(VERSION_DPKG, list, "2.3.9-1+deb12u2", 0, NULL);
	check(VERSION_DPKG, deb, "3.0.11-1~deb12u1", 1, "3.0.11-1~deb12u2");
	check(VERSION_DPKG, deb, "3.0.11-1~deb12u2", 0, NULL);
	check(VERSION_DPKG, deb, "3.0.13-1~deb12u1", 0, NULL);
	return done_testing();
}
