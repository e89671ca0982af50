#include "proxy/endpoint/overview.h"
#include "proxy/endpoint/operator.h"
#include "proxy/gate/asclient.h"
#include "proxy/gate/breakglass.h"
#include "proxy/gate/events.h"
#include "proxy/gate/feeds.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/searchindex.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/relay/session.h"
#include "scan/catalog/ruleinfo.h"
#include "scan/image/suppress.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"
#include "config.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <http_parser.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Images counted per exception, at most (enough to say "in use"). */
#define OVERVIEW_COVER_MAX	1000
/* Image documents read for all exceptions of one overview, at most. */
#define OVERVIEW_READ_MAX	20000

struct overview_req {
	char		*htpasswd;
	int		 login;		/* /portcullis/v1/login */
	json_t		*doc;		/* built on the loop */
	struct store	*st;		/* NULL: events, nothing to count */
	struct policy	 policy;	/* a copy, for counting */
};

static const char *
overview_sev(int rank)
{
	static const char *const n[] = { "none", "low", "medium", "high",
	    "critical" };

	return rank >= 0 && rank <= 4 ? n[rank] : "?";
}

static json_t *
overview_rule(const struct policy_rule *r)
{
	json_t	*mis = json_array(), *bases = json_array();
	int	 i;

	for (i = 0; policy_misconfigs[i] != NULL; i++)
		if ((r->misconfig >> i) & 1)
			json_array_append_new(mis, json_string(
			    policy_misconfigs[i]));
	for (i = 0; i < r->nbases; i++)
		json_array_append_new(bases, json_string(r->bases[i]));
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:o, s:s, s:s, s:s, "
	    "s:b, s:b, s:I, s:o}", "match", r->match[0] ? r->match : "*",
	    "severity", overview_sev(r->severity), "unknown_severity",
	    overview_sev(r->unknown_severity), "fixable_only", r->fixable_only,
	    "secrets", r->block_secrets, "misconfig", mis, "unknown_images",
	    r->unknown == POLICY_UNKNOWN_BLOCK ? "block" :
	    r->unknown == POLICY_UNKNOWN_SCAN ? "scan" : "allow",
	    "incomplete_scan", r->block_incomplete ? "block" : "allow", "eol",
	    r->eol == POLICY_EOL_BLOCK ? "block" : r->eol == POLICY_EOL_OFF ?
	    "off" : "warn", "enforce_push", r->enforce_push,
	    "require_signature", r->require_signature, "max_data_age",
	    (json_int_t)r->max_data_age, "allowed_bases", bases);
}

static json_t *
overview_policy(const struct policy *p, time_t now)
{
	json_t	*rules = json_array(), *exc = json_array(), *vex = json_array();
	size_t	 i, j;

	json_array_append_new(rules, overview_rule(&p->def));
	for (i = 0; i < p->nover; i++)
		json_array_append_new(rules, overview_rule(&p->over[i]));
	for (i = 0; i < p->nexc; i++) {
		const struct policy_exception *e = &p->exc[i];
		char made[16], exp[16];

		policy_day(e->created, made, sizeof(made));
		policy_day(e->expires, exp, sizeof(exp));
		json_array_append_new(exc, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "number",
		    (json_int_t)i + 1, "kind", e->from_allowlist ? "allowlist" :
		    "exception", "id", e->id, "repository", e->repository,
		    "digest", e->digest, "package", e->package, "versions",
		    e->versions, "path", e->path, "owner", e->owner, "reason",
		    e->reason, "created", made, "expires", exp, "state",
		    policy_exception_live(e, now) ? "active" : "expired"));
	}
	for (i = 0; i < p->vex.n; i++) {
		const struct vex_statement	*v = &p->vex.st[i];
		json_t				*prods = json_array();

		for (j = 0; j < p->vex.nprod; j++)
			if (p->vex.prod[j].stmt == i)
				json_array_append_new(prods, json_pack("{s:s, "
				    "s:s}", "product", p->vex.prod[j].product,
				    "subcomponent", p->vex.prod[j].sub));
		json_array_append_new(vex, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:o}", "vulnerability", v->vuln, "status", v->status,
		    "justification", v->justification, "impact", v->impact,
		    "statement", v->source, "products", prods));
	}
	return json_pack("{s:o, s:o, s:o}", "rules", rules, "exceptions", exc,
	    "vex", vex);
}

struct overview_cover {
	size_t				*reads;	/* shared budget */
	const struct policy		*p;
	const struct policy_exception	*e;
	int				 idx;
	struct store			*st;
	json_t				*seen;		/* digests counted */
};

