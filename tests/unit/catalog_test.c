/*
 * Which paths are package databases, and the apk cataloger on a database
 * in apk-tools' installed-db format (the fields apk writes: C P V A S I
 * T U L o m t c D p F R a Z), including a last package with no blank
 * line after it, junk lines and an overlong value.
 */
#include "scan/catalog.h"
#include "tests/tap.h"

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

int
main(void)
{
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
