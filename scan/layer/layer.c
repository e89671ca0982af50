#include "scan/layer/layer.h"
#include "scan/layer/owned.h"
#include "scan/layer/secrets.h"
#include "scan/layer/fscheck.h"
#include "scan/layer/inflate.h"
#include "scan/catalog/elfsec.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct layer_ctx {
	struct layer_result		*r;
	const struct layer_limits	*lim;
	layer_read_fn			 read;
	void				*arg;
	EVP_MD_CTX			*md;
	char				*buf;	/* current file's bytes */
	size_t				 cap;
	struct gobin			*gobin;	/* build-info search, ELF only */
	struct elfsec			*elfsec; /* a Rust binary's .dep-v0 */
	/* The second pass: the section of this file to keep, or NULL. */
	const struct layer_link		*capture;
	time_t				 start;
	int				 paths_over; /* past LAYER_PATHS_MAX */
	int				 source_failed;	/* read() said -1 */
	struct inflater			*inf;	/* a gzip layer's inflater */
	const void			*pending; /* the first read's bytes */
	ssize_t				 npending;
	int				 has_pending;
	struct owned			*owned;	/* OS packages' files */
	struct fscheck			*fs;	/* modes, shadow, caches */
	const struct layer_link		*follow;	/* second pass */
	size_t				 nfollow;
	unsigned char			*followed;	/* per link: found */
};

/*
 * One file's bytes as they stream past: counted, kept for a cataloger
 * (up to keep), searched for Go build info, and searched for secrets
 * unless it is an archive the scan descends into.
 */
struct layer_entry {
	struct layer_ctx	*c;
	struct archive		*a;		/* the archive it is in */
	size_t			 keep, kept;
	int			 truncated;	/* more than keep */
	int			 gobin;		/* look for build info */
	int			 over;		/* max_uncompressed passed */
	int			 failed;	/* a read of a failed */
	const void		*first;		/* its first block ... */
	size_t			 firstlen;
	int			 first_pending;	/* ... not yet handed on */
};

static int	layer_walk(struct layer_ctx *, struct archive *, int depth,
		    const char *prefix);

void
layer_limits_default(struct layer_limits *l)
{
	l->max_uncompressed = 16ULL << 30;
	l->max_entries = 2000000;
	l->max_db_file = 64ULL << 20;
	l->max_seconds = 600;
	l->max_depth = 4;
	l->inventory_only = 0;
}

void
layer_limits_conf(struct layer_limits *l, const struct conf *c)
{
	l->max_uncompressed = c->scanner.max_uncompressed;
	l->max_entries = c->scanner.max_entries;
	l->max_db_file = c->scanner.max_db_file;
	l->max_seconds = c->scanner.max_seconds;
	l->max_depth = c->scanner.max_depth;
	l->inventory_only = 0;
}

/* Compressed bytes the scan read: into the digest and the count. */
static void
layer_hash(struct layer_ctx *c, const void *p, size_t n)
{
	EVP_DigestUpdate(c->md, p, n);
	c->r->compressed_bytes += (uint64_t)n;
}

/*
 * libarchive pulls compressed bytes through here; we hash them. A gzip
 * layer comes inflated already, from the inflater's thread, which
 * hashes what it reads itself.
 */
static la_ssize_t
layer_archive_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_ctx	*c = arg;
	ssize_t			 n;
	int			 source;
	const char		*why;

	if (c->inf != NULL) {
		if ((n = inflater_read(c->inf, buf)) < 0) {
			why = inflater_error(c->inf, &source);
			if (source)
				c->source_failed = 1;
			archive_set_error(a, source ? EIO : EINVAL, "%s", why);
		}
		return n;
	}
	if (c->has_pending) {
		c->has_pending = 0;
		*buf = c->pending;
		n = c->npending;
	} else
		n = c->read(c->arg, buf);

	if (n > 0)
		layer_hash(c, *buf, (size_t)n);
	if (n < 0) {
		c->source_failed = 1;
		archive_set_error(a, EIO, "layer source failed");
	}
	return n;
}

