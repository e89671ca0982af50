/*
 * Java archives (.jar, .war, .ear): Maven coordinates from
 * META-INF/maven/<group>/<artifact>/pom.properties, looking into jars
 * nested in the archive too (WEB-INF/lib, BOOT-INF/lib), two levels
 * deep at most. The archive is read from memory with libarchive's zip
 * reader, which rejects what is not a well-formed zip.
 */
#include "scan/catalog/catalog.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#define JAR_MAX_DEPTH	2
#define JAR_MAX_ENTRY	(32u << 20)

static int
jar_ends(const char *s, const char *suf)
{
	size_t n = strlen(s), l = strlen(suf);

	return n >= l && strcmp(s + n - l, suf) == 0;
}

/* key=value lines of a .properties file. */
static void
jar_prop(const char *buf, size_t len, const char *key, char *out,
    size_t outlen)
{
	size_t	pos = 0, kl = strlen(key);

	out[0] = '\0';
	while (pos < len) {
		const char	*line = buf + pos, *nl;
		size_t		 ll;

		nl = memchr(line, '\n', len - pos);
		ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl != NULL);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll > kl && memcmp(line, key, kl) == 0 && line[kl] == '=') {
			ll -= kl + 1;
			if (ll >= outlen)
				ll = outlen - 1;
			memcpy(out, line + kl + 1, ll);
			out[ll] = '\0';
			return;
		}
	}
}

static int
jar_read(const void *data, size_t size, const char *path, int depth,
    struct pkglist *out)
{
	struct archive		*a;
	struct archive_entry	*e;
	char			*buf = NULL;
	int			 rv = 0;

	if ((a = archive_read_new()) == NULL)
		return -1;
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK)
		goto done;	/* not a zip: nothing to catalog */
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char	*name = archive_entry_pathname(e);
		la_int64_t	 sz = archive_entry_size(e);
		int		 pom, nested;
		la_ssize_t	 got;

		if (name == NULL || sz <= 0 || sz > (la_int64_t)JAR_MAX_ENTRY)
			continue;
		pom = strncmp(name, "META-INF/maven/", 15) == 0 &&
		    jar_ends(name, "/pom.properties");
		nested = depth < JAR_MAX_DEPTH && (jar_ends(name, ".jar") ||
		    jar_ends(name, ".war"));
		if (!pom && !nested)
			continue;
		free(buf);
		if ((buf = malloc((size_t)sz)) == NULL) {
			rv = -1;
			goto done;
		}
		if ((got = archive_read_data(a, buf, (size_t)sz)) != sz)
			continue;
		if (pom) {
			char g[256], art[256], v[128], name2[520];

			jar_prop(buf, (size_t)sz, "groupId", g, sizeof(g));
			jar_prop(buf, (size_t)sz, "artifactId", art, sizeof(art));
			jar_prop(buf, (size_t)sz, "version", v, sizeof(v));
			if (!g[0] || !art[0])
				continue;
			snprintf(name2, sizeof(name2), "%s:%s", g, art);
			if (pkglist_add(out, PKG_MAVEN, name2, v, NULL, NULL,
			    path) == -1) {
				rv = -1;
				goto done;
			}
		} else if (jar_read(buf, (size_t)sz, path, depth + 1, out) ==
		    -1) {
			rv = -1;
			goto done;
		}
	}
 done:
	free(buf);
	archive_read_free(a);
	return rv;
}

int
catalog_jar(const char *buf, size_t len, const char *path,
    struct pkglist *out)
{
	return jar_read(buf, len, path, 0, out);
}
