/*
 * Catalogers: which files in a layer are package databases, and how to
 * read each. Every parser takes the whole (size-bounded) file and must
 * cope with anything: these files come from the image pusher.
 */
#ifndef SCAN_CATALOG_CATALOG_H
#define SCAN_CATALOG_CATALOG_H

#include <stddef.h>

#include "scan/catalog/pkg.h"

enum catalog_kind {
	CATALOG_NONE = 0,
	CATALOG_DPKG,		/* var/lib/dpkg/status, status.d/ (distroless) */
	CATALOG_APK,		/* lib/apk/db/installed */
	CATALOG_NPM,		/* node_modules/<name>/package.json */
	CATALOG_PYTHON,		/* *.dist-info/METADATA, *.egg-info/PKG-INFO */
	CATALOG_OSRELEASE,	/* etc/os-release, usr/lib/os-release */
	CATALOG_JAR,		/* *.jar, *.war, *.ear */
	CATALOG_GOBIN,		/* an ELF executable built by Go */
	/* Stored in cached layer results: append, never renumber. */
	CATALOG_NPMLOCK,	/* package-lock.json, npm-shrinkwrap.json */
	CATALOG_RPM,		/* rpmdb.sqlite */
	CATALOG_CARGO,		/* Cargo.lock */
	CATALOG_RUSTBIN		/* an ELF built with cargo auditable */
};

/* Streaming search for a Go binary's build information. */
#define GOBIN_KEEP	(256 * 1024)
struct gobin {
	int	state;		/* -1 off, 0 searching, 1 capturing, 2 full */
	size_t	match;		/* magic bytes matched so far */
	size_t	have;
	char	buf[GOBIN_KEEP];
};

void	gobin_reset(struct gobin *);
void	gobin_feed(struct gobin *, const char *, size_t);
/* Packages from captured build info (stdlib + modules). 0 or -1. */
int	catalog_gobin(const struct gobin *, const char *path,
	    struct pkglist *out);

struct osrelease {
	char	id[32];		/* "debian", "alpine" */
	char	version_id[32];
	char	pretty[128];
	int	found;
};

/* Kind of file at path (normalised: no leading "./" or "/"). */
enum catalog_kind catalog_kind_of(const char *path);

/* Parsers append to out; 0, or -1 on ENOMEM. Garbage is skipped. */
int	catalog_dpkg(const char *buf, size_t len, const char *path,
	    struct pkglist *out);
int	catalog_apk(const char *buf, size_t len, const char *path,
	    struct pkglist *out);
int	catalog_npm(const char *buf, size_t len, const char *path,
	    struct pkglist *out);
int	catalog_npmlock(const char *buf, size_t len, const char *path,
	    struct pkglist *out);
/*
 * rpmdb.sqlite; buf is changed (the header's journal-mode bytes). An
 * unreadable database is added to errs. 0, or -1 on ENOMEM.
 */
struct findings;
int	catalog_rpm(char *buf, size_t len, const char *path,
	    struct pkglist *out, struct findings *errs);
/* One RPM header blob (a Packages row). 0, or -1 on ENOMEM. */
int	catalog_rpm_blob(const void *blob, size_t len, const char *path,
	    struct pkglist *out);
int	catalog_python(const char *buf, size_t len, const char *path,
	    struct pkglist *out);
/* Limits it ran into (nested too deep, unreadable) go to errs. */
/* A Cargo.lock: every crate it resolved from a registry or git. */
int	catalog_cargo(const char *buf, size_t len, const char *path,
	    struct pkglist *);
int	catalog_jar(const char *buf, size_t len, const char *path,
	    struct pkglist *out, struct findings *errs);
/*
 * A Rust binary's .dep-v0 section (zlib-compressed JSON): the crates.io
 * crates linked in. Not that document: an error finding in errs.
 */
int	catalog_rustbin(const void *buf, size_t len, const char *path,
	    struct pkglist *out, struct findings *errs);
int	catalog_osrelease(const char *buf, size_t len, struct osrelease *);

/*
 * Iterate "Key: value" header lines of an RFC 822-style block starting
 * at *pos; returns 1 with key/value (not NUL-terminated) set, 0 at a
 * blank line or the end. Continuation lines are skipped.
 */
int	catalog_field(const char *buf, size_t len, size_t *pos,
	    const char **key, size_t *klen, const char **val, size_t *vlen);

#endif