/* "./a/b", "/a/b", "a//b" -> "a/b". Returns 0, or -1 for ".." paths. */
static int
layer_clean_path(const char *in, char *out, size_t outlen)
{
	size_t	o = 0;

	while (*in == '.' && in[1] == '/')
		in += 2;
	while (*in == '/')
		in++;
	for (; *in != '\0' && o + 1 < outlen; in++) {
		if (*in == '/' && (o == 0 || out[o - 1] == '/'))
			continue;
		out[o++] = *in;
	}
	while (o > 0 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	if (strcmp(out, "..") == 0 || strncmp(out, "../", 3) == 0 ||
	    strstr(out, "/../") != NULL)
		return -1;
	return 0;
}

static int
layer_add_whiteout(struct layer_result *r, const char *path, int opaque)
{
	char	**nw, *w;
	size_t	 n = strlen(path);

	if ((nw = reallocarray(r->whiteouts, r->nwhiteouts + 1,
	    sizeof(*nw))) == NULL)
		return -1;
	r->whiteouts = nw;
	if ((w = malloc(n + 2)) == NULL)
		return -1;
	memcpy(w, path, n);
	if (opaque)
		w[n++] = '/';
	w[n] = '\0';
	r->whiteouts[r->nwhiteouts++] = w;
	return 0;
}

uint64_t
layer_path_hash(const char *path)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, i;
	uint64_t	h = 0;

	if (EVP_Digest(path, strlen(path), md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen < 8)
		return 0;
	for (i = 0; i < 8; i++)
		h = h << 8 | md[i];
	return h;
}

/* One more of the layer's paths in r->paths, until there are too many. */
static int
layer_add_path(struct layer_ctx *c, const char *path)
{
	struct layer_result	*r = c->r;

	if (c->paths_over)
		return 0;
	if (r->npaths == LAYER_PATHS_MAX) {
		free(r->paths);
		r->paths = NULL;
		r->npaths = 0;
		c->paths_over = 1;
		return 0;
	}
	if (r->paths == NULL && (r->paths = calloc(LAYER_PATHS_MAX,
	    sizeof(*r->paths))) == NULL)
		return -1;
	r->paths[r->npaths++] = layer_path_hash(path);
	return 0;
}

static int
layer_path_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
layer_paths_sort(struct layer_result *r)
{
	if (r->npaths > 0)
		qsort(r->paths, r->npaths, sizeof(*r->paths), layer_path_cmp);
}

int
layer_has_path(const struct layer_result *r, const char *path)
{
	uint64_t	h;

	if (r->npaths == 0)
		return 0;
	h = layer_path_hash(path);
	return bsearch(&h, r->paths, r->npaths, sizeof(*r->paths),
	    layer_path_cmp) != NULL;
}

static int
layer_add_db(struct layer_result *r, const char *path, enum catalog_kind k)
{
	struct layer_db	*nd;

	if ((nd = reallocarray(r->dbs, r->ndbs + 1, sizeof(*nd))) == NULL)
		return -1;
	r->dbs = nd;
	if ((r->dbs[r->ndbs].path = strdup(path)) == NULL)
		return -1;
	r->dbs[r->ndbs++].kind = k;
	return 0;
}

static int
layer_catalog(struct layer_ctx *c, enum catalog_kind k, const char *path,
    size_t len)
{
	struct layer_result	*r = c->r;

	if (layer_add_db(r, path, k) == -1)
		return -1;
	switch (k) {
	case CATALOG_DPKG:
		return catalog_dpkg(c->buf, len, path, &r->pkgs);
	case CATALOG_APK:
		/* Its F:/R: lines say which files each package installed. */
		if (owned_add_apk(c->owned, c->buf, len) == -1)
			return -1;
		return catalog_apk(c->buf, len, path, &r->pkgs);
	case CATALOG_NPM:
		return catalog_npm(c->buf, len, path, &r->pkgs);
	case CATALOG_RPM:
		return catalog_rpm(c->buf, len, path, &r->pkgs, &r->findings);
	case CATALOG_NPMLOCK:
		return catalog_npmlock(c->buf, len, path, &r->pkgs);
	case CATALOG_CARGO:
		return catalog_cargo(c->buf, len, path, &r->pkgs);
	case CATALOG_PYTHON:
		return catalog_python(c->buf, len, path, &r->pkgs);
	case CATALOG_JAR:
		return catalog_jar(c->buf, len, path, &r->pkgs, &r->findings);
	case CATALOG_OSRELEASE:
		catalog_osrelease(c->buf, len, &r->os);
		/* Only two names are os-release files: both fit. */
		snprintf(r->os_path, sizeof(r->os_path), "%.63s", path);
		return 0;
	case CATALOG_GOBIN:
	case CATALOG_RUSTBIN:	/* binaries: read as they stream, not kept */
	case CATALOG_NONE:
		break;
	}
	return 0;
}

/* The formats and compressions a layer, or an archive in it, may use. */
static void
layer_support(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	/* Anything else is one file, read whole like any other. */
	archive_read_support_format_raw(a);
}

/* A file the scan descends into: compressed, or an archive. */
static int
layer_is_archive(const unsigned char *b, size_t n)
{
	return (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) ||		/* gzip */
	    (n >= 3 && memcmp(b, "BZh", 3) == 0) ||			/* bzip2 */
	    (n >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0) ||	/* xz */
	    (n >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0) ||	/* zstd */
	    (n >= 4 && memcmp(b, "PK\3\4", 4) == 0) ||		/* zip, jar */
	    (n >= 262 && memcmp(b + 257, "ustar", 5) == 0);		/* tar */
}

/* An entry's block as it passes. -2: max_uncompressed, -1: ENOMEM. */
static int
layer_block(struct layer_entry *en, const void *blk, size_t len, la_int64_t off)
{
	struct layer_ctx	*c = en->c;

	c->r->uncompressed_bytes += len;
	if (en->gobin) {
		if (off == 0 && len >= 4 && memcmp(blk, "\177ELF", 4) == 0)
			c->gobin->state = 0;
		if (c->gobin->state >= 0)
			gobin_feed(c->gobin, blk, len);
		elfsec_feed(c->elfsec, blk, len, (uint64_t)off);
	}
	if (en->kept < en->keep) {
		size_t take = len < en->keep - en->kept ? len :
		    en->keep - en->kept;

		if (en->kept + take > c->cap) {
			size_t	 ncap = c->cap ? c->cap : 65536;
			char	*nb;

			while (ncap < en->kept + take)
				ncap *= 2;
			if ((nb = realloc(c->buf, ncap + 1)) == NULL)
				return -1;
			c->buf = nb;
			c->cap = ncap;
		}
		memcpy(c->buf + en->kept, blk, take);
		en->kept += take;
		if (take < len)
			en->truncated = 1;
	} else if (len > 0)
		en->truncated = 1;
	if (c->r->uncompressed_bytes > c->lim->max_uncompressed) {
		en->over = 1;
		return -2;
	}
	return 0;
}

/* An archive inside the layer pulls its bytes through here. */
static la_ssize_t
layer_inner_read(struct archive *inner, void *arg, const void **buf)
{
	struct layer_entry	*en = arg;
	const void		*blk;
	size_t			 len;
	la_int64_t		 off;
	int			 r;

	if (en->first_pending) {
		en->first_pending = 0;
		*buf = en->first;
		return (la_ssize_t)en->firstlen;
	}
	r = archive_read_data_block(en->a, &blk, &len, &off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		en->failed = 1;
		archive_set_error(inner, EIO, "the enclosing archive failed");
		return -1;
	}
	if (layer_block(en, blk, len, off) != 0) {
		archive_set_error(inner, EFBIG, "limit reached");
		return -1;
	}
	*buf = blk;
	return (la_ssize_t)len;
}

/*
 * Read the current entry of a whole: keep up to keep bytes for a
 * cataloger; scan the rest as it passes, descending into it when it is
 * an archive or compressed. Returns bytes kept, -2 past
 * max_uncompressed, or -1 (a read error of a, or ENOMEM).
 */
static ssize_t
layer_read_entry(struct layer_ctx *c, struct archive *a, const char *path,
    size_t keep, int depth, int *truncated)
{
	struct layer_entry	 en;
	struct secrets_stream	 ss;
	const void		*blk;
	size_t			 len;
	la_int64_t		 off;
	int			 r, rv, nested;
	char			 msg[300];

	memset(&en, 0, sizeof(en));
	en.c = c;
	en.a = a;
	en.keep = keep;
	en.gobin = depth == 0;
	*truncated = 0;
	if (en.gobin) {
		gobin_reset(c->gobin);
		c->gobin->state = -1;	/* until the file shows an ELF header */
		if (c->capture == NULL)
			elfsec_reset(c->elfsec, ".dep-v0");
		else
			elfsec_capture(c->elfsec, c->capture->off,
			    c->capture->len);
	}
	if ((r = archive_read_data_block(a, &blk, &len, &off)) == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK)
		return -1;
	if ((rv = layer_block(&en, blk, len, off)) != 0)
		return rv;
	nested = layer_is_archive(blk, len);
	if (nested && depth >= (int)c->lim->max_depth) {
		snprintf(msg, sizeof(msg), "an archive or compressed file "
		    "nested more than %llu deep; its contents were not "
		    "scanned", (unsigned long long)c->lim->max_depth);
		if (findings_add(&c->r->findings, FINDING_LIMIT, "max-depth",
		    path, 0, msg) == -1)
			return -1;
		nested = 0;
	}
	if (nested) {
		struct archive	*in;

		en.first = blk;
		en.firstlen = len;
		en.first_pending = 1;
		if ((in = archive_read_new()) == NULL)
			return -1;
		layer_support(in);
		archive_read_support_format_zip_streamable(in);
		/*
		 * What it holds is scanned like the layer; an archive that
		 * turns out corrupt is read no further (nothing can unpack
		 * the rest either), and its bytes still pass below.
		 */
		if (archive_read_open(in, &en, NULL, layer_inner_read,
		    NULL) == ARCHIVE_OK)
			rv = layer_walk(c, in, depth + 1, path);
		archive_read_free(in);
		if (rv == -2 || en.over)
			return -2;
		if (en.failed)
			return -1;
	}
	if (nested || c->lim->inventory_only) {
		/*
		 * Its bytes to layer_block only: an archive was searched
		 * inside, and a packages-only scan searches nothing.
		 */
		while ((r = archive_read_data_block(a, &blk, &len, &off)) ==
		    ARCHIVE_OK)
			if ((rv = layer_block(&en, blk, len, off)) != 0)
				return rv;
	} else {
		secrets_stream_begin(&ss, path, &c->r->findings);
		rv = secrets_stream_feed(&ss, blk, len);
		while (rv == 0 && (r = archive_read_data_block(a, &blk, &len,
		    &off)) == ARCHIVE_OK)
			if ((rv = layer_block(&en, blk, len, off)) == 0)
				rv = secrets_stream_feed(&ss, blk, len);
		if (rv != 0) {
			secrets_stream_abort(&ss);
			return rv;
		}
		if (r == ARCHIVE_EOF && secrets_stream_end(&ss) == -1)
			return -1;
		if (r != ARCHIVE_EOF)
			secrets_stream_abort(&ss);
	}
	if (r != ARCHIVE_EOF)
		return -1;
	*truncated = en.truncated;
	return (ssize_t)en.kept;
}

/*
 * Where a link in the layer leads, normalised as entry paths are: a
 * hard link names an earlier entry; a symbolic link is resolved from
 * its own directory ("..", "." and an absolute target handled as the
 * kernel would inside the image's root). -1 when it cannot be told.
 */
static int
layer_link_target(struct archive_entry *e, const char *path, char *out,
    size_t outlen)
{
	const char	*to = archive_entry_hardlink(e), *p;
	char		 joined[2200];
	size_t		 o = 0, n;
	const char	*slash;

	if (to != NULL)
		return layer_clean_path(to, out, outlen);
	if ((to = archive_entry_symlink(e)) == NULL || *to == '\0')
		return -1;
	if (*to == '/')
		snprintf(joined, sizeof(joined), "%s", to);
	else if ((slash = strrchr(path, '/')) != NULL)
		snprintf(joined, sizeof(joined), "%.*s/%s",
		    (int)(slash - path), path, to);
	else
		snprintf(joined, sizeof(joined), "%s", to);
	/* Component by component: ".." above the root stays at the root. */
	for (p = joined; *p != '\0'; p += n) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + (o > 0) + n + 1 > outlen)
			return -1;
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
	}
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

