/*
 * Go binaries: the build information the Go toolchain (1.18 and later)
 * embeds in every executable: the Go version, the main module and each
 * dependency module with its version. It sits behind the 14-byte magic
 * "\xff Go buildinf:" in the .go.buildinfo section; the file streams
 * past and only the bytes after the magic are kept.
 */
#include "scan/catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char gobin_magic[] = "\xff Go buildinf:";
#define GOBIN_MAGIC_LEN	14

void
gobin_reset(struct gobin *g)
{
	g->state = 0;
	g->match = 0;
	g->have = 0;
}

void
gobin_feed(struct gobin *g, const char *p, size_t len)
{
	size_t	i = 0;

	if (g->state == 2 || g->state < 0)
		return;
	while (i < len) {
		if (g->state == 1) {
			size_t take = len - i;

			if (take > sizeof(g->buf) - g->have)
				take = sizeof(g->buf) - g->have;
			memcpy(g->buf + g->have, p + i, take);
			g->have += take;
			i += take;
			if (g->have == sizeof(g->buf))
				g->state = 2;
			continue;
		}
		/* The magic's first byte occurs nowhere else in it. */
		if (p[i] == gobin_magic[g->match])
			g->match++;
		else
			g->match = p[i] == gobin_magic[0] ? 1 : 0;
		i++;
		if (g->match == GOBIN_MAGIC_LEN)
			g->state = 1;
	}
}

/* Unsigned LEB128, as Go's binary.Uvarint. 0 on a bad varint. */
static size_t
gobin_uvarint(const unsigned char *p, size_t len, unsigned long long *v)
{
	size_t	i;
	int	shift = 0;

	*v = 0;
	for (i = 0; i < len && i < 10; i++) {
		*v |= (unsigned long long)(p[i] & 0x7f) << shift;
		if (!(p[i] & 0x80))
			return i + 1;
		shift += 7;
	}
	return 0;
}

/* Next tab-separated field of a line; NULL when none. */
static const char *
gobin_field(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *t;

	if (s >= end)
		return NULL;
	t = memchr(s, '\t', (size_t)(end - s));
	*len = t ? (size_t)(t - s) : (size_t)(end - s);
	*p = t ? t + 1 : end;
	return s;
}

int
catalog_gobin(const struct gobin *g, const char *path, struct pkglist *out)
{
	const unsigned char	*b = (const unsigned char *)g->buf;
	unsigned long long	 vl, ml;
	size_t			 n, off;
	const char		*mod, *end, *line;
	char			 ver[64], name[512], version[128];
	int			 listed = 0;	/* last line: a dep, added */

	if (g->state <= 0 || g->have < 32 - GOBIN_MAGIC_LEN)
		return 0;
	/* Header: magic, pointer size, flags; flag 2 = inline strings. */
	if (!(b[1] & 2))
		return 0;	/* pre-1.18 layout: pointers, not supported */
	off = 32 - GOBIN_MAGIC_LEN;
	if ((n = gobin_uvarint(b + off, g->have - off, &vl)) == 0 ||
	    vl > 64 || off + n + vl > g->have)
		return 0;
	off += n;
	snprintf(ver, sizeof(ver), "%.*s", (int)vl, (const char *)b + off);
	off += (size_t)vl;
	if ((n = gobin_uvarint(b + off, g->have - off, &ml)) == 0 ||
	    off + n + ml > g->have)
		return 0;
	off += n;
	mod = (const char *)b + off;
	end = mod + ml;
	/* modinfo is wrapped in two 16-byte sentinels. */
	if (ml >= 33 && mod[16 - 1] != '\n') {
		mod += 16;
		end -= 16;
	}
	/* The toolchain itself: Go's advisories name it "stdlib". */
	if (strncmp(ver, "go", 2) == 0 && pkglist_add(out, PKG_GO, "stdlib",
	    ver + 2, NULL, NULL, path) == -1)
		return -1;
	for (line = mod; line < end; ) {
		const char	*nl = memchr(line, '\n', (size_t)(end - line));
		const char	*le = nl ? nl : end, *p = line, *kind, *mp, *mv;
		size_t		 kl, pl, vlen;

		kind = gobin_field(&p, le, &kl);
		mp = gobin_field(&p, le, &pl);
		mv = gobin_field(&p, le, &vlen);
		line = nl ? nl + 1 : end;
		if (kind == NULL || mp == NULL || mv == NULL ||
		    pl >= sizeof(name) || vlen >= sizeof(version))
			continue;
		if (!((kl == 3 && !memcmp(kind, "mod", 3)) ||
		    (kl == 3 && !memcmp(kind, "dep", 3)) ||
		    (kl == 2 && !memcmp(kind, "=>", 2))))
			continue;
		memcpy(name, mp, pl);
		name[pl] = '\0';
		memcpy(version, mv, vlen);
		version[vlen] = '\0';
		/* "=>" replaces the dep just listed, and only that. */
		if (kl == 2) {
			struct pkg *last = &out->v[out->n - 1];
			char *nn, *nv;

			/*
			 * Replaced by a local directory: the code is not the
			 * version the dep line names, and it has none of its
			 * own to match (trivy lists the directory, versionless).
			 */
			if (!listed)
				continue;
			listed = 0;
			if (strcmp(version, "(devel)") == 0) {
				pkglist_drop_last(out);
				continue;
			}
			nn = strdup(name);
			nv = strdup(version);

			if (nn == NULL || nv == NULL) {
				free(nn);
				free(nv);
				return -1;
			}
			free(last->name);
			free(last->version);
			last->name = nn;
			last->version = nv;
			continue;
		}
		listed = 0;
		if (strcmp(version, "(devel)") == 0)
			continue;
		if (pkglist_add(out, PKG_GO, name, version, NULL, NULL,
		    path) == -1)
			return -1;
		listed = kl == 3 && !memcmp(kind, "dep", 3) &&
		    out->n > 0 && !strcmp(out->v[out->n - 1].name, name);
	}
	return 0;
}
