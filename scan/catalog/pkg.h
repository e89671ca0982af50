/*
 * What catalogers find: installed packages, each with the ecosystem
 * family it is versioned in and the file (package database) it came
 * from, so image assembly can drop what a later layer deleted.
 */
#ifndef SCAN_CATALOG_PKG_H
#define SCAN_CATALOG_PKG_H

#include <stddef.h>

enum pkg_type {
	PKG_DPKG = 0,
	PKG_APK,
	PKG_NPM,
	PKG_PYPI,
	PKG_GO,
	PKG_MAVEN,
	/* Stored in cached layer results: append, never renumber. */
	PKG_RPM,
	PKG_CARGO,
	PKG_TYPE_COUNT
};

struct pkg {
	enum pkg_type	 type;
	char		*name;
	char		*version;
	char		*source;	/* dpkg Source:, apk origin; NULL */
	char		*source_version;
	char		*path;		/* database file, no leading '/' */
	/* A language package an OS package installed: that package. */
	char		*owner;
	/* Named by inference (a jar's MANIFEST.MF and file name). */
	int		 guessed;
};

struct pkglist {
	struct pkg	*v;
	size_t		 n, cap;
};

/* Copies every string. 0 or -1 (ENOMEM). */
int		 pkglist_add(struct pkglist *, enum pkg_type, const char *name,
		    const char *version, const char *source,
		    const char *source_version, const char *path);
/* Forget the package added last (a Go module replaced by local code). */
void		 pkglist_drop_last(struct pkglist *);
void		 pkglist_free(struct pkglist *);
const char	*pkg_type_name(enum pkg_type);
/* Language ecosystems' OSV names; NULL for OS packages (see vulnmatch). */
const char	*pkg_type_ecosystem(enum pkg_type);

#endif
