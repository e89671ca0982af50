#include "proxy/endpoint/search.h"
#include "proxy/gate/attest.h"
#include "proxy/endpoint/operator.h"
#include "proxy/gate/asclient.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/imagedoc.h"
#include "proxy/gate/searchindex.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/registry/regclient.h"
#include "proxy/relay/session.h"
#include "scan/image/suppress.h"
#include "scan/image/verdict.h"
#include "scan/version/version.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <ctype.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fnmatch.h>
#include <http_parser.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEARCH_LIMIT_DEFAULT	50
#define SEARCH_LIMIT_MAX	500
/*
 * Index entries one request looks at, at most: a page of a query whose
 * matches the caller mostly may not read ends early, with a cursor.
 */
#define SEARCH_BUDGET		20000
/* What the registry said of a caller and a repository, for this long. */
#define SEARCH_ACCESS_TTL	30
#define SEARCH_ACCESS_SLOTS	4096
/* Wildcards in a caller's repository glob, at most. */
#define SEARCH_GLOB_WILDCARDS	8
/* Matches listed per result. */
#define SEARCH_MATCHES_MAX	20

struct search_req {
	struct store	*st;
	struct policy	 policy;		/* a copy: reloads may come */
	char		*htpasswd;		/* admin.htpasswd, or NULL */
	char		 advisory[160];
	char		 package[256];
	char		 versions[128];
	char		 type[32];
	char		 glob[256];		/* repository glob, "" any */
	char		 verdict[12];		/* allow, deny, pending; "" any */
	long		 limit;
	char		 after_key[512];	/* the cursor, "" none */
	char		 after_repo[256];
};

/* The page being built, on the thread. */
struct search_page {
	struct search_req	*q;
	struct regclient	*rc;
	int			 admin;
	unsigned char		 who[32];	/* sha256 of the credentials */
	char			 version[64];	/* the data version */
	json_t			*results;
	long			 examined;
	char			 next_key[512];
	char			 next_repo[256];
	int			 full;		/* stop: a cursor is set */
	int			 error;
};

/* Caller x repository -> may read, shared by the threads. */
static struct {
	unsigned char	who[32];
	char		repo[256];
	time_t		until;
	int		ok;
} search_access[SEARCH_ACCESS_SLOTS];
static pthread_mutex_t	search_access_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t
search_slot(const unsigned char *who, const char *repo)
{
	size_t	h = 5381;

	for (; *repo != '\0'; repo++)
		h = h * 33 + (unsigned char)*repo;
	return (h ^ ((size_t)who[0] << 8 | who[1])) % SEARCH_ACCESS_SLOTS;
}

/*
 * May the caller read digest in repo? Asked of the registry with the
 * caller's own credentials (a token fetched for it where the registry
 * wants one); the answer, yes or no, kept SEARCH_ACCESS_TTL seconds.
 */
static int
search_may_read(struct search_page *p, const char *repo, const char *digest)
{
	size_t	 slot = search_slot(p->who, repo);
	time_t	 now = time(NULL);
	char	*body = NULL, dg[72], err[256];
	size_t	 len;
	int	 ok = -1;

	if (p->admin)
		return 1;
	pthread_mutex_lock(&search_access_lock);
	if (search_access[slot].until >= now &&
	    memcmp(search_access[slot].who, p->who, sizeof(p->who)) == 0 &&
	    strcmp(search_access[slot].repo, repo) == 0)
		ok = search_access[slot].ok;
	pthread_mutex_unlock(&search_access_lock);
	if (ok >= 0)
		return ok;
	ok = regclient_manifest(p->rc, repo, digest, 4u << 20, &body, &len,
	    dg, err, sizeof(err)) == 0;
	free(body);
	pthread_mutex_lock(&search_access_lock);
	memcpy(search_access[slot].who, p->who, sizeof(p->who));
	snprintf(search_access[slot].repo, sizeof(search_access[slot].repo),
	    "%s", repo);
	search_access[slot].until = now + SEARCH_ACCESS_TTL;
	search_access[slot].ok = ok;
	pthread_mutex_unlock(&search_access_lock);
	return ok;
}

