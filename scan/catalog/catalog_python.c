/* Python: core metadata (METADATA / PKG-INFO) Name: and Version:. */
#include "scan/catalog/catalog.h"

#include <string.h>

int
catalog_python(const char *buf, size_t len, const char *path,
    struct pkglist *out)
{
	char		 name[256] = "", ver[128] = "";
	const char	*k, *v;
	size_t		 kl, vl, pos = 0;

	while (catalog_field(buf, len, &pos, &k, &kl, &v, &vl)) {
		if (kl == 4 && memcmp(k, "Name", 4) == 0 && vl < sizeof(name)) {
			memcpy(name, v, vl);
			name[vl] = '\0';
		} else if (kl == 7 && memcmp(k, "Version", 7) == 0 &&
		    vl < sizeof(ver)) {
			memcpy(ver, v, vl);
			ver[vl] = '\0';
		}
	}
	return pkglist_add(out, PKG_PYPI, name, ver, NULL, NULL, path);
}
