/*
 * Cargo.lock (lockfile versions 1 to 4): TOML, but only the part cargo
 * writes for [[package]] tables matters, one "key = value" per line:
 *
 *   [[package]]
 *   name = "regex"
 *   version = "1.7.1"
 *   source = "registry+https://github.com/rust-lang/crates.io-index"
 *
 * Every crate with a source (a registry, or git) is what the binary was
 * built from; one without is a path crate of the workspace itself,
 * nothing an advisory database names. Matched as crates.io (RustSec).
 */
#include "scan/catalog/catalog.h"

#include <stdio.h>
#include <string.h>

/* The quoted value of `key = "..."` on line (ll bytes), into out. */
static int
cargo_value(const char *line, size_t ll, const char *key, char *out,
    size_t outlen)
{
	size_t		 kl = strlen(key), n;
	const char	*p, *q, *end = line + ll;

	if (ll <= kl || memcmp(line, key, kl) != 0)
		return 0;
	for (p = line + kl; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == end || *p++ != '=')
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p++ != '"' || (q = memchr(p, '"', end - p)) == NULL)
		return 0;
	n = (size_t)(q - p) < outlen ? (size_t)(q - p) : outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static int
cargo_flush(const char *name, const char *ver, const char *src,
    const char *path, struct pkglist *out)
{
	if (name[0] == '\0' || ver[0] == '\0' || src[0] == '\0')
		return 0;
	return pkglist_add(out, PKG_CARGO, name, ver, NULL, NULL, path);
}

int
catalog_cargo(const char *buf, size_t len, const char *path,
    struct pkglist *out)
{
	char		 name[256] = "", ver[128] = "", src[512] = "";
	const char	*end = buf + len, *nl;
	size_t		 ll;
	int		 in = 0;

	for (; buf < end; buf = nl + 1) {
		if ((nl = memchr(buf, '\n', end - buf)) == NULL)
			nl = end;
		ll = nl - buf;
		if (ll > 0 && buf[ll - 1] == '\r')
			ll--;
		if (ll > 0 && buf[0] == '[') {
			/* A table ends the package before it. */
			if (in && cargo_flush(name, ver, src, path, out) == -1)
				return -1;
			in = ll == 11 && memcmp(buf, "[[package]]", 11) == 0;
			name[0] = ver[0] = src[0] = '\0';
			continue;
		}
		if (!in)
			continue;
		if (!cargo_value(buf, ll, "name", name, sizeof(name)) &&
		    !cargo_value(buf, ll, "version", ver, sizeof(ver)))
			cargo_value(buf, ll, "source", src, sizeof(src));
	}
	if (in && cargo_flush(name, ver, src, path, out) == -1)
		return -1;
	return 0;
}
