#include "scan/catalog/pkg.h"

#include <stdlib.h>
#include <string.h>

static char *
pkg_dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
pkglist_add(struct pkglist *l, enum pkg_type t, const char *name,
    const char *version, const char *source, const char *source_version,
    const char *path)
{
	struct pkg	*p;

	if (name == NULL || *name == '\0' || version == NULL ||
	    *version == '\0')
		return 0;	/* nothing to match on */
	if (l->n == l->cap) {
		size_t	ncap = l->cap ? l->cap * 2 : 32;
		void	*nv = reallocarray(l->v, ncap, sizeof(*l->v));

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	p = &l->v[l->n];
	memset(p, 0, sizeof(*p));
	p->type = t;
	p->name = pkg_dup(name);
	p->version = pkg_dup(version);
	p->source = pkg_dup(source);
	p->source_version = pkg_dup(source_version);
	p->path = pkg_dup(path);
	if (p->name == NULL || p->version == NULL || p->path == NULL) {
		free(p->name);
		free(p->version);
		free(p->source);
		free(p->source_version);
		free(p->path);
		return -1;
	}
	l->n++;
	return 0;
}

static void
pkg_clear(struct pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->source);
	free(p->source_version);
	free(p->path);
	free(p->owner);
}

void
pkglist_drop_last(struct pkglist *l)
{
	if (l->n > 0)
		pkg_clear(&l->v[--l->n]);
}

void
pkglist_free(struct pkglist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		pkg_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *
pkg_type_name(enum pkg_type t)
{
	static const char *const names[] = {
		"deb", "apk", "npm", "pypi", "golang", "maven", "rpm", "cargo"
	};

	return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

const char *
pkg_type_ecosystem(enum pkg_type t)
{
	switch (t) {
	case PKG_NPM: return "npm";
	case PKG_PYPI: return "PyPI";
	case PKG_GO: return "Go";
	case PKG_MAVEN: return "Maven";
	case PKG_CARGO: return "crates.io";
	case PKG_DPKG:
	case PKG_APK:
	case PKG_RPM:
	case PKG_TYPE_COUNT:
		break;
	}
	return NULL;
}
