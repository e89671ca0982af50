/*
 * Which OS package installed a file: dpkg .list files (the package from
 * the file's name, an architecture suffix dropped), apk's installed
 * database (F: folder + R: file under the current P:), paths inside an
 * archive owned through the archive, and only language packages marked.
 */
#include "scan/catalog/pkg.h"
#include "scan/layer/owned.h"
#include "tests/tap.h"

#include <stdlib.h>

int
main(void)
{
	struct owned	*o = owned_new();
	struct pkglist	 l = { NULL, 0, 0 };
	const char	*list = "/.\n/usr\n/usr/lib/python3/dist-packages/"
			    "requests-2.28.1.egg-info/PKG-INFO\n"
			    "/usr/share/java/commons-logging-1.2.jar";
	const char	*apk = "C:Q1abc=\nP:py3-yaml\nV:6.0.1-r3\no:py3-yaml\n"
			    "F:usr/lib/python3.12/site-packages/PyYAML-6.0.1."
			    "dist-info\nR:METADATA\nR:RECORD\n\nP:musl\n"
			    "V:1.2.5-r0\nF:lib\nR:ld-musl-x86_64.so.1\n";

	ok(o != NULL, "a set");
	ok(owned_is_dpkg_list("var/lib/dpkg/info/python3-requests.list"),
	    "a dpkg .list is recognised");
	ok(!owned_is_dpkg_list("var/lib/dpkg/info/python3-requests.md5sums") &&
	    !owned_is_dpkg_list("var/lib/dpkg/info/x/y.list") &&
	    !owned_is_dpkg_list("opt/var/lib/dpkg/info/a.list"),
	    "other files are not");
	ok(owned_add_dpkg_list(o, "var/lib/dpkg/info/python3-requests:all.list",
	    list, strlen(list)) == 0, "a .list is read");
	is_str(owned_find(o, "usr/lib/python3/dist-packages/requests-2.28.1."
	    "egg-info/PKG-INFO"), "python3-requests",
	    "its files name the package, the :arch suffix dropped");
	is_str(owned_find(o, "usr/share/java/commons-logging-1.2.jar!META-INF/"
	    "maven/commons-logging/commons-logging/pom.properties"),
	    "python3-requests", "a path inside an owned archive is owned");
	ok(owned_find(o, "usr/lib/python3/dist-packages/other/METADATA") ==
	    NULL, "an unlisted file is not");
	ok(owned_add_apk(o, apk, strlen(apk)) == 0, "apk's database is read");
	is_str(owned_find(o, "usr/lib/python3.12/site-packages/PyYAML-6.0.1."
	    "dist-info/METADATA"), "py3-yaml", "F: folder + R: file, P: owner");
	is_str(owned_find(o, "lib/ld-musl-x86_64.so.1"), "musl",
	    "the next package's files are its own");

	pkglist_add(&l, PKG_PYPI, "requests", "2.28.1", NULL, NULL,
	    "usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO");
	pkglist_add(&l, PKG_PYPI, "flask", "2.0.0", NULL, NULL,
	    "app/venv/lib/python3.11/site-packages/flask-2.0.0.dist-info/"
	    "METADATA");
	pkglist_add(&l, PKG_DPKG, "python3-requests", "2.28.1+dfsg-1", NULL,
	    NULL, "usr/lib/python3/dist-packages/requests-2.28.1.egg-info/"
	    "PKG-INFO");
	ok(owned_mark(o, &l) == 0, "packages marked");
	is_str(l.v[0].owner, "python3-requests", "the owned PyPI package");
	ok(l.v[1].owner == NULL, "one the user installed stays unowned");
	ok(l.v[2].owner == NULL, "an OS package is never owned by another");
	pkglist_free(&l);
	owned_free(o);
	return done_testing();
}
