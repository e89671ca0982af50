#include "proxy/gate/asclient.h"
#include "proxy/gate/gate.h"
#include "proxy/http/ocierr.h"
#include "proxy/registry/regclient.h"
#include "proxy/relay/session.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

/* Threads at once; past it a request is answered 503. */
#define ASCLIENT_MAX	16

struct asclient_job {
	TAILQ_ENTRY(asclient_job) entry;
	struct asclient		 a;
	pthread_t		 thread;
	struct event		*wake;
};

static TAILQ_HEAD(, asclient_job) asclient_jobs =
    TAILQ_HEAD_INITIALIZER(asclient_jobs);
static unsigned		asclient_n;

static void
asclient_free(struct asclient_job *j)
{
	TAILQ_REMOVE(&asclient_jobs, j, entry);
	asclient_n--;
	pthread_join(j->thread, NULL);
	event_free(j->wake);
	if (j->a.done != NULL)
		j->a.done(&j->a);
	if (j->a.auth != NULL) {
		explicit_bzero(j->a.auth, strlen(j->a.auth));
		free(j->a.auth);
	}
	free(j->a.body);
	free(j);
}

static void *
asclient_thread(void *arg)
{
	struct asclient_job	*j = arg;
	struct regclient	 rc;
	char			 err[512];

	/* Anonymous: the caller's own credentials go with each request. */
	if (regclient_upstream(&rc, j->a.conf, j->a.account, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		j->a.status = 502;
	} else {
		j->a.work(&j->a, &rc);
		regclient_free(&rc);
	}
	event_active(j->wake, EV_READ, 0);
	return NULL;
}

/* The reply of a finished job, into out. Its body length, or -1. */
static int
asclient_reply(struct asclient *a, struct evbuffer *out)
{
	int	close = session_reply_closes(a->s);

	if (a->status == 200 && a->body != NULL)
		return evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Type: "
		    "%s\r\nDocker-Distribution-API-Version: registry/2.0\r\n"
		    "Content-Length: %zu\r\n%s%s\r\n", a->content_type ?
		    a->content_type : "application/json", a->len, a->headers,
		    close ? "Connection: close\r\n" : "") == -1 ||
		    evbuffer_add(out, a->body, a->len) == -1 ? -1 :
		    (int)a->len;
	/* The registry's challenge, so the client can get a token. */
	if (a->status == 401 && a->www_auth[0] != '\0' &&
	    strpbrk(a->www_auth, "\r\n") == NULL)
		return evbuffer_add_printf(out, "HTTP/1.1 401 Unauthorized\r\n"
		    "WWW-Authenticate: %s\r\nDocker-Distribution-API-Version: "
		    "registry/2.0\r\nContent-Length: 0\r\n%s\r\n", a->www_auth,
		    close ? "Connection: close\r\n" : "") == -1 ? -1 : 0;
	if (a->status == 401 || a->status == 403 || a->status == 404)
		return ocierr_reply(out, a->status, a->status == 404 ?
		    "NAME_UNKNOWN" : a->status == 403 ? "DENIED" :
		    "UNAUTHORIZED", "the registry refused this request", NULL,
		    close);
	a->status = 502;
	return ocierr_reply(out, 502, "UNAVAILABLE", "the registry's answer "
	    "could not be used", NULL, 1);
}

/* In the loop: the thread is done. */
static void
asclient_done(evutil_socket_t fd, short ev, void *arg)
{
	struct asclient_job	*j = arg;
	struct evbuffer		*out;
	int			 n;

	(void)fd;
	(void)ev;
	if (j->a.s != NULL && (out = evbuffer_new()) != NULL) {
		if ((n = asclient_reply(&j->a, out)) == -1) {
			evbuffer_drain(out, evbuffer_get_length(out));
			j->a.status = 500;
			n = ocierr_reply(out, 500, "UNAVAILABLE", "out of memory",
			    NULL, 1);
		}
		session_set_status(j->a.s, j->a.status);
		session_set_response_bytes(j->a.s, n > 0 ? (size_t)n : 0);
		session_local_release(j->a.s, out);
		evbuffer_free(out);
	}
	asclient_free(j);
}

static int
asclient_begin(struct gate *g, struct session *s, int account,
    const char *auth, void (*work)(struct asclient *, struct regclient *),
    void (*done)(struct asclient *), void *arg)
{
	struct asclient_job	*j;

	if (asclient_n >= ASCLIENT_MAX || (j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->a.s = s;
	j->a.account = account;
	j->a.conf = g->conf;
	j->a.work = work;
	j->a.done = done;
	j->a.arg = arg;
	if ((auth != NULL && (j->a.auth = strdup(auth)) == NULL) ||
	    (j->wake = event_new(g->base, -1, 0, asclient_done, j)) == NULL)
		goto fail;
	TAILQ_INSERT_TAIL(&asclient_jobs, j, entry);
	asclient_n++;
	if (pthread_create(&j->thread, NULL, asclient_thread, j) != 0) {
		TAILQ_REMOVE(&asclient_jobs, j, entry);
		asclient_n--;
		goto fail;
	}
	return 0;
 fail:
	if (j->wake != NULL)
		event_free(j->wake);
	free(j->a.auth);
	free(j);
	return -1;
}

int
asclient_start(struct gate *g, struct session *s, const char *auth,
    void (*work)(struct asclient *, struct regclient *),
    void (*done)(struct asclient *), void *arg)
{
	return asclient_begin(g, s, 0, auth, work, done, arg);
}

int
asclient_start_account(struct gate *g,
    void (*work)(struct asclient *, struct regclient *),
    void (*done)(struct asclient *), void *arg)
{
	return asclient_begin(g, NULL, 1, NULL, work, done, arg);
}

int
asclient_busy(struct session *s, struct evbuffer *out)
{
	int	n;

	session_set_status(s, 503);
	n = ocierr_reply(out, 503, "UNAVAILABLE", "too many requests to the "
	    "registry at once; retry in a moment", NULL,
	    session_reply_closes(s));
	if (n > 0)
		session_set_response_bytes(s, (size_t)n);
	return n == -1 ? -1 : 0;
}

void
asclient_gone(struct session *s)
{
	struct asclient_job	*j;

	TAILQ_FOREACH(j, &asclient_jobs, entry)
		if (j->a.s == s)
			j->a.s = NULL;
}

void
asclient_shutdown(void)
{
	struct asclient_job	*j;

	while ((j = TAILQ_FIRST(&asclient_jobs)) != NULL)
		asclient_free(j);	/* joins the thread */
}
