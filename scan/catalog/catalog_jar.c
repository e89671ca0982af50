/*
 * Java archives (.jar, .war, .ear): Maven coordinates from
 * META-INF/maven/<group>/<artifact>/pom.properties, looking into jars
 * nested in the archive too (WEB-INF/lib, BOOT-INF/lib), JAR_MAX_DEPTH
 * levels deep. A jar with no pom.properties (Debian builds its jars
 * without Maven) is named from META-INF/MANIFEST.MF and its file name,
 * marked as guessed. The archive is read from memory with libarchive's zip
 * reader, which rejects what is not a well-formed zip. What it cannot
 * look into (deeper jars, entries too large, a jar that is not a zip)
 * is a limit finding, never a silent pass.
 */
#include "scan/catalog/catalog.h"
#include "scan/catalog/finding.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JAR_MAX_DEPTH	4
#define JAR_MAX_ENTRY	(32u << 20)

static int
jar_ends(const char *s, const char *suf)
{
	size_t n = strlen(s), l = strlen(suf);

	return n >= l && strcmp(s + n - l, suf) == 0;
}

/*
 * The value of key in "key<sep>value" lines: a .properties file (sep
 * '='), or a MANIFEST.MF's main section (sep ':', ends at a blank line,
 * a space after the colon, "; parameters" cut off).
 */
static void
jar_field(const char *buf, size_t len, const char *key, int sep, char *out,
    size_t outlen)
{
	size_t	pos = 0, kl = strlen(key);

	out[0] = '\0';
	while (pos < len) {
		const char	*line = buf + pos, *nl, *semi;
		size_t		 ll;

		nl = memchr(line, '\n', len - pos);
		ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl != NULL);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0 && sep == ':')
			return;		/* the main section ends */
		if (ll <= kl || line[kl] != sep || (sep == '=' ?
		    memcmp(line, key, kl) : strncasecmp(line, key, kl)) != 0)
			continue;
		line += kl + 1;
		ll -= kl + 1;
		if (sep == ':') {
			while (ll > 0 && *line == ' ') {
				line++;
				ll--;
			}
			/*
			 * "org.foo.bar;singleton:=true": the name only. The
			 * entry is not NUL-terminated: look within the line.
			 */
			if ((semi = memchr(line, ';', ll)) != NULL)
				ll = (size_t)(semi - line);
		}
		if (ll >= outlen)
			ll = outlen - 1;
		memcpy(out, line, ll);
		out[ll] = '\0';
		return;
	}
}

/* What a jar holds but was not read. 0 or -1. */
static int
jar_limit(struct findings *errs, const char *rule, const char *path,
    const char *name, const char *why)
{
	char	msg[300];

	snprintf(msg, sizeof(msg), "%.120s: %s", name, why);
	return findings_add(errs, FINDING_LIMIT, rule, path, 0, msg);
}

/*
 * The current entry, whole, into *buf (malloc'd): its size may be
 * unknown (streamed entries). Its length, or -1 (too large or
 * unreadable: *why says which).
 */
static la_ssize_t
jar_entry(struct archive *a, char **buf, const char **why)
{
	size_t		 len = 0, cap = 0;
	la_ssize_t	 got;
	char		*nb;

	*buf = NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > JAR_MAX_ENTRY + 1)
				cap = JAR_MAX_ENTRY + 1;
			if (len == cap) {
				*why = "larger than 32 MiB, not read";
				goto fail;
			}
			if ((nb = realloc(*buf, cap)) == NULL) {
				*why = "out of memory";
				goto fail;
			}
			*buf = nb;
		}
		if ((got = archive_read_data(a, *buf + len, cap - len)) < 0) {
			*why = "unreadable entry";
			goto fail;
		}
		if (got == 0)
			return (la_ssize_t)len;
		len += (size_t)got;
	}
 fail:
	free(*buf);
	*buf = NULL;
	return -1;
}

/*
 * A jar without pom.properties, named as Maven would have it, guessed
 * from its manifest and file name ("commons-logging-1.2.jar"): the
 * artifact is the file name's stem, the version the manifest's (or the
 * file name's), the group the Bundle-SymbolicName's prefix when it ends
 * with the artifact (org.mongodb.bson), else Implementation-Vendor-Id,
 * else the symbolic name without its last part.
 */
