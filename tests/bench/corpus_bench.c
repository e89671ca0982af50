/*
 * The real advisory corpus (../shared/corpus): import rate, store size
 * and matched lookups per second, each against a baseline measured in
 * the same run:
 *   import  vs  reading and parsing the same records (libarchive for the
 *               zips, jansson or libyaml) and nothing else
 *   lookup  vs  a bare LMDB prefix scan for the same packages, so the
 *               ratio is what evaluating ranges and merging costs
 * The packages looked up are the ones the records name (each package
 * once, so a package named by hundreds of records is not drawn hundreds
 * of times more often), at a version taken from a record naming it,
 * so most lookups find something.
 *
 *   corpus_bench LOOKUPS PATH...     (zips, folders, files)
 */
#include "scan/advisory/osv.h"
#include "scan/advisory/vulnmatch.h"
#include "scan/advisory/yamljson.h"
#include "store/db.h"
#include "conf/log.h"
#include "tests/bench/bench.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct triple {
	char	*eco, *name, *version;
};

static struct triple	*tri;
static size_t		 ntri, captri;
static unsigned long	 nrecords;

static void
add(const char *eco, const char *name, const char *version)
{
	if (eco == NULL || name == NULL || version == NULL)
		return;
	if (ntri == captri) {
		captri = captri ? captri * 2 : 4096;
		if ((tri = realloc(tri, captri * sizeof(*tri))) == NULL)
			exit(1);
	}
	tri[ntri].eco = strdup(eco);
	tri[ntri].name = strdup(name);
	tri[ntri++].version = strdup(version);
}

/* A version the record itself names for one affected entry. */
static const char *
version_of(json_t *aff)
{
	json_t		*r, *e;
	size_t		 i, j;
	const char	*v;

	json_array_foreach(json_object_get(aff, "ranges"), i, r)
		json_array_foreach(json_object_get(r, "events"), j, e)
			if ((v = json_string_value(json_object_get(e,
			    "introduced"))) != NULL && strcmp(v, "0") != 0)
				return v;
	return json_string_value(json_array_get(json_object_get(aff,
	    "versions"), 0));
}

/* Parse one record, as an import would, and note what it names. */
static void
parse(const char *text, size_t len, const char *name)
{
	size_t	 n = strlen(name), i;
	char	 err[200];
	json_t	*rec, *aff, *p;
	const char *ver;

	if (n > 5 && strcmp(name + n - 5, ".yaml") == 0)
		rec = yamljson_load(text, len, err, sizeof(err));
	else
		rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (rec == NULL)
		return;
	nrecords++;
	if (json_is_string(json_object_get(rec, "distroversion"))) {
		char eco[64];

		snprintf(eco, sizeof(eco), "Alpine:%s", json_string_value(
		    json_object_get(rec, "distroversion")));
		json_array_foreach(json_object_get(rec, "packages"), i, p) {
			json_t *pkg = json_object_get(p, "pkg");
			void *it = json_object_iter(json_object_get(pkg,
			    "secfixes"));

			if (it != NULL)
				add(eco, json_string_value(json_object_get(pkg,
				    "name")), json_object_iter_key(it));
		}
	} else
		json_array_foreach(json_object_get(rec, "affected"), i, aff) {
			json_t *pk = json_object_get(aff, "package");

			if ((ver = version_of(aff)) != NULL)
				add(json_string_value(json_object_get(pk,
				    "ecosystem")), json_string_value(
				    json_object_get(pk, "name")), ver);
		}
	json_decref(rec);
}

static void
walk(const char *path)
{
	struct stat	 sb;
	size_t		 n = strlen(path);

	if (stat(path, &sb) == -1)
		return;
	if (S_ISDIR(sb.st_mode)) {
		DIR		*d = opendir(path);
		struct dirent	*de;
		char		 sub[4096];

		while (d != NULL && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			walk(sub);
		}
		if (d != NULL)
			closedir(d);
	} else if (n > 4 && strcmp(path + n - 4, ".zip") == 0) {
		struct archive		*a = archive_read_new();
		struct archive_entry	*e;
		char			*buf;

		archive_read_support_format_zip(a);
		if (archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK)
			while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
				la_int64_t sz = archive_entry_size(e);

				if (sz <= 0 || (buf = malloc(sz)) == NULL)
					continue;
				if (archive_read_data(a, buf, sz) == sz)
					parse(buf, sz, archive_entry_pathname(e));
				free(buf);
			}
		archive_read_free(a);
	} else {
		FILE	*f = fopen(path, "r");
		char	*buf = malloc(sb.st_size + 1);

		if (f != NULL && buf != NULL &&
		    fread(buf, 1, sb.st_size, f) == (size_t)sb.st_size)
			parse(buf, sb.st_size, path);
		if (f != NULL)
			fclose(f);
		free(buf);
	}
}

