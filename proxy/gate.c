#include "proxy/gate.h"
#include "proxy/server.h"
#include "proxy/record.h"
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
	char			*rec;
	json_t			*scan;
	int			 error;

	rec = record_scan_doc(srv, digest, &error);
	if (rec == NULL) {
		if (!error)
			srv->stats.gate_unknown++;
		return gate_unscanned(srv, repo, digest, error, msg, len);
	}
	scan = json_loads(rec, 0, NULL);
	free(rec);
	verdict_eval(scan, &srv->conf->policy, repo, time(NULL), &v);
	json_decref(scan);
	if (!v.deny)
		return GATE_ALLOW;
	snprintf(msg, len, "%s@%s %s (full report: GET "
	    "/portcullis/v1/status/%s/%s)", repo, digest, v.message, repo,
	    digest);
	return GATE_DENY;
}

void
gate_close(struct server *srv)
{
	store_close(srv->store);
	srv->store = NULL;
}
