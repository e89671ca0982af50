/*
 * Every rule the scanner can report has its metadata (title, severity,
 * remedy) for SARIF: each secret rule of scan/layer/secrets.c, each
 * misconfiguration the policy can name, the file checks, the scan
 * limits and the rule ids a rule reports under another name; and nothing in the table is a rule nobody reports.
 */
#include "scan/catalog/ruleinfo.h"
#include "scan/layer/secrets.h"
#include "conf/policy.h"
#include "tests/tap.h"

#include <string.h>

static const char *const limits[] = {
	"config-invalid", "corrupt", "unreadable", "max-uncompressed",
	"max-entries", "max-seconds", "max-depth", "max-db-file", "max-entry",
	"linked-package-db", "rust-deps-unread", "unreadable-package-db",
	"unreadable-archive", "path-traversal", "shadow-password-hash",
	"url-password", "pypirc-password", NULL
};

static int
complete(const char *id)
{
	const struct ruleinfo *r = ruleinfo_find(id);

	return r != NULL && r->title[0] && r->remedy[0] &&
	    (!strcmp(r->severity, "CRITICAL") || !strcmp(r->severity, "HIGH") ||
	    !strcmp(r->severity, "MEDIUM") || !strcmp(r->severity, "LOW"));
}

/* Is id one of the rules the scanner reports? */
static int
reported(const char *id)
{
	size_t	i;

	for (i = 0; secrets_rule_id(i) != NULL; i++)
		if (!strcmp(secrets_rule_id(i), id))
			return 1;
	for (i = 0; policy_misconfigs[i] != NULL; i++)
		if (!strcmp(policy_misconfigs[i], id))
			return 1;
	for (i = 0; limits[i] != NULL; i++)
		if (!strcmp(limits[i], id))
			return 1;
	return 0;
}

int
main(void)
{
	size_t	i;
	int	missing = 0, stray = 0;

	for (i = 0; secrets_rule_id(i) != NULL; i++)
		if (!complete(secrets_rule_id(i)) && ++missing)
			printf("# secret rule %s\n", secrets_rule_id(i));
	for (i = 0; policy_misconfigs[i] != NULL; i++)
		if (!complete(policy_misconfigs[i]) && ++missing)
			printf("# misconfiguration %s\n", policy_misconfigs[i]);
	for (i = 0; limits[i] != NULL; i++)
		if (!complete(limits[i]) && ++missing)
			printf("# limit %s\n", limits[i]);
	ok(missing == 0, "every reported rule has a title, severity and "
	    "remedy (%d missing)", missing);
	for (i = 0; ruleinfo_all[i].id != NULL; i++)
		if (!reported(ruleinfo_all[i].id) && ++stray)
			printf("# no one reports %s\n", ruleinfo_all[i].id);
	ok(stray == 0, "and the table names no rule nobody reports (%d)",
	    stray);
	ok(ruleinfo_find("nope") == NULL && ruleinfo_find(NULL) == NULL,
	    "an unknown id has none");
	return done_testing();
}
