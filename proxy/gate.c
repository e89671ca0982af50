#include "proxy/gate.h"
#include "proxy/server.h"
#include "proxy/record.h"
#include "proxy/gatecache.h"
#include "scan/verdict.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum gate_decision
gate_unscanned(struct server *srv, const char *repo, const char *digest,
    int store_error, char *msg, size_t len)
{
	if (store_error) {
		/* Cannot tell: fail closed, say why. */
		snprintf(msg, len, "the scan store is unavailable; pulls are "
		    "refused until it is back");
		return GATE_DENY;
	}
	switch (policy_rule_for(&srv->conf->policy, repo)->unknown) {
	case POLICY_UNKNOWN_BLOCK:
		snprintf(msg, len, "%s@%s has not been scanned, and the "
		    "policy for %s blocks unscanned images", repo,
		    digest ? digest : "?", repo);
		return GATE_DENY;
	case POLICY_UNKNOWN_SCAN:
		snprintf(msg, len, "%s@%s has not been scanned yet; the "
		    "policy for %s scans it before the first pull", repo,
		    digest ? digest : "?", repo);
		/* Without a digest there is nothing to fetch: fail closed. */
		return digest != NULL ? GATE_SCAN : GATE_DENY;
	case POLICY_UNKNOWN_ALLOW:
		break;
	}
	return GATE_ALLOW;
}

enum gate_decision
gate_manifest(struct server *srv, const char *repo, const char *digest,
    char *msg, size_t len)
{
	struct verdict		 v;
	struct store		*st = server_store(srv);
	char			*rec, ver[64] = "";
	json_t			*scan;
	time_t			 now = time(NULL);
	int			 error, deny;

	/* A judged image, same data as then: no document to parse. */
	if (st != NULL && digest != NULL)
		store_meta_get(st, "data_version", ver, sizeof(ver));
	if (digest != NULL && gatecache_get(srv->gatecache, repo, digest, ver,
	    now, &deny, msg, len))
		return deny ? GATE_DENY : GATE_ALLOW;
	rec = record_scan_doc(srv, digest, &error);
	if (rec == NULL && !error && record_in_flight(srv, digest)) {
		/* Not unknown: its scan trails the push. Never let it by. */
		snprintf(msg, len, "%s@%s is still being scanned", repo, digest);
		return GATE_WAIT;
	}
	if (rec == NULL) {
		if (!error)
			srv->stats.gate_unknown++;
		return gate_unscanned(srv, repo, digest, error, msg, len);
	}
	scan = json_loads(rec, 0, NULL);
	free(rec);
	verdict_eval(scan, &srv->conf->policy, repo, now, &v);
	json_decref(scan);
	if (!v.deny)
		msg[0] = '\0';
	else
		snprintf(msg, len, "%s@%s %s (full report: GET "
		    "/portcullis/v1/status/%s/%s)", repo, digest, v.message,
		    repo, digest);
	/* The version read before: a newer one was re-matched just now. */
	if (st != NULL && store_meta_get(st, "data_version", ver,
	    sizeof(ver)) == STORE_OK)
		gatecache_put(srv->gatecache, repo, digest, ver, now, v.deny,
		    msg);
	return v.deny ? GATE_DENY : GATE_ALLOW;
}

void
gate_close(struct server *srv)
{
	store_close(srv->store);
	srv->store = NULL;
	gatecache_free(srv->gatecache);
	srv->gatecache = NULL;
}