/*
 * A package database the cataloger does not read in this pass: its
 * content came with another name (a hard link to a file before it) or
 * lies elsewhere (a symbolic link). Noted for a second pass, and said,
 * so the image cannot pass as fully seen if there is none.
 */
static int
layer_linked_db(struct layer_result *r, struct archive_entry *e,
    const char *path, enum catalog_kind k)
{
	const char		*to = archive_entry_hardlink(e);
	struct layer_link	*nl, *l;
	char			 msg[400], target[1024];

	if (to == NULL)
		to = archive_entry_symlink(e);
	if ((nl = reallocarray(r->links, r->nlinks + 1, sizeof(*nl))) == NULL)
		return -1;
	r->links = nl;
	/*
	 * A link to a file of the same kind (Debian's etc/os-release to
	 * usr/lib/os-release) is read under the target's own name, in this
	 * layer or the one that has it.
	 */
	if (layer_link_target(e, path, target, sizeof(target)) == 0 &&
	    catalog_kind_of(target) == k)
		return 0;
	l = &r->links[r->nlinks];
	memset(l, 0, sizeof(*l));
	l->kind = k;
	l->hard = archive_entry_hardlink(e) != NULL;
	if ((l->path = strdup(path)) == NULL)
		return -1;
	if (layer_link_target(e, path, target, sizeof(target)) == 0 &&
	    (l->target = strdup(target)) == NULL) {
		free(l->path);
		return -1;
	}
	r->nlinks++;
	snprintf(msg, sizeof(msg), "a package database that is a %s link to "
	    "%.200s: its packages were not read", l->hard ? "hard" :
	    "symbolic", to ? to : "?");
	return findings_add(&r->findings, FINDING_LIMIT, "linked-package-db",
	    path, 0, msg);
}

