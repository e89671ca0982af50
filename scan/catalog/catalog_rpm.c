/*
 * RPM's package database in its SQLite form (rpm >= 4.16: Fedora 33+,
 * RHEL/Rocky/Alma 9, openSUSE, Mageia): table Packages, one RPM header
 * blob per installed package. The file comes whole from the layer, so
 * SQLite reads it from memory; the headers are parsed here, because
 * librpm would want a root filesystem and trusts what it reads.
 *
 * The file is the pusher's: SQLite runs it read-only, defensive, with
 * a bound on the work a query may do, and every header offset is
 * checked before it is read.
 */
#include "scan/catalog/catalog.h"
#include "scan/catalog/finding.h"
#include "conf/log.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Header tags and types (rpm's rpmtag.h). */
#define RPMTAG_NAME		1000
#define RPMTAG_VERSION		1001
#define RPMTAG_RELEASE		1002
#define RPMTAG_EPOCH		1003
#define RPMTAG_SOURCERPM	1044
#define RPM_INT32_TYPE		4
#define RPM_STRING_TYPE		6

/* SQLite VM steps allowed per query, far above a real rpmdb's need. */
#define RPM_MAX_STEPS		(50u * 1000 * 1000)

struct rpm_hdr {
	const char	*name, *version, *release, *sourcerpm;
	int64_t		 epoch;		/* -1: none */
};

static uint32_t
rpm_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A NUL-terminated string at off inside the data store, or NULL. */
static const char *
rpm_string(const unsigned char *data, uint32_t dl, uint32_t off)
{
	if (off >= dl || memchr(data + off, '\0', dl - off) == NULL)
		return NULL;
	return (const char *)data + off;
}

/* The tags we need from one header blob (il, dl, index, data). 0/-1. */
static int
rpm_header(const unsigned char *b, size_t len, struct rpm_hdr *h)
{
	const unsigned char	*data;
	uint32_t		 il, dl, i;

	memset(h, 0, sizeof(*h));
	h->epoch = -1;
	if (len < 8)
		return -1;
	il = rpm_be32(b);
	dl = rpm_be32(b + 4);
	if (il == 0 || il > (len - 8) / 16 || dl > len - 8 - (size_t)il * 16)
		return -1;
	data = b + 8 + (size_t)il * 16;
	for (i = 0; i < il; i++) {
		const unsigned char *e = b + 8 + (size_t)i * 16;
		uint32_t	tag = rpm_be32(e), type = rpm_be32(e + 4);
		uint32_t	off = rpm_be32(e + 8);

		if (tag == RPMTAG_EPOCH && type == RPM_INT32_TYPE &&
		    off <= dl && dl - off >= 4)
			h->epoch = rpm_be32(data + off);
		if (type != RPM_STRING_TYPE)
			continue;
		switch (tag) {
		case RPMTAG_NAME:
			h->name = rpm_string(data, dl, off);
			break;
		case RPMTAG_VERSION:
			h->version = rpm_string(data, dl, off);
			break;
		case RPMTAG_RELEASE:
			h->release = rpm_string(data, dl, off);
			break;
		case RPMTAG_SOURCERPM:
			h->sourcerpm = rpm_string(data, dl, off);
			break;
		}
	}
	return h->name != NULL && h->version != NULL && h->release != NULL ?
	    0 : -1;
}

/* "curl-7.88.1-3.el9.src.rpm" -> "curl": drop ".src.rpm" and V-R. */
static void
rpm_source_name(const char *srpm, char *out, size_t outlen)
{
	size_t	n = strlen(srpm), dashes = 0;

	out[0] = '\0';
	if (n > 8 && strcmp(srpm + n - 8, ".src.rpm") == 0)
		n -= 8;
	else if (n > 10 && strcmp(srpm + n - 10, ".nosrc.rpm") == 0)
		n -= 10;
	else
		return;
	while (n > 0 && dashes < 2)
		if (srpm[--n] == '-')
			dashes++;
	if (dashes == 2 && n > 0 && n < outlen) {
		memcpy(out, srpm, n);
		out[n] = '\0';
	}
}

/* What was read stays; that the rest is unknown is a finding. 0/-1. */
static int
catalog_rpm_error(struct findings *errs, const char *path, const char *why)
{
	log_warnx("rpm: %s: %s", path, why);
	return findings_add(errs, FINDING_ERROR, "unreadable-package-db", path,
	    0, why);
}

int
catalog_rpm_blob(const void *blob, size_t len, const char *path,
    struct pkglist *out)
{
	struct rpm_hdr	 h;
	char		 ver[512], src[256];

	if (rpm_header(blob, len, &h) == -1)
		return 0;	/* one bad header is not the database */
	/* Imported signing keys are headers too, not packages. */
	if (strcmp(h.name, "gpg-pubkey") == 0)
		return 0;
	if (h.epoch > 0)
		snprintf(ver, sizeof(ver), "%lld:%s-%s", (long long)h.epoch,
		    h.version, h.release);
	else
		snprintf(ver, sizeof(ver), "%s-%s", h.version, h.release);
	src[0] = '\0';
	if (h.sourcerpm != NULL)
		rpm_source_name(h.sourcerpm, src, sizeof(src));
	return pkglist_add(out, PKG_RPM, h.name, ver, src[0] &&
	    strcmp(src, h.name) != 0 ? src : NULL, NULL, path);
}

static int
rpm_progress(void *arg)
{
	unsigned *calls = arg;

	/* Called every 1000 VM steps; non-zero interrupts the query. */
	return ++*calls > RPM_MAX_STEPS / 1000;
}

int
catalog_rpm(char *buf, size_t len, const char *path, struct pkglist *out,
    struct findings *errs)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	unsigned	 calls = 0;
	int		 rc, rv = 0;

	if (len < 100 || memcmp(buf, "SQLite format 3", 16) != 0)
		return 0;	/* not SQLite: nothing to read */
	/*
	 * rpm leaves the file in WAL mode (header bytes 18-19 = 2), which
	 * an in-memory database cannot open; a WAL file, if the image
	 * had one, is not in this blob anyway. Read it as rollback mode.
	 */
	buf[18] = buf[19] = 1;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_progress_handler(db, 1000, rpm_progress, &calls);
	if (sqlite3_deserialize(db, "main", (unsigned char *)buf,
	    (sqlite3_int64)len, (sqlite3_int64)len,
	    SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
		goto fail;
	/* A view named Packages is not rpm's table, and is not run. */
	if (sqlite3_prepare_v2(db, "SELECT type FROM main.sqlite_schema "
	    "WHERE name = 'Packages'", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_text(st, 0) ==
	    NULL || strcmp((const char *)sqlite3_column_text(st, 0),
	    "table") != 0) {
		rv = catalog_rpm_error(errs, path, "no Packages table");
		goto done;
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT blob FROM main.Packages", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char	*b = sqlite3_column_blob(st, 0);
		int			 n = sqlite3_column_bytes(st, 0);

		if (b != NULL && catalog_rpm_blob(b, (size_t)n, path, out) ==
		    -1) {
			rv = -1;
			goto done;
		}
	}
	if (rc != SQLITE_DONE)
		goto fail;
	goto done;
fail:
	rv = catalog_rpm_error(errs, path, db ? sqlite3_errmsg(db) :
	    "cannot open");
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rv;
}
