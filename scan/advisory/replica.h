/*
 * A copy of a store's advisory data in one file, so that a fleet of
 * proxies judges with one data version (`portcullis db push` publishes
 * it in the registry; a feed `oci://REPO:TAG` imports it). The file is
 * gzip: a magic line, then records (kind, key and value lengths as
 * 32-bit big-endian, key, value), then an end record naming the data
 * version and counting the records, so a cut file is refused whole.
 * Importing it replaces the advisory data wholly, in one transaction,
 * and takes the exporter's data version: every instance that imports
 * the same file has the same advisories and the same version.
 */
#ifndef SCAN_ADVISORY_REPLICA_H
#define SCAN_ADVISORY_REPLICA_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define REPLICA_MAGIC		"portcullis advisory data 1\n"
#define REPLICA_MEDIA_TYPE	"application/vnd.portcullis.advisory-data.v1+gzip"
#define REPLICA_ARTIFACT_TYPE	"application/vnd.portcullis.advisory-data.v1"

/* Write st's advisory data to path; its version into ver. 0 or -1. */
int	replica_export(struct store *st, const char *path, char *ver,
	    size_t verlen, uint64_t *records);
/* 1 if path is such a file (its first bytes), 0 if not. */
int	replica_is(const char *path);
/*
 * Replace st's advisory data with path's. 0 (ver, records filled), or
 * -1 with nothing changed (logged).
 */
int	replica_import(struct store *st, const char *path, char *ver,
	    size_t verlen, uint64_t *records);

#endif
