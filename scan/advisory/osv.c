#include "scan/advisory/osv.h"
#include "scan/advisory/cvss.h"
#include "scan/advisory/secdb.h"
#include "scan/advisory/yamljson.h"
#include "scan/version/version.h"
#include "store/db.h"
#include "conf/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Largest single record accepted (osv.dev's biggest are ~2 MiB). */
#define OSV_MAX_RECORD	(16u << 20)

/*
 * Worst severity named anywhere in the record, the CVSS behind it, and
 * where it came from (*source NULL: nowhere).
 */
static enum cvss_severity
osv_severity(json_t *rec, json_t *aff, double *score, const char **vector,
    const char **source)
{
	json_t			*sev, *e;
	size_t			 i;
	enum cvss_severity	 best = CVSS_UNKNOWN, s;
	static const char	*where[] = { "database_specific",
				    "ecosystem_specific", "database_specific" };
	json_t			*from[3];

	*score = -1;
	*vector = NULL;
	*source = NULL;
	sev = json_object_get(rec, "severity");
	json_array_foreach(sev, i, e) {
		const char	*type = json_string_value(json_object_get(e, "type"));
		const char	*vec = json_string_value(json_object_get(e, "score"));
		const char	*kind;
		double		 sc;

		if (type == NULL || vec == NULL)
			continue;
		if (strcmp(type, "CVSS_V3") == 0) {
			sc = cvss3_score(vec);
			kind = "cvss_v3";
		} else if (strcmp(type, "CVSS_V4") == 0) {
			sc = cvss4_score(vec);
			kind = "cvss_v4";
		} else
			continue;
		if (sc > *score) {
			*score = sc;
			*vector = vec;
			*source = kind;
		}
	}
	if (*score >= 0)
		return cvss_severity_of(*score);
	/* No vector: the database's own rating. */
	from[0] = json_object_get(rec, "database_specific");
	from[1] = json_object_get(aff, "ecosystem_specific");
	from[2] = json_object_get(aff, "database_specific");
	for (i = 0; i < 3; i++) {
		s = cvss_severity_parse(json_string_value(json_object_get(
		    from[i], "severity")));
		if (s > best) {
			best = s;
			*source = where[i];
		}
	}
	return best;
}

/*
 * What a record with a severity tells about every id it is known by, so
 * that a record without one (a Go or Alpine advisory naming the same
 * CVE) can take it at match time: "sev:<id>" -> "<SEVERITY> <score>
 * <record id>", the worst seen.
 */
static int
osv_alias_severity(struct store *st, json_t *rec, const char *id,
    enum cvss_severity sev, double score)
{
	size_t			 i;
	char			 key[256], val[300], old[300];
	const char		*alias;
	enum store_status	 s;

	if (sev <= CVSS_NONE)
		return 0;
	snprintf(val, sizeof(val), "%s %.1f %s", cvss_severity_name(sev),
	    score < 0 ? 0.0 : score, id);
	for (i = 0, alias = id; alias != NULL; alias = json_string_value(
	    json_array_get(json_object_get(rec, "aliases"), i++))) {
		if (strlen(alias) > 200)
			continue;
		snprintf(key, sizeof(key), "sev:%s", alias);
		if (store_meta_get(st, key, old, sizeof(old)) == STORE_OK &&
		    cvss_severity_parse(strtok(old, " ")) >= sev)
			continue;
		if ((s = store_meta_put(st, key, val)) != STORE_OK)
			return s == STORE_FULL ? -2 : -1;
	}
	return 0;
}

static int	osv_import_json(struct store *, json_t *, const char *,
		    struct tally *);

