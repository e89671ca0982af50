/*
 * What each secret, misconfiguration and scan-limit rule is, for
 * reports that carry rule metadata (SARIF): a title, a severity, what
 * it means and what to do. docs/secrets.md and docs/config.md say the
 * same in tables; tests/unit/ruleinfo_test.c checks that every rule the
 * scanner can emit is here.
 */
#ifndef SCAN_CATALOG_RULEINFO_H
#define SCAN_CATALOG_RULEINFO_H

struct ruleinfo {
	const char	*id;
	const char	*kind;		/* "secret", "misconfiguration", "limit" */
	const char	*severity;	/* CRITICAL, HIGH, MEDIUM, LOW */
	const char	*title;
	const char	*remedy;
};

/* The rule called id, or NULL. */
const struct ruleinfo	*ruleinfo_find(const char *id);
/* Every rule, ending with an id of NULL. */
extern const struct ruleinfo ruleinfo_all[];

#endif
