/*
 *   portcullis db import [-s state_dir] PATH...    OSV dirs, files, zips
 *   portcullis db query  [-s state_dir] [-S source [-V srcver]] ECO NAME VERSION
 *   portcullis db update [-s state_dir] [-C ca_file] HTTPS-URL...   zip exports
 *   portcullis db info   [-s state_dir]
 *   portcullis db export [-s state_dir] FILE          the advisory data, whole
 *   portcullis db push   [-s state_dir] -c config REPO:TAG   ... into the registry
 *
 * A file db export wrote (or a feed oci:// fetched) is imported whole by
 * db import, with its data version (scan/advisory/replica.h).
 *
 * import and update exit 0 when every record was taken, 3 when some
 * were rejected (the rest is imported; the log names each), 1 when
 * nothing could be imported, 2 on a usage error.
 */
#include "proxy/cli/cmd_db.h"
#include "proxy/fleet/artifact.h"
#include "proxy/registry/fetch.h"
#include "proxy/registry/regclient.h"
#include "scan/advisory/osv.h"
#include "scan/advisory/replica.h"
#include "conf/conf.h"
#include "scan/advisory/vulnmatch.h"
#include "store/db.h"
#include "conf/log.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static void
cmd_db_usage(void)
{
	fprintf(stderr,
	    "usage: portcullis db import [-s state_dir] PATH...\n"
	    "       portcullis db query [-s state_dir] [-S source [-V source_version]]\n"
	    "                           ECOSYSTEM NAME VERSION\n"
	    "       portcullis db update [-s state_dir] [-C ca_file] HTTPS-URL...\n"
	    "       portcullis db info [-s state_dir]\n"
	    "       portcullis db export [-s state_dir] FILE\n"
	    "       portcullis db push [-s state_dir] -c config REPO:TAG\n");
	exit(2);
}

/* What an import did, on stdout; its exit status. */
static int
cmd_db_report(const char *what, const struct tally *stats)
{
	printf("%s %lu records (%lu package entries), %lu withdrawn, %lu "
	    "rejected, %lu in ecosystems without version ordering\n", what,
	    stats->records, stats->entries, stats->withdrawn,
	    stats->rejected, stats->unknown_eco);
	if (stats->secdb_docs > 0)
		printf("Alpine secdb: %lu documents, %lu fixed advisories, "
		    "%lu ids marked never affected\n", stats->secdb_docs,
		    stats->secdb_fixes, stats->not_affected);
	if (stats->rejected == 0)
		return 0;
	fprintf(stderr, "%lu record(s) rejected: see the messages above%s\n",
	    stats->rejected, stats->records == 0 ? "; nothing was imported" :
	    "");
	return stats->records == 0 ? 1 : 3;
}

static json_t *
cmd_db_finding(const struct vulnmatch_finding *f)
{
	json_t		*aliases = json_array();
	const char	*p = f->aliases;

	while (*p != '\0') {
		size_t l = strcspn(p, ",");

		json_array_append_new(aliases, json_stringn(p, l));
		p += l + (p[l] == ',');
	}
	return json_pack("{s:s, s:o, s:s, s:s, s:f, s:s?, s:s?}", "id", f->id,
	    "aliases", aliases, "severity", f->severity, "severity_source",
	    f->severity_source, "score", f->score,
	    "fixed", f->fixed[0] ? f->fixed : NULL,
	    "summary", f->summary[0] ? f->summary : NULL);
}

/* The largest export we accept (osv.dev's biggest are a few hundred MiB). */
#define CMD_DB_MAX_DOWNLOAD	(4ULL << 30)

/*
 * Download every URL first, then import them in one transaction, so a
 * failed download leaves the store as it was.
 */
static int
cmd_db_update(const char *state, const char *dbpath, const char *ca_file,
    int argc, char **argv)
{
	struct store	*st = NULL;
	struct tally stats;
	char		**files = NULL, err[300];
	int		 i, n = 0, rv = 1;

	if (argc < 1)
		cmd_db_usage();
	if (mkdir(state, 0750) == -1 && errno != EEXIST) {
		log_warn("%s", state);
		return 1;
	}
	if ((files = calloc((size_t)argc, sizeof(*files))) == NULL)
		goto done;
	for (i = 0; i < argc; i++) {
		char name[4096];

		snprintf(name, sizeof(name), "%s/update-%d-%d.zip", state,
		    (int)getpid(), i);
		if ((files[i] = strdup(name)) == NULL)
			goto done;
		n = i + 1;
		if (isatty(2))
			fprintf(stderr, "fetching %s\n", argv[i]);
		if (fetch_to_file(argv[i], ca_file, files[i],
		    CMD_DB_MAX_DOWNLOAD, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s: %s; the store is unchanged\n",
			    argv[i], err);
			goto done;
		}
	}
	if ((st = store_open(dbpath, 0)) == NULL)
		goto done;
	if (osv_import(st, files, argc, isatty(2), &stats) == -1) {
		fprintf(stderr, "import failed; the store is unchanged\n");
		goto done;
	}
	rv = cmd_db_report("updated:", &stats);
 done:
	for (i = 0; i < n; i++)
		if (files[i] != NULL) {
			remove(files[i]);
			free(files[i]);
		}
	free(files);
	store_close(st);
	return rv;
}