/* Is name a record file: .json, or .yaml/.yml (PyPA)? */
static int
osv_record_name(const char *name)
{
	size_t	n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".json") == 0) ||
	    (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* text parsed as its name says: YAML for .yaml/.yml, JSON otherwise. */
static json_t *
osv_parse(const char *text, size_t len, const char *name)
{
	json_error_t	 jerr;
	json_t		*rec;
	char		 err[200];
	size_t		 n = strlen(name);

	if ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".yml") == 0)) {
		if ((rec = yamljson_load(text, len, err, sizeof(err))) == NULL)
			log_warnx("osv: %s: not YAML: %s", name, err);
		return rec;
	}
	if ((rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		log_warnx("osv: %s: not JSON: %s (line %d)", name, jerr.text,
		    jerr.line);
	return rec;
}

int
osv_import_record(struct store *st, const char *text, size_t len,
    const char *name, struct tally *stats)
{
	json_t	*rec;
	int	 rv;

	if ((rec = osv_parse(text, len, name)) == NULL) {
		stats->rejected++;
		return 1;
	}
	/* Alpine's secdb documents come in the same folders and zips. */
	if (secdb_is(rec))
		rv = secdb_import(st, rec, name, stats);
	else
		rv = osv_import_json(st, rec, name, stats);
	json_decref(rec);
	return rv;
}

/* One OSV record, parsed. As osv_import_record. */
static int
osv_import_json(struct store *st, json_t *rec, const char *name,
    struct tally *stats)
{
	json_t			*affected, *aff, *row = NULL;
	const char		*id, *vector, *source;
	char			*out = NULL;
	size_t			 i;
	double			 score, worst_score = -1;
	enum store_status	 s;
	enum cvss_severity	 worst = CVSS_UNKNOWN;
	int			 rv = 1, r;

	if (!json_is_object(rec)) {
		log_warnx("osv: %s: not an object", name);
		goto done;
	}
	id = json_string_value(json_object_get(rec, "id"));
	affected = json_object_get(rec, "affected");
	if (id == NULL || *id == '\0' || strlen(id) > 200 ||
	    (affected != NULL && !json_is_array(affected))) {
		log_warnx("osv: %s: missing id or malformed affected[]", name);
		goto done;
	}
	/* Re-import replaces; withdrawal removes. */
	if ((s = store_adv_forget(st, id)) != STORE_OK) {
		rv = s == STORE_FULL ? -2 : -1;
		goto done;
	}
	if (json_string_value(json_object_get(rec, "withdrawn")) != NULL) {
		stats->withdrawn++;
		rv = 0;
		goto done;
	}
	json_array_foreach(affected, i, aff) {
		json_t		*pkg = json_object_get(aff, "package");
		const char	*eco = json_string_value(json_object_get(pkg,
				    "ecosystem"));
		const char	*pname = json_string_value(json_object_get(pkg,
				    "name"));
		enum cvss_severity sev;

		if (eco == NULL || pname == NULL)
			continue;	/* e.g. GIT-only entries */
		if (version_scheme_of(eco) == VERSION_UNKNOWN)
			stats->unknown_eco++;
		sev = osv_severity(rec, aff, &score, &vector, &source);
		if (sev > worst) {
			worst = sev;
			worst_score = score;
		}
		row = json_pack("{s:s, s:O?, s:O?, s:O?, s:s, s:f, s:s?, "
		    "s:s?, s:O?, s:O?}",
		    "id", id,
		    "modified", json_object_get(rec, "modified"),
		    "aliases", json_object_get(rec, "aliases"),
		    "summary", json_object_get(rec, "summary"),
		    "severity", cvss_severity_name(sev),
		    "score", score,
		    "cvss", vector,
		    "severity_source", source,
		    "ranges", json_object_get(aff, "ranges"),
		    "versions", json_object_get(aff, "versions"));
		if (row == NULL || (out = json_dumps(row, JSON_COMPACT |
		    JSON_REAL_PRECISION(10))) == NULL) {
			rv = -1;
			goto done;
		}
		s = store_adv_put(st, id, (unsigned int)i, eco, pname, out);
		free(out);
		out = NULL;
		json_decref(row);
		row = NULL;
		if (s != STORE_OK) {
			rv = s == STORE_FULL ? -2 : -1;
			goto done;
		}
		stats->entries++;
	}
	if ((r = osv_alias_severity(st, rec, id, worst, worst_score)) != 0) {
		rv = r;
		goto done;
	}
	stats->records++;
	rv = 0;
 done:
	if (rv == 1)
		stats->rejected++;
	json_decref(row);
	return rv;
}

static void
osv_progress(int on, const struct tally *st)
{
	if (on && (st->records + st->rejected) % 500 == 0)
		fprintf(stderr, "\rimporting: %lu records, %lu withdrawn, "
		    "%lu rejected", st->records, st->withdrawn, st->rejected);
}

/* Read a whole (bounded) file. NULL on error (logged). */
static char *
osv_slurp(const char *path, size_t *len)
{
	FILE		*f;
	struct stat	 sb;
	char		*buf = NULL;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("osv: %s", path);
		return NULL;
	}
	if (fstat(fileno(f), &sb) == -1 || sb.st_size < 0 ||
	    (size_t)sb.st_size > OSV_MAX_RECORD) {
		log_warnx("osv: %s: larger than %u bytes, skipped", path,
		    OSV_MAX_RECORD);
		goto done;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL)
		goto done;
	*len = fread(buf, 1, (size_t)sb.st_size, f);
	buf[*len] = '\0';
 done:
	fclose(f);
	return buf;
}