/* Does one of a package key's "type version" lines pass the filters? */
static int
search_versions(const struct search_req *q, const char *lines, json_t *out)
{
	const char	*l = lines;
	char		 type[32], ver[256];
	int		 any = 0;

	while (l != NULL && *l != '\0') {
		size_t	 n = strcspn(l, "\n");
		int	 ok = 1;

		if (sscanf(l, "%31s %255s", type, ver) != 2)
			break;
		if (q->type[0] != '\0' && strcmp(q->type, type) != 0)
			ok = 0;
		if (ok && q->versions[0] != '\0')
			ok = version_in_range(version_scheme_of_type(type), ver,
			    q->versions);
		if (ok) {
			any = 1;
			if (out != NULL && json_array_size(out) <
			    SEARCH_MATCHES_MAX)
				json_array_append_new(out, json_pack("{s:s, s:s}",
				    "type", type, "version", ver));
		}
		l += n + (l[n] == '\n');
	}
	return any;
}

/* The advisory's findings in a document, for the result. */
static void
search_findings(const char *advisory, json_t *doc, json_t *out)
{
	json_t	*x;
	size_t	 i;

	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, x) {
		int hit = suppress_names_advisory(x, advisory);

		if (hit && json_array_size(out) < SEARCH_MATCHES_MAX)
			json_array_append_new(out, json_pack("{s:O, s:O, s:O, "
			    "s:O?, s:O?}", "id", json_object_get(x, "id"),
			    "package", json_object_get(x, "package"), "version",
			    json_object_get(x, "version"), "fixed",
			    json_object_get(x, "fixed"), "severity",
			    json_object_get(x, "severity")));
	}
}

/* One image in one repository: 1 listed, 0 not, -1 stop (an error). */
static int
search_one(struct search_page *p, const char *repo, const char *digest,
    const char *value)
{
	struct search_req	*q = p->q;
	struct verdict		 v;
	json_t			*doc = NULL, *item = NULL, *matches;
	char			*text;
	const char		*verdict;
	int			 rv = 0, pending;

	if (q->package[0] != '\0' && !search_versions(q, value, NULL))
		return 0;
	if (!search_may_read(p, repo, digest))
		return 0;
	if ((text = imagedoc_verdict(q->st, digest, p->version)) == NULL &&
	    store_digest_get(q->st, STORE_IMAGES, digest, &text) ==
	    STORE_ERROR) {
		p->error = 1;
		return -1;
	}
	if (text == NULL || (doc = json_loads(text, 0, NULL)) == NULL)
		goto done;	/* gone meanwhile */
	pending = json_is_true(json_object_get(doc, "pending"));
	if (pending)
		verdict = "pending";
	else {
		attest_verdict(q->st, &q->policy, doc, repo, digest,
		    time(NULL), &v, NULL);
		verdict = v.deny ? "deny" : "allow";
	}
	if (q->verdict[0] != '\0' && strcmp(q->verdict, verdict) != 0)
		goto done;
	item = json_pack("{s:s, s:s, s:s, s:s, s:O?, s:O?, s:O?, s:O?}",
	    "repository", repo, "digest", digest, "verdict", verdict,
	    "reasons", pending ? "" : v.message,
	    "summary", json_object_get(doc, "summary"), "scanned_at",
	    json_object_get(doc, "scanned_at"), "data_version",
	    json_object_get(doc, "data_version"), "os",
	    json_object_get(json_object_get(doc, "os"), "pretty_name"));
	if (item == NULL)
		goto done;
	matches = json_array();
	if (q->advisory[0] != '\0')
		search_findings(q->advisory, doc, matches);
	else if (q->package[0] != '\0')
		search_versions(q, value, matches);
	json_object_set_new(item, "matches", matches);
	json_array_append_new(p->results, item);
	rv = 1;
 done:
	json_decref(doc);
	free(text);
	return rv;
}

struct search_repos {
	json_t	*list;
};

static int
search_repo_add(const char *repo, void *arg)
{
	json_array_append_new(((struct search_repos *)arg)->list,
	    json_string(repo));
	return 0;
}

/*
 * One index entry: the image in each repository filed for it (the
 * entry's own for a repository search), from after after_repo.
 */
