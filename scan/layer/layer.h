/*
 * One layer, streamed: the compressed bytes come from a read callback
 * (a file, a socket feed), pass through sha256 on the way in, and
 * libarchive decompresses (gzip, zstd, xz, lzma, bzip2, lz4, or none)
 * and walks the tar (anything else is read as one file). Only package
 * databases are kept in memory, each bounded; every other file is
 * searched for secrets, whole, as it passes and then forgotten, and an
 * archive or compressed file inside the layer is descended into, to
 * limits.max_depth. Every limit reached is a finding. Nothing is written
 * to disk.
 */
#ifndef SCAN_LAYER_LAYER_H
#define SCAN_LAYER_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scan/catalog/catalog.h"
#include "scan/catalog/finding.h"
#include "scan/catalog/pkg.h"

/*
 * What this build's layer scan finds. Bump it with every change that
 * makes older results miss something (a new cataloger or secret rule):
 * layer results remember the version that made them (0: before there
 * was one), so a proxy can rescan images judged from older results.
 */
#define LAYER_SCANNER_VERSION	4

struct layer_limits {
	uint64_t	max_uncompressed;	/* bytes of tar */
	uint64_t	max_entries;
	uint64_t	max_db_file;		/* a package database */
	uint64_t	max_seconds;
	uint64_t	max_depth;		/* archives within archives */
	/*
	 * Packages only (`portcullis scan -I`): no secret search and no
	 * file checks, to set against scanners that only list packages.
	 */
	int		inventory_only;
};

/* A package database found in the layer, with what it lists. */
struct layer_db {
	char		*path;
	enum catalog_kind kind;
};

/*
 * What a second pass over the layer reads: a package database that is
 * a link (hard, or symbolic) inside the layer, and the file it names,
 * read as the database; or a Rust binary (CATALOG_RUSTBIN, target its
 * own path) whose dependency section the first pass found only at the
 * end of the file, read from [off, off + len).
 */
struct layer_link {
	char			*path;		/* the database's own path */
	char			*target;	/* normalised; NULL: outside */
	enum catalog_kind	 kind;
	int			 hard;
	uint64_t		 off, len;	/* CATALOG_RUSTBIN's section */
};

/*
 * A small layer's paths, each as the first 8 bytes of its SHA-256 (so
 * no path can be made to stand for another), sorted: what says that a
 * file a lower layer has was replaced here, as a re-chmod copies it up,
 * without a list of every path. Kept for layers of up to
 * LAYER_PATHS_MAX entries (8 KiB); larger ones keep none, and a lower
 * file they replace is then taken to be still there. Only a path found
 * counts, so a missing index never hides a finding.
 */
#define LAYER_PATHS_MAX		1024

struct layer_result {
	char			 digest[80];	/* "sha256:<hex>" of what was read */
	uint64_t		 compressed_bytes;
	uint64_t		 uncompressed_bytes;
	uint64_t		 entries;
	struct pkglist		 pkgs;		/* from every database below */
	struct layer_db		*dbs;		/* databases present here */
	size_t			 ndbs;
	char			**whiteouts;	/* deleted paths; "dir/" = opaque */
	size_t			 nwhiteouts;
	uint64_t		*paths;		/* see LAYER_PATHS_MAX; NULL */
	size_t			 npaths;
	struct osrelease	 os;
	char			 os_path[64];
	struct findings		 findings;	/* secrets, limits, errors */
	struct layer_link	*links;		/* databases behind links */
	size_t			 nlinks;
	int			 complete;	/* read to the end, no error */
	int			 scanner;	/* LAYER_SCANNER_VERSION then */
};

/* Returns bytes placed in *buf, 0 at the end, -1 on error. */
typedef ssize_t (*layer_read_fn)(void *arg, const void **buf);

void	layer_limits_default(struct layer_limits *);
struct conf;
/* The limits the configuration sets (scanner.max_*). */
void	layer_limits_conf(struct layer_limits *, const struct conf *);
/*
 * Scan one layer. 0 when the archive was read to its end (limits may
 * still have been reached: see findings); -1 when it is corrupt or
 * truncated, with an error finding saying where. r is always filled as
 * far as the scan got; free with layer_result_free.
 */
int	layer_scan(struct layer_result *, const struct layer_limits *,
	    layer_read_fn, void *arg);
/*
 * The second pass of a layer whose first found package databases
 * behind links (its links): each target file found is cataloged as
 * the database it stands for; a link whose target is not in the layer
 * stays a linked-package-db finding. links is only read.
 */
int	layer_scan_links(struct layer_result *, const struct layer_limits *,
	    layer_read_fn, void *arg, const struct layer_link *links,
	    size_t nlinks);
/* A layer in a file: both passes when its databases are behind links. */
int	layer_scan_file(struct layer_result *, const struct layer_limits *,
	    const char *path);
/* How a path stands in layer_result.paths. */
uint64_t layer_path_hash(const char *path);
/* r->paths in the order layer_has_path searches. */
void	layer_paths_sort(struct layer_result *r);
/* Is path (as layer results name files) one of r's paths? */
int	layer_has_path(const struct layer_result *r, const char *path);
/* links (n of them) freed. */
void	layer_links_free(struct layer_link *, size_t n);
void	layer_result_free(struct layer_result *);

#endif
