#include "proxy/gate/record.h"
#include "proxy/gate/attest.h"
#include "proxy/gate/baseindex.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/imagedoc.h"
#include "proxy/gate/refindex.h"
#include "proxy/gate/events.h"
#include "proxy/gate/searchindex.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/notify.h"
#include "proxy/gate/upload.h"
#include "scan/image/verdict.h"
#include "conf/conf.h"
#include "scan/image/imagescan.h"
#include "scan/image/layerjson.h"
#include "store/db.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *
record_pending_doc(const char *repo, json_t *manifest)
{
	json_t	*rec;
	char	*doc;

	/* Nothing a runtime could unpack: judged as what it is, at once. */
	if (record_is_artifact(manifest))
		rec = json_pack("{s:b, s:s, s:s?, s:[], s:[], s:[], s:[], "
		    "s:[]}", "artifact", 1, "repository", repo, "artifactType",
		    json_string_value(json_object_get(manifest,
		    "artifactType")), "packages", "vulnerabilities", "secrets",
		    "misconfigurations", "limits");
	else
		rec = json_pack("{s:b, s:s, s:O}", "pending", 1, "repository",
		    repo, "manifest", manifest);
	doc = rec ? json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(10)) :
	    NULL;
	json_decref(rec);
	return doc;
}

int
record_is_artifact(json_t *m)
{
	json_t		*l;
	const char	*mt;
	size_t		 i;

	if (!json_is_array(json_object_get(m, "layers")) ||
	    json_array_size(json_object_get(m, "layers")) == 0)
		return 0;
	json_array_foreach(json_object_get(m, "layers"), i, l) {
		mt = json_string_value(json_object_get(l, "mediaType"));
		/*
		 * A filesystem layer (or one that does not say), or a
		 * module a WebAssembly runtime runs: an image.
		 */
		if (mt == NULL || strstr(mt, "tar") != NULL ||
		    strstr(mt, "rootfs") != NULL || strstr(mt, "wasm") != NULL)
			return 0;
	}
	return 1;
}

/* A manifest's layer digests, in order (a new array). */
static json_t *
record_layer_digests(json_t *man)
{
	json_t	*ld = json_array(), *l;
	size_t	 i;

	json_array_foreach(json_object_get(man, "layers"), i, l)
		json_array_append(ld, json_object_get(l, "digest"));
	return ld;
}

/*
 * A manifest's blobs with no result in the store and no upload scanning
 * them: counted, the first named, each read back (backfill) unless its
 * last read-back failed moments ago.
 */
struct record_missing {
	struct gate	*g;
	struct store	*st;
	const char	*repo;
	const char	*authorization;
	int		 backfill;
	const char	*config;	/* the manifest's config digest */
	int		 n;
	char		*first;
	size_t		 firstlen;
};

static int
record_missing_one(const char *dg, void *arg)
{
	struct record_missing	*m = arg;
	char			*rec;

	if (upload_scanning(m->g, dg))
		return 0;
	if (store_digest_get(m->st, STORE_LAYERS, dg, &rec) == STORE_OK) {
		free(rec);
		return 0;
	}
	if (m->n++ == 0 && m->first != NULL)
		snprintf(m->first, m->firstlen, "%s", dg);
	if (!m->backfill || gate_failed_recently(m->g, dg))
		return 0;
	if (upload_backfill(m->g, m->repo, dg, m->authorization,
	    m->config != NULL && strcmp(m->config, dg) == 0) == -1)
		log_warnx("record: cannot start reading %s back", dg);
	return 0;
}

struct record_forget {
	struct gate	*g;
	const char	*repo;
};

/* A blob a newly recorded manifest uses may be judged differently now. */
static int
record_forget_blob(const char *blob, void *arg)
{
	struct record_forget	*f = arg;

	gatecache_forget(f->g->gatecache, f->repo, blob);
	return 0;
}

int
record_manifest(struct gate *g, const char *repo, const char *digest,
    struct evbuffer *body, const char *authorization)
{
	struct store		*st = gate_store(g);
	size_t			 len = evbuffer_get_length(body);
	struct record_forget	 f = { g, repo };
	struct record_missing	 miss = { g, st, repo, authorization, 1,
				    NULL, 0, NULL, 0 };
	json_t			*m;
	char			*doc = NULL;
	int			 rv = -1;