static int
overview_repo_cb(const char *repo, void *arg)
{
	json_t **first = arg;

	if (*first == NULL)
		*first = json_string(repo);
	return 0;
}

/* One image filed under the exception's term: does it cover a finding? */
static int
overview_cover_one(const char *term, const char *digest, const char *value,
    const char *key, void *arg)
{
	struct overview_cover	*c = arg;
	char			*text = NULL;
	json_t			*doc = NULL, *x, *repo = NULL;
	size_t			 i;

	(void)term;
	(void)value;
	(void)key;
	if (json_object_get(c->seen, digest) != NULL)
		return 0;
	if (++*c->reads > OVERVIEW_READ_MAX)
		return 1;	/* out of budget: the count is a lower bound */
	if (store_digest_get(c->st, STORE_IMAGES, digest, &text) != STORE_OK ||
	    (doc = json_loads(text, 0, NULL)) == NULL)
		goto done;
	searchindex_repositories(c->st, digest, overview_repo_cb, &repo);
	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, x) {
		struct suppress_subject s = { json_string_value(repo), digest,
		    time(NULL), NULL };

		if (suppress_exception(c->p, SUPPRESS_VULN, x, &s) == c->idx) {
			json_object_set_new(c->seen, digest, json_true());
			break;
		}
	}
 done:
	json_decref(repo);
	json_decref(doc);
	free(text);
	return json_object_size(c->seen) >= OVERVIEW_COVER_MAX ? 1 : 0;
}

/*
 * On the thread: how many judged images each exception covers a finding
 * of, found through the search index (id or package); a rule id
 * (secret, misconfiguration) has no index: null. 0 and active: unused.
 */
static void
overview_coverage(struct overview_req *q)
{
	json_t	*exc = json_object_get(json_object_get(q->doc, "policy"),
		    "exceptions"), *x;
	size_t	 i, reads = 0;

	json_array_foreach(exc, i, x) {
		const struct policy_exception	*e = &q->policy.exc[i];
		struct overview_cover		 c = { &reads, &q->policy, e,
						    (int)i, q->st, json_object() };
		int				 rv;

		if (i >= q->policy.nexc || c.seen == NULL)
			break;
		if (e->id[0] != '\0')
			rv = searchindex_each(q->st, SEARCHINDEX_ADVISORY, e->id,
			    NULL, overview_cover_one, &c);
		else
			rv = searchindex_each(q->st, SEARCHINDEX_PACKAGE,
			    e->package, NULL, overview_cover_one, &c);
		if (rv == -1 || (e->id[0] != '\0' &&
		    ruleinfo_find(e->id) != NULL))
			/* A secret or misconfiguration rule: not indexed. */
			json_object_set_new(x, "images", json_null());
		else
			json_object_set_new(x, "images", json_integer(
			    (json_int_t)json_object_size(c.seen)));
		/* Out of budget before any was found: not known. */
		if (reads > OVERVIEW_READ_MAX && json_object_size(c.seen) == 0)
			json_object_set_new(x, "images", json_null());
		json_object_set_new(x, "unused", json_boolean(
		    json_is_integer(json_object_get(x, "images")) &&
		    json_integer_value(json_object_get(x, "images")) == 0 &&
		    policy_exception_live(e, time(NULL))));
		json_decref(c.seen);
	}
}

static void
overview_work(struct asclient *c, struct regclient *rc)
{
	struct overview_req	*q = c->arg;

	(void)rc;
	if (q->htpasswd == NULL || !operator_check(q->htpasswd, c->auth)) {
		/*
		 * Only the sign-in page asks for credentials: a challenge on
		 * the dashboard's own fetches would pop a dialog at everyone.
		 */
		c->status = 401;
		if (q->login)
			snprintf(c->www_auth, sizeof(c->www_auth),
			    "Basic realm=\"portcullis operators\"");
		return;
	}
	if (q->login) {
		static const char page[] = "<!doctype html><meta charset=utf-8>"
		    "<link rel=icon href=\"data:,\">"
		    "<meta http-equiv=refresh content=\"0; url=/portcullis/ui/"
		    "\"><title>portcullis</title><p>Signed in. <a href=\""
		    "/portcullis/ui/\">Back to the dashboard</a>.\n";

		if ((c->body = strdup(page)) == NULL) {
			c->status = 502;
			return;
		}
		c->len = strlen(page);
		c->content_type = "text/html; charset=utf-8";
		c->status = 200;
		return;
	}
	if (q->st != NULL)
		overview_coverage(q);
	if ((c->body = json_dumps(q->doc, JSON_INDENT(1))) == NULL) {
		c->status = 502;
		return;
	}
	c->len = strlen(c->body);
	c->content_type = "application/json";
	c->status = 200;
}

