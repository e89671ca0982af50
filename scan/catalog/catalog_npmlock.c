/*
 * npm lockfiles (package-lock.json, npm-shrinkwrap.json) of an
 * application: what `npm ci` installs from them, for images that ship
 * the lockfile but bundle the code (or install it in a later stage).
 * Development dependencies are left out: `npm ci --omit=dev` does not
 * install them, and production images are built that way.
 */
#include "scan/catalog/catalog.h"

#include <jansson.h>
#include <string.h>

/* Deepest nesting of a lockfile v1 "dependencies" tree we follow. */
#define NPMLOCK_MAX_DEPTH	64

/* lockfileVersion 2 and 3: "packages" keyed by install path. */
static int
catalog_npmlock_packages(json_t *pkgs, const char *path, struct pkglist *out)
{
	const char	*key, *name, *p;
	json_t		*e;

	json_object_foreach(pkgs, key, e) {
		if (!json_is_object(e) || key[0] == '\0')
			continue;	/* "" is the application itself */
		if (json_is_true(json_object_get(e, "dev")) ||
		    json_is_true(json_object_get(e, "link")))
			continue;
		/* The install path names the package unless "name" does. */
		if ((name = json_string_value(json_object_get(e, "name"))) ==
		    NULL) {
			name = key;
			while ((p = strstr(name, "node_modules/")) != NULL)
				name = p + 13;
			if (name == key)
				continue;	/* a workspace folder */
		}
		if (pkglist_add(out, PKG_NPM, name,
		    json_string_value(json_object_get(e, "version")), NULL,
		    NULL, path) == -1)
			return -1;
	}
	return 0;
}

/* lockfileVersion 1: a "dependencies" tree keyed by name. */
static int
catalog_npmlock_deps(json_t *deps, const char *path, struct pkglist *out,
    int depth)
{
	const char	*name;
	json_t		*e;

	if (depth > NPMLOCK_MAX_DEPTH)
		return 0;
	json_object_foreach(deps, name, e) {
		if (!json_is_object(e) ||
		    json_is_true(json_object_get(e, "dev")))
			continue;
		if (pkglist_add(out, PKG_NPM, name,
		    json_string_value(json_object_get(e, "version")), NULL,
		    NULL, path) == -1)
			return -1;
		if (catalog_npmlock_deps(json_object_get(e, "dependencies"),
		    path, out, depth + 1) == -1)
			return -1;
	}
	return 0;
}

int
catalog_npmlock(const char *buf, size_t len, const char *path,
    struct pkglist *out)
{
	json_t	*j = json_loadb(buf, len, 0, NULL), *pkgs;
	int	 rv;

	if (j == NULL)
		return 0;	/* not JSON: nothing to read */
	/* v2 carries both forms; "packages" is the complete one. */
	if ((pkgs = json_object_get(j, "packages")) != NULL)
		rv = catalog_npmlock_packages(pkgs, path, out);
	else
		rv = catalog_npmlock_deps(json_object_get(j, "dependencies"),
		    path, out, 0);
	json_decref(j);
	return rv;
}