/*
 * A Rust binary's .dep-v0 section at [off, off + len): cataloged when
 * its bytes were kept (after linking, a section added at the end; or
 * the second pass's capture); otherwise noted for a second pass, which
 * reads just that range, and said meanwhile, so that a binary is never
 * taken as seen before it is.
 */
static int
layer_rustbin(struct layer_ctx *c, const char *path, uint64_t off,
    uint64_t len)
{
	struct layer_result	*r = c->r;
	struct layer_link	*nl, *l;
	const void		*bytes = elfsec_bytes(c->elfsec, off, len);
	char			 msg[300];

	if (bytes != NULL)
		return layer_add_db(r, path, CATALOG_RUSTBIN) == -1 ? -1 :
		    catalog_rustbin(bytes, (size_t)len, path, &r->pkgs,
		    &r->findings);
	if (len > sizeof(c->elfsec->buf)) {
		snprintf(msg, sizeof(msg), "a Rust binary's dependency list "
		    "(.dep-v0) of %llu bytes, over the %zu read: not read",
		    (unsigned long long)len, sizeof(c->elfsec->buf));
		return findings_add(&r->findings, FINDING_LIMIT,
		    "max-db-file", path, 0, msg);
	}
	if (c->follow != NULL)
		/* The second pass asked for it, and it was not there. */
		return findings_add(&r->findings, FINDING_ERROR,
		    "unreadable-package-db", path, 0, "a Rust binary whose "
		    "dependency list changed when the layer was read again");
	if ((nl = reallocarray(r->links, r->nlinks + 1, sizeof(*nl))) == NULL)
		return -1;
	r->links = nl;
	l = &r->links[r->nlinks];
	memset(l, 0, sizeof(*l));
	l->kind = CATALOG_RUSTBIN;
	l->off = off;
	l->len = len;
	if ((l->path = strdup(path)) == NULL)
		return -1;
	if ((l->target = strdup(path)) == NULL) {
		free(l->path);
		return -1;
	}
	r->nlinks++;
	return findings_add(&r->findings, FINDING_LIMIT, "rust-deps-unread",
	    path, 0, "a Rust binary whose dependency list (cargo auditable's "
	    ".dep-v0) is only found at the end of the file: it is read when "
	    "the layer is read again");
}