static int
search_entry(struct search_page *p, int kind, const char *term,
    const char *digest, const char *value, const char *key,
    const char *after_repo)
{
	struct search_repos	 r = { json_array() };
	json_t			*x;
	size_t			 i;
	int			 rv = 0;

	if (r.list == NULL)
		return -1;
	if (kind == SEARCHINDEX_REPOSITORY)
		json_array_append_new(r.list, json_string(term));
	else if (searchindex_repositories(p->q->st, digest, search_repo_add,
	    &r) == -1) {
		p->error = 1;
		rv = -1;
		goto done;
	}
	json_array_foreach(r.list, i, x) {
		const char *repo = json_string_value(x);

		if (after_repo != NULL && strcmp(repo, after_repo) <= 0)
			continue;
		if (p->q->glob[0] != '\0' && fnmatch(p->q->glob, repo, 0) != 0)
			continue;
		if ((size_t)json_array_size(p->results) >= (size_t)p->q->limit ||
		    ++p->examined > SEARCH_BUDGET) {
			/* Go on from before this one next time. */
			p->full = 1;
			rv = 1;
			goto done;
		}
		snprintf(p->next_key, sizeof(p->next_key), "%s", key);
		snprintf(p->next_repo, sizeof(p->next_repo), "%s", repo);
		if (search_one(p, repo, digest, value) == -1) {
			rv = -1;
			goto done;
		}
	}
 done:
	json_decref(r.list);
	return rv;
}

struct search_walk {
	struct search_page	*p;
	int			 kind;
	/* A repository glob's part before its first wildcard. */
	char			 lit[256];
};

static int
search_found(const char *term, const char *digest, const char *value,
    const char *key, void *arg)
{
	struct search_walk *w = arg;

	/* Repositories sort by name: past the glob's fixed part, done. */
	if (w->kind == SEARCHINDEX_REPOSITORY && strncmp(term, w->lit,
	    strlen(w->lit)) != 0)
		return 1;
	switch (search_entry(w->p, w->kind, term, digest, value, key, NULL)) {
	case 0:
		return 0;
	default:
		return 1;
	}
}

/* Hex of n bytes, for the cursor. */
static void
search_hex(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 <= len; s++, o += 2)
		snprintf(out + o, 3, "%02x", (unsigned char)*s);
	out[o] = '\0';
}

static int
search_unhex(const char *s, size_t n, char *out, size_t len)
{
	size_t	i;

	if (n % 2 != 0 || n / 2 >= len)
		return -1;
	for (i = 0; i < n; i += 2) {
		char h[3] = { s[i], s[i + 1], 0 };

		if (!isxdigit((unsigned char)h[0]) ||
		    !isxdigit((unsigned char)h[1]))
			return -1;
		out[i / 2] = (char)strtol(h, NULL, 16);
		if (out[i / 2] == '\0')
			return -1;
	}
	out[n / 2] = '\0';
	return 0;
}

