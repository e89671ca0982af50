#include "proxy/gate/hold.h"
#include "proxy/gate/breakglass.h"
#include "proxy/gate/decide.h"
#include "proxy/gate/events.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/scanjob.h"
#include "proxy/http/route.h"
#include "proxy/relay/accesslog.h"
#include "proxy/relay/session.h"
#include "scan/image/verdict.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/event.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A pull whose decision waits for a scan, a signature or pushed layers. */
struct hold {
	TAILQ_ENTRY(hold)	 entry;
	struct gate		*g;
	struct session		*s;
	enum gate_decision	 kind;		/* what it waits for */
	int			 uploads;	/* ... pushed layers' scans */
	struct event		*timer;		/* gives up waiting */
};

static void	hold_release(struct hold *, const char *);
static enum relay_decision hold_decide_now(struct gate *, struct session *,
		    char *, size_t);

static void
hold_free(struct hold *h)
{
	TAILQ_REMOVE(&h->g->holds, h, entry);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h);
}

/*
 * Every decision handed to the relay is counted here, and the refusals
 * and the allows something let by kept for the operator's window.
 */
static enum relay_decision
hold_count(struct gate *g, struct session *s, enum gate_decision d,
    const char *msg)
{
	const struct route	*r = session_route(s);
	const char		*kind = NULL;
	char			 user[64];

	if (d != GATE_ALLOW)
		kind = "deny";
	else if (strncmp(msg, VERDICT_EXCEPTED, strlen(VERDICT_EXCEPTED)) ==
	    0)
		kind = "excepted";
	else if (strstr(msg, " " BREAKGLASS_ALLOWED " ") != NULL)
		kind = "breakglass";
	if (kind != NULL) {
		accesslog_user(session_request_header(s, "Authorization"),
		    user, sizeof(user));
		events_add(g->events, kind, r->name, session_response_header(s,
		    "Docker-Content-Digest"), user, msg, NULL, NULL, NULL);
	}
	if (d == GATE_ALLOW) {
		g->stats.allowed++;
		return RELAY_ALLOW;
	}
	g->stats.denied++;
	return RELAY_DENY;
}

static void
hold_resume(void *arg, const char *why)
{
	hold_release(arg, why);
}

static void
hold_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hold	*h = arg;
	char		 why[128];

	scanjob_forget(h->g, h);
	snprintf(why, sizeof(why), "the scan is still running after %llu s; "
	    "retry in a moment", (unsigned long long)h->g->conf->scanner.wait);
	hold_release(h, why);
}

/* The scan job a decision waits for. */
static enum scanjob_kind
hold_job(enum gate_decision d)
{
	return d == GATE_SIGN ? SCANJOB_SIGNATURE : d == GATE_VEX ?
	    SCANJOB_VEX : SCANJOB_IMAGE;
}

/* A decision that waits for something (else: made). */
static int
hold_pending(enum gate_decision d)
{
	return d == GATE_SCAN || d == GATE_WAIT || d == GATE_SIGN ||
	    d == GATE_VEX;
}

/*
 * A pull that cannot be decided yet (GATE_SCAN: never seen, the proxy
 * pulls and scans it; GATE_SIGN: its signature is to be checked;
 * GATE_VEX: refused unless its signed VEX attestations say otherwise;
 * GATE_WAIT: its pushed layers are still being scanned): wait for that,
 * or for scanner.wait to run out. 0, or -1 (err filled) if it cannot.
 */
static int
hold_start(struct gate *g, struct session *s, const char *dg,
    enum gate_decision d, char *err, size_t errlen)
{
	struct timeval		 tv = { (time_t)g->conf->scanner.wait, 0 };
	const struct route	*r = session_route(s);
	struct hold		*h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->g = g;
	h->s = s;
	h->kind = d;
	h->uploads = d == GATE_WAIT;
	TAILQ_INSERT_TAIL(&g->holds, h, entry);
	if ((h->timer = evtimer_new(g->base, hold_timeout_cb, h)) == NULL ||
	    evtimer_add(h->timer, &tv) == -1 ||
	    (d != GATE_WAIT && scanjob_wait(g, hold_job(d), r->name, dg,
	    hold_resume, h, err, errlen) == -1)) {
		if (d == GATE_WAIT)
			snprintf(err, errlen, "out of memory");
		hold_free(h);
		return -1;
	}
	log_info("session %llu: holding the pull of %s@%s until %s",
	    (unsigned long long)session_id(s), r->name, dg, d == GATE_SCAN ?
	    "the proxy has scanned it" : d == GATE_SIGN ?
	    "its signature is checked" : d == GATE_VEX ? "its signed VEX "
	    "attestations are looked for" : "its pushed layers are scanned");
	return 0;
}

