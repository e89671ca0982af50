/*
 * Policy parsing and verdicts: thresholds, fixable-only, allowlist with
 * expiry (by id or alias), per-repository overrides, secret and
 * misconfiguration gates, and a message that names the findings.
 */
#include "conf/conf.h"
#include "scan/image/verdict.h"
#include "tests/tap.h"

#include <jansson.h>
#include <stdlib.h>

static const char *scan_doc =
    "{\"vulnerabilities\":["
    "{\"id\":\"GHSA-35jh-r3h4-6jhm\",\"aliases\":\"CVE-2021-23337\","
    "\"severity\":\"HIGH\",\"package\":\"lodash\",\"version\":\"4.17.20\","
    "\"fixed\":\"4.17.21\"},"
    "{\"id\":\"TEST-NOFIX\",\"aliases\":\"\",\"severity\":\"CRITICAL\","
    "\"package\":\"libfoo\",\"version\":\"1.0\"}],"
    "\"secrets\":[],\"misconfigurations\":[{\"rule\":\"root-user\","
    "\"path\":\"config\"}]}";

static struct conf *
load(const char *policy, char *err)
{
	char	yaml[2048];

	snprintf(yaml, sizeof(yaml), "upstream:\n  url: http://x\n%s", policy);
	return conf_load_string(yaml, strlen(yaml), "t.yaml", err, 512);
}

