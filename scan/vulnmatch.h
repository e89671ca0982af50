/*
 * Matching a package version against the advisories stored for its
 * (ecosystem, package), following the OSV evaluation rules: explicit
 * versions[], and ECOSYSTEM/SEMVER ranges whose events (introduced,
 * fixed, last_affected) are sorted with the ecosystem's own ordering.
 */
#ifndef SCAN_VULNMATCH_H
#define SCAN_VULNMATCH_H

#include "scan/version.h"

struct store;
struct json_t;

struct vulnmatch_hit {
	const char	*id;		/* borrowed for the callback's duration */
	const char	*severity;	/* CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN */
	double		 score;		/* CVSS v3 base score, -1 if none */
	const char	*fixed;		/* lowest fixed version above ours, or NULL */
	const char	*summary;	/* may be NULL */
	const char	*aliases;	/* comma-separated, may be "" */
};

/*
 * 1 if version is affected by the stored row (advisory JSON as written
 * by osv_import_record), 0 if not; *fixed (borrowed from row, may be
 * NULL) is the fix to move to.
 */
int	vulnmatch_row(enum version_scheme, struct json_t *row,
	    const char *version, const char **fixed);
/*
 * Call cb for every advisory affecting name@version in ecosystem.
 * Returns the number of hits, or -1 on a store error.
 */
int	vulnmatch_query(struct store *, const char *ecosystem,
	    const char *name, const char *version,
	    int (*cb)(const struct vulnmatch_hit *, void *), void *arg);

#endif