/* On the thread: the page. */
static void
search_work(struct asclient *c, struct regclient *rc)
{
	struct search_req	*q = c->arg;
	struct search_page	 p;
	struct search_walk	 w = { &p, 0, "" };
	struct regclient_answer	 a;
	const char		*term = NULL;
	char			 err[256], cursor[1700], hk[1100], hr[520];
	json_t			*out = NULL;

	memset(&p, 0, sizeof(p));
	p.q = q;
	p.rc = rc;
	c->status = 502;
	if ((p.results = json_array()) == NULL)
		return;
	EVP_Digest(c->auth ? c->auth : "", c->auth ? strlen(c->auth) : 0,
	    p.who, NULL, EVP_sha256(), NULL);
	p.admin = q->htpasswd != NULL && operator_check(q->htpasswd, c->auth);
	if (!p.admin && c->auth == NULL) {
		/* A registry that wants credentials: ask for them. */
		if (regclient_as_client(rc, EVHTTP_REQ_GET, "/v2/", NULL,
		    NULL, NULL, NULL, 0, 4096, &a, err, sizeof(err)) == -1)
			goto done;
		free(a.body);
		if (a.status == 401) {
			c->status = 401;
			snprintf(c->www_auth, sizeof(c->www_auth),
			    "Basic realm=\"portcullis search\"");
			goto done;
		}
	}
	if (!p.admin && c->auth != NULL &&
	    regclient_set_authorization(rc, c->auth) == -1)
		goto done;
	if (store_meta_get(q->st, "data_version", p.version,
	    sizeof(p.version)) == STORE_ERROR)
		goto done;
	if (q->advisory[0] != '\0') {
		w.kind = SEARCHINDEX_ADVISORY;
		term = q->advisory;
	} else if (q->package[0] != '\0') {
		w.kind = SEARCHINDEX_PACKAGE;
		term = q->package;
	} else {
		w.kind = SEARCHINDEX_REPOSITORY;
		snprintf(w.lit, sizeof(w.lit), "%.*s", (int)strcspn(q->glob,
		    "*?[\\"), q->glob);
	}
	/* The cursor's entry first: the repositories after its own. */
	if (q->after_key[0] != '\0') {
		const char *d = strrchr(q->after_key, SEARCHINDEX_SEP[0]);
		char	    t[512];

		char	   *val = NULL;

		if (d != NULL && w.kind != SEARCHINDEX_REPOSITORY &&
		    strlen(q->after_key) > 2 && q->after_key[0] == w.kind) {
			snprintf(t, sizeof(t), "%.*s", (int)(d - q->after_key -
			    2), q->after_key + 2);
			/* Its value (a package's versions), if still there. */
			if (store_digest_get(q->st, STORE_SEARCH, q->after_key,
			    &val) == STORE_ERROR ||
			    search_entry(&p, w.kind, t, d + 1, val ? val : "",
			    q->after_key, q->after_repo) == -1) {
				free(val);
				goto done;
			}
			free(val);
		}
	}
	/* A glob with a fixed start begins there (its keys sort first). */
	if (q->after_key[0] == '\0' && w.lit[0] != '\0')
		snprintf(q->after_key, sizeof(q->after_key), "%c"
		    SEARCHINDEX_SEP "%s", SEARCHINDEX_REPOSITORY, w.lit);
	if (!p.full && searchindex_each(q->st, w.kind, term,
	    q->after_key[0] ? q->after_key : NULL, search_found, &w) == -1)
		p.error = 1;
	if (p.error)
		goto done;
	cursor[0] = '\0';
	if (p.full) {
		search_hex(p.next_key, hk, sizeof(hk));
		search_hex(p.next_repo, hr, sizeof(hr));
		snprintf(cursor, sizeof(cursor), "%s.%s", hk, hr);
	}
	/* A full page's cursor points at what is left, maybe nothing. */
	out = json_pack("{s:O, s:s?}", "results", p.results, "next",
	    cursor[0] ? cursor : NULL);
	if (out == NULL || (c->body = json_dumps(out, JSON_INDENT(1) |
	    JSON_REAL_PRECISION(10))) == NULL)
		goto done;
	c->len = strlen(c->body);
	c->content_type = "application/json";
	c->status = 200;
 done:
	if (p.error)
		log_warnx("search: the store cannot be read");
	json_decref(out);
	json_decref(p.results);
}

static void
search_free(struct asclient *c)
{
	struct search_req *q = c->arg;

	policy_clear(&q->policy);
	free(q->htpasswd);
	free(q);
}

static size_t
search_wildcards(const char *glob)
{
	size_t	n = 0;

	for (; *glob != '\0'; glob++)
		n += *glob == '*' || *glob == '?' || *glob == '[';
	return n;
}

