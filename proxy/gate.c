#include "proxy/gate.h"
#include "proxy/server.h"
#include "scan/verdict.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * The store may not exist when the proxy starts (nothing scanned yet):
 * look for it again on each decision until it does. An existing store
 * that fails to open is retried at most every few seconds.
 */
static struct store *
gate_store(struct server *srv)
{
	char	path[4096];
	time_t	now = time(NULL);

	if (srv->store != NULL)
		return srv->store;
	snprintf(path, sizeof(path), "%s/db/data.mdb", srv->conf->state_dir);
	if (access(path, F_OK) == -1 || now - srv->store_tried < 5)
		return NULL;
	srv->store_tried = now;
	snprintf(path, sizeof(path), "%s/db", srv->conf->state_dir);
	srv->store = store_open(path, 1);
	return srv->store;
}

enum gate_decision
gate_manifest(struct server *srv, const char *repo, const char *digest,
    char *msg, size_t len)
{
	const struct policy_rule *rule = policy_rule_for(&srv->conf->policy,
	    repo);
	struct store		*st = gate_store(srv);
	struct verdict		 v;
	char			*rec = NULL;
	json_t			*scan;
	enum store_status	 s = STORE_NOTFOUND;

	if (digest != NULL && st != NULL)
		s = store_digest_get(st, STORE_IMAGES, digest, &rec);
	if (s == STORE_ERROR) {
		/* Cannot tell: fail closed, say why. */
		snprintf(msg, len, "the scan store is unavailable; pulls are "
		    "refused until it is back");
		return GATE_DENY;
	}
	if (s == STORE_NOTFOUND) {
		srv->stats.gate_unknown++;
		if (rule->unknown == POLICY_UNKNOWN_BLOCK) {
			snprintf(msg, len, "%s@%s has not been scanned, and the "
			    "policy for %s blocks unscanned images", repo,
			    digest ? digest : "?", repo);
			return GATE_DENY;
		}
		return GATE_ALLOW;
	}
	scan = json_loads(rec, 0, NULL);
	free(rec);
	verdict_eval(scan, &srv->conf->policy, repo, time(NULL), &v);
	json_decref(scan);
	if (!v.deny)
		return GATE_ALLOW;
	snprintf(msg, len, "%s@%s %s", repo, digest, v.message);
	return GATE_DENY;
}

void
gate_close(struct server *srv)
{
	store_close(srv->store);
	srv->store = NULL;
}
