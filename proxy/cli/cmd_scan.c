/*
 *   portcullis scan [-s state_dir] [-f table|json|sarif|cyclonedx|spdx]
 *                   [-F severity] [-x] [-w] SOURCE
 *
 * -w records the result in the store under the image's manifest
 * digest(s), where the proxy's gate finds it. -O matches language
 * packages an OS package installed against the language's advisories
 * too (by default they are listed with their owner only).
 *
 * SOURCE is oci:DIR[:TAG] (an OCI image layout), oci-archive:FILE[:TAG],
 * docker-archive:FILE (what `docker save` writes) or
 * docker://HOST[:PORT]/REPO[:TAG|@DIGEST] (a registry, over https unless
 * -P; -u USER:PASS or $PORTCULLIS_REGISTRY_AUTH, -C a CA file). Archives
 * are unpacked, and registry images pulled, into a private temporary
 * directory first. Layers stream
 * through the scanner one at a time; vulnerabilities come from the
 * store under state_dir (see `portcullis db import`).
 *
 * Exit status: 0 pass, 1 a finding at or above -F (or a secret, with
 * -x), 2 usage or input errors.
 */
#include "proxy/cli/cmd_scan.h"
#include "proxy/gate/imagedoc.h"
#include "proxy/registry/regclient.h"
#include "proxy/registry/regpull.h"
#include "scan/image/report.h"
#include "proxy/sys/tmpdir.h"
#include "scan/image/imagescan.h"
#include "scan/layer/layer.h"
#include "scan/advisory/vulnmatch.h"
#include "store/db.h"
#include "conf/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct scan_image {
	char		  digests[4][80];	/* manifest (and index) digests */
	int		  ndigests;
	char		 *config_path;
	char		**layer_paths;
	char		**layer_digests;	/* expected; NULL for docker-archive */
	size_t		  nlayers;
};

static void
cmd_scan_usage(void)
{
	fprintf(stderr, "usage: portcullis scan [-s state_dir] "
	    "[-f table|json|sarif|cyclonedx|spdx]\n"
	    "           [-F critical|high|medium|low] [-x] [-w] [-O] [-I]\n"
	    "           [-u user:pass] [-C ca_file] [-P]\n"
	    "           oci:DIR[:TAG] | oci-archive:FILE[:TAG] | "
	    "docker-archive:FILE |\n"
	    "           docker://HOST[:PORT]/REPO[:TAG|@DIGEST]\n");
	exit(2);
}

static json_t *
cmd_scan_load(const char *path)
{
	json_error_t	err;
	json_t		*j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);

	if (j == NULL)
		fprintf(stderr, "%s: %s (line %d)\n", path, err.text, err.line);
	return j;
}

/* blobs/<alg>/<hex> for a digest, refusing anything but [a-z0-9]. */
static char *
cmd_scan_blob(const char *dir, const char *digest)
{
	const char	*colon;
	char		*p;
	size_t		 i;

	if (digest == NULL || (colon = strchr(digest, ':')) == NULL)
		return NULL;
	for (i = 0; digest[i] != '\0'; i++)
		if (!((digest[i] >= 'a' && digest[i] <= 'z') ||
		    (digest[i] >= '0' && digest[i] <= '9') || digest + i == colon))
			return NULL;
	if (asprintf(&p, "%s/blobs/%.*s/%s", dir, (int)(colon - digest),
	    digest, colon + 1) == -1)
		return NULL;
	return p;
}

static int
cmd_scan_add_layer(struct scan_image *im, char *path, const char *digest)
{
	char	**np, **nd;

	if ((np = reallocarray(im->layer_paths, im->nlayers + 1,
	    sizeof(*np))) == NULL)
		return -1;
	im->layer_paths = np;
	if ((nd = reallocarray(im->layer_digests, im->nlayers + 1,
	    sizeof(*nd))) == NULL)
		return -1;
	im->layer_digests = nd;
	im->layer_paths[im->nlayers] = path;
	im->layer_digests[im->nlayers] = digest ? strdup(digest) : NULL;
	im->nlayers++;
	return 0;
}