int
main(void)
{
	char		 err[512] = "";
	struct conf	*c;
	struct verdict	 v;
	json_t		*scan = json_loads(scan_doc, 0, NULL);
	time_t		 now = 1800000000;	/* 2027-01-15 */

	c = load("", err);
	verdict_eval(scan, &c->policy, "team/app", NULL, now, &v);
	ok(v.deny && v.blocking_vulns == 1, "default policy blocks CRITICAL only");
	ok(strstr(v.message, "TEST-NOFIX in libfoo 1.0") != NULL,
	    "message names the finding (%s)", v.message);
	conf_free(c);

	c = load("policy:\n  severity: high\n  fixable_only: true\n", err);
	verdict_eval(scan, &c->policy, "team/app", NULL, now, &v);
	ok(v.deny && v.blocking_vulns == 1 && strstr(v.message,
	    "GHSA-35jh-r3h4-6jhm in lodash 4.17.20 (fixed in 4.17.21)"),
	    "fixable_only: only the fixable HIGH counts (%s)", v.message);
	conf_free(c);

	c = load("policy:\n  severity: high\n  fixable_only: true\n"
	    "  allowlist:\n    - id: CVE-2021-23337\n      expires: 2027-12-31\n"
	    "      reason: template() unused\n", err);
	ok(c != NULL, "allowlist parses (%s)", err);
	verdict_eval(scan, &c->policy, "team/app", NULL, now, &v);
	ok(!v.deny && v.allowlisted == 1, "allowlisted by CVE alias: allowed");
	verdict_eval(scan, &c->policy, "team/app", NULL, 1840000000, &v);
	ok(v.deny, "after expiry (2027-12-31; now 2028-04) it blocks again");
	conf_free(c);

	/* An exact moment: 2027-06-01T12:00:00Z is 1811851200. */
	c = load("policy:\n  severity: high\n  fixable_only: true\n"
	    "  allowlist:\n    - id: CVE-2021-23337\n"
	    "      expires: 2027-06-01T12:00:00Z\n", err);
	ok(c != NULL, "an exact expiry moment parses (%s)", err);
	if (c != NULL) {
		struct policy	cp;

		verdict_eval(scan, &c->policy, "team/app", NULL, 1811851200, &v);
		ok(!v.deny, "allowlisted through its expiry second");
		verdict_eval(scan, &c->policy, "team/app", NULL, 1811851201, &v);
		ok(v.deny, "blocked one second later");
		ok(!policy_expired_between(&c->policy, 1811851190, 1811851200),
		    "not expired before that second is over");
		ok(policy_expired_between(&c->policy, 1811851190, 1811851201),
		    "expired between 12:00:00 and 12:00:01");
		ok(!policy_expired_between(&c->policy, 1811851201, 1811859999),
		    "an entry already expired does not expire again");
		ok(policy_copy(&cp, &c->policy) == 0, "policy copied");
		conf_free(c);
		verdict_eval(scan, &cp, "team/app", NULL, 1811851200, &v);
		ok(!v.deny && v.allowlisted == 1,
		    "the copy keeps the allowlist after the original is gone");
		policy_clear(&cp);
	}

	c = load("policy:\n  severity: critical\n  misconfig: [root-user]\n"
	    "  repositories:\n    - match: \"sandbox/*\"\n      severity: none\n"
	    "      misconfig: []\n", err);
	ok(c != NULL, "overrides parse (%s)", err);
	verdict_eval(scan, &c->policy, "team/app", NULL, now, &v);
	ok(v.deny && v.misconfigs == 1 && strstr(v.message, "root-user"),
	    "root-user gate (%s)", v.message);
	verdict_eval(scan, &c->policy, "sandbox/try", NULL, now, &v);
	ok(!v.deny, "sandbox/* override allows");
	conf_free(c);

	c = load("policy:\n  allowed_bases: [\"docker.io/library/debian:*\"]\n",
	    err);
	ok(c != NULL, "allowed_bases parses (%s)", err);
	json_decref(scan);
	scan = json_loads("{\"vulnerabilities\":[],\"base\":"
	    "\"docker.io/library/debian:12\"}", 0, NULL);
	verdict_eval(scan, &c->policy, "a", NULL, now, &v);
	ok(!v.deny, "declared base matching a glob is allowed");
	json_object_set_new(scan, "base", json_string("docker.io/library/alpine:3"));
	verdict_eval(scan, &c->policy, "a", NULL, now, &v);
	ok(v.deny && strstr(v.message, "base image docker.io/library/alpine:3 "
	    "is not an allowed base"), "other base denied (%s)", v.message);
	json_object_del(scan, "base");
	verdict_eval(scan, &c->policy, "a", NULL, now, &v);
	ok(v.deny && strstr(v.message, "(not declared)"),
	    "undeclared base denied when bases are restricted");
	conf_free(c);
	json_decref(scan);
	scan = json_loads(scan_doc, 0, NULL);

	ok(load("policy:\n  severity: extreme\n", err) == NULL &&
	    strstr(err, "t.yaml:4: policy severity") != NULL,
	    "bad severity named with line (%s)", err);
	ok(load("policy:\n  allowlist:\n    - id: X\n      expires: soon\n",
	    err) == NULL && strstr(err, "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ") != NULL,
	    "bad expiry date rejected");
	ok(load("policy:\n  misconfig: [no-such-rule]\n", err) == NULL,
	    "unknown misconfig rule rejected");
	ok(load("policy:\n  colour: blue\n", err) == NULL &&
	    strstr(err, "unknown policy key") != NULL, "unknown key rejected");

	c = load("", err);
	json_decref(scan);
	scan = json_loads("{\"nothing\":1}", 0, NULL);
	ok(verdict_eval(scan, &c->policy, "a", NULL, now, &v) == -1 && v.deny,
	    "unreadable scan result fails closed");
	conf_free(c);
	json_decref(scan);
	/* A finding no data rates: counted as unknown_severity (high). */
	{
		json_t *u = json_loads("{\"vulnerabilities\":[{\"id\":"
		    "\"CVE-2024-9143\",\"severity\":\"UNKNOWN\",\"package\":"
		    "\"libcrypto3\",\"version\":\"3.3.2-r0\",\"fixed\":"
		    "\"3.3.2-r1\"}],\"secrets\":[],\"misconfigurations\":[]}",
		    0, NULL);

		c = load("policy:\n  severity: high\n", err);
		verdict_eval(u, &c->policy, "team/app", NULL, now, &v);
		ok(v.deny && strstr(v.message, "CVE-2024-9143 in libcrypto3 "
		    "3.3.2-r0 (severity unknown) (fixed in 3.3.2-r1)") != NULL,
		    "UNKNOWN counts as high by default, and says so (%s)",
		    v.message);
		conf_free(c);
		c = load("policy:\n  severity: critical\n", err);
		verdict_eval(u, &c->policy, "team/app", NULL, now, &v);
		ok(!v.deny, "... which a critical-only gate lets pass");
		conf_free(c);
		c = load("policy:\n  severity: high\n  unknown_severity: none\n"
		    "  repositories:\n    - match: \"strict/*\"\n"
		    "      unknown_severity: critical\n", err);
		ok(c != NULL, "unknown_severity parses, per repository too (%s)",
		    err);
		verdict_eval(u, &c->policy, "team/app", NULL, now, &v);
		ok(!v.deny, "unknown_severity: none lets UNKNOWN findings pass");
		verdict_eval(u, &c->policy, "strict/app", NULL, now, &v);
		ok(v.deny, "a repository's unknown_severity: critical blocks them");
		conf_free(c);
		c = load("policy:\n  unknown_severity: sometimes\n", err);
		ok(c == NULL && strstr(err, "unknown_severity must be") != NULL,
		    "a bad unknown_severity is refused (%s)", err);
		json_decref(u);
	}
	/* End of life is judged at the time of the decision. */
	{
		json_t *e = json_loads("{\"vulnerabilities\":[],\"secrets\":[],"
		    "\"misconfigurations\":[],\"lifecycle\":{\"os\":{\"name\":"
		    "\"Debian 11 (bullseye)\",\"eol\":\"2026-08-31\"},"
		    "\"packages\":[{\"name\":\"a\",\"source\":\"a\",\"support\":"
		    "\"ended\",\"date\":\"2027-03-01\"}]}}", 0, NULL);
		time_t before = 1787000000;	/* 2026-08-17 */

		c = load("policy:\n  eol: block\n", err);
		ok(c != NULL, "eol: block parses (%s)", err);
		verdict_eval(e, &c->policy, "team/app", NULL, before, &v);
		ok(!v.deny && !v.eol_os, "before its end of life: allowed");
		verdict_eval(e, &c->policy, "team/app", NULL, now, &v);
		ok(v.deny && v.eol_os && v.support_ended == 0 && strstr(
		    v.message, "end of life: Debian 11 (bullseye) since "
		    "2026-08-31") != NULL, "after it: refused, saying since when "
		    "(%s)", v.message);
		verdict_eval(e, &c->policy, "team/app", NULL, now + 100 * 86400, &v);
		ok(v.deny && v.support_ended == 1 && strstr(v.message,
		    "security support ended for a (since 2027-03-01)") != NULL,
		    "a package's support ends on its date (%s)", v.message);
		conf_free(c);
		c = load("", err);
		verdict_eval(e, &c->policy, "team/app", NULL, now, &v);
		ok(!v.deny && v.eol_os, "eol: warn (the default) counts, allows");
		conf_free(c);
		c = load("policy:\n  eol: maybe\n", err);
		ok(c == NULL && strstr(err, "eol must be") != NULL,
		    "a bad eol is refused (%s)", err);
		json_decref(e);
	}
	return done_testing();
}
