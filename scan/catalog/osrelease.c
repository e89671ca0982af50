/* os-release(5): KEY=value lines, values optionally quoted. */
#include "scan/catalog/catalog.h"

#include <string.h>

static void
osrelease_set(char *dst, size_t dlen, const char *v, size_t vl)
{
	if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
		v++;
		vl -= 2;
	}
	if (vl >= dlen)
		vl = dlen - 1;
	memcpy(dst, v, vl);
	dst[vl] = '\0';
}

int
catalog_osrelease(const char *buf, size_t len, struct osrelease *os)
{
	size_t	pos = 0;

	memset(os, 0, sizeof(*os));
	while (pos < len) {
		const char	*line = buf + pos, *nl, *eq;
		size_t		 ll;

		nl = memchr(line, '\n', len - pos);
		ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl != NULL);
		if ((eq = memchr(line, '=', ll)) == NULL)
			continue;
		if (eq - line == 2 && memcmp(line, "ID", 2) == 0)
			osrelease_set(os->id, sizeof(os->id), eq + 1,
			    ll - 3);
		else if (eq - line == 10 && memcmp(line, "VERSION_ID", 10) == 0)
			osrelease_set(os->version_id, sizeof(os->version_id),
			    eq + 1, ll - 11);
		else if (eq - line == 11 && memcmp(line, "PRETTY_NAME", 11) == 0)
			osrelease_set(os->pretty, sizeof(os->pretty), eq + 1,
			    ll - 12);
	}
	os->found = os->id[0] != '\0';
	return 0;
}