static int
jar_guess(const char *mf, size_t len, const char *file, const char *path,
    struct pkglist *out)
{
	char		 art[128], fver[64] = "", v[128], g[256], bsn[256];
	char		 name[400];
	const char	*base = strrchr(file, '/'), *dash;
	size_t		 n, al;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n < 5 || strcasecmp(base + n - 4, ".jar") != 0)
		return 0;
	snprintf(art, sizeof(art), "%.*s", (int)(n - 4), base);
	/* "name-1.2.3": the version starts at the last dash before a digit. */
	for (dash = strrchr(art, '-'); dash != NULL; dash = NULL)
		if (dash[1] >= '0' && dash[1] <= '9') {
			snprintf(fver, sizeof(fver), "%s", dash + 1);
			art[dash - art] = '\0';
		}
	jar_field(mf, len, "Implementation-Version", ':', v, sizeof(v));
	if (!v[0])
		jar_field(mf, len, "Bundle-Version", ':', v, sizeof(v));
	if (!v[0])
		snprintf(v, sizeof(v), "%s", fver);
	jar_field(mf, len, "Bundle-SymbolicName", ':', bsn, sizeof(bsn));
	al = strlen(art);
	n = strlen(bsn);
	g[0] = '\0';
	if (n > al + 1 && strcmp(bsn + n - al, art) == 0 && bsn[n - al - 1] ==
	    '.')
		snprintf(g, sizeof(g), "%.*s", (int)(n - al - 1), bsn);
	else
		jar_field(mf, len, "Implementation-Vendor-Id", ':', g, sizeof(g));
	/* Last: the symbolic name's prefix (a guess, and marked so). */
	if (!g[0] && strrchr(bsn, '.') != NULL)
		snprintf(g, sizeof(g), "%.*s", (int)(strrchr(bsn, '.') - bsn),
		    bsn);
	if (!art[0] || !v[0] || !g[0])
		return 0;	/* too little to name it */
	snprintf(name, sizeof(name), "%s:%s", g, art);
	if (pkglist_add(out, PKG_MAVEN, name, v, NULL, NULL, path) == -1)
		return -1;
	out->v[out->n - 1].guessed = 1;
	return 0;
}

static int
jar_read(const void *data, size_t size, const char *path, const char *file,
    int depth, struct pkglist *out, struct findings *errs)
{
	struct archive		*a;
	struct archive_entry	*e;
	char			*buf = NULL, *mf = NULL;
	const char		*why = "unreadable entry";
	la_ssize_t		 mflen = 0;
	int			 rv = 0, h, poms = 0;

	if ((a = archive_read_new()) == NULL)
		return -1;
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK) {
		/* A .jar that is not a zip cannot be run either: say so. */
		rv = jar_limit(errs, "unreadable-archive", path, depth ?
		    "a nested jar" : "the jar", "not a zip archive");
		goto done;
	}
	while ((h = archive_read_next_header(a, &e)) == ARCHIVE_OK ||
	    h == ARCHIVE_WARN) {
		const char	*name = archive_entry_pathname(e);
		int		 pom, nested;
		la_ssize_t	 sz;

		if (name == NULL)
			continue;
		pom = strncmp(name, "META-INF/maven/", 15) == 0 &&
		    jar_ends(name, "/pom.properties");
		nested = jar_ends(name, ".jar") || jar_ends(name, ".war");
		if (strcmp(name, "META-INF/MANIFEST.MF") == 0 && mf == NULL) {
			/* Kept for a jar that turns out to have no pom. */
			if ((mflen = jar_entry(a, &mf, &why)) == -1)
				mf = NULL;
			continue;
		}
		if (!pom && !nested)
			continue;
		if (nested && depth + 1 > JAR_MAX_DEPTH) {
			if ((rv = jar_limit(errs, "max-depth", path, name,
			    "a jar nested deeper than the cataloger reads "
			    "(4); its packages were not read")) == -1)
				goto done;
			continue;
		}
		free(buf);
		if ((sz = jar_entry(a, &buf, &why)) == -1) {
			if ((rv = jar_limit(errs, "max-entry", path, name,
			    why)) == -1)
				goto done;
			continue;
		}
		if (pom) {
			char g[256], art[256], v[128], name2[520];

			jar_field(buf, (size_t)sz, "groupId", '=', g, sizeof(g));
			jar_field(buf, (size_t)sz, "artifactId", '=', art,
			    sizeof(art));
			jar_field(buf, (size_t)sz, "version", '=', v, sizeof(v));
			if (!g[0] || !art[0])
				continue;
			poms++;
			snprintf(name2, sizeof(name2), "%s:%s", g, art);
			if (pkglist_add(out, PKG_MAVEN, name2, v, NULL, NULL,
			    path) == -1) {
				rv = -1;
				goto done;
			}
		} else if (jar_read(buf, (size_t)sz, path, name, depth + 1, out,
		    errs) == -1) {
			rv = -1;
			goto done;
		}
	}
	if (h != ARCHIVE_EOF)
		rv = jar_limit(errs, "unreadable-archive", path, depth ?
		    "a nested jar" : "the jar", archive_error_string(a) ?
		    archive_error_string(a) : "corrupt zip");
	else if (poms == 0 && mf != NULL)
		rv = jar_guess(mf, (size_t)mflen, file, path, out);
 done:
	free(mf);
	free(buf);
	archive_read_free(a);
	return rv;
}

int
catalog_jar(const char *buf, size_t len, const char *path,
    struct pkglist *out, struct findings *errs)
{
	return jar_read(buf, len, path, path, 0, out, errs);
}