static void
overview_free(struct asclient *c)
{
	struct overview_req *q = c->arg;

	json_decref(q->doc);
	free(q->htpasswd);
	policy_clear(&q->policy);
	free(q);
}

/* The grants on record; none when the store cannot say. */
static json_t *
overview_grants_or_none(struct store *st, time_t now)
{
	json_t	*all = st != NULL ? breakglass_records(st, now) : NULL;

	return all != NULL ? all : json_array();
}

static json_t *
overview_doc(struct gate *g)
{
	struct store		*st = gate_store(g);
	const struct gate_stats	*s = &g->stats;
	json_t			*feeds = json_object();
	char			 inst[256], ver[64] = "";
	time_t			 now = time(NULL);

	conf_instance(g->conf, inst, sizeof(inst));
	if (st != NULL)
		store_meta_get(st, "data_version", ver, sizeof(ver));
	feeds_annotate(g->feeds, feeds);
	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:o, s:{s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I}, s:o, s:o}", "instance", inst,
	    "version", PACKAGE_VERSION, "time", (json_int_t)now,
	    "data_version", ver, "advisory_entries", (json_int_t)(st ?
	    store_adv_count(st) : 0), "feeds", feeds, "stats",
	    "pulls_allowed", (json_int_t)s->allowed, "pulls_denied",
	    (json_int_t)s->denied, "cache_hits", (json_int_t)s->cached,
	    "layers_scanned", (json_int_t)s->layers_scanned,
	    "verdicts_changed", (json_int_t)s->verdicts_changed,
	    "breakglass_allowed", (json_int_t)s->breakglass,
	    "excepted", (json_int_t)s->excepted, "blobs_denied",
	    (json_int_t)s->blobs_denied, "policy",
	    overview_policy(&g->conf->policy, now), "breakglass",
	    overview_grants_or_none(st, now));
}

/* ?limit= of the events, 0 (all) when absent or not a number. */
static size_t
overview_limit(const char *query)
{
	struct evkeyvalq	 q;
	const char		*v;
	long			 n = 0;

	if (query == NULL || evhttp_parse_query_str(query, &q) != 0)
		return 0;
	if ((v = evhttp_find_header(&q, "limit")) != NULL)
		n = strtol(v, NULL, 10);
	evhttp_clear_headers(&q);
	return n > 0 && n <= EVENTS_MAX ? (size_t)n : 0;
}

int
overview_reply(struct gate *g, struct session *s, struct evbuffer *out)
{
	const struct route	*r = session_route(s);
	struct overview_req	*q;

	if (session_method(s) != HTTP_GET) {
		session_set_status(s, 405);
		return ocierr_reply(out, 405, "UNSUPPORTED", "this endpoint "
		    "answers GET", NULL, session_reply_closes(s)) == -1 ? -1 : 0;
	}
	if (g->conf->admin_htpasswd == NULL) {
		session_set_status(s, 403);
		return ocierr_reply(out, 403, "DENIED", "no operator accounts: "
		    "set admin.htpasswd in the configuration", NULL,
		    session_reply_closes(s)) == -1 ? -1 : 0;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->htpasswd = strdup(g->conf->admin_htpasswd)) == NULL)
		goto fail;
	q->login = r->kind == ROUTE_LOGIN;
	if (r->kind == ROUTE_EVENTS || q->login)
		q->doc = json_pack("{s:o}", "events", events_json(g->events,
		    q->login ? 1 : overview_limit(r->query)));
	else {
		q->doc = overview_doc(g);
		q->st = gate_store(g);
		if (policy_copy(&q->policy, &g->conf->policy) == -1)
			goto fail;
	}
	if (q->doc == NULL)
		goto fail;
	if (asclient_start(g, s, session_request_header(s, "Authorization"),
	    overview_work, overview_free, q) == 0)
		return 1;
	json_decref(q->doc);
	policy_clear(&q->policy);
	free(q->htpasswd);
	free(q);
	return asclient_busy(s, out);
 fail:
	if (q != NULL) {
		json_decref(q->doc);
		free(q->htpasswd);
		free(q);
	}
	return -1;
}