/* The query into q. NULL, or what is wrong with it. */
static const char *
search_query(const char *query, struct search_req *q)
{
	static const struct { const char *key; size_t off, len; } f[] = {
#define F(k, m) { k, offsetof(struct search_req, m), \
	sizeof(((struct search_req *)0)->m) }
		F("advisory", advisory), F("package", package),
		F("versions", versions), F("type", type),
		F("repository", glob), F("verdict", verdict),
#undef F
	};
	struct evkeyvalq	 kv;
	struct evkeyval		*e;
	const char		*why = NULL, *dot;
	char			*end;
	size_t			 i;

	q->limit = SEARCH_LIMIT_DEFAULT;
	if (query == NULL)
		return NULL;
	if (evhttp_parse_query_str(query, &kv) != 0)
		return "the query string does not parse";
	TAILQ_FOREACH(e, &kv, next) {
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (strcmp(e->key, f[i].key) == 0)
				break;
		if (i < sizeof(f) / sizeof(f[0])) {
			if (strlen(e->value) >= f[i].len ||
			    strpbrk(e->value, SEARCHINDEX_SEP "\n") != NULL) {
				why = "a search term is too long or holds a "
				    "control character";
				break;
			}
			memcpy((char *)q + f[i].off, e->value,
			    strlen(e->value) + 1);
		} else if (strcmp(e->key, "limit") == 0) {
			q->limit = strtol(e->value, &end, 10);
			if (*e->value == '\0' || *end != '\0' || q->limit < 1 ||
			    q->limit > SEARCH_LIMIT_MAX) {
				why = "limit is a number from 1 to 500";
				break;
			}
		} else if (strcmp(e->key, "cursor") == 0) {
			if ((dot = strchr(e->value, '.')) == NULL ||
			    search_unhex(e->value, (size_t)(dot - e->value),
			    q->after_key, sizeof(q->after_key)) == -1 ||
			    search_unhex(dot + 1, strlen(dot + 1),
			    q->after_repo, sizeof(q->after_repo)) == -1) {
				why = "cursor is not one this API gave";
				break;
			}
		} else {
			why = "unknown search parameter (advisory, package, "
			    "versions, type, repository, verdict, limit, "
			    "cursor)";
			break;
		}
	}
	evhttp_clear_headers(&kv);
	/*
	 * fnmatch backtracks once per wildcard: a caller's glob with many of
	 * them could cost far more than a search should.
	 */
	if (why == NULL && search_wildcards(q->glob) > SEARCH_GLOB_WILDCARDS)
		why = "a repository glob has at most 8 wildcards";
	if (why == NULL && q->verdict[0] != '\0' && strcmp(q->verdict,
	    "allow") != 0 && strcmp(q->verdict, "deny") != 0 &&
	    strcmp(q->verdict, "pending") != 0)
		why = "verdict is allow, deny or pending";
	if (why == NULL && (q->versions[0] != '\0' || q->type[0] != '\0') &&
	    q->package[0] == '\0')
		why = "versions and type narrow a package search";
	if (why == NULL && q->advisory[0] != '\0' && q->package[0] != '\0')
		why = "search by advisory or by package, not both";
	return why;
}

int
search_reply(struct gate *g, struct session *s, struct evbuffer *out)
{
	struct search_req	*q;
	const char		*why;
	int			 n;

	if (session_method(s) != HTTP_GET) {
		session_set_status(s, 405);
		return ocierr_reply(out, 405, "UNSUPPORTED", "the search API "
		    "answers GET", NULL, session_reply_closes(s)) == -1 ? -1 : 0;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	if ((why = search_query(session_route(s)->query, q)) != NULL) {
		free(q);
		session_set_status(s, 400);
		n = ocierr_reply(out, 400, "UNSUPPORTED", why, NULL,
		    session_reply_closes(s));
		if (n > 0)
			session_set_response_bytes(s, (size_t)n);
		return n == -1 ? -1 : 0;
	}
	if ((q->st = gate_store(g)) == NULL) {
		free(q);
		session_set_status(s, 503);
		n = ocierr_reply(out, 503, "UNAVAILABLE", "the scan store "
		    "cannot be read", NULL, session_reply_closes(s));
		return n == -1 ? -1 : 0;
	}
	if (policy_copy(&q->policy, &g->conf->policy) == -1 ||
	    (g->conf->admin_htpasswd != NULL && (q->htpasswd =
	    strdup(g->conf->admin_htpasswd)) == NULL)) {
		policy_clear(&q->policy);
		free(q);
		return -1;
	}
	if (asclient_start(g, s, session_request_header(s, "Authorization"),
	    search_work, search_free, q) == 0)
		return 1;
	policy_clear(&q->policy);
	free(q->htpasswd);
	free(q);
	return asclient_busy(s, out);
}