/* Pick the manifest in an OCI layout: by tag, or the only one. */
static int
cmd_scan_oci(const char *dir, const char *tag, struct scan_image *im)
{
	json_t		*index = NULL, *man = NULL, *desc = NULL, *d, *l;
	char		 path[4096], *blob = NULL;
	size_t		 i;
	int		 rv = -1, depth;

	snprintf(path, sizeof(path), "%s/index.json", dir);
	if ((index = cmd_scan_load(path)) == NULL)
		goto done;
	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *ref = json_string_value(json_object_get(
		    json_object_get(d, "annotations"),
		    "org.opencontainers.image.ref.name"));

		if (tag == NULL ? json_array_size(json_object_get(index,
		    "manifests")) == 1 : (ref != NULL && strcmp(ref, tag) == 0))
			desc = d;
	}
	if (desc == NULL) {
		fprintf(stderr, "%s: no manifest %s%s\n", dir,
		    tag ? "tagged " : "(several: name a tag)", tag ? tag : "");
		goto done;
	}
	/* Follow image indexes down to one manifest (linux/amd64 first). */
	for (depth = 0; depth < 4; depth++) {
		json_t *m;

		free(blob);
		/* A pull may name the index or the manifest: record both. */
		if (im->ndigests < 4 && json_string_value(json_object_get(desc,
		    "digest")) != NULL)
			snprintf(im->digests[im->ndigests++], sizeof(im->digests[0]),
			    "%s", json_string_value(json_object_get(desc,
			    "digest")));
		if ((blob = cmd_scan_blob(dir, json_string_value(
		    json_object_get(desc, "digest")))) == NULL ||
		    (m = cmd_scan_load(blob)) == NULL)
			goto done;
		json_decref(man);
		man = m;
		if (json_object_get(man, "layers") != NULL)
			break;
		desc = regpull_pick(man);
		if (desc == NULL) {
			fprintf(stderr, "%s: empty image index\n", dir);
			goto done;
		}
	}
	if ((im->config_path = cmd_scan_blob(dir, json_string_value(
	    json_object_get(json_object_get(man, "config"), "digest")))) == NULL) {
		fprintf(stderr, "%s: manifest has no usable config\n", dir);
		goto done;
	}
	json_array_foreach(json_object_get(man, "layers"), i, l) {
		const char	*dg = json_string_value(json_object_get(l,
				    "digest"));
		char		*lp = cmd_scan_blob(dir, dg);

		if (lp == NULL || cmd_scan_add_layer(im, lp, dg) == -1) {
			fprintf(stderr, "%s: bad layer descriptor %zu\n", dir, i);
			free(lp);
			goto done;
		}
	}
	rv = 0;
 done:
	free(blob);
	json_decref(man);
	json_decref(index);
	return rv;
}

/* docker save: manifest.json names the config and layer files. */
static int
cmd_scan_docker(const char *dir, struct scan_image *im)
{
	json_t		*m, *e, *l;
	char		 path[4096];
	const char	*cfg;
	size_t		 i;
	int		 rv = -1;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if ((m = cmd_scan_load(path)) == NULL)
		return -1;
	e = json_array_get(m, 0);
	if ((cfg = json_string_value(json_object_get(e, "Config"))) == NULL ||
	    strstr(cfg, "..") != NULL) {
		fprintf(stderr, "%s: no Config in manifest.json\n", dir);
		goto done;
	}
	if (asprintf(&im->config_path, "%s/%s", dir, cfg) == -1)
		goto done;
	json_array_foreach(json_object_get(e, "Layers"), i, l) {
		const char	*lp = json_string_value(l);
		char		*p;

		if (lp == NULL || strstr(lp, "..") != NULL ||
		    asprintf(&p, "%s/%s", dir, lp) == -1)
			goto done;
		if (cmd_scan_add_layer(im, p, NULL) == -1)
			goto done;
	}
	rv = 0;
 done:
	json_decref(m);
	return rv;
}

/* Unpack an image archive into dir, refusing unsafe paths. */
static int
cmd_scan_unpack(const char *file, const char *dir)
{
	struct archive		*a = archive_read_new(), *w = archive_write_disk_new();
	struct archive_entry	*e;
	char			 path[4096];
	int			 r, rv = -1;

	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	/*
	 * Entries land under dir, so their own names must be relative and
	 * free of "..": checked here; libarchive refuses ".." and writing
	 * through symlinks as well.
	 */
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	    ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	if (archive_read_open_filename(a, file, 1 << 16) != ARCHIVE_OK) {
		fprintf(stderr, "%s: %s\n", file, archive_error_string(a));
		goto done;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const void	*blk;
		const char	*name;
		size_t		 len;
		la_int64_t	 off;

		name = archive_entry_pathname(e);
		if (name == NULL || name[0] == '/' || strstr(name, "..")) {
			fprintf(stderr, "%s: unsafe entry name %s\n", file,
			    name ? name : "(none)");
			goto done;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		archive_entry_set_pathname(e, path);
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			fprintf(stderr, "%s: %s\n", file,
			    archive_error_string(w));
			goto done;
		}
		while ((r = archive_read_data_block(a, &blk, &len, &off)) ==
		    ARCHIVE_OK)
			if (archive_write_data_block(w, blk, len, off) !=
			    ARCHIVE_OK)
				goto done;
		if (r != ARCHIVE_EOF) {
			fprintf(stderr, "%s: %s\n", file,
			    archive_error_string(a));
			goto done;
		}
	}
	if (r != ARCHIVE_EOF) {
		fprintf(stderr, "%s: %s\n", file, archive_error_string(a));
		goto done;
	}
	rv = 0;
 done:
	archive_read_free(a);
	archive_write_free(w);
	return rv;
}