	if (st == NULL) {
		gate_store_failed(g, digest, "the store cannot be opened");
		return -1;
	}
	m = json_loadb((const char *)evbuffer_pullup(body, -1), len, 0, NULL);
	/* The registry took it: not JSON is not an image (nothing to judge). */
	if (m == NULL || !json_is_object(m)) {
		rv = 0;
		goto done;
	}
	/* Only manifests with layers or an index of them are judged. */
	if (json_object_get(m, "layers") == NULL &&
	    json_object_get(m, "manifests") == NULL) {
		rv = 0;
		goto done;
	}
	if ((doc = record_pending_doc(repo, m)) == NULL) {
		log_warnx("record: %s: out of memory", digest);
		goto done;
	}
	if (imagedoc_put(st, digest, doc, NULL) != STORE_OK) {
		gate_store_failed(g, digest, "cannot record the manifest");
		goto done;
	}
	baseindex_put(st, baseindex_first_layer(m), digest);
	refindex_put(st, m, digest);
	searchindex_repository(st, repo, digest);
	refindex_blobs(m, record_forget_blob, &f);
	/*
	 * Layers the proxy has no result for (mounted from another
	 * repository, pushed behind its back, or whose scan a crash or a
	 * full disk lost): read back with the pusher's own credentials,
	 * which may read what they just referenced. Until then the image
	 * is pending, never unknown. An artifact's blobs are no layers.
	 */
	miss.config = json_string_value(json_object_get(json_object_get(m,
	    "config"), "digest"));
	if (!record_is_artifact(m))
		refindex_blobs(m, record_missing_one, &miss);
	rv = 0;
 done:
	free(doc);
	json_decref(m);
	return rv;
}

int
record_missing(struct gate *g, const char *digest, const char *repo,
    int backfill, const char *authorization, char *first, size_t firstlen)
{
	struct store		*st = gate_store(g);
	/* Without credentials the read is anonymous: an open registry. */
	struct record_missing	 miss = { g, st, repo, authorization,
				    backfill, NULL, 0, first, firstlen };
	char			*rec = NULL;
	json_t			*j, *man;

	if (st == NULL || digest == NULL || store_digest_get(st,
	    STORE_IMAGES, digest, &rec) != STORE_OK)
		return 0;
	j = json_loads(rec, 0, NULL);
	free(rec);
	man = json_object_get(j, "manifest");
	miss.config = json_string_value(json_object_get(json_object_get(man,
	    "config"), "digest"));
	if (json_is_true(json_object_get(j, "pending")) &&
	    json_object_get(man, "layers") != NULL)
		refindex_blobs(man, record_missing_one, &miss);
	json_decref(j);
	return miss.n;
}

/* What the configuration says of OS-owned language packages. */
static int
record_scan_flags(struct gate *g)
{
	return strcmp(g->conf->scanner.os_owned, "report") == 0 ?
	    IMAGESCAN_OS_OWNED : 0;
}

