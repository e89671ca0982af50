/*
 * Version ordering, one comparator per ecosystem family, each following
 * that ecosystem's own rules (dpkg, rpm, apk, SemVer, PEP 440, Maven, RubyGems). A
 * comparator returns <0, 0, >0 like strcmp and never fails: input that
 * does not parse still orders deterministically, so a hostile version
 * string cannot crash a scan.
 */
#ifndef SCAN_VERSION_VERSION_H
#define SCAN_VERSION_VERSION_H

#include <stddef.h>

enum version_scheme {
	VERSION_UNKNOWN = 0,
	VERSION_DPKG,		/* Debian, Ubuntu */
	VERSION_RPM,		/* Red Hat, Rocky, AlmaLinux, SUSE */
	VERSION_APK,		/* Alpine, Wolfi */
	VERSION_SEMVER,		/* npm, Go, crates.io, NuGet */
	VERSION_PEP440,		/* PyPI */
	VERSION_MAVEN,		/* Maven */
	VERSION_GEM		/* RubyGems */
};

/* Scheme for an OSV ecosystem name ("Debian:12" -> VERSION_DPKG). */
enum version_scheme version_scheme_of(const char *ecosystem);
const char	*version_scheme_name(enum version_scheme);
/* Scheme for a package URL type ("deb", "pypi", "golang", ...). */
enum version_scheme version_scheme_of_type(const char *purl_type);
/*
 * Does version satisfy every "<op><version>" of range (comma-separated,
 * op one of = == < <= > >=, none meaning =) in scheme's order? 1 or 0;
 * an empty range holds for any version.
 */
int		 version_in_range(enum version_scheme, const char *version,
		    const char *range);
int		 version_cmp(enum version_scheme, const char *a, const char *b);

/*
 * Compare two runs of decimal digits by value, however long (leading
 * zeros ignored, no overflow). -1, 0 or 1.
 */
int		 version_numcmp(const char *a, size_t alen, const char *b,
		    size_t blen);

int		 version_dpkg_cmp(const char *, const char *);
int		 version_rpm_cmp(const char *, const char *);
int		 version_apk_cmp(const char *, const char *);
int		 version_semver_cmp(const char *, const char *);
int		 version_pep440_cmp(const char *, const char *);
int		 version_maven_cmp(const char *, const char *);
int		 version_gem_cmp(const char *, const char *);

#endif
