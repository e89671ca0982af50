/*
 * Matching a package version against the advisories stored for its
 * (ecosystem, package), following the OSV evaluation rules: explicit
 * versions[], and ECOSYSTEM/SEMVER ranges whose events (introduced,
 * fixed, last_affected) are sorted with the ecosystem's own ordering.
 */
#ifndef SCAN_ADVISORY_VULNMATCH_H
#define SCAN_ADVISORY_VULNMATCH_H

#include "scan/version/version.h"

struct store;
struct json_t;

struct vulnmatch_hit {
	const char	*id;		/* borrowed for the callback's duration */
	const char	*severity;	/* CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN */
	double		 score;		/* CVSS v3 base score, -1 if none */
	const char	*fixed;		/* lowest fixed version above ours, or NULL */
	const char	*summary;	/* may be NULL */
	const char	*aliases;	/* comma-separated, may be "" */
	const char	*severity_source; /* "cvss_v3"...; NULL: none */
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

/* One installed package as a cataloger reports it. */
struct vulnmatch_pkg {
	const char	*name;		/* binary package name */
	const char	*version;
	const char	*source;	/* Debian source package; NULL: name */
	const char	*source_version; /* NULL: version */
};

/* One vulnerability after merging advisories that name each other. */
struct vulnmatch_finding {
	char		 id[128];	/* first advisory id seen */
	char		 aliases[512];	/* every other id and alias, comma-separated */
	char		 severity[16];	/* worst of the merged advisories */
	double		 score;
	char		 fixed[128];	/* "" when no fix is known */
	char		 summary[256];
	/*
	 * Where the severity came from: "cvss_v3", "database_specific",
	 * "ecosystem_specific", "alias <record id>" (another advisory
	 * naming the same CVE), or "none" (UNKNOWN).
	 */
	char		 severity_source[160];
};

/*
 * Advisories for pkg in ecosystem. Distro advisories are keyed by source
 * package, so the source name and version are tried first, then the
 * binary name. Advisories that share an id or alias (a DSA and the CVE
 * it fixes, a GHSA and its PYSEC twin) become one finding. *out is
 * malloc'd (caller frees); returns the count or -1.
 */
int	vulnmatch_package(struct store *, const char *ecosystem,
	    const struct vulnmatch_pkg *, struct vulnmatch_finding **out);
/*
 * OSV ecosystem names for an os-release ID/VERSION_ID pair
 * ("debian", "12" -> "Debian:12"; "alpine", "3.19.1" -> "Alpine:v3.19";
 * "ubuntu", "22.04" -> "Ubuntu:22.04" and "Ubuntu:22.04:LTS").
 * Writes up to max names into out (each 64 bytes); returns the count.
 */
int	vulnmatch_os_ecosystems(const char *id, const char *version_id,
	    char out[][64], int max);

#endif