/* Build the scan document of an image manifest from recorded layers. */
static json_t *
record_build(struct store *st, json_t *man, const char *digest, int flags,
    int *error)
{
	struct layer_result	**layers = NULL;
	json_t			*l, *out = NULL, *cfgrec = NULL;
	char			*rec = NULL, *cfg = NULL;
	const char		*cfgjson = NULL;
	size_t			 i, n = json_array_size(json_object_get(man,
				    "layers")), got = 0;
	enum store_status	 s;

	if ((layers = calloc(n + 1, sizeof(*layers))) == NULL)
		goto done;
	json_array_foreach(json_object_get(man, "layers"), i, l) {
		const char *dg = json_string_value(json_object_get(l, "digest"));

		if (dg == NULL)
			goto done;
		s = store_digest_get(st, STORE_LAYERS, dg, &rec);
		if (s == STORE_ERROR)
			*error = 1;
		if (s != STORE_OK)
			goto done;	/* a layer we did not see */
		if ((layers[i] = calloc(1, sizeof(**layers))) == NULL ||
		    layerjson_load(rec, layers[i]) == -1) {
			free(layers[i]);
			layers[i] = NULL;
			goto done;
		}
		got = i + 1;
		free(rec);
		rec = NULL;
	}
	/* The config was an upload too; without it, skip its checks. */
	s = store_digest_get(st, STORE_LAYERS, json_string_value(
	    json_object_get(json_object_get(man, "config"), "digest")) ?: "",
	    &cfg);
	if (s == STORE_OK && (cfgrec = json_loads(cfg, 0, NULL)) != NULL)
		cfgjson = json_string_value(json_object_get(cfgrec, "config"));
	out = imagescan_report(layers, got, cfgjson, cfgjson ?
	    strlen(cfgjson) : 0, st, digest, flags);
	/* The oldest scan behind it: if older than this build, a rescan. */
	if (out != NULL) {
		int	oldest = LAYER_SCANNER_VERSION;

		for (i = 0; i < got; i++)
			if (layers[i]->scanner < oldest)
				oldest = layers[i]->scanner;
		json_object_set_new(out, "scanner", json_integer(oldest));
	}
 done:
	for (i = 0; i < got; i++) {
		layer_result_free(layers[i]);
		free(layers[i]);
	}
	free(layers);
	free(rec);
	free(cfg);
	json_decref(cfgrec);
	return out;
}

/*
 * An image index is as good as its worst platform image: the children's
 * findings are merged into one document (each finding keeps its own
 * package and path). Any child not scanned makes the index unknown.
 * Not stored: children are judged afresh each time.
 */
static json_t *
record_index(struct gate *g, json_t *index, int *error)
{
	const char	*lists[] = { "vulnerabilities", "secrets",
			    "misconfigurations", "limits" };
	const char	*counts[] = { "packages", "critical", "high", "medium",
			    "low", "unknown", "secrets", "unscanned" };
	json_t		*out = NULL, *d, *child, *x;
	size_t		 i, k, m;
	char		*rec;

	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *dg = json_string_value(json_object_get(d, "digest"));

		if (dg == NULL || (rec = record_scan_doc(g, dg, error)) == NULL)
			goto fail;
		child = json_loads(rec, 0, NULL);
		free(rec);
		if (child == NULL || json_is_true(json_object_get(child,
		    "pending"))) {
			json_decref(child);
			goto fail;
		}
		if (out == NULL) {
			out = json_deep_copy(child);
			json_decref(child);
			continue;
		}
		for (k = 0; k < 4; k++)
			json_array_foreach(json_object_get(child, lists[k]), m, x)
				json_array_append(json_object_get(out, lists[k]),
				    x);
		for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
			json_t *sum = json_object_get(out, "summary");

			json_object_set_new(sum, counts[k], json_integer(
			    json_integer_value(json_object_get(sum, counts[k])) +
			    json_integer_value(json_object_get(json_object_get(
			    child, "summary"), counts[k]))));
		}
		json_decref(child);
	}
	return out;
 fail:
	json_decref(out);
	return NULL;
}

/*
 * An image's findings were made again (cause: "advisory-data", new
 * data re-matched; "rescan", its layers scanned again): say what
 * changed, once, and tell the webhooks if the decision flipped.
 */
static void
record_changed(struct gate *g, const char *digest, const char *old,
    json_t *now, const char *cause)
{
	json_t	*was = json_loads(old, 0, NULL);
	json_t	*a = json_object_get(json_object_get(was, "summary"), "critical");
	json_t	*b = json_object_get(json_object_get(was, "summary"), "high");
	json_t	*sum = json_object_get(now, "summary");

	const char	*repo = json_string_value(json_object_get(now,
			    "repository"));
	const char	*what = strcmp(cause, "rescan") == 0 ? "a rescan" :
			    "new advisory data";
	struct verdict	 before, after;

	if (!json_equal(json_object_get(was, "vulnerabilities"),
	    json_object_get(now, "vulnerabilities")))
		log_info("re-evaluated %s after %s: critical "
		    "%lld -> %lld, high %lld -> %lld", digest, what,
		    (long long)json_integer_value(a), (long long)
		    json_integer_value(json_object_get(sum, "critical")),
		    (long long)json_integer_value(b), (long long)
		    json_integer_value(json_object_get(sum, "high")));
	attest_verdict(gate_store(g), &g->conf->policy, was, repo ? repo : "",
	    digest, time(NULL), &before, NULL);
	attest_verdict(gate_store(g), &g->conf->policy, now, repo ? repo : "",
	    digest, time(NULL), &after, NULL);
	record_flip(g, digest, repo, &before, &after, what, cause);
	json_decref(was);
}

