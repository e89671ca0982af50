/*
 * libFuzzer target: the package-database parsers on arbitrary bytes. The
 * first byte picks the parser (dpkg, apk, npm package.json, npm lockfile,
 * Python metadata, os-release, one RPM header blob, Cargo.lock, a Rust
 * binary's zlib'd dependency list, an ELF file's section table); the
 * rest is the file. Memory safety and no crash on any input: these files come from
 * whoever pushes an image.
 */
#include "scan/catalog/catalog.h"
#include "scan/catalog/elfsec.h"
#include "scan/catalog/finding.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkglist		 l;
	struct osrelease	 os;
	struct findings		 f;
	static struct elfsec	 e;
	uint64_t		 o, n;
	const char		*buf = (const char *)data + 1;
	size_t			 len = size - 1;

	if (size < 1)
		return 0;
	memset(&l, 0, sizeof(l));
	memset(&os, 0, sizeof(os));
	memset(&f, 0, sizeof(f));
	switch (data[0] % 10) {
	case 0: catalog_dpkg(buf, len, "var/lib/dpkg/status", &l); break;
	case 1: catalog_apk(buf, len, "lib/apk/db/installed", &l); break;
	case 2: catalog_npm(buf, len, "node_modules/x/package.json", &l); break;
	case 3: catalog_npmlock(buf, len, "package-lock.json", &l); break;
	case 4: catalog_python(buf, len, "x.dist-info/METADATA", &l); break;
	case 5: catalog_osrelease(buf, len, &os); break;
	case 6: catalog_rpm_blob(buf, len, "var/lib/rpm/rpmdb.sqlite", &l); break;
	case 7: catalog_cargo(buf, len, "app/Cargo.lock", &l); break;
	case 8: catalog_rustbin(buf, len, "usr/bin/app", &l, &f); break;
	case 9:
		/* In two pieces, as blocks stream: the split is the 2nd byte. */
		elfsec_reset(&e, ".dep-v0");
		n = len > 0 ? (uint8_t)buf[0] % (len + 1) : 0;
		elfsec_feed(&e, buf, (size_t)n, 0);
		elfsec_feed(&e, buf + n, len - (size_t)n, n);
		if (elfsec_find(&e, &o, &n))
			(void)elfsec_bytes(&e, o, n);
		break;
	}
	findings_free(&f);
	pkglist_free(&l);
	return 0;
}
