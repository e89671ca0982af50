#include "scan/layer/owned.h"
#include "scan/catalog/finding.h"
#include "scan/catalog/pkg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct owned_slot {
	char		*path;
	const char	*owner;		/* one of o->owners */
};

struct owned {
	struct owned_slot	*v;
	size_t			 n, cap;	/* cap: power of 2 */
	char			**owners;	/* package names, kept once */
	size_t			 nowners;
	size_t			 bytes;
};

static size_t
owned_hash(const char *s, size_t n)
{
	size_t	h = 2166136261u, i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

struct owned *
owned_new(void)
{
	return calloc(1, sizeof(struct owned));
}

void
owned_free(struct owned *o)
{
	size_t	i;

	if (o == NULL)
		return;
	for (i = 0; i < o->cap; i++)
		free(o->v[i].path);
	for (i = 0; i < o->nowners; i++)
		free(o->owners[i]);
	free(o->owners);
	free(o->v);
	free(o);
}

static const char *
owned_owner(struct owned *o, const char *name, size_t n)
{
	char	**no;

	if (o->nowners > 0 && strlen(o->owners[o->nowners - 1]) == n &&
	    memcmp(o->owners[o->nowners - 1], name, n) == 0)
		return o->owners[o->nowners - 1];
	if ((no = reallocarray(o->owners, o->nowners + 1, sizeof(*no))) ==
	    NULL)
		return NULL;
	o->owners = no;
	if ((o->owners[o->nowners] = strndup(name, n)) == NULL)
		return NULL;
	return o->owners[o->nowners++];
}

static int
owned_grow(struct owned *o)
{
	struct owned_slot	*old = o->v;
	size_t			 oldcap = o->cap, i, j;

	o->cap = oldcap ? oldcap * 2 : 1024;
	if ((o->v = calloc(o->cap, sizeof(*o->v))) == NULL) {
		o->v = old;
		o->cap = oldcap;
		return -1;
	}
	for (j = 0; j < oldcap; j++) {
		if (old[j].path == NULL)
			continue;
		for (i = owned_hash(old[j].path, strlen(old[j].path)) &
		    (o->cap - 1); o->v[i].path != NULL; i = (i + 1) &
		    (o->cap - 1))
			;
		o->v[i] = old[j];
	}
	free(old);
	return 0;
}

/* path (n bytes, a leading '/' dropped) installed by owner. */
static int
owned_put(struct owned *o, const char *path, size_t n, const char *owner)
{
	size_t	i;

	while (n > 0 && *path == '/') {
		path++;
		n--;
	}
	if (n == 0 || o->bytes + n > OWNED_MAX_BYTES)
		return 0;
	if ((o->n + 1) * 2 > o->cap && owned_grow(o) == -1)
		return -1;
	for (i = owned_hash(path, n) & (o->cap - 1); o->v[i].path != NULL;
	    i = (i + 1) & (o->cap - 1))
		if (strlen(o->v[i].path) == n &&
		    memcmp(o->v[i].path, path, n) == 0)
			return 0;
	if ((o->v[i].path = strndup(path, n)) == NULL)
		return -1;
	o->v[i].owner = owner;
	o->n++;
	o->bytes += n;
	return 0;
}

int
owned_is_dpkg_list(const char *path)
{
	size_t	n = strlen(path);

	return strncmp(path, "var/lib/dpkg/info/", 18) == 0 && n > 23 &&
	    strcmp(path + n - 5, ".list") == 0 &&
	    strchr(path + 18, '/') == NULL;
}

int
owned_add_dpkg_list(struct owned *o, const char *path, const char *buf,
    size_t len)
{
	const char	*name = path + 18, *owner, *end = buf + len, *nl;
	size_t		 n = strlen(name) - 5;

	/* "libc6:amd64.list": the package is libc6. */
	n = strcspn(name, ":") < n ? strcspn(name, ":") : n;
	if ((owner = owned_owner(o, name, n)) == NULL)
		return -1;
	for (; buf < end; buf = nl + 1) {
		if ((nl = memchr(buf, '\n', end - buf)) == NULL)
			nl = end;
		if (owned_put(o, buf, nl - buf, owner) == -1)
			return -1;
	}
	return 0;
}

int
owned_add_apk(struct owned *o, const char *buf, size_t len)
{
	const char	*end = buf + len, *nl, *owner = NULL;
	char		 dir[4096] = "", full[8192];
	size_t		 l;

	for (; buf < end; buf = nl + 1) {
		if ((nl = memchr(buf, '\n', end - buf)) == NULL)
			nl = end;
		l = nl - buf;
		if (l < 2 || buf[1] != ':')
			continue;
		if (buf[0] == 'P') {
			if ((owner = owned_owner(o, buf + 2, l - 2)) == NULL)
				return -1;
			dir[0] = '\0';
		} else if (buf[0] == 'F' && l - 2 < sizeof(dir))
			snprintf(dir, sizeof(dir), "%.*s", (int)(l - 2),
			    buf + 2);
		else if (buf[0] == 'R' && owner != NULL) {
			int fl = snprintf(full, sizeof(full), "%s%s%.*s", dir,
			    dir[0] ? "/" : "", (int)(l - 2), buf + 2);

			if (fl > 0 && (size_t)fl < sizeof(full) &&
			    owned_put(o, full, (size_t)fl, owner) == -1)
				return -1;
		}
	}
	return 0;
}

const char *
owned_find(const struct owned *o, const char *path)
{
	size_t	n = strcspn(path, "!"), i;

	if (o == NULL || o->cap == 0)
		return NULL;
	for (i = owned_hash(path, n) & (o->cap - 1); o->v[i].path != NULL;
	    i = (i + 1) & (o->cap - 1))
		if (strlen(o->v[i].path) == n &&
		    memcmp(o->v[i].path, path, n) == 0)
			return o->v[i].owner;
	return NULL;
}

int
owned_mark(const struct owned *o, struct pkglist *l)
{
	const char	*owner;
	size_t		 i;

	for (i = 0; i < l->n; i++) {
		struct pkg *p = &l->v[i];

		/* Only language packages: an OS package owns itself. */
		if (pkg_type_ecosystem(p->type) == NULL || p->owner != NULL ||
		    (owner = owned_find(o, p->path)) == NULL)
			continue;
		if ((p->owner = strdup(owner)) == NULL)
			return -1;
	}
	return 0;
}

void
owned_notes(const struct owned *o, struct findings *f)
{
	const char	*owner;
	char		 d[300];
	size_t		 i;

	for (i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		if (x->kind != FINDING_SECRET ||
		    (owner = owned_find(o, x->path)) == NULL)
			continue;
		x->kind = FINDING_NOTE;
		snprintf(d, sizeof(d), "in a file of the OS package %.60s: %.100s",
		    owner, x->detail);
		snprintf(x->detail, sizeof(x->detail), "%.199s", d);
	}
}