/* The second pass's links whose target is path: the first, or -1. */
static ssize_t
layer_follow_find(struct layer_ctx *c, const char *path, size_t from)
{
	size_t	i;

	for (i = from; i < c->nfollow; i++)
		if (c->follow[i].target != NULL &&
		    strcmp(c->follow[i].target, path) == 0)
			return (ssize_t)i;
	return -1;
}

/* A link's target, just read (len bytes kept), as the database. */
static int
layer_follow_read(struct layer_ctx *c, size_t i, size_t len, int trunc)
{
	const struct layer_link	*l = &c->follow[i];
	char			 msg[300];

	c->followed[i] = 1;
	if (l->kind == CATALOG_RUSTBIN)
		return layer_rustbin(c, l->path, l->off, l->len);
	if (trunc) {
		snprintf(msg, sizeof(msg), "package database (through a link) "
		    "larger than %llu bytes: only the start was read",
		    (unsigned long long)c->lim->max_db_file);
		if (findings_add(&c->r->findings, FINDING_LIMIT, "max-db-file",
		    l->path, 0, msg) == -1)
			return -1;
	}
	return layer_catalog(c, l->kind, l->path, len);
}

/* After the second pass: links whose target never came are said. */
static int
layer_follow_end(struct layer_ctx *c)
{
	char	msg[400];
	size_t	i;

	for (i = 0; i < c->nfollow; i++) {
		if (c->followed[i])
			continue;
		if (c->follow[i].kind == CATALOG_RUSTBIN) {
			if (findings_add(&c->r->findings, FINDING_ERROR,
			    "unreadable-package-db", c->follow[i].path, 0,
			    "a Rust binary whose dependency list was not "
			    "there when the layer was read again") == -1)
				return -1;
			continue;
		}
		snprintf(msg, sizeof(msg), "a package database that is a %s "
		    "link to %.200s, which is not a file in this layer (in "
		    "another layer, or nowhere): its packages were not read",
		    c->follow[i].hard ? "hard" : "symbolic",
		    c->follow[i].target ? c->follow[i].target : "a path "
		    "outside the image");
		if (findings_add(&c->r->findings, FINDING_LIMIT,
		    "linked-package-db", c->follow[i].path, 0, msg) == -1)
			return -1;
	}
	return 0;
}