/* This thread's CPU time, ns: what a decision costs, waits aside. */
static uint64_t
hold_cpu_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The decide hook, timed: its CPU is counted apart for decisions the
 * cache answered (which should cost microseconds) and the others. One
 * decision in 16 is timed: the thread-CPU clock is a system call, and
 * two of them cost a cached decision more than deciding it does.
 */
enum relay_decision
hold_decide(void *arg, struct session *s, char *msg, size_t len)
{
	struct gate		*g = arg;
	uint64_t		 hits = g->stats.cached, t0 = 0, dt = 0;
	int			 timed = (g->stats.decide_seq++ & 15) == 0;
	enum relay_decision	 d;

	if (timed)
		t0 = hold_cpu_ns();
	d = hold_decide_now(g, s, msg, len);
	if (timed)
		dt = hold_cpu_ns() - t0;
	if (g->stats.cached != hits) {
		g->stats.cpu_cached_ns += dt;
		g->stats.timed_cached += timed;
	} else {
		g->stats.cpu_other_ns += dt;
		g->stats.timed_other += timed;
		g->stats.decided_other++;
	}
	return d;
}

static enum relay_decision
hold_decide_now(struct gate *g, struct session *s, char *msg, size_t len)
{
	const char		*dg = session_response_header(s,
				    "Docker-Content-Digest");
	const struct route	*r = session_route(s);
	char			 err[300];
	enum gate_decision	 d;

	if (r->kind == ROUTE_BLOB)
		/* Never held: decided from what is recorded now. */
		return decide_blob(g, r->name, r->ref, msg, len) == GATE_ALLOW ?
		    RELAY_ALLOW : RELAY_DENY;
	d = decide_manifest(g, r->name, dg, session_request_header(s,
	    "Authorization"), msg, len, NULL);
	if (hold_pending(d)) {
		if (hold_start(g, s, dg, d, err, sizeof(err)) == 0)
			return RELAY_HOLD;
		snprintf(msg, len, "%s@%s has not been scanned, and "
		    "cannot be now: %s", r->name, dg, err);
		d = GATE_DENY;
	}
	return hold_count(g, s, d, msg);
}

/*
 * Decide the held pull now, then let the relay go on. why NULL: the
 * awaited scan ended; otherwise waiting is over (the reason).
 */
static void
hold_release(struct hold *h, const char *why)
{
	struct gate		*g = h->g;
	struct session		*s = h->s;
	const struct route	*r = session_route(s);
	const char		*dg = session_response_header(s,
				    "Docker-Content-Digest");
	char			 msg[800], err[300];
	enum gate_decision	 d;

	d = decide_manifest(g, r->name, dg, session_request_header(s,
	    "Authorization"), msg, sizeof(msg), NULL);
	if (why == NULL && d == GATE_WAIT)
		return;		/* another of its layers is still scanning */
	if (why == NULL && (d == GATE_SIGN || d == GATE_VEX) &&
	    h->kind != d && h->kind != GATE_SIGN) {
		/*
		 * Scanned now (or its VEX read), and there is one more step:
		 * its VEX attestations, then its signature. Each once.
		 */
		h->uploads = 0;
		if (scanjob_wait(g, hold_job(d), r->name, dg, hold_resume, h,
		    err, sizeof(err)) == 0) {
			h->kind = d;
			return;
		}
		why = err;
	}
	if (d == GATE_VEX && why == NULL) {
		/* Looked for just now: the refusal it carries stands. */
		d = GATE_DENY;
	} else if (hold_pending(d)) {
		/* Still nothing recorded: fail closed, say why. */
		char refusal[800];

		snprintf(refusal, sizeof(refusal), "%s", msg);
		snprintf(msg, sizeof(msg), "%s@%s has not been %s yet (%s)",
		    r->name, dg, d == GATE_SIGN ? "checked for a "
		    "signature" : d == GATE_VEX ? "checked for signed VEX "
		    "attestations" : "scanned", why ? why : "no result");
		if (d == GATE_VEX)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			    "; without them: %.600s", refusal);
		d = GATE_DENY;
	}
	/* The session may end inside the release: the hold goes first. */
	hold_free(h);
	session_release(s, hold_count(g, s, d, msg), msg);
}

void
hold_gone(void *arg, struct session *s)
{
	struct gate	*g = arg;
	struct hold	*h;

	TAILQ_FOREACH(h, &g->holds, entry) {
		if (h->s == s) {
			scanjob_forget(g, h);
			hold_free(h);
			return;
		}
	}
}

void
hold_uploads_done(struct gate *g)
{
	struct hold	*h, *next;

	/* release may free h: take the next one first. */
	for (h = TAILQ_FIRST(&g->holds); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->uploads)
			hold_release(h, NULL);
	}
}

void
hold_shutdown(struct gate *g)
{
	struct hold	*h;

	while ((h = TAILQ_FIRST(&g->holds)) != NULL) {
		scanjob_forget(g, h);
		hold_free(h);
	}
}
