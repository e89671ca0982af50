#include "proxy/gate/pushgate.h"
#include "proxy/gate/decide.h"
#include "proxy/gate/events.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/notify.h"
#include "proxy/gate/record.h"
#include "proxy/http/route.h"
#include "proxy/registry/regclient.h"
#include "proxy/relay/accesslog.h"
#include "proxy/relay/session.h"
#include "scan/image/verdict.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <http_parser.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Why a push was refused, for /metrics and webhooks: what the policy
 * found (the first that applies, in this order), or why no verdict
 * could be made.
 */
enum pushgate_reason {
	PUSH_VULNERABILITY = 0,
	PUSH_SECRET,
	PUSH_MISCONFIG,
	PUSH_POLICY,		/* base image, end of life, unscanned content */
	PUSH_UNSCANNED,		/* a layer that could not be scanned */
	PUSH_SCAN_TIMEOUT,	/* still scanning after scanner.wait */
	PUSH_STORE,		/* the store refused to record it */
	PUSH_NREASONS
};

static const char *const pushgate_reasons[PUSH_NREASONS] = {
	"vulnerability", "secret", "misconfiguration", "policy",
	"unscanned", "scan-timeout", "store",
};

/* A push whose layers are still being scanned. */
struct pushhold {
	TAILQ_ENTRY(pushhold)	 entry;
	struct gate		*g;
	struct session		*s;
	char			 digest[80];
	struct event		*timer;		/* scanner.wait */
};

int
pushgate_wanted(void *arg, struct session *s)
{
	struct gate		*g = arg;
	const struct route	*r = session_route(s);

	return r->kind == ROUTE_MANIFEST && session_method(s) == HTTP_PUT &&
	    policy_rule_for(&g->conf->policy, r->name)->enforce_push;
}

/* "sha256:<hex>" of the body: the manifest's digest. 0 or -1. */
static int
pushgate_digest(struct evbuffer *body, char *out, size_t len)
{
	size_t		 n = evbuffer_get_length(body);
	unsigned char	*p = evbuffer_pullup(body, -1);

	if ((p == NULL && n > 0) || len < 72 ||
	    regclient_digest_of(p, n, out) == -1) {
		log_warnx("pushgate: cannot hash a manifest");
		return -1;
	}
	return 0;
}

static enum pushgate_reason
pushgate_reason_of(const struct verdict *v)
{
	if (v->blocking_vulns > 0)
		return PUSH_VULNERABILITY;
	if (v->secrets > 0)
		return PUSH_SECRET;
	if (v->misconfigs > 0)
		return PUSH_MISCONFIG;
	return PUSH_POLICY;
}

/*
 * A refused push: counted by reason, logged with who pushed it, and
 * the webhooks told ("push-refused").
 */
static void
pushgate_refused(struct gate *g, struct session *s, const char *digest,
    enum pushgate_reason why, const char *msg)
{
	const struct route	*r = session_route(s);
	const char		*fields[6];
	char			 user[128];

	g->stats.pushes_refused[why]++;
	accesslog_user(session_request_header(s, "Authorization"), user,
	    sizeof(user));
	log_info("push of %s:%s (%s) by %s refused (%s): %s", r->name, r->ref,
	    digest, user[0] ? user : "anonymous", pushgate_reasons[why], msg);
	events_add(g->events, "push-refused", r->name, digest, user, msg,
	    NULL, NULL, pushgate_reasons[why]);
	if (g->conf->nwebhooks == 0)
		return;
	fields[0] = "push-refused";
	fields[1] = r->name;
	fields[2] = r->ref;
	fields[3] = digest;
	fields[4] = pushgate_reasons[why];
	fields[5] = msg;
	notify_event(g, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "event", "push-refused", "repository", r->name, "reference",
	    r->ref, "digest", digest, "user", user, "reason",
	    pushgate_reasons[why], "message", msg), fields, 6);
}

/*
 * Judge the manifest digest as a pull would be judged. RELAY_HOLD when
 * a layer is still being scanned (msg then names it).
 */
static enum relay_decision
pushgate_judge(struct gate *g, struct session *s, const char *digest,
    char *msg, size_t len)
{
	const struct route	*r = session_route(s);
	struct verdict		 v;
	char			 layer[80] = "";
	enum gate_decision	 d;

	d = decide_manifest(g, r->name, digest, session_request_header(s,
	    "Authorization"), msg, len, &v);
	switch (d) {
	case GATE_ALLOW:
	case GATE_SIGN:
		/* A signature comes after its image: checked at pull. */
		g->stats.pushes_judged++;
		return RELAY_ALLOW;
	case GATE_WAIT:
		record_in_flight_layer(g, digest, layer, sizeof(layer));
		snprintf(msg, len, "%s@%s: the scan of layer %s is still "
		    "running; retry the push in a moment", r->name, digest,
		    layer[0] ? layer : "?");
		return RELAY_HOLD;
	case GATE_SCAN: {
		char why[600];

		snprintf(why, sizeof(why), "%s", msg);
		snprintf(msg, len, "%s@%s cannot be judged, so it is not "
		    "pushed: %s; push again once the layers are in the "
		    "registry", r->name, digest, why);
		pushgate_refused(g, s, digest, PUSH_UNSCANNED, msg);
		return RELAY_DENY;
	}
	case GATE_VEX:
		/*
		 * Attestations name an image already in the registry: a
		 * push is judged as recorded, without looking for more.
		 */
		if (!v.deny) {
			g->stats.pushes_judged++;
			return RELAY_ALLOW;
		}
		break;
	case GATE_DENY:
		break;
	}
	pushgate_refused(g, s, digest, v.deny ? pushgate_reason_of(&v) :
	    PUSH_POLICY, msg);
	return RELAY_DENY;
}