/*
 * Walk the entries of a (the layer at depth 0, an archive inside it
 * deeper; prefix names that file). Package databases, whiteouts and
 * Go binaries count only in the layer itself.
 */
static int
layer_walk(struct layer_ctx *c, struct archive *a, int depth,
    const char *prefix)
{
	struct layer_result	*r = c->r;
	struct archive_entry	*e;
	char			 path[1024], full[2100], msg[300];
	int			 rv;

	while ((rv = archive_read_next_header(a, &e)) == ARCHIVE_OK ||
	    rv == ARCHIVE_WARN) {
		const char	*name = archive_entry_pathname(e), *base;
		enum catalog_kind k = CATALOG_NONE;
		ssize_t		 n, lk;
		int		 trunc, dlist, fsc;

		if (++r->entries > c->lim->max_entries) {
			snprintf(msg, sizeof(msg), "more than %llu entries; the "
			    "rest of the layer was not scanned",
			    (unsigned long long)c->lim->max_entries);
			findings_add(&r->findings, FINDING_LIMIT,
			    "max-entries", prefix ? prefix : "", 0, msg);
			return 0;
		}
		if ((uint64_t)(time(NULL) - c->start) > c->lim->max_seconds) {
			findings_add(&r->findings, FINDING_LIMIT, "max-seconds",
			    prefix ? prefix : "", 0, "scan time limit reached; "
			    "the rest of the layer was not scanned");
			return 0;
		}
		if (name == NULL || layer_clean_path(name, path,
		    sizeof(path)) == -1) {
			if (depth > 0)
				continue;	/* not a path in the image */
			findings_add(&r->findings, FINDING_MISCONFIG,
			    "path-traversal", name ? name : "", 0,
			    "layer entry escapes the root");
			continue;
		}
		if (depth > 0) {
			/* "outer!inner", the way the file is reached. */
			snprintf(full, sizeof(full), "%s!%s", prefix, path);
			snprintf(path, sizeof(path), "%.1000s", full);
		}
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (depth == 0 && strncmp(base, ".wh.", 4) == 0) {
			char	dir[1024];
			size_t	dl = (size_t)(base - path);

			memcpy(dir, path, dl);
			dir[dl] = '\0';
			if (strcmp(base, ".wh..wh..opq") == 0) {
				if (dl > 0)
					dir[dl - 1] = '\0';
				rv = layer_add_whiteout(r, dir, 1);
			} else {
				snprintf(dir + dl, sizeof(dir) - dl, "%s",
				    base + 4);
				rv = layer_add_whiteout(r, dir, 0);
			}
			if (rv == -1)
				return -1;
			continue;
		}
		if (depth == 0) {
			k = catalog_kind_of(path);
			if (layer_add_path(c, path) == -1 ||
			    (!c->lim->inventory_only && fscheck_entry(c->fs,
			    path, archive_entry_mode(e), archive_entry_size(e),
			    &r->findings) == -1))
				return -1;
		}
		if (k != CATALOG_NONE && k != CATALOG_GOBIN &&
		    (archive_entry_hardlink(e) != NULL ||
		    archive_entry_filetype(e) == AE_IFLNK)) {
			/* A second pass reads its target instead. */
			if (c->follow == NULL &&
			    layer_linked_db(r, e, path, k) == -1)
				return -1;
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		lk = depth == 0 ? layer_follow_find(c, path, 0) : -1;
		/* A Rust binary's section: that range, not the whole file. */
		c->capture = lk >= 0 && c->follow[lk].kind == CATALOG_RUSTBIN ?
		    &c->follow[lk] : NULL;
		dlist = depth == 0 && owned_is_dpkg_list(path);
		fsc = depth == 0 && !c->lim->inventory_only &&
		    fscheck_wants(path);
		n = layer_read_entry(c, a, path, k != CATALOG_NONE || (lk >= 0 &&
		    c->capture == NULL) || dlist || fsc ?
		    (size_t)c->lim->max_db_file : 0, depth, &trunc);
		if (n == -2) {
			snprintf(msg, sizeof(msg), "more than %llu bytes "
			    "uncompressed; the rest was not scanned",
			    (unsigned long long)c->lim->max_uncompressed);
			findings_add(&r->findings, FINDING_LIMIT,
			    "max-uncompressed", path, 0, msg);
			return depth == 0 ? 0 : -2;
		}
		if (n < 0) {
			snprintf(msg, sizeof(msg), "reading %.100s: %.180s", path,
			    archive_error_string(a) ? archive_error_string(a) :
			    "read error");
			findings_add(&r->findings, FINDING_ERROR, "corrupt",
			    path, 0, msg);
			return -1;
		}
		if (k != CATALOG_NONE) {
			if (trunc) {
				snprintf(msg, sizeof(msg), "package database "
				    "larger than %llu bytes: only the start was "
				    "read", (unsigned long long)
				    c->lim->max_db_file);
				findings_add(&r->findings, FINDING_LIMIT,
				    "max-db-file", path, 0, msg);
			}
			if (layer_catalog(c, k, path, (size_t)n) == -1)
				return -1;
		}
		if (dlist && owned_add_dpkg_list(c->owned, path, c->buf,
		    (size_t)n) == -1)
			return -1;
		if (fsc && fscheck_content(path, c->buf, (size_t)n,
		    &r->findings) == -1)
			return -1;
		for (; lk >= 0; lk = layer_follow_find(c, path, (size_t)lk + 1))
			if (layer_follow_read(c, (size_t)lk, (size_t)n,
			    trunc) == -1)
				return -1;
		if (depth == 0 && c->gobin->state > 0) {
			if (layer_add_db(r, path, CATALOG_GOBIN) == -1 ||
			    catalog_gobin(c->gobin, path, &r->pkgs) == -1)
				return -1;
		}
		if (depth == 0 && c->capture == NULL) {
			uint64_t	so, sl;

			if (elfsec_find(c->elfsec, &so, &sl) &&
			    layer_rustbin(c, path, so, sl) == -1)
				return -1;
		}
	}
	if (rv != ARCHIVE_EOF) {
		if (depth > 0)
			return -1;	/* the caller decides what it means */
		snprintf(msg, sizeof(msg), "%s after %llu entries",
		    archive_error_string(a) ? archive_error_string(a) :
		    "corrupt archive", (unsigned long long)r->entries);
		findings_add(&r->findings, FINDING_ERROR, "corrupt", "", 0,
		    msg);
		return -1;
	}
	return 0;
}

int
layer_scan(struct layer_result *r, const struct layer_limits *lim,
    layer_read_fn readfn, void *arg)
{
	return layer_scan_links(r, lim, readfn, arg, NULL, 0);
}

int
layer_scan_links(struct layer_result *r, const struct layer_limits *lim,
    layer_read_fn readfn, void *arg, const struct layer_link *links,
    size_t nlinks)
{
	struct layer_ctx	 c;
	struct archive		*a = NULL;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	const void		*rest;
	int			 rv = -1;

	memset(r, 0, sizeof(*r));
	r->scanner = LAYER_SCANNER_VERSION;
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.lim = lim;
	c.read = readfn;
	c.arg = arg;
	c.follow = nlinks > 0 ? links : NULL;
	c.nfollow = nlinks;
	if ((nlinks > 0 && (c.followed = calloc(nlinks, 1)) == NULL) ||
	    (c.owned = owned_new()) == NULL ||
	    (c.fs = fscheck_new()) == NULL ||
	    (c.gobin = malloc(sizeof(*c.gobin))) == NULL ||
	    (c.elfsec = malloc(sizeof(*c.elfsec))) == NULL ||
	    (c.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c.md, EVP_sha256(), NULL) != 1 ||
	    (a = archive_read_new()) == NULL)
		goto done;
	layer_support(a);
	c.start = time(NULL);
	/*
	 * The first bytes say gzip: inflate in a thread of its own, next
	 * to the scan (libarchive then reads a plain tar). Anything else,
	 * or no thread, goes to libarchive as it comes.
	 */
	c.npending = c.read(c.arg, &c.pending);
	c.has_pending = 1;
	if (c.npending >= 2 && ((const unsigned char *)c.pending)[0] == 0x1f &&
	    ((const unsigned char *)c.pending)[1] == 0x8b &&
	    (c.inf = inflater_start(c.read, c.arg, c.pending,
	    (size_t)c.npending, c.md, &r->compressed_bytes)) != NULL)
		c.has_pending = 0;
	if (archive_read_open(a, &c, NULL, layer_archive_read, NULL) !=
	    ARCHIVE_OK) {
		findings_add(&r->findings, FINDING_ERROR, "corrupt", "", 0,
		    archive_error_string(a) ? archive_error_string(a) :
		    "not a readable archive");
		rv = -1;
	} else
		rv = layer_walk(&c, a, 0, NULL);
	if (c.follow != NULL && layer_follow_end(&c) == -1)
		rv = -1;
	if (fscheck_end(c.fs, &r->findings) == -1)
		rv = -1;
	layer_paths_sort(r);
	/* Language packages that came with an OS package say which. */
	if (owned_mark(c.owned, &r->pkgs) == -1)
		rv = -1;
	owned_notes(c.owned, &r->findings);
	if (c.inf != NULL) {
		/* It reads and hashes the rest itself. */
		if (!inflater_finish(c.inf))
			c.source_failed = 1;
		r->complete = rv == 0 && !c.source_failed;
	} else if (!c.source_failed) {
		ssize_t n;

		if (c.has_pending && c.npending > 0)
			layer_hash(&c, c.pending, (size_t)c.npending);
		c.has_pending = 0;

		/*
		 * Read what libarchive did not need (tar padding, all of the
		 * rest after a limit, or after an error): the digest covers
		 * the whole blob, so a result says which bytes it is about.
		 */
		while ((n = c.read(c.arg, &rest)) > 0)
			layer_hash(&c, rest, (size_t)n);
		r->complete = rv == 0 && n == 0;
		if (n < 0)
			c.source_failed = 1;
	}
	archive_read_close(a);
 done:
	/* Its thread hashes until it is joined. */
	inflater_free(c.inf);
	if (c.md != NULL && EVP_DigestFinal_ex(c.md, md, &mdlen) == 1) {
		int o = snprintf(r->digest, sizeof(r->digest), "sha256:");

		for (i = 0; i < mdlen && o + 2 < (int)sizeof(r->digest); i++)
			o += snprintf(r->digest + o, sizeof(r->digest) -
			    (size_t)o, "%02x", md[i]);
	}
	EVP_MD_CTX_free(c.md);
	if (a != NULL)
		archive_read_free(a);
	free(c.buf);
	free(c.gobin);
	free(c.elfsec);
	free(c.followed);
	owned_free(c.owned);
	fscheck_free(c.fs);
	return rv;
}

struct layer_file {
	int	fd;
	char	buf[1 << 17];
};

static ssize_t
layer_file_read(void *arg, const void **buf)
{
	struct layer_file	*f = arg;
	ssize_t			 n;

	do
		n = read(f->fd, f->buf, sizeof(f->buf));
	while (n == -1 && errno == EINTR);
	*buf = f->buf;
	return n;
}

int
layer_scan_file(struct layer_result *r, const struct layer_limits *lim,
    const char *path)
{
	struct layer_file	*f;
	struct layer_result	 second;
	int			 rv;

	if ((f = malloc(sizeof(*f))) == NULL)
		return -1;
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		memset(r, 0, sizeof(*r));
		log_warn("%s", path);
		findings_add(&r->findings, FINDING_ERROR, "unreadable", path,
		    0, strerror(errno));
		free(f);
		return -1;
	}
	rv = layer_scan(r, lim, layer_file_read, f);
	/* Databases behind links: read the layer again for their targets. */
	if (rv == 0 && r->nlinks > 0 && lseek(f->fd, 0, SEEK_SET) == 0) {
		rv = layer_scan_links(&second, lim, layer_file_read, f,
		    r->links, r->nlinks);
		layer_result_free(r);
		*r = second;
	}
	close(f->fd);
	free(f);
	return rv;
}

void
layer_links_free(struct layer_link *links, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(links[i].path);
		free(links[i].target);
	}
	free(links);
}

void
layer_result_free(struct layer_result *r)
{
	size_t	i;

	pkglist_free(&r->pkgs);
	for (i = 0; i < r->ndbs; i++)
		free(r->dbs[i].path);
	free(r->dbs);
	for (i = 0; i < r->nwhiteouts; i++)
		free(r->whiteouts[i]);
	free(r->whiteouts);
	free(r->paths);
	layer_links_free(r->links, r->nlinks);
	findings_free(&r->findings);
	memset(r, 0, sizeof(*r));
}
