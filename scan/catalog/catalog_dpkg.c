/*
 * dpkg's status database (and distroless status.d/ files): one
 * paragraph per package. Only "install ok installed" packages count
 * (status.d files have no Status: field and are all installed).
 * "Source: name (version)" maps a binary package to the source package
 * Debian's advisories are written against.
 */
#include "scan/catalog/catalog.h"

#include <stdio.h>
#include <string.h>

#define DPKG_FIELD	256

static void
dpkg_copy(char *dst, const char *v, size_t n)
{
	if (n >= DPKG_FIELD)
		n = DPKG_FIELD - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

int
catalog_dpkg(const char *buf, size_t len, const char *path,
    struct pkglist *out)
{
	size_t	pos = 0;

	while (pos < len) {
		char		name[DPKG_FIELD] = "", ver[DPKG_FIELD] = "";
		char		src[DPKG_FIELD] = "", srcver[DPKG_FIELD] = "";
		char		status[DPKG_FIELD] = "";
		const char	*k, *v;
		size_t		 kl, vl, start = pos;
		int		 has_status = 0;

		while (catalog_field(buf, len, &pos, &k, &kl, &v, &vl)) {
			if (kl == 7 && memcmp(k, "Package", 7) == 0)
				dpkg_copy(name, v, vl);
			else if (kl == 7 && memcmp(k, "Version", 7) == 0)
				dpkg_copy(ver, v, vl);
			else if (kl == 6 && memcmp(k, "Status", 6) == 0) {
				dpkg_copy(status, v, vl);
				has_status = 1;
			} else if (kl == 6 && memcmp(k, "Source", 6) == 0) {
				const char *paren = memchr(v, '(', vl);
				size_t sl = paren ? (size_t)(paren - v) : vl;

				while (sl > 0 && v[sl - 1] == ' ')
					sl--;
				dpkg_copy(src, v, sl);
				if (paren != NULL) {
					const char *close = memchr(paren, ')',
					    vl - (size_t)(paren - v));

					if (close != NULL)
						dpkg_copy(srcver, paren + 1,
						    (size_t)(close - paren - 1));
				}
			}
		}
		if (pos == start)
			pos++;	/* blank line */
		if (has_status && strstr(status, " installed") == NULL)
			continue;	/* removed, config-files, half-installed */
		if (pkglist_add(out, PKG_DPKG, name, ver, src[0] ? src : NULL,
		    srcver[0] ? srcver : NULL, path) == -1)
			return -1;
	}
	return 0;
}
