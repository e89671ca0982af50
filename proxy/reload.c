#include "proxy/reload.h"
#include "proxy/gatecache.h"
#include "proxy/monitor.h"
#include "proxy/server.h"
#include "conf/conf.h"
#include "conf/policy.h"
#include "conf/log.h"

#include <stdlib.h>
#include <string.h>

int
reload_policy(struct server *srv)
{
	struct conf		*c = srv->conf, *nc = NULL;
	struct policy		*was = NULL;
	char			 err[512];
	int			 i, rv = -1;

	if (c->path == NULL) {
		log_warnx("reload: started without a configuration file, "
		    "nothing to read");
		goto done;
	}
	if ((nc = conf_load(c->path, err, sizeof(err))) == NULL) {
		log_warnx("reload: %s; the running policy stays", err);
		goto done;
	}
	if ((was = malloc(sizeof(*was))) == NULL) {
		log_warnx("reload: out of memory; the running policy stays");
		goto done;
	}
	/*
	 * Swap by value: rules and allowlist are arrays the structs own,
	 * and only the loop reads the policy (scan jobs copy what they
	 * need when they start).
	 */
	*was = c->policy;
	c->policy = nc->policy;
	policy_default(&nc->policy);
	for (i = 0; i < c->nwebhooks; i++)
		free(c->webhooks[i]);
	memcpy(c->webhooks, nc->webhooks, sizeof(c->webhooks));
	c->nwebhooks = nc->nwebhooks;
	nc->nwebhooks = 0;
	/* Decisions made under the old policy must not be served again. */
	gatecache_clear(srv->gatecache);
	log_info("reload: policy and webhooks read from %s", c->path);
	monitor_policy_changed(srv, was);
	was = NULL;
	rv = 0;
 done:
	free(was);
	conf_free(nc);
	return rv;
}