static void
cmd_scan_free(struct scan_image *im)
{
	size_t	i;

	for (i = 0; i < im->nlayers; i++) {
		free(im->layer_paths[i]);
		free(im->layer_digests[i]);
	}
	free(im->layer_paths);
	free(im->layer_digests);
	free(im->config_path);
}

/* The image config, bounded. NULL on error. */
static char *
cmd_scan_slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "r");
	char	*buf = NULL;
	long	 n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    n < (16L << 20) && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/*
 * docker://host[:port]/repo[:tag|@digest] pulled into dir. A first
 * component that is not a host (no '.', ':', not localhost) is Docker
 * Hub, as docker reads it. 0 or -1.
 */
static int
cmd_scan_registry(char *ref, const char *dir, const char *auth,
    const char *ca_file, int plain)
{
	struct regclient	 rc;
	char			 base[300], repo[512], err[512];
	char			*slash, *tag, *user = NULL, *pass = NULL;
	const char		*host = ref;
	int			 rv = -1;

	memset(&rc, 0, sizeof(rc));
	if ((slash = strchr(ref, '/')) == NULL || slash[1] == '\0') {
		fprintf(stderr, "docker://%s: no repository\n", ref);
		return -1;
	}
	*slash = '\0';
	if (strchr(host, '.') == NULL && strchr(host, ':') == NULL &&
	    strcmp(host, "localhost") != 0) {
		*slash = '/';
		host = "registry-1.docker.io";
		slash = ref - 1;
	}
	if ((tag = strchr(slash + 1, '@')) != NULL)
		*tag++ = '\0';
	else if ((tag = strrchr(slash + 1, ':')) != NULL &&
	    strchr(tag, '/') == NULL)
		*tag++ = '\0';
	else
		tag = "latest";
	snprintf(repo, sizeof(repo), "%s%s", strcmp(host,
	    "registry-1.docker.io") == 0 && strchr(slash + 1, '/') == NULL ?
	    "library/" : "", slash + 1);
	snprintf(base, sizeof(base), "%s://%s", plain ? "http" : "https", host);
	if (auth != NULL && (user = strdup(auth)) != NULL &&
	    (pass = strchr(user, ':')) != NULL)
		*pass++ = '\0';
	if (regclient_init(&rc, base, plain, user, pass, ca_file) == -1)
		goto done;
	if (regpull_layout(&rc, repo, tag, dir, 0, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", base, err);
		goto done;
	}
	rv = 0;
 done:
	if (user != NULL) {
		explicit_bzero(user, strlen(user) + (pass ? strlen(pass) + 1 : 0));
		free(user);
	}
	regclient_free(&rc);
	return rv;
}

int
cmd_scan(int argc, char **argv)
{
	struct scan_image	  im;
	struct layer_limits	  lim;
	struct layer_result	**layers = NULL;
	struct store		 *st = NULL;
	const char		 *state = getenv("PORTCULLIS_STATE");
	const char		 *format = "table", *failon = NULL;
	char			  tmp[] = "/tmp/portcullis-scan.XXXXXX";
	char			  dbpath[4096], *src = NULL, *tag = NULL, *dir;
	char			 *cfg = NULL;
	json_t			 *out = NULL, *vulns, *v;
	size_t			  i, nlay = 0, clen = 0;
	int			  ch, rv = 2, fail = 0;
	int			  fail_secrets = 0, unpacked = 0;
	int			  record = 0, plain = 0, flags = 0;
	int			  inventory = 0;
	const char		 *auth = getenv("PORTCULLIS_REGISTRY_AUTH");
	const char		 *ca_file = NULL;

	memset(&im, 0, sizeof(im));
	if (state == NULL)
		state = "/var/lib/portcullis";
	optind = 1;
	while ((ch = getopt(argc, argv, "C:f:F:IOPs:u:wx")) != -1) {
		switch (ch) {
		case 'C': ca_file = optarg; break;
		case 'I': inventory = 1; break;
		case 'O': flags |= IMAGESCAN_OS_OWNED; break;
		case 'P': plain = 1; break;
		case 'u': auth = optarg; break;
		case 'w': record = 1; break;
		case 'f': format = optarg; break;
		case 'F': failon = optarg; break;
		case 's': state = optarg; break;
		case 'x': fail_secrets = 1; break;
		default: cmd_scan_usage();
		}
	}
	if (optind != argc - 1 || (strcmp(format, "table") &&
	    strcmp(format, "json") && strcmp(format, "sarif") &&
	    strcmp(format, "cyclonedx") && strcmp(format, "spdx")) ||
	    (failon && !imagescan_sev_rank(failon)))
		cmd_scan_usage();
	if (inventory && (record || fail_secrets)) {
		/* A result without its secrets must never stand for a scan. */
		fprintf(stderr, "portcullis scan: -I (packages only) cannot be "
		    "recorded (-w) or fail on secrets (-x)\n");
		exit(2);
	}
	/* Split a copy: the original names the source in the output. */
	if ((src = strdup(argv[optind])) == NULL)
		goto done;
	if (strncmp(src, "oci:", 4) == 0) {
		dir = src + 4;
		if ((tag = strrchr(dir, ':')) != NULL)
			*tag++ = '\0';
		if (cmd_scan_oci(dir, tag, &im) == -1)
			goto done;
	} else if (strncmp(src, "oci-archive:", 12) == 0 ||
	    strncmp(src, "docker-archive:", 15) == 0) {
		int docker = src[0] == 'd';
		char *file = src + (docker ? 15 : 12);

		if (!docker && (tag = strrchr(file, ':')) != NULL)
			*tag++ = '\0';
		if (mkdtemp(tmp) == NULL || (unpacked = 1,
		    cmd_scan_unpack(file, tmp) == -1))
			goto done;
		if ((docker ? cmd_scan_docker(tmp, &im) :
		    cmd_scan_oci(tmp, tag, &im)) == -1)
			goto done;
	} else if (strncmp(src, "docker://", 9) == 0) {
		if (mkdtemp(tmp) == NULL || (unpacked = 1,
		    cmd_scan_registry(src + 9, tmp, auth, ca_file, plain) == -1) ||
		    cmd_scan_oci(tmp, NULL, &im) == -1)
			goto done;
	} else
		cmd_scan_usage();

	layer_limits_default(&lim);
	lim.inventory_only = inventory;
	if ((layers = calloc(im.nlayers + 1, sizeof(*layers))) == NULL)
		goto done;
	for (i = 0; i < im.nlayers; i++) {
		if ((layers[i] = calloc(1, sizeof(**layers))) == NULL)
			goto done;
		nlay = i + 1;
		/*
		 * A layer that cannot be read to its end is reported (its
		 * error is in the report's limits, as unscanned content), not
		 * a reason to say nothing of the others.
		 */
		if (layer_scan_file(layers[i], &lim, im.layer_paths[i]) == -1)
			fprintf(stderr, "layer %zu (%s): %s\n", i,
			    im.layer_paths[i], layers[i]->findings.n ?
			    layers[i]->findings.v[layers[i]->findings.n - 1].detail :
			    "unreadable");
		if (im.layer_digests[i] != NULL &&
		    strcmp(im.layer_digests[i], layers[i]->digest) != 0) {
			fprintf(stderr, "layer %zu: content is %s, manifest says "
			    "%s\n", i, layers[i]->digest, im.layer_digests[i]);
			goto done;
		}
	}
	if ((cfg = cmd_scan_slurp(im.config_path, &clen)) == NULL) {
		fprintf(stderr, "%s: cannot read the image config\n",
		    im.config_path);
		goto done;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/db", state);
	if (record) {
		/* Recording needs the store, created if this is the first. */
		if ((mkdir(state, 0750) == -1 && errno != EEXIST) ||
		    (st = store_open(dbpath, 0)) == NULL) {
			fprintf(stderr, "%s: cannot open the store to record "
			    "the result\n", dbpath);
			goto done;
		}
	} else if (access(dbpath, F_OK) == 0)
		st = store_open(dbpath, 1);
	if (st == NULL)
		fprintf(stderr, "no vulnerability data under %s (run portcullis "
		    "db import); listing packages only\n", state);
	if ((out = imagescan_report(layers, nlay, cfg, clen, st,
	    argv[optind], flags)) == NULL)
		goto done;
	if (inventory) {
		/* Said in the report: no secret found is not "none there". */
		json_object_set_new(out, "scope", json_string("packages only: "
		    "no secret search, no file checks"));
		fprintf(stderr, "packages only (-I): secrets and file checks "
		    "were not looked for\n");
	}
	vulns = json_object_get(out, "vulnerabilities");
	json_array_foreach(vulns, i, v)
		if (failon && imagescan_sev_rank(json_string_value(
		    json_object_get(v, "severity"))) >=
		    imagescan_sev_rank(failon))
			fail = 1;
	if (fail_secrets && json_integer_value(json_object_get(
	    json_object_get(out, "summary"), "secrets")) > 0)
		fail = 1;
	/* With a threshold, content it could not read fails it too. */
	if ((failon || fail_secrets) && json_integer_value(json_object_get(
	    json_object_get(out, "summary"), "unscanned")) > 0)
		fail = 1;
	if (record) {
		char	 ver[64] = "";
		char	*doc;

		if (im.ndigests == 0) {
			fprintf(stderr, "-w: this source has no manifest digest "
			    "to record the result under\n");
			goto done;
		}
		store_meta_get(st, "data_version", ver, sizeof(ver));
		json_object_set_new(out, "scanned_at",
		    json_integer((json_int_t)time(NULL)));
		json_object_set_new(out, "data_version", json_string(ver));
		if ((doc = json_dumps(out, JSON_COMPACT |
		    JSON_REAL_PRECISION(10))) == NULL)
			goto done;
		for (i = 0; i < (size_t)im.ndigests; i++)
			if (imagedoc_put(st, im.digests[i], doc,
			    out) != STORE_OK) {
				free(doc);
				fprintf(stderr, "cannot record the result\n");
				goto done;
			}
		free(doc);
	}
	if (strcmp(format, "table") != 0) {
		json_t *doc = strcmp(format, "json") == 0 ? json_incref(out) :
		    strcmp(format, "sarif") == 0 ? report_sarif(out) :
		    strcmp(format, "spdx") == 0 ? report_spdx(out) :
		    report_cyclonedx(out);

		if (doc == NULL)
			goto done;
		json_dumpf(doc, stdout, JSON_INDENT(2) |
		    JSON_REAL_PRECISION(10));
		printf("\n");
		json_decref(doc);
	} else {
		json_t		*sum = json_object_get(out, "summary"), *os;
		const char	*kinds[] = { "secrets", "misconfigurations",
				    "limits" };
		size_t		 k;

		os = json_object_get(out, "os");
		printf("%s: %s, %zu layers, %lld packages\n", argv[optind],
		    json_is_object(os) ? json_string_value(json_object_get(os,
		    "name")) : "unknown OS", nlay, (long long)
		    json_integer_value(json_object_get(sum, "packages")));
		printf("%-22s %-9s %-28s %-22s %s\n", "VULNERABILITY",
		    "SEVERITY", "PACKAGE", "INSTALLED", "FIXED");
		json_array_foreach(vulns, i, v)
			printf("%-22s %-9s %-28s %-22s %s\n",
			    json_string_value(json_object_get(v, "id")),
			    json_string_value(json_object_get(v, "severity")),
			    json_string_value(json_object_get(v, "package")),
			    json_string_value(json_object_get(v, "version")),
			    json_string_value(json_object_get(v, "fixed")) ?
			    json_string_value(json_object_get(v, "fixed")) : "-");
		for (k = 0; k < 3; k++)
			json_array_foreach(json_object_get(out, kinds[k]), i, v)
				printf("%-9s %-26s %s:%lld  %s\n", kinds[k],
				    json_string_value(json_object_get(v, "rule")),
				    json_string_value(json_object_get(v, "path")),
				    (long long)json_integer_value(
				    json_object_get(v, "line")),
				    json_string_value(json_object_get(v,
				    "detail")));
		printf("critical %lld, high %lld, medium %lld, low %lld, "
		    "unknown %lld; %lld secrets\n",
		    (long long)json_integer_value(json_object_get(sum, "critical")),
		    (long long)json_integer_value(json_object_get(sum, "high")),
		    (long long)json_integer_value(json_object_get(sum, "medium")),
		    (long long)json_integer_value(json_object_get(sum, "low")),
		    (long long)json_integer_value(json_object_get(sum, "unknown")),
		    (long long)json_integer_value(json_object_get(sum,
		    "secrets")));
	}
	rv = fail ? 1 : 0;
 done:
	json_decref(out);
	free(cfg);
	for (i = 0; i < nlay; i++) {
		layer_result_free(layers[i]);
		free(layers[i]);
	}
	free(layers);
	store_close(st);
	cmd_scan_free(&im);
	free(src);
	if (unpacked)
		tmpdir_remove(tmp);
	return rv;
}
