/*
 * OSV (Open Source Vulnerability) records into the store. Input is a
 * directory of OSV files (searched recursively), an OSV zip export
 * (osv.dev's per-ecosystem all.zip, read with libarchive) or one file;
 * records are JSON, or YAML (.yaml, .yml: PyPA publishes them so), and
 * an Alpine secdb document found among them is imported as such
 * (secdb.h). One import is one LMDB write transaction: it lands whole
 * or not at all.
 */
#ifndef SCAN_ADVISORY_OSV_H
#define SCAN_ADVISORY_OSV_H

#include <stddef.h>

struct store;

#include "scan/advisory/tally.h"


/*
 * Import every path (directory or .zip) in one transaction, growing the
 * map when it fills. progress: print a running count on stderr.
 * 0 or -1 (logged); rejected records do not fail the import.
 */
int	osv_import(struct store *, char *const *paths, int npaths,
	    int progress, struct tally *);
/*
 * Parse one record and stage it in the open write transaction. name is
 * for messages. 0 accepted or withdrawn, 1 rejected, -1 store error,
 * -2 map full.
 */
int	osv_import_record(struct store *, const char *json, size_t len,
	    const char *name, struct tally *);

#endif
