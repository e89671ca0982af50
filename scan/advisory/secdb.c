#include "scan/advisory/secdb.h"
#include "scan/advisory/tally.h"
#include "store/db.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECDB_ID_MAX	200

int
secdb_is(json_t *doc)
{
	return json_is_object(doc) &&
	    json_is_string(json_object_get(doc, "distroversion")) &&
	    json_is_array(json_object_get(doc, "packages"));
}

/* "v3.20" or "edge": a release name, nothing that could break a key. */
static int
secdb_release_ok(const char *r)
{
	size_t	i;

	if (r[0] == '\0' || strlen(r) > 32)
		return 0;
	for (i = 0; r[i] != '\0'; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' &&
		    r[i] <= '9') || r[i] == '.' || r[i] == '-'))
			return 0;
	return 1;
}

/*
 * One id of a package: every fixed version that lists it, each a range
 * from the first version to the fix. One row; re-import replaces it.
 */
static int
secdb_put(struct store *st, const char *eco, const char *repo,
    const char *pkg, const char *id, json_t *aliases, json_t *ranges,
    struct tally *stats)
{
	char			 key[512], *out;
	json_t			*row;
	enum store_status	 s;

	/* The store's id: unique per release, repository and package. */
	snprintf(key, sizeof(key), "alpine-secdb:%s:%s:%s:%s", eco + 7, repo,
	    pkg, id);
	if ((s = store_adv_forget(st, key)) != STORE_OK)
		return s == STORE_FULL ? -2 : -1;
	row = json_pack("{s:s, s:O, s:s, s:s, s:f, s:O, s:s}", "id", id,
	    "aliases", aliases, "summary", "", "severity", "UNKNOWN", "score",
	    0.0, "ranges", ranges, "source", "alpine-secdb");
	if (row == NULL || (out = json_dumps(row, JSON_COMPACT |
	    JSON_REAL_PRECISION(10))) == NULL) {
		json_decref(row);
		return -1;
	}
	json_decref(row);
	s = store_adv_put(st, key, 0, eco, pkg, out);
	free(out);
	if (s != STORE_OK)
		return s == STORE_FULL ? -2 : -1;
	stats->entries++;
	stats->records++;
	stats->secdb_fixes++;
	return 0;
}

/* One package's secfixes: ids gathered with their fixed versions. */
static int
secdb_package(struct store *st, const char *eco, const char *repo,
    json_t *p, const char *name, struct tally *stats)
{
	json_t		*pkg = json_object_get(p, "pkg"), *fixes, *ids, *idv;
	json_t		*byid = json_object(), *ent;
	const char	*pname = json_string_value(json_object_get(pkg, "name"));
	const char	*ver, *k;
	size_t		 i;
	int		 rv = 1;

	fixes = json_object_get(pkg, "secfixes");
	if (pname == NULL || *pname == '\0' || strlen(pname) > 128 ||
	    strchr(pname, ':') != NULL ||
	    (fixes != NULL && !json_is_object(fixes))) {
		log_warnx("secdb: %s: a package without a name or with "
		    "malformed secfixes", name);
		goto done;
	}
	json_object_foreach(fixes, ver, ids) {
		if (!json_is_array(ids) || *ver == '\0' || strlen(ver) > 64) {
			log_warnx("secdb: %s: %s: malformed secfixes entry "
			    "\"%.64s\"", name, pname, ver);
			goto done;
		}
		json_array_foreach(ids, i, idv) {
			const char	*text = json_string_value(idv);
			char		 id[SECDB_ID_MAX + 1], *tok, *save, *dup;
			json_t		*aliases, *range;
			size_t		 n;

			if (text == NULL)
				continue;
			/* Never affected: not an advisory against it. */
			if (strcmp(ver, "0") == 0) {
				stats->not_affected++;
				continue;
			}
			if ((dup = strdup(text)) == NULL)
				goto done;
			/* "CVE-2016-9932 XSA-200": the id, then aliases. */
			if ((tok = strtok_r(dup, " \t", &save)) == NULL ||
			    (n = strlen(tok)) > SECDB_ID_MAX) {
				free(dup);
				continue;
			}
			memcpy(id, tok, n + 1);
			if ((ent = json_object_get(byid, id)) == NULL) {
				ent = json_pack("{s:[], s:[]}", "aliases",
				    "ranges");
				json_object_set_new(byid, id, ent);
			}
			aliases = json_object_get(ent, "aliases");
			while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
				json_array_append_new(aliases,
				    json_string(tok));
			free(dup);
			range = json_pack("{s:s, s:[{s:s}, {s:s}]}", "type",
			    "ECOSYSTEM", "events", "introduced", "0", "fixed",
			    ver);
			json_array_append_new(json_object_get(ent, "ranges"),
			    range);
		}
	}
	json_object_foreach(byid, k, ent) {
		int r = secdb_put(st, eco, repo, pname, k, json_object_get(ent,
		    "aliases"), json_object_get(ent, "ranges"), stats);

		if (r != 0) {
			rv = r;
			goto done;
		}
	}
	rv = 0;
 done:
	json_decref(byid);
	return rv;
}

int
secdb_import(struct store *st, json_t *doc, const char *name,
    struct tally *stats)
{
	const char	*rel = json_string_value(json_object_get(doc,
			    "distroversion"));
	const char	*repo = json_string_value(json_object_get(doc,
			    "reponame"));
	char		 eco[64];
	json_t		*p;
	size_t		 i;
	int		 rv;

	if (rel == NULL || !secdb_release_ok(rel) || (repo != NULL &&
	    !secdb_release_ok(repo))) {
		log_warnx("secdb: %s: distroversion or reponame is not a "
		    "release name", name);
		stats->rejected++;
		return 1;
	}
	snprintf(eco, sizeof(eco), "Alpine:%s", rel);
	json_array_foreach(json_object_get(doc, "packages"), i, p) {
		if ((rv = secdb_package(st, eco, repo ? repo : "main", p, name,
		    stats)) < 0)
			return rv;
		if (rv == 1) {
			/* One malformed package costs only itself. */
			stats->rejected++;
		}
	}
	stats->secdb_docs++;
	return 0;
}