void
record_flip(struct gate *g, const char *digest, const char *repo,
    const struct verdict *before, const struct verdict *after,
    const char *what, const char *cause)
{
	struct store	*st;
	const char	*fields[7];
	char		 ver[64];

	if (before->deny == after->deny)
		return;
	g->stats.verdicts_changed++;
	log_info("verdict for %s (%s) changed after %s: %s -> %s", digest,
	    repo ? repo : "?", what, before->deny ? "deny" : "allow",
	    after->deny ? "deny" : "allow");
	events_add(g->events, "flip", repo, digest, NULL, after->deny ?
	    after->message : before->message, before->deny ? "deny" : "allow",
	    after->deny ? "deny" : "allow", cause);
	if (g->conf->nwebhooks == 0)
		return;
	if ((st = gate_store(g)) == NULL || store_meta_get(st, "data_version",
	    ver, sizeof(ver)) != STORE_OK)
		ver[0] = '\0';
	fields[0] = "verdict-changed";
	fields[1] = digest;
	fields[2] = repo ? repo : "";
	fields[3] = before->deny ? "deny" : "allow";
	fields[4] = after->deny ? "deny" : "allow";
	fields[5] = cause;
	fields[6] = ver;
	notify_event(g, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "event", "verdict-changed", "digest", digest, "repository",
	    repo ? repo : "", "before", before->deny ? "deny" : "allow",
	    "after", after->deny ? "deny" : "allow", "reasons",
	    after->message, "cause", cause, "data_version", ver), fields, 7);
}

char *
record_scan_doc(struct gate *g, const char *digest, int *error)
{
	struct store		*st = gate_store(g);
	char			*rec = NULL, *doc = NULL, ver[64] = "";
	json_t			*j = NULL, *out = NULL, *man;
	enum store_status	 s;

	*error = 0;
	if (st == NULL || digest == NULL)
		return NULL;
	if ((s = store_digest_get(st, STORE_IMAGES, digest, &rec)) != STORE_OK) {
		*error = s == STORE_ERROR;
		return NULL;
	}
	if ((j = json_loads(rec, 0, NULL)) == NULL) {
		return rec;	/* junk: the verdict fails closed on it */
	}
	if (!json_is_true(json_object_get(j, "pending"))) {
		/* A finished document: current with the advisory data? */
		store_meta_get(st, "data_version", ver, sizeof(ver));
		if (json_is_string(json_object_get(j, "data_version")) &&
		    strcmp(json_string_value(json_object_get(j,
		    "data_version")), ver) != 0 &&
		    imagescan_rematch(j, st, record_scan_flags(g),
		    g->matchmemo, ver) == 0) {
			g->stats.images_rematched++;
			record_changed(g, digest, rec, j, "advisory-data");
			json_object_set_new(j, "data_version", json_string(ver));
			if ((doc = json_dumps(j, JSON_COMPACT |
			    JSON_REAL_PRECISION(10))) != NULL) {
				imagedoc_put(st, digest, doc, j);
				free(rec);
				json_decref(j);
				return doc;
			}
		}
		/*
		 * Read whole because it had no verdict copy (written by an
		 * older build or by hand): cut one, so this was the last time.
		 */
		if (strlen(rec) >= IMAGEDOC_LARGE &&
		    (doc = imagedoc_verdict(st, digest, ver)) == NULL)
			imagedoc_put_copy(st, digest, j, strlen(rec));
		free(doc);
		json_decref(j);
		return rec;
	}
	man = json_object_get(j, "manifest");
	if (json_object_get(man, "layers") == NULL) {
		/* An index (multi-arch): judged through its children. */
		out = record_index(g, man, error);
		if (out != NULL)
			doc = json_dumps(out, JSON_COMPACT |
			    JSON_REAL_PRECISION(10));
		goto done;
	}
	if ((out = record_build(st, man, digest, record_scan_flags(g),
	    error)) == NULL)
		goto done;
	/* A manifest annotation names the base too (buildx writes it). */
	if (json_string_value(json_object_get(json_object_get(man,
	    "annotations"), "org.opencontainers.image.base.name")) != NULL)
		json_object_set(out, "base", json_object_get(json_object_get(man,
		    "annotations"), "org.opencontainers.image.base.name"));
	/* Its layers, in order: how images built on it are told. */
	json_object_set_new(out, "layer_digests", record_layer_digests(man));
	/* And its config: the blob gate finds the image by both. */
	json_object_set(out, "config_digest", json_object_get(json_object_get(
	    man, "config"), "digest"));
	store_meta_get(st, "data_version", ver, sizeof(ver));
	json_object_set_new(out, "scanned_at", json_integer(time(NULL)));
	json_object_set_new(out, "data_version", json_string(ver));
	json_object_set(out, "repository", json_object_get(j, "repository"));
	if ((doc = json_dumps(out, JSON_COMPACT |
	    JSON_REAL_PRECISION(10))) != NULL &&
	    imagedoc_put(st, digest, doc, out) == STORE_OK)
		g->stats.images_recorded++;
 done:
	free(rec);
	json_decref(j);
	json_decref(out);
	return doc;
}

