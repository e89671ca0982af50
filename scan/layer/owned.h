/*
 * Files an OS package manager installed, and which package did: read
 * from dpkg's var/lib/dpkg/info/<package>.list files and apk's
 * lib/apk/db/installed (F: folder, R: file lines) as the layer passes.
 *
 * A language package whose metadata file (or the archive holding it)
 * is such a file came with an OS package: Debian's python3-requests
 * is the PyPI package requests, patched by Debian. Its owner is noted
 * so the image scan can leave it to the OS package's advisories, as
 * the best-known scanners do, instead of matching PyPI's advisories
 * against a copy the distribution patched.
 *
 * Bounded: past OWNED_MAX_BYTES of paths, no more are taken (the rest
 * are then reported as language packages: the safe side).
 */
#ifndef SCAN_LAYER_OWNED_H
#define SCAN_LAYER_OWNED_H

#include <stddef.h>

#define OWNED_MAX_BYTES	(64u << 20)

struct owned;
struct pkglist;

struct owned	*owned_new(void);
void		 owned_free(struct owned *);
/* Is path (cleaned, no leading '/') a dpkg file list? */
int		 owned_is_dpkg_list(const char *path);
/* A dpkg .list file's content (its path names the package). 0 or -1. */
int		 owned_add_dpkg_list(struct owned *, const char *path,
		    const char *buf, size_t len);
/* apk's installed database. 0 or -1. */
int		 owned_add_apk(struct owned *, const char *buf, size_t len);
/* The OS package that installed path, or NULL. */
const char	*owned_find(const struct owned *, const char *path);
/* Set the owner of each language package of l found here. 0 or -1. */
int		 owned_mark(const struct owned *, struct pkglist *l);
struct findings;
/*
 * Secrets inside files an OS package installed are distribution
 * content (gnutls carries its self-test keys): made notes, saying which
 * package. A package the image's author built and installed the same
 * way is taken for one too: the note still shows it.
 */
void		 owned_notes(const struct owned *, struct findings *);

#endif
