#include "proxy/gate/reload.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/monitor.h"
#include "proxy/gate/gate.h"
#include "conf/conf.h"
#include "conf/policy.h"
#include "conf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RELOAD_LAST	"last-config.yaml"

/* The configuration served with now, for the next run to compare. */
static void
reload_remember(const struct conf *c)
{
	char	path[4096], tmp[4200];
	FILE	*f;

	if (c->text == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", c->state_dir, RELOAD_LAST);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("reload: %s", tmp);
		return;
	}
	/* Whole or not at all: a torn copy would read as a change. */
	if (fwrite(c->text, 1, c->textlen, f) != c->textlen) {
		log_warn("reload: %s", tmp);
		fclose(f);
		unlink(tmp);
		return;
	}
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		log_warn("reload: %s", path);
		unlink(tmp);
	}
}

/* A conf's policy moved out to the heap (the conf keeps the default). */
static struct policy *
reload_take_policy(struct conf *c)
{
	struct policy	*p;

	if ((p = malloc(sizeof(*p))) == NULL) {
		log_warnx("reload: out of memory");
		return NULL;
	}
	*p = c->policy;
	policy_default(&c->policy);
	return p;
}

void
reload_since_last_run(struct gate *g)
{
	struct conf	*c = g->conf, *old = NULL;
	struct policy	*was;
	char		 path[4096], err[512];

	if (c->text == NULL)
		return;		/* no file: nothing to compare or keep */
	snprintf(path, sizeof(path), "%s/%s", c->state_dir, RELOAD_LAST);
	if (access(path, F_OK) == -1)
		goto keep;	/* the first run with this state_dir */
	if ((old = conf_load(path, err, sizeof(err))) == NULL) {
		log_warnx("reload: the last run's configuration no longer "
		    "loads (%s): flips from its policy go unreported", err);
		goto keep;
	}
	if (old->textlen == c->textlen &&
	    memcmp(old->text, c->text, c->textlen) == 0)
		goto keep;
	if ((was = reload_take_policy(old)) == NULL)
		goto keep;
	log_info("reload: the configuration changed since the last run");
	monitor_policy_changed(g, was);
 keep:
	conf_free(old);
	reload_remember(c);
}

int
reload_policy(struct gate *g)
{
	struct conf		*c = g->conf, *nc = NULL;
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
	/*
	 * Swap by value: rules and allowlist are arrays the structs own,
	 * and only the loop reads the policy (scan jobs copy what they
	 * need when they start).
	 */
	if ((was = reload_take_policy(c)) == NULL)
		goto done;	/* the running policy stays */
	c->policy = nc->policy;
	policy_default(&nc->policy);
	for (i = 0; i < c->nwebhooks; i++)
		free(c->webhooks[i]);
	memcpy(c->webhooks, nc->webhooks, sizeof(c->webhooks));
	c->nwebhooks = nc->nwebhooks;
	nc->nwebhooks = 0;
	/* Decisions made under the old policy must not be served again. */
	gatecache_clear(g->gatecache);
	log_info("reload: policy and webhooks read from %s", c->path);
	/* What the next start compares with: the file as it now serves. */
	free(c->text);
	c->text = nc->text;
	c->textlen = nc->textlen;
	nc->text = NULL;
	reload_remember(c);
	monitor_policy_changed(g, was);
	was = NULL;
	rv = 0;
 done:
	free(was);
	conf_free(nc);
	return rv;
}