static int
osv_import_dir(struct store *st, const char *dir, int depth, int progress,
    struct tally *stats)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[4096];
	int		 rv = 0;

	if (depth > 16)
		return 0;
	if ((d = opendir(dir)) == NULL) {
		log_warn("osv: %s", dir);
		return -1;
	}
	while (rv == 0 && (de = readdir(d)) != NULL) {
		struct stat	 sb;
		size_t		 len = 0;
		char		*text;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path) || lstat(path, &sb) == -1)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			rv = osv_import_dir(st, path, depth + 1, progress,
			    stats);
			continue;
		}
		if (!S_ISREG(sb.st_mode) || !osv_record_name(de->d_name))
			continue;
		if ((text = osv_slurp(path, &len)) == NULL) {
			stats->rejected++;
			continue;
		}
		rv = osv_import_record(st, text, len, path, stats);
		if (rv == 1)
			rv = 0;
		free(text);
		osv_progress(progress, stats);
	}
	closedir(d);
	return rv;
}

static int
osv_import_zip(struct store *st, const char *path, int progress,
    struct tally *stats)
{
	struct archive		*a;
	struct archive_entry	*e;
	char			*buf = NULL;
	int			 rv = -1, r;

	if ((a = archive_read_new()) == NULL)
		return -1;
	archive_read_support_format_zip(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		log_warnx("osv: %s: %s", path, archive_error_string(a));
		goto done;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char	*name = archive_entry_pathname(e);
		la_int64_t	 size = archive_entry_size(e);
		size_t		 n = name ? strlen(name) : 0;
		la_ssize_t	 got;

		if (n == 0 || !osv_record_name(name) ||
		    archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (size < 0 || size > (la_int64_t)OSV_MAX_RECORD) {
			log_warnx("osv: %s:%s: too large, skipped", path, name);
			stats->rejected++;
			continue;
		}
		free(buf);
		if ((buf = malloc((size_t)size + 1)) == NULL)
			goto done;
		got = archive_read_data(a, buf, (size_t)size);
		if (got != size) {
			log_warnx("osv: %s:%s: %s", path, name,
			    got < 0 ? archive_error_string(a) : "short read");
			stats->rejected++;
			continue;
		}
		if ((r = osv_import_record(st, buf, (size_t)size, name,
		    stats)) < 0) {
			rv = r;
			goto done;
		}
		osv_progress(progress, stats);
	}
	if (r != ARCHIVE_EOF) {
		log_warnx("osv: %s: %s", path, archive_error_string(a));
		goto done;
	}
	rv = 0;
 done:
	free(buf);
	archive_read_free(a);
	return rv;
}

struct osv_import {
	char *const	*paths;
	int		 npaths, progress;
	struct tally	*stats;
};

/* store_write_retry's stage: every path, then the new data version. */
static int
osv_import_stage(struct store *st, void *arg)
{
	struct osv_import	*im = arg;
	char			 ver[64];
	int			 i, rv = 0;

	memset(im->stats, 0, sizeof(*im->stats));
	for (i = 0; i < im->npaths && rv == 0; i++) {
		const char	*path = im->paths[i];
		struct stat	 sb;
		size_t		 n = strlen(path);

		if (stat(path, &sb) == -1) {
			log_warn("osv: %s", path);
			rv = -1;
		} else if (S_ISDIR(sb.st_mode))
			rv = osv_import_dir(st, path, 0, im->progress,
			    im->stats);
		else if (n > 4 && strcmp(path + n - 4, ".zip") == 0)
			rv = osv_import_zip(st, path, im->progress, im->stats);
		else {
			size_t	 len = 0;
			char	*t = osv_slurp(path, &len);

			rv = t ? osv_import_record(st, t, len, path,
			    im->stats) : -1;
			if (rv == 1)
				rv = 0;
			free(t);
		}
	}
	if (rv != 0)
		return rv;
	/* The data version changes with every import. */
	snprintf(ver, sizeof(ver), "%lld-%lu", (long long)time(NULL),
	    im->stats->records);
	switch (store_meta_put(st, "data_version", ver)) {
	case STORE_OK:
		return 0;
	case STORE_FULL:
		return -2;
	default:
		return -1;
	}
}

int
osv_import(struct store *st, char *const *paths, int npaths, int progress,
    struct tally *stats)
{
	struct osv_import	im = { paths, npaths, progress, stats };

	if (store_write_retry(st, osv_import_stage, &im) == -1)
		return -1;
	if (progress)
		fprintf(stderr, "\n");
	return 0;
}