static void
pushhold_free(struct pushhold *h)
{
	TAILQ_REMOVE(&h->g->pushholds, h, entry);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h);
}

/* scanner.wait is over: refuse (or let by, push_timeout says). */
static void
pushhold_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct pushhold		*h = arg;
	struct gate		*g = h->g;
	struct session		*s = h->s;
	const struct route	*r = session_route(s);
	char			 msg[800], layer[80] = "";
	enum relay_decision	 d = RELAY_DENY;

	record_in_flight_layer(g, h->digest, layer, sizeof(layer));
	if (policy_rule_for(&g->conf->policy, r->name)->push_accept_late) {
		g->stats.pushes_late++;
		log_warnx("push of %s@%s let through unjudged after %llu s "
		    "(push_timeout: accept-and-gate-pull); pulls are judged",
		    r->name, h->digest,
		    (unsigned long long)g->conf->scanner.wait);
		d = RELAY_ALLOW;
		msg[0] = '\0';
	} else {
		snprintf(msg, sizeof(msg), "%s@%s: the scan of layer %s is "
		    "still running after %llu s; retry the push in a moment",
		    r->name, h->digest, layer[0] ? layer : "?",
		    (unsigned long long)g->conf->scanner.wait);
		pushgate_refused(g, s, h->digest, PUSH_SCAN_TIMEOUT, msg);
	}
	/* The session may end inside the release: the hold goes first. */
	pushhold_free(h);
	session_admit_release(s, d, msg);
}

enum relay_decision
pushgate_admit(void *arg, struct session *s, struct evbuffer *body,
    char *msg, size_t len)
{
	struct gate		*g = arg;
	const struct route	*r = session_route(s);
	struct timeval		 tv = { (time_t)g->conf->scanner.wait, 0 };
	struct pushhold		*h;
	char			 digest[80];
	enum relay_decision	 d;

	if (pushgate_digest(body, digest, sizeof(digest)) == -1) {
		snprintf(msg, len, "%s: the proxy cannot judge this manifest "
		    "(out of memory); push it again", r->name);
		pushgate_refused(g, s, "?", PUSH_STORE, msg);
		return RELAY_DENY;
	}
	/*
	 * Recorded as if the registry had taken it: the layers it names
	 * are then known as this image's, and those the proxy never saw
	 * are read back now with the pusher's credentials.
	 */
	if (record_manifest(g, r->name, digest, body,
	    session_request_header(s, "Authorization")) == -1) {
		snprintf(msg, len, "%s@%s: the proxy could not record this "
		    "manifest to judge it (see its log); push it again in a "
		    "moment", r->name, digest);
		pushgate_refused(g, s, digest, PUSH_STORE, msg);
		return RELAY_DENY;
	}
	if ((d = pushgate_judge(g, s, digest, msg, len)) != RELAY_HOLD)
		return d;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->timer = evtimer_new(g->base, pushhold_timeout_cb, h)) ==
	    NULL || evtimer_add(h->timer, &tv) == -1) {
		if (h != NULL && h->timer != NULL)
			event_free(h->timer);
		free(h);
		snprintf(msg, len, "%s@%s: the proxy cannot wait for its "
		    "layers' scans (out of memory); push it again", r->name,
		    digest);
		pushgate_refused(g, s, digest, PUSH_UNSCANNED, msg);
		return RELAY_DENY;
	}
	h->g = g;
	h->s = s;
	snprintf(h->digest, sizeof(h->digest), "%s", digest);
	TAILQ_INSERT_TAIL(&g->pushholds, h, entry);
	log_info("session %llu: holding the push of %s@%s until its layers "
	    "are scanned", (unsigned long long)session_id(s), r->name, digest);
	return RELAY_HOLD;
}

void
pushgate_layers_done(struct gate *g)
{
	struct pushhold		*h, *next;
	struct session		*s;
	char			 msg[800];
	enum relay_decision	 d;

	/* Releasing may free h: take the next one first. */
	for (h = TAILQ_FIRST(&g->pushholds); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if ((d = pushgate_judge(g, h->s, h->digest, msg,
		    sizeof(msg))) == RELAY_HOLD)
			continue;	/* another of its layers scans on */
		s = h->s;
		pushhold_free(h);
		session_admit_release(s, d, msg);
	}
}

void
pushgate_gone(void *arg, struct session *s)
{
	struct gate	*g = arg;
	struct pushhold	*h;

	TAILQ_FOREACH(h, &g->pushholds, entry) {
		if (h->s == s) {
			pushhold_free(h);
			return;
		}
	}
}

void
pushgate_shutdown(struct gate *g)
{
	struct pushhold	*h;

	while ((h = TAILQ_FIRST(&g->pushholds)) != NULL)
		pushhold_free(h);
}

void
pushgate_metrics(struct gate *g, struct evbuffer *out)
{
	int	i;

	evbuffer_add_printf(out,
	    "# TYPE portcullis_pushes_judged_total counter\n"
	    "portcullis_pushes_judged_total %llu\n"
	    "# TYPE portcullis_pushes_accepted_unjudged_total counter\n"
	    "portcullis_pushes_accepted_unjudged_total %llu\n"
	    "# TYPE portcullis_pushes_refused_total counter\n",
	    (unsigned long long)g->stats.pushes_judged,
	    (unsigned long long)g->stats.pushes_late);
	for (i = 0; i < PUSH_NREASONS; i++)
		evbuffer_add_printf(out, "portcullis_pushes_refused_total"
		    "{reason=\"%s\"} %llu\n", pushgate_reasons[i],
		    (unsigned long long)g->stats.pushes_refused[i]);
}
