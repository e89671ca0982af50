#include "scan/layer/layer.h"
#include "scan/layer/secrets.h"
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
};

void
layer_limits_default(struct layer_limits *l)
{
	l->max_uncompressed = 16ULL << 30;
	l->max_entries = 2000000;
	l->max_db_file = 64ULL << 20;
	l->max_seconds = 600;
}

/* libarchive pulls compressed bytes through here; we hash them. */
static la_ssize_t
layer_archive_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_ctx	*c = arg;
	ssize_t			 n = c->read(c->arg, buf);

	if (n > 0) {
		EVP_DigestUpdate(c->md, *buf, (size_t)n);
		c->r->compressed_bytes += (uint64_t)n;
	}
	if (n < 0)
		archive_set_error(a, EIO, "layer source failed");
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
		return catalog_apk(c->buf, len, path, &r->pkgs);
	case CATALOG_NPM:
		return catalog_npm(c->buf, len, path, &r->pkgs);
	case CATALOG_RPM:
		return catalog_rpm(c->buf, len, path, &r->pkgs, &r->findings);
	case CATALOG_NPMLOCK:
		return catalog_npmlock(c->buf, len, path, &r->pkgs);
	case CATALOG_PYTHON:
		return catalog_python(c->buf, len, path, &r->pkgs);
	case CATALOG_JAR:
		return catalog_jar(c->buf, len, path, &r->pkgs);
	case CATALOG_OSRELEASE:
		catalog_osrelease(c->buf, len, &r->os);
		/* Only two names are os-release files: both fit. */
		snprintf(r->os_path, sizeof(r->os_path), "%.63s", path);
		return 0;
	case CATALOG_GOBIN:
	case CATALOG_NONE:
		break;
	}
	return 0;
}

/*
 * Read the current entry: keep up to keep bytes for cataloging and
 * secret scanning; the rest streams past. Returns bytes kept, or -1.
 */
static ssize_t
layer_read_entry(struct layer_ctx *c, struct archive *a, size_t keep,
    int *truncated)
{
	const void	*blk;
	size_t		 len, kept = 0;
	la_int64_t	 off;
	int		 r;

	*truncated = 0;
	gobin_reset(c->gobin);
	c->gobin->state = -1;	/* until the file shows an ELF header */
	while ((r = archive_read_data_block(a, &blk, &len, &off)) ==
	    ARCHIVE_OK) {
		c->r->uncompressed_bytes += len;
		if (off == 0 && len >= 4 && memcmp(blk, "\177ELF", 4) == 0)
			c->gobin->state = 0;
		if (c->gobin->state >= 0)
			gobin_feed(c->gobin, blk, len);
		if (kept < keep) {
			size_t take = len < keep - kept ? len : keep - kept;

			if (kept + take > c->cap) {
				size_t	 ncap = c->cap ? c->cap : 65536;
				char	*nb;

				while (ncap < kept + take)
					ncap *= 2;
				if ((nb = realloc(c->buf, ncap + 1)) == NULL)
					return -1;
				c->buf = nb;
				c->cap = ncap;
			}
			memcpy(c->buf + kept, blk, take);
			kept += take;
			if (take < len)
				*truncated = 1;
		} else if (len > 0)
			*truncated = 1;
		if (c->r->uncompressed_bytes > c->lim->max_uncompressed)
			return -2;
	}
	if (r != ARCHIVE_EOF)
		return -1;
	return (ssize_t)kept;
}

static int
layer_walk(struct layer_ctx *c, struct archive *a)
{
	struct layer_result	*r = c->r;
	struct archive_entry	*e;
	char			 path[1024], msg[300];
	time_t			 start = time(NULL);
	int			 rv;

	while ((rv = archive_read_next_header(a, &e)) == ARCHIVE_OK ||
	    rv == ARCHIVE_WARN) {
		const char	*name = archive_entry_pathname(e), *base;
		enum catalog_kind k;
		ssize_t		 n;
		int		 trunc;

		if (++r->entries > c->lim->max_entries) {
			snprintf(msg, sizeof(msg), "more than %llu entries; the "
			    "rest of the layer was not scanned",
			    (unsigned long long)c->lim->max_entries);
			findings_add(&r->findings, FINDING_LIMIT,
			    "max-entries", "", 0, msg);
			return 0;
		}
		if ((uint64_t)(time(NULL) - start) > c->lim->max_seconds) {
			findings_add(&r->findings, FINDING_LIMIT, "max-seconds",
			    "", 0, "scan time limit reached; the rest of the "
			    "layer was not scanned");
			return 0;
		}
		if (name == NULL || layer_clean_path(name, path,
		    sizeof(path)) == -1) {
			findings_add(&r->findings, FINDING_MISCONFIG,
			    "path-traversal", name ? name : "", 0,
			    "layer entry escapes the root");
			continue;
		}
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (strncmp(base, ".wh.", 4) == 0) {
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
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		k = catalog_kind_of(path);
		n = layer_read_entry(c, a, k != CATALOG_NONE ?
		    (size_t)c->lim->max_db_file : SECRETS_MAX_FILE, &trunc);
		if (n == -2) {
			snprintf(msg, sizeof(msg), "more than %llu bytes "
			    "uncompressed; the rest was not scanned",
			    (unsigned long long)c->lim->max_uncompressed);
			findings_add(&r->findings, FINDING_LIMIT,
			    "max-uncompressed", path, 0, msg);
			return 0;
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
		if (c->gobin->state > 0) {
			if (layer_add_db(r, path, CATALOG_GOBIN) == -1 ||
			    catalog_gobin(c->gobin, path, &r->pkgs) == -1)
				return -1;
		}
		if (secrets_scan(c->buf, (size_t)n, path, &r->findings) == -1)
			return -1;
	}
	if (rv != ARCHIVE_EOF) {
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
	if ((c.gobin = malloc(sizeof(*c.gobin))) == NULL ||
	    (c.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c.md, EVP_sha256(), NULL) != 1 ||
	    (a = archive_read_new()) == NULL)
		goto done;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open(a, &c, NULL, layer_archive_read, NULL) !=
	    ARCHIVE_OK) {
		findings_add(&r->findings, FINDING_ERROR, "corrupt", "", 0,
		    archive_error_string(a) ? archive_error_string(a) :
		    "not a tar archive");
		goto done;
	}
	if ((rv = layer_walk(&c, a)) == 0) {
		ssize_t n;

		/*
		 * Read what libarchive did not need (tar padding, or all of
		 * the rest after a limit): the digest covers the whole blob.
		 */
		while ((n = c.read(c.arg, &rest)) > 0) {
			EVP_DigestUpdate(c.md, rest, (size_t)n);
			r->compressed_bytes += (uint64_t)n;
		}
		r->complete = n == 0;
		if (n < 0)
			rv = -1;
	}
	archive_read_close(a);
 done:
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
	close(f->fd);
	free(f);
	return rv;
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
	findings_free(&r->findings);
	memset(r, 0, sizeof(*r));
}