char *
record_verdict_doc(struct gate *g, const char *digest, int *error)
{
	struct store	*st = gate_store(g);
	char		 ver[64] = "", *doc;

	*error = 0;
	if (st != NULL && digest != NULL &&
	    store_meta_get(st, "data_version", ver, sizeof(ver)) !=
	    STORE_ERROR && (doc = imagedoc_verdict(st, digest, ver)) != NULL)
		return doc;
	return record_scan_doc(g, digest, error);
}

/*
 * Is any layer of this pending manifest (depth: index nesting) in
 * flight? The first such layer's digest into first (NULL: not wanted).
 */
static int
record_in_flight_at(struct gate *g, struct store *st, const char *digest,
    int depth, char *first, size_t firstlen)
{
	char		*rec = NULL;
	json_t		*j, *man, *d;
	const char	*ld;
	size_t		 i;
	int		 busy = 0;

	if (depth > 2 || store_digest_get(st, STORE_IMAGES, digest, &rec) !=
	    STORE_OK)
		return 0;
	j = json_loads(rec, 0, NULL);
	free(rec);
	man = json_object_get(j, "manifest");
	if (json_is_true(json_object_get(j, "pending"))) {
		json_array_foreach(json_object_get(man, "layers"), i, d) {
			ld = json_string_value(json_object_get(d, "digest"));
			if (!busy && ld != NULL && upload_scanning(g, ld)) {
				busy = 1;
				if (first != NULL)
					snprintf(first, firstlen, "%s", ld);
			}
		}
		json_array_foreach(json_object_get(man, "manifests"), i, d)
			if (!busy && json_is_string(json_object_get(d,
			    "digest")))
				busy = record_in_flight_at(g, st,
				    json_string_value(json_object_get(d,
				    "digest")), depth + 1, first, firstlen);
	}
	json_decref(j);
	return busy;
}

int
record_in_flight(struct gate *g, const char *digest)
{
	return record_in_flight_layer(g, digest, NULL, 0);
}

int
record_in_flight_layer(struct gate *g, const char *digest, char *first,
    size_t firstlen)
{
	struct store	*st = gate_store(g);

	if (st == NULL || digest == NULL || TAILQ_EMPTY(&g->uploads))
		return 0;
	return record_in_flight_at(g, st, digest, 0, first, firstlen);
}

