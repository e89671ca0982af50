#include "scan/catalog/catalog.h"

#include <string.h>

static int
catalog_ends(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);

	return n >= l && memcmp(s + n - l, suf, l) == 0;
}

enum catalog_kind
catalog_kind_of(const char *path)
{
	size_t		 n = strlen(path);
	const char	*nm, *p;

	if (strcmp(path, "var/lib/dpkg/status") == 0 ||
	    (strncmp(path, "var/lib/dpkg/status.d/", 22) == 0 &&
	    strchr(path + 22, '/') == NULL && path[22] != '\0' &&
	    !catalog_ends(path, n, ".md5sums")))
		return CATALOG_DPKG;
	if (strcmp(path, "lib/apk/db/installed") == 0)
		return CATALOG_APK;
	if (strcmp(path, "var/lib/rpm/rpmdb.sqlite") == 0 ||
	    strcmp(path, "usr/lib/sysimage/rpm/rpmdb.sqlite") == 0)
		return CATALOG_RPM;
	if (strcmp(path, "etc/os-release") == 0 ||
	    strcmp(path, "usr/lib/os-release") == 0)
		return CATALOG_OSRELEASE;
	if (catalog_ends(path, n, ".jar") || catalog_ends(path, n, ".war") ||
	    catalog_ends(path, n, ".ear"))
		return CATALOG_JAR;
	if (catalog_ends(path, n, ".dist-info/METADATA") ||
	    catalog_ends(path, n, ".egg-info/PKG-INFO"))
		return CATALOG_PYTHON;
	/*
	 * An application's lockfile; npm's own copy inside node_modules
	 * (.package-lock.json) repeats what the package.json files say.
	 */
	nm = strrchr(path, '/');
	nm = nm != NULL ? nm + 1 : path;
	/* Cargo's lockfile; cargo's own registry cache is not an app. */
	if (strcmp(nm, "Cargo.lock") == 0 &&
	    strstr(path, ".cargo/registry/") == NULL)
		return CATALOG_CARGO;
	if ((strcmp(nm, "package-lock.json") == 0 ||
	    strcmp(nm, "npm-shrinkwrap.json") == 0) &&
	    strstr(path, "node_modules/") == NULL)
		return CATALOG_NPMLOCK;
	/* .../node_modules/<name>/package.json or .../@scope/<name>/... */
	if (catalog_ends(path, n, "/package.json")) {
		nm = NULL;
		for (p = path; (p = strstr(p, "node_modules/")) != NULL; p++)
			nm = p;
		if (nm == NULL)
			return CATALOG_NONE;
		nm += 13;
		if (*nm == '@' && (p = strchr(nm, '/')) != NULL)
			nm = p + 1;
		p = strchr(nm, '/');
		if (p != NULL && p > nm && strcmp(p, "/package.json") == 0)
			return CATALOG_NPM;
	}
	return CATALOG_NONE;
}

int
catalog_field(const char *buf, size_t len, size_t *pos, const char **key,
    size_t *klen, const char **val, size_t *vlen)
{
	while (*pos < len) {
		const char	*line = buf + *pos, *colon, *nl;
		size_t		 ll;

		nl = memchr(line, '\n', len - *pos);
		ll = nl ? (size_t)(nl - line) : len - *pos;
		*pos += ll + (nl != NULL);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			return 0;	/* end of the block */
		if (line[0] == ' ' || line[0] == '\t')
			continue;	/* continuation */
		if ((colon = memchr(line, ':', ll)) == NULL)
			continue;
		*key = line;
		*klen = (size_t)(colon - line);
		*val = colon + 1;
		*vlen = ll - *klen - 1;
		while (*vlen > 0 && (**val == ' ' || **val == '\t')) {
			(*val)++;
			(*vlen)--;
		}
		while (*vlen > 0 && ((*val)[*vlen - 1] == ' ' ||
		    (*val)[*vlen - 1] == '\t'))
			(*vlen)--;
		return 1;
	}
	return 0;
}
