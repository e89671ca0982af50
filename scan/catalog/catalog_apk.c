/*
 * Alpine's lib/apk/db/installed: "X:value" lines, a blank line between
 * packages. P: name, V: version, o: origin (the source package that
 * Alpine's secdb advisories name).
 */
#include "scan/catalog/catalog.h"

#include <string.h>

#define APK_FIELD	256

int
catalog_apk(const char *buf, size_t len, const char *path,
    struct pkglist *out)
{
	char	name[APK_FIELD] = "", ver[APK_FIELD] = "", origin[APK_FIELD] = "";
	size_t	pos = 0;

	for (;;) {
		const char	*line = buf + pos, *nl;
		size_t		 ll;
		int		 end = pos >= len;

		if (!end) {
			nl = memchr(line, '\n', len - pos);
			ll = nl ? (size_t)(nl - line) : len - pos;
			pos += ll + (nl != NULL);
		} else
			ll = 0;
		if (ll == 0) {
			if (name[0] && pkglist_add(out, PKG_APK, name, ver,
			    origin[0] ? origin : NULL, NULL, path) == -1)
				return -1;
			name[0] = ver[0] = origin[0] = '\0';
			if (end)
				return 0;
			continue;
		}
		if (ll < 2 || line[1] != ':')
			continue;
		ll -= 2;
		if (ll >= APK_FIELD)
			ll = APK_FIELD - 1;
		switch (line[0]) {
		case 'P':
			memcpy(name, line + 2, ll);
			name[ll] = '\0';
			break;
		case 'V':
			memcpy(ver, line + 2, ll);
			ver[ll] = '\0';
			break;
		case 'o':
			memcpy(origin, line + 2, ll);
			origin[ll] = '\0';
			break;
		}
	}
}