struct record_base {
	const struct policy_rule *rule;
	json_t			*layers;	/* of the image judged */
	const char		*self;
	char			*best;		/* "repository@digest" */
	size_t			 bestlen;	/* its number of layers */
	json_t			*found;		/* digests under its first layer */
};

static int
record_base_cb(const char *digest, const char *json, void *arg)
{
	struct record_base	*b = arg;
	json_t			*j, *ld;
	const char		*repo;
	size_t			 n, i;

	if (strcmp(digest, b->self) == 0 || strncmp(digest, "sha256:", 7) != 0)
		return 0;
	if ((j = json_loads(json, 0, NULL)) == NULL)
		return 0;
	ld = json_object_get(j, "layer_digests");
	if (ld == NULL && json_is_true(json_object_get(j, "pending"))) {
		/* Pushed, never pulled yet: its manifest lists the layers. */
		ld = record_layer_digests(json_object_get(j, "manifest"));
		json_object_set_new(j, "layer_digests", ld);
	}
	repo = json_string_value(json_object_get(j, "repository"));
	n = json_array_size(ld);
	/* A proper prefix of the image's layers, longer than any so far. */
	if (policy_base_allowed(b->rule, repo) && n > 0 && n < json_array_size(b->layers) && n > b->bestlen) {
		for (i = 0; i < n; i++)
			if (!json_equal(json_array_get(ld, i),
			    json_array_get(b->layers, i)))
				break;
		if (i == n) {
			free(b->best);
			if (asprintf(&b->best, "%s@%s", repo, digest) == -1)
				b->best = NULL;
			else
				b->bestlen = n;
		}
	}
	json_decref(j);
	return 0;
}

/* An index key under the first layer: keep the image digest it names. */
static int
record_base_found(const char *key, const char *val, void *arg)
{
	struct record_base	*b = arg;
	const char		*at = strrchr(key, '@');

	(void)val;
	if (at != NULL && strcmp(at + 1, b->self) != 0)
		json_array_append_new(b->found, json_string(at + 1));
	return 0;
}

char *
record_find_base(struct gate *g, json_t *doc, const char *digest,
    const struct policy_rule *rule)
{
	struct store		*st = gate_store(g);
	struct record_base	 b;
	char			 prefix[BASEINDEX_KEY_LEN], *rec, *best = NULL;
	json_t			*d;
	size_t			 i;

	memset(&b, 0, sizeof(b));
	b.rule = rule;
	b.layers = json_object_get(doc, "layer_digests");
	b.self = digest;
	if (st == NULL || json_array_size(b.layers) < 2 || rule->nbases == 0)
		return NULL;
	if (baseindex_key(json_string_value(json_array_get(b.layers, 0)),
	    "", prefix, sizeof(prefix)) == -1 ||
	    (b.found = json_array()) == NULL)
		return NULL;
	/* Only images sharing its first layer can be its base. */
	if (store_digest_each(st, STORE_IMAGES, prefix, record_base_found,
	    &b) == -1)
		goto done;
	json_array_foreach(b.found, i, d) {
		if (store_digest_get(st, STORE_IMAGES, json_string_value(d),
		    &rec) != STORE_OK)
			continue;	/* an index entry outliving its image */
		record_base_cb(json_string_value(d), rec, &b);
		free(rec);
	}
	best = b.best;
	b.best = NULL;
 done:
	free(b.best);
	json_decref(b.found);
	return best;
}

void
record_rescanned(struct gate *g, const char *digest, const char *old)
{
	char	*doc = NULL;
	json_t	*was = json_loads(old, 0, NULL), *now = NULL;
	int	 error;

	/* Never judged before (a first scan): nothing changed. */
	if (was == NULL || json_is_true(json_object_get(was, "pending")))
		goto done;
	/* The scan left the image pending: build its document now. */
	if ((doc = record_scan_doc(g, digest, &error)) == NULL)
		goto done;
	if ((now = json_loads(doc, 0, NULL)) != NULL &&
	    !json_is_true(json_object_get(now, "pending")))
		record_changed(g, digest, old, now, "rescan");
 done:
	json_decref(was);
	json_decref(now);
	free(doc);
}