static int
tri_cmp(const void *x, const void *y)
{
	const struct triple	*a = x, *b = y;
	int			 c = strcmp(a->eco, b->eco);

	return c ? c : strcmp(a->name, b->name);
}

/* Each package once (the first version seen for it). */
static void
tri_unique(void)
{
	size_t	i, o = 0;

	qsort(tri, ntri, sizeof(*tri), tri_cmp);
	for (i = 0; i < ntri; i++) {
		if (o > 0 && tri_cmp(&tri[o - 1], &tri[i]) == 0) {
			free(tri[i].eco);
			free(tri[i].name);
			free(tri[i].version);
			continue;
		}
		tri[o++] = tri[i];
	}
	ntri = o;
}

int
main(int argc, char **argv)
{
	char		 dir[] = "/tmp/portcullis-corpusbench.XXXXXX", cmd[300];
	char		 path[400];
	struct store	*st;
	struct tally stats;
	struct stat	 sb;
	double		 t0, t_parse, t_import, t_raw, t_match;
	size_t		 sink = 0, i;
	long		 nlook, hits = 0, found = 0;
	int		 k;

	if (argc < 3) {
		fprintf(stderr, "usage: corpus_bench LOOKUPS PATH...\n");
		return 2;
	}
	nlook = atol(argv[1]);
	log_init(LOG_LEVEL_ERROR);
	t0 = now();
	for (k = 2; k < argc; k++)
		walk(argv[k]);
	t_parse = now() - t0;
	tri_unique();
	if (mkdtemp(dir) == NULL || (st = store_open(dir, 0)) == NULL ||
	    ntri == 0)
		return 1;
	t0 = now();
	if (osv_import(st, argv + 2, argc - 2, 0, &stats) == -1)
		return 1;
	t_import = now() - t0;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &sb) == -1)
		return 1;

	srand(42);
	t0 = now();
	for (i = 0; i < (size_t)nlook; i++) {
		struct triple *t = &tri[rand() % ntri];

		store_adv_each(st, t->eco, t->name, noop_cb, &sink);
	}
	t_raw = now() - t0;
	srand(42);
	t0 = now();
	for (i = 0; i < (size_t)nlook; i++) {
		struct triple		 *t = &tri[rand() % ntri];
		struct vulnmatch_pkg	  p = { t->name, t->version, NULL, NULL };
		struct vulnmatch_finding *f = NULL;
		int			  n;

		if ((n = vulnmatch_package(st, t->eco, &p, &f)) > 0) {
			hits += n;
			found++;
		}
		free(f);
	}
	t_match = now() - t0;

	printf("corpus: %lu records and secdb documents parsed (%zu packages named); "
	    "imported %lu records, %lu rows, %lu rejected\n", nrecords, ntri,
	    stats.records, stats.entries, stats.rejected);
	printf("import: %.0f records/s (%.2f s); read+parse alone: %.2f s; "
	    "import/parse time ratio %.2fx\n", stats.records / t_import,
	    t_import, t_parse, t_import / t_parse);
	printf("store: %.1f MiB on disk (data.mdb, %.1f MiB apparent), "
	    "%.0f bytes per row\n", sb.st_blocks * 512.0 / 1048576,
	    sb.st_size / 1048576.0, sb.st_blocks * 512.0 / stats.entries);
	printf("lookup: %.0f packages/s matched (%ld of %ld found "
	    "something, %ld findings); bare LMDB prefix scan: %.0f/s; "
	    "match/scan time ratio %.2fx\n", nlook / t_match, found, nlook,
	    hits, nlook / t_raw, t_match / t_raw);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
