/* npm: a module's own package.json under node_modules/. */
#include "scan/catalog/catalog.h"

#include <jansson.h>

int
catalog_npm(const char *buf, size_t len, const char *path,
    struct pkglist *out)
{
	json_t	*j = json_loadb(buf, len, 0, NULL);
	int	 rv = 0;

	if (j == NULL)
		return 0;	/* not JSON: not a package */
	rv = pkglist_add(out, PKG_NPM,
	    json_string_value(json_object_get(j, "name")),
	    json_string_value(json_object_get(j, "version")), NULL, NULL,
	    path);
	json_decref(j);
	return rv;
}
