/*
 * Alpine's security database (secdb.alpinelinux.org: {main,community}.json
 * per release) into the store, natively: no conversion to OSV first.
 *
 * A document names its release ("distroversion": "v3.20") and lists
 * source packages (apk "origin") with "secfixes": each fixed version
 * maps to the ids it fixed ("CVE-2024-9143", or "CVE-... XSA-200": an
 * id and its aliases). Each (package, id) becomes one advisory in
 * ecosystem "Alpine:v3.20" affecting every version before the fix,
 * matched by origin with apk's version ordering. The "0" version lists
 * ids the package was never affected by: counted, not stored.
 */
#ifndef SCAN_ADVISORY_SECDB_H
#define SCAN_ADVISORY_SECDB_H

struct json_t;
struct store;
struct tally;

/* Is this parsed document a secdb one? */
int	secdb_is(struct json_t *);
/*
 * Stage doc's advisories in the open write transaction. name is for
 * messages. 0 accepted, 1 rejected (malformed: logged), -1 store
 * error, -2 map full.
 */
int	secdb_import(struct store *, struct json_t *doc, const char *name,
	    struct tally *);

#endif