/* The sha256 of a file, "sha256:<hex>", and its size. 0 or -1. */
static int
cmd_db_digest(const char *path, char digest[72], size_t *size)
{
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	unsigned char	 buf[65536], h[EVP_MAX_MD_SIZE];
	unsigned	 hl = 0, i;
	size_t		 n;
	FILE		*f;
	int		 rv = -1;

	*size = 0;
	if (md == NULL || (f = fopen(path, "r")) == NULL) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto done;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (EVP_DigestUpdate(md, buf, n) != 1)
			goto done;
		*size += n;
	}
	if (ferror(f) || EVP_DigestFinal_ex(md, h, &hl) != 1)
		goto done;
	memcpy(digest, "sha256:", 7);
	for (i = 0; i < hl && i < 32; i++)
		snprintf(digest + 7 + 2 * i, 3, "%02x", h[i]);
	rv = 0;
 done:
	fclose(f);
	EVP_MD_CTX_free(md);
	return rv;
}

/*
 * db push: the advisory data exported, put in the registry the
 * configuration fronts as an OCI artifact (the spec's empty config, the
 * file as its one layer, the data version annotated), tagged ref, with
 * the scanner account. Instances follow it with a feed oci://REPO:TAG.
 */
static int
cmd_db_push(struct store *st, const char *state, const char *confpath,
    const char *ref)
{
	struct regclient rc;
	struct conf	*c = NULL;
	char		 file[4200], ver[128], dg[72], repo[256], err[512];
	char		 cnt[32], mac[65], *man = NULL;
	struct artifact_key key;
	const char	*colon;
	json_t		*m = NULL;
	uint64_t	 n;
	size_t		 size;
	int		 rv = 1;

	memset(&rc, 0, sizeof(rc));
	colon = strrchr(ref, ':');
	if (confpath == NULL || colon == NULL || colon == ref ||
	    (size_t)(colon - ref) >= sizeof(repo))
		cmd_db_usage();
	snprintf(repo, sizeof(repo), "%.*s", (int)(colon - ref), ref);
	file[0] = '\0';
	if ((c = conf_load(confpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* The fleet imports only data signed with its key. */
	if (c->fleet.key_file == NULL) {
		fprintf(stderr, "db push: %s has no fleet.key_file to sign the "
		    "data with\n", confpath);
		goto done;
	}
	if (artifact_key_load(&key, c->fleet.key_file, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "db push: %s\n", err);
		goto done;
	}
	snprintf(file, sizeof(file), "%s/push-%d.advisories", state,
	    (int)getpid());
	if (replica_export(st, file, ver, sizeof(ver), &n) == -1 ||
	    cmd_db_digest(file, dg, &size) == -1)
		goto done;
	/* Annotations are strings. */
	snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)n);
	artifact_data_mac(&key, dg, size, ver, mac);
	m = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:i}, s:[{s:s, s:s, "
	    "s:I}], s:{s:s, s:s, s:s}}", "schemaVersion", 2, "mediaType",
	    "application/vnd.oci.image.manifest.v1+json", "artifactType",
	    REPLICA_ARTIFACT_TYPE, "config", "mediaType",
	    "application/vnd.oci.empty.v1+json", "digest",
	    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
	    "size", 2, "layers", "mediaType", REPLICA_MEDIA_TYPE, "digest", dg,
	    "size", (json_int_t)size, "annotations",
	    "io.portcullis.data.version", ver, "io.portcullis.data.records",
	    cnt, ARTIFACT_ANN_DATA_MAC, mac);
	if ((man = json_dumps(m, JSON_COMPACT)) == NULL ||
	    regclient_upstream(&rc, c, 1, err, sizeof(err)) == -1 ||
	    regclient_push_blob(&rc, repo, "sha256:44136fa355b3678a1146ad16f7e"
	    "8649e94fb4fc21fe77e8310c060f61caaff8a", "{}", 2, err,
	    sizeof(err)) == -1 ||
	    regclient_push_blob_file(&rc, repo, dg, file, size, err,
	    sizeof(err)) == -1 ||
	    regclient_push_manifest(&rc, repo, colon + 1,
	    "application/vnd.oci.image.manifest.v1+json", man, strlen(man),
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "db push: %s\n", err[0] ? err : "out of memory");
		goto done;
	}
	printf("pushed advisory data version %s (%llu records, %zu bytes) "
	    "to %s\n", ver, (unsigned long long)n, size, ref);
	rv = 0;
 done:
	if (file[0] != '\0')
		remove(file);
	free(man);
	json_decref(m);
	regclient_free(&rc);
	conf_free(c);
	explicit_bzero(&key, sizeof(key));
	return rv;
}

int
cmd_db(int argc, char **argv)
{
	struct store	*st = NULL;
	struct tally stats;
	const char	*state = getenv("PORTCULLIS_STATE");
	const char	*sub, *source = NULL, *source_version = NULL;
	const char	*ca_file = NULL, *confpath = NULL;
	char		 path[4096], buf[128];
	uint64_t	 records;
	int		 ch, rv = 1;

	if (state == NULL)
		state = "/var/lib/portcullis";
	if (argc < 2)
		cmd_db_usage();
	sub = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "c:C:s:S:V:")) != -1) {
		switch (ch) {
		case 'c': confpath = optarg; break;
		case 'C': ca_file = optarg; break;
		case 's': state = optarg; break;
		case 'S': source = optarg; break;
		case 'V': source_version = optarg; break;
		default: cmd_db_usage();
		}
	}
	argc -= optind;
	argv += optind;
	snprintf(path, sizeof(path), "%s/db", state);
	if (strcmp(sub, "import") == 0) {
		if (argc < 1)
			cmd_db_usage();
		if (mkdir(state, 0750) == -1 && errno != EEXIST) {
			log_warn("%s", state);
			goto done;
		}
		if ((st = store_open(path, 0)) == NULL)
			goto done;
		/* Another store's advisory data, whole: it replaces ours. */
		if (argc == 1 && replica_is(argv[0])) {
			if (replica_import(st, argv[0], buf, sizeof(buf),
			    &records) == -1)
				goto done;
			printf("imported advisory data version %s (%llu "
			    "records), in place of the data there was\n", buf,
			    (unsigned long long)records);
			rv = 0;
			goto done;
		}
		if (osv_import(st, argv, argc, isatty(2), &stats) == -1) {
			fprintf(stderr, "import failed; the store is unchanged\n");
			goto done;
		}
		rv = cmd_db_report("imported", &stats);
	} else if (strcmp(sub, "export") == 0 || strcmp(sub, "push") == 0) {
		if (argc != 1)
			cmd_db_usage();
		if ((st = store_open(path, 1)) == NULL)
			goto done;
		if (strcmp(sub, "push") == 0)
			rv = cmd_db_push(st, state, confpath, argv[0]);
		else if (replica_export(st, argv[0], buf, sizeof(buf),
		    &records) == 0) {
			printf("exported advisory data version %s (%llu "
			    "records) to %s\n", buf, (unsigned long long)records,
			    argv[0]);
			rv = 0;
		}
	} else if (strcmp(sub, "update") == 0) {
		rv = cmd_db_update(state, path, ca_file, argc, argv);
	} else if (strcmp(sub, "query") == 0) {
		struct vulnmatch_pkg	  pkg;
		struct vulnmatch_finding *f = NULL;
		json_t			 *arr;
		char			 *out;
		int			  n, i;

		if (argc != 3)
			cmd_db_usage();
		if ((st = store_open(path, 1)) == NULL)
			goto done;
		memset(&pkg, 0, sizeof(pkg));
		pkg.name = argv[1];
		pkg.version = argv[2];
		pkg.source = source;
		pkg.source_version = source_version;
		if ((n = vulnmatch_package(st, argv[0], &pkg, &f)) < 0)
			goto done;
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, cmd_db_finding(&f[i]));
		if ((out = json_dumps(arr, JSON_INDENT(2) |
		    JSON_REAL_PRECISION(10))) != NULL) {
			printf("%s\n", out);
			free(out);
			rv = 0;
		}
		json_decref(arr);
		free(f);
	} else if (strcmp(sub, "info") == 0) {
		if ((st = store_open(path, 1)) == NULL)
			goto done;
		printf("schema: %s\n", store_meta_get(st, "schema", buf,
		    sizeof(buf)) == STORE_OK ? buf : "-");
		printf("data_version: %s\n", store_meta_get(st, "data_version",
		    buf, sizeof(buf)) == STORE_OK ? buf : "-");
		printf("advisory_entries: %llu\n",
		    (unsigned long long)store_adv_count(st));
		rv = 0;
	} else
		cmd_db_usage();
 done:
	store_close(st);
	return rv;
}
