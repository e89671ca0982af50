#include "proxy/gate/tagslist.h"
#include "proxy/gate/asclient.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/registry/regclient.h"
#include "proxy/relay/session.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <http_parser.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole list of a repository read at most this large. */
#define TAGSLIST_MAX	(16u << 20)

struct tagslist_req {
	char	 repo[256];
	char	 last[ROUTE_REF_MAX + 1];	/* "" none */
	long	 n;				/* -1: all */
};

/* n and last from a query; -1 if neither is there or one is wrong. */
static int
tagslist_query(const char *query, long *n, char *last, size_t lastlen)
{
	struct evkeyvalq	 q;
	const char		*v;
	char			*end;
	int			 found = 0, rv = -1;

	*n = -1;
	last[0] = '\0';
	if (query == NULL || evhttp_parse_query_str(query, &q) != 0)
		return -1;
	if ((v = evhttp_find_header(&q, "n")) != NULL) {
		*n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || *n < 0 || *n > 100000)
			goto done;
		found = 1;
	}
	if ((v = evhttp_find_header(&q, "last")) != NULL) {
		if (strlen(v) >= lastlen)
			goto done;
		snprintf(last, lastlen, "%s", v);
		found = 1;
	}
	rv = found ? 0 : -1;
 done:
	evhttp_clear_headers(&q);
	return rv;
}

static int
tagslist_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* On the thread: the whole list, then the page. */
static void
tagslist_work(struct asclient *c, struct regclient *rc)
{
	struct tagslist_req	*q = c->arg;
	struct regclient_answer	 a;
	char			 path[400], err[512], *enc;
	const char		**v = NULL;
	json_t			*j = NULL, *tags, *out = NULL, *page;
	size_t			 i, k, nt;

	snprintf(path, sizeof(path), "/v2/%s/tags/list", q->repo);
	if (regclient_as_client(rc, EVHTTP_REQ_GET, path, c->auth,
	    "application/json", NULL, NULL, 0, TAGSLIST_MAX, &a, err,
	    sizeof(err)) == -1) {
		log_warnx("tags: %s: %s", q->repo, err);
		c->status = 502;
		return;
	}
	if (a.status != 200) {
		c->status = a.status == 401 || a.status == 403 ||
		    a.status == 404 ? a.status : 502;
		snprintf(c->www_auth, sizeof(c->www_auth), "%s",
		    a.www_authenticate);
		goto done;
	}
	c->status = 502;
	if ((j = json_loadb(a.body, a.len, 0, NULL)) == NULL)
		goto done;
	tags = json_object_get(j, "tags");
	nt = json_array_size(tags);
	if (nt > 0 && (v = calloc(nt, sizeof(*v))) == NULL)
		goto done;
	for (i = k = 0; i < nt; i++)
		if (json_is_string(json_array_get(tags, i)))
			v[k++] = json_string_value(json_array_get(tags, i));
	qsort(v, k, sizeof(*v), tagslist_cmp);
	if ((out = json_pack("{s:s, s:[]}", "name", q->repo, "tags")) == NULL)
		goto done;
	page = json_object_get(out, "tags");
	for (i = 0; i < k; i++) {
		if (q->last[0] != '\0' && strcmp(v[i], q->last) <= 0)
			continue;
		if (q->n >= 0 && (long)json_array_size(page) == q->n)
			break;
		json_array_append_new(page, json_string(v[i]));
	}
	/* More after this page: say where the next one starts. */
	if (i < k && json_array_size(page) > 0 && (enc = evhttp_encode_uri(
	    json_string_value(json_array_get(page, json_array_size(page) -
	    1)))) != NULL) {
		snprintf(c->headers, sizeof(c->headers), "Link: </v2/%s/tags/"
		    "list?n=%ld&last=%s>; rel=\"next\"\r\n", q->repo, q->n,
		    enc);
		free(enc);
	}
	if ((c->body = json_dumps(out, JSON_COMPACT)) == NULL)
		goto done;
	c->len = strlen(c->body);
	c->content_type = "application/json";
	c->status = 200;
 done:
	free(v);
	free(a.body);
	json_decref(j);
	json_decref(out);
}

static void
tagslist_free(struct asclient *c)
{
	free(c->arg);
}

int
tagslist_reply(struct gate *g, struct session *s, struct evbuffer *out)
{
	const struct route	*r = session_route(s);
	struct tagslist_req	*q;
	int			 n;

	if (session_method(s) != HTTP_GET) {
		session_set_status(s, 405);
		return ocierr_reply(out, 405, "UNSUPPORTED", "the tags list "
		    "answers GET", NULL, session_reply_closes(s)) == -1 ? -1 :
		    0;
	}
	if ((q = calloc(1, sizeof(*q))) != NULL) {
		snprintf(q->repo, sizeof(q->repo), "%s", r->name);
		if (tagslist_query(r->query, &q->n, q->last,
		    sizeof(q->last)) == -1) {
			free(q);
			session_set_status(s, 400);
			n = ocierr_reply(out, 400, "PAGINATION_NUMBER_INVALID",
			    "n must be a number from 0 to 100000, last a tag",
			    NULL, session_reply_closes(s));
			if (n > 0)
				session_set_response_bytes(s, (size_t)n);
			return n == -1 ? -1 : 0;
		}
		if (asclient_start(g, s, session_request_header(s,
		    "Authorization"), tagslist_work, tagslist_free, q) == 0)
			return 1;
		free(q);
	}
	return asclient_busy(s, out);
}
