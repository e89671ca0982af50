#include "proxy/endpoint/status.h"
#include "proxy/gate/decide.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/record.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/relay/relay.h"
#include "proxy/relay/session.h"
#include "scan/image/verdict.h"
#include "conf/conf.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
status_annotate(json_t *a, const char *key, const char *value)
{
	json_object_set_new(a, key, json_string(value ? value : ""));
}

/*
 * One document serves every repository holding the same manifest, and
 * it names the one it was first recorded in, and the base image it was
 * found built on: the caller was let read only this repository, so the
 * report names nothing else.
 */
static void
status_own_repository(json_t *doc, const char *repo)
{
	const char	*base = json_string_value(json_object_get(doc,
			    "base_by_layers"));
	size_t		 n = strlen(repo);

	json_object_set_new(doc, "repository", json_string(repo));
	if (base != NULL && !(strncmp(base, repo, n) == 0 && base[n] == '@'))
		json_object_del(doc, "base_by_layers");
}

int
status_reply(struct gate *g, struct session *s, struct evbuffer *out)
{
	const struct route *r = session_route(s);
	const char	*dg = session_response_header(s,
			    "Docker-Content-Digest");
	const char	*wa = session_response_header(s, "WWW-Authenticate");
	int		 status = session_status(s);
	json_t		*doc = NULL, *ann, *sum, *reply;
	struct verdict	 v;
	char		*rec, *body = NULL, num[32], when[32];
	const char	*keys[] = { "critical", "high", "medium", "low",
			    "unknown", "secrets", "unscanned-content" };
	int		 error = 0, i, rv = 1;

	if (status != 200) {
		char	msg[600];

		snprintf(msg, sizeof(msg), "the registry answered %d for "
		    "%s:%s with your credentials", status, r->name,
		    r->ref);
		if (status == 401 && wa != NULL &&
		    evbuffer_add_printf(out, "HTTP/1.1 401 Unauthorized\r\n"
		    "WWW-Authenticate: %s\r\n", wa) == -1)
			goto fail;
		if (status == 401) {
			/* The challenge line is out; finish with the body. */
			json_t *e = json_pack("{s:[{s:s, s:s}]}", "errors",
			    "code", "UNAUTHORIZED", "message", msg);
			char *eb = e ? json_dumps(e, JSON_COMPACT) : NULL;

			json_decref(e);
			if (eb == NULL || evbuffer_add_printf(out,
			    "Content-Type: application/json\r\n"
			    "Content-Length: %zu\r\n\r\n%s", strlen(eb), eb) ==
			    -1) {
				free(eb);
				goto fail;
			}
			free(eb);
			return 0;
		}
		if (ocierr_reply(out, status == 404 ? 404 : status ==
		    403 ? 403 : 502, status == 404 ? "MANIFEST_UNKNOWN" :
		    status == 403 ? "DENIED" : "UNAVAILABLE", msg, NULL,
		    session_reply_closes(s)) == -1)
			goto fail;
		session_set_status(s, status == 404 || status == 403 ? status :
		    502);
		return 0;
	}
	ann = json_object();
	status_annotate(ann, "org.opencontainers.image.ref.name", r->ref);
	status_annotate(ann, "dev.portcullis.repository", r->name);
	status_annotate(ann, "dev.portcullis.digest", dg);
	rec = record_scan_doc(g, dg, &error);
	if (rec != NULL)
		doc = json_loads(rec, 0, NULL);
	free(rec);
	if (doc == NULL) {
		status_annotate(ann, "dev.portcullis.status", error ?
		    "store-unavailable" : "unscanned");
		memset(&v, 0, sizeof(v));
		/* What a pull would meet, without looking it up again. */
		/* A scan-first image counts as refused until it is scanned. */
		if (decide_unrecorded(g, r->name, dg, error, v.message,
		    sizeof(v.message)) != GATE_ALLOW)
			v.deny = 1;
		else
			v.message[0] = '\0';
	} else {
		time_t		t = (time_t)json_integer_value(json_object_get(doc,
				    "scanned_at"));
		struct tm	tm;

		status_annotate(ann, "dev.portcullis.status", "scanned");
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		status_annotate(ann, "dev.portcullis.scanned-at", t ? when : "");
		status_annotate(ann, "dev.portcullis.data-version",
		    json_string_value(json_object_get(doc, "data_version")));
		/* Older than this build's: a rescan may find more. */
		snprintf(num, sizeof(num), "%lld", (long long)
		    json_integer_value(json_object_get(doc, "scanner")));
		status_annotate(ann, "dev.portcullis.scanner-version",
		    json_object_get(doc, "scanner") ? num : "");
		sum = json_object_get(doc, "summary");
		for (i = 0; i < 7; i++) {
			char		 key[64];
			/* The summary's own name for the last one. */
			const char	*sk = i == 6 ? "unscanned" : keys[i];

			snprintf(key, sizeof(key), "dev.portcullis.%s%s",
			    i < 5 ? "vulnerabilities." : "", keys[i]);
			snprintf(num, sizeof(num), "%lld", (long long)
			    json_integer_value(json_object_get(sum, sk)));
			status_annotate(ann, key, num);
		}
		verdict_eval(doc, &g->conf->policy, r->name,
		    time(NULL), &v);
	}
	status_annotate(ann, "dev.portcullis.policy.result", v.deny ? "deny" :
	    "allow");
	status_annotate(ann, "dev.portcullis.policy.reasons", v.message);
	if (doc != NULL)
		status_own_repository(doc, r->name);
	reply = json_pack("{s:o, s:o}", "annotations", ann, "report",
	    doc ? doc : json_null());
	body = reply ? json_dumps(reply, JSON_INDENT(2)) : NULL;
	json_decref(reply);
	if (body == NULL || evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n%s"
	    "\r\n%s\n", strlen(body) + 1, session_keepalive(s) ? "" :
	    "Connection: close\r\n", body) == -1)
		rv = -1;
	free(body);
	if (rv == -1)
		goto fail;
	return 0;
 fail:
	return -1;
}
