/*
 * Which paths are package databases, and the apk cataloger on a database
 * in apk-tools' installed-db format (the fields apk writes: C P V A S I
 * T U L o m t c D p F R a Z), including a last package with no blank
 * line after it, junk lines and an overlong value.
 */
#include "scan/catalog/catalog.h"
#include "tests/tap.h"

#include <stdint.h>
#include <string.h>

static const char apkdb[] =
    "C:Q1CpjMpFo3UY/Tn4CshBpA+PXMf04=\n"
    "P:musl\n"
    "V:1.2.4-r2\n"
    "A:x86_64\n"
    "S:383152\n"
    "I:622592\n"
    "T:the musl c library (libc) implementation\n"
    "U:https://musl.libc.org/\n"
    "L:MIT\n"
    "o:musl\n"
    "m:Timo Teras <timo.teras@iki.fi>\n"
    "t:1697212127\n"
    "c:a2ec2c1ab22e72b5a3bbec6fdd3cd6a7f6ef4d6f\n"
    "p:so:libc.musl-x86_64.so.1=1\n"
    "F:lib\n"
    "R:ld-musl-x86_64.so.1\n"
    "a:0:0:755\n"
    "Z:Q1r4T1+2hSDoDDQTpS8n6JlQ6uZ9M=\n"
    "\n"
    "P:libcrypto3\n"
    "V:3.1.4-r5\n"
    "this line is not a field\n"
    "o:openssl\n"
    "D:so:libc.musl-x86_64.so.1\n"
    "\n"
    "\n"
    "P:alpine-baselayout-data\n"
    "V:3.4.3-r2\n";

/* An RPM header blob: il, dl, 16-byte index entries, then the data. */
static size_t
rpm_blob(unsigned char *b, uint32_t bad_offset)
{
	static const struct { uint32_t tag; const char *v; } str[] = {
		{ 1000, "zstd" }, { 1001, "1.5.4" }, { 1002, "5.el9" },
		{ 1044, "zstd-1.5.4-5.el9.src.rpm" }
	};
	unsigned char	 data[256];
	uint32_t	 dl = 0, i, e[4];
	size_t		 n = 8, k;

	for (i = 0; i < 4; i++) {
		e[0] = str[i].tag; e[1] = 6; e[2] = i == 1 ? bad_offset ?
		    bad_offset : dl : dl; e[3] = 1;
		for (k = 0; k < 4; k++) {
			b[n++] = e[k] >> 24; b[n++] = e[k] >> 16;
			b[n++] = e[k] >> 8; b[n++] = e[k];
		}
		memcpy(data + dl, str[i].v, strlen(str[i].v) + 1);
		dl += strlen(str[i].v) + 1;
	}
	e[0] = 1003; e[1] = 4; e[2] = dl; e[3] = 1;	/* EPOCH 2 */
	for (k = 0; k < 4; k++) {
		b[n++] = e[k] >> 24; b[n++] = e[k] >> 16;
		b[n++] = e[k] >> 8; b[n++] = e[k];
	}
	memcpy(data + dl, "\0\0\0\2", 4);
	dl += 4;
	b[0] = 0; b[1] = 0; b[2] = 0; b[3] = 5;
	b[4] = dl >> 24; b[5] = dl >> 16; b[6] = dl >> 8; b[7] = dl;
	memcpy(b + n, data, dl);
	return n + dl;
}

int
main(void)
{
	unsigned char	rb[512];
	size_t		rn;
	struct pkglist	l;
	char		big[600];

	is_int(catalog_kind_of("lib/apk/db/installed"), CATALOG_APK, "apk db");
	is_int(catalog_kind_of("var/lib/rpm/rpmdb.sqlite"), CATALOG_RPM,
	    "rpmdb.sqlite");
	is_int(catalog_kind_of("usr/lib/sysimage/rpm/rpmdb.sqlite"),
	    CATALOG_RPM, "rpmdb.sqlite at Fedora's path");
	is_int(catalog_kind_of("srv/app/package-lock.json"), CATALOG_NPMLOCK,
	    "an application's package-lock.json");
	is_int(catalog_kind_of("npm-shrinkwrap.json"), CATALOG_NPMLOCK,
	    "npm-shrinkwrap.json at the root");
	is_int(catalog_kind_of("srv/app/node_modules/.package-lock.json"),
	    CATALOG_NONE, "npm's hidden lockfile is not one");
	is_int(catalog_kind_of("srv/app/node_modules/x/package-lock.json"),
	    CATALOG_NONE, "a dependency's own lockfile is not installed");
	is_int(catalog_kind_of("srv/app/node_modules/@s/x/package.json"),
	    CATALOG_NPM, "a scoped module's package.json");

	memset(&l, 0, sizeof(l));
	is_int(catalog_apk(apkdb, sizeof(apkdb) - 1, "lib/apk/db/installed",
	    &l), 0, "apk database parsed");
	is_int((int)l.n, 3, "three packages, the last without a blank line");
	is_str(l.v[0].name, "musl", "first: musl");
	is_str(l.v[0].version, "1.2.4-r2", "with its version");
	is_str(l.v[1].name, "libcrypto3", "a junk line inside a package is skipped");
	is_str(l.v[1].source, "openssl", "origin is the source package");
	ok(l.v[2].source == NULL, "no o: line, no source");
	is_str(l.v[2].version, "3.4.3-r2", "last package's version");
	pkglist_free(&l);

	/* RPM header blobs, as rpmdb.sqlite's Packages rows hold them. */
	memset(&l, 0, sizeof(l));
	rn = rpm_blob(rb, 0);
	is_int(catalog_rpm_blob(rb, rn, "var/lib/rpm/rpmdb.sqlite", &l), 0,
	    "rpm header parsed");
	ok(l.n == 1, "one package");
	is_str(l.v[0].name, "zstd", "NAME");
	is_str(l.v[0].version, "2:1.5.4-5.el9", "EPOCH:VERSION-RELEASE");
	is_str(l.v[0].source, NULL, "source rpm of the same name: no mapping");
	pkglist_free(&l);
	rn = rpm_blob(rb, 100000);
	catalog_rpm_blob(rb, rn, "x", &l);
	is_int((int)l.n, 0, "an offset past the data store: header skipped");
	catalog_rpm_blob(rb, 7, "x", &l);
	rb[3] = 0xff;
	catalog_rpm_blob(rb, rn, "x", &l);
	is_int((int)l.n, 0, "truncated and overcounted headers skipped");
	pkglist_free(&l);

	/* An overlong value is cut, not overflowed. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "V:1\nP:", 6);
	big[sizeof(big) - 1] = '\n';
	memset(&l, 0, sizeof(l));
	is_int(catalog_apk(big, sizeof(big), "x", &l), 0, "overlong name");
	ok(l.n == 1 && strlen(l.v[0].name) == 255, "kept, cut to 255 bytes");
	pkglist_free(&l);
	return done_testing();
}
