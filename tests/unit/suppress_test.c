/*
 * Exceptions and VEX: each scope kind narrows (repository, digest,
 * package, version range in the ecosystem's own order, path, advisory
 * or rule), expiry, the entries a policy refuses, and OpenVEX
 * statements that clear one package and not its neighbour, one image
 * and not another, and give way to a later statement.
 */
#include "conf/conf.h"
#include "conf/vex.h"
#include "scan/image/suppress.h"
#include "scan/image/verdict.h"
#include "tests/tap.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

/*
 * Findings as the scanner writes them: a lodash advisory found at two
 * paths, the same advisory in lodash.template, an Alpine OpenSSL one,
 * a PyPI one, a private key and the root user.
 */
static const char *scan_doc =
    "{\"vulnerabilities\":["
    "{\"id\":\"GHSA-35jh-r3h4-6jhm\",\"aliases\":\"CVE-2021-23337\","
    "\"severity\":\"HIGH\",\"package\":\"lodash\",\"version\":\"4.17.20\","
    "\"fixed\":\"4.17.21\",\"ecosystem\":\"npm\",\"path\":"
    "\"app/node_modules/lodash/package.json\",\"paths\":["
    "\"app/node_modules/lodash/package.json\","
    "\"app/node_modules/x/node_modules/lodash/package.json\"]},"
    "{\"id\":\"GHSA-35jh-r3h4-6jhm\",\"aliases\":\"CVE-2021-23337\","
    "\"severity\":\"HIGH\",\"package\":\"lodash.template\",\"version\":"
    "\"4.5.0\",\"ecosystem\":\"npm\",\"path\":\"app/node_modules/"
    "lodash.template/package.json\",\"paths\":[\"app/node_modules/"
    "lodash.template/package.json\"]},"
    "{\"id\":\"CVE-2024-9143\",\"aliases\":\"\",\"severity\":\"HIGH\","
    "\"package\":\"libcrypto3\",\"version\":\"3.3.2-r0\",\"fixed\":"
    "\"3.3.2-r1\",\"ecosystem\":\"Alpine:v3.20\",\"path\":"
    "\"lib/apk/db/installed\",\"paths\":[\"lib/apk/db/installed\"]},"
    "{\"id\":\"PYSEC-2023-74\",\"aliases\":\"CVE-2023-32681\",\"severity\":"
    "\"HIGH\",\"package\":\"requests\",\"version\":\"2.25.1\",\"ecosystem\":"
    "\"PyPI\",\"path\":\"usr/lib/python3/dist-packages/requests-2.25.1."
    "dist-info/METADATA\",\"paths\":[]}],"
    "\"secrets\":[{\"rule\":\"private-key\",\"path\":\"etc/ssl/test.key\"}],"
    "\"misconfigurations\":[{\"rule\":\"root-user\",\"path\":\"config\"}]}";

static struct conf *
load(const char *policy, char *err)
{
	char	yaml[8192];

	snprintf(yaml, sizeof(yaml), "upstream:\n  url: http://x\n"
	    "policy:\n  severity: high\n  misconfig: [root-user]\n%s", policy);
	err[0] = '\0';
	return conf_load_string(yaml, strlen(yaml), "t.yaml", err, 512);
}

/* How many findings block under policy for repo@digest at now. */
static int
blocking(const char *policy, const char *repo, const char *digest,
    time_t now, struct verdict *v)
{
	char		 err[512];
	struct conf	*c = load(policy, err);
	json_t		*scan = json_loads(scan_doc, 0, NULL);
	int		 n = -1;

	if (c == NULL)
		printf("# %s\n", err);
	else if (verdict_eval(scan, &c->policy, repo, digest, now, v) == 0)
		n = v->blocking_vulns + v->secrets + v->misconfigs;
	json_decref(scan);
	conf_free(c);
	return n;
}

static const char *
refused(const char *policy)
{
	static char	 err[512];
	struct conf	*c = load(policy, err);

	conf_free(c);
	return c == NULL ? err : NULL;
}

static char vexdir[] = "/tmp/suppress_test.XXXXXX";

static const char *
vexfile(const char *name, const char *json)
{
	static char	 path[4][256];
	static int	 k;
	FILE		*f;
	char		*p = path[k++ % 4];

	snprintf(p, 256, "%s/%s", vexdir, name);
	if ((f = fopen(p, "w")) != NULL) {
		fputs(json, f);
		fclose(f);
	}
	return p;
}

#define EXC(extra) "  exceptions:\n    - owner: alice@example.com\n" \
	"      reason: not reachable\n" extra

int
main(void)
{
	struct verdict	 v;
	time_t		 now = 1800000000;	/* 2027-01-15 */
	char		 pol[4096];
	const char	*e, *f1, *f2;

	is_int(blocking("", "team/app", D1, now, &v), 6,
	    "no exceptions: 4 vulnerabilities, a secret and root block");

	/* advisory id, matched on an alias too */
	is_int(blocking(EXC("      id: CVE-2021-23337\n"), "team/app", D1, now,
	    &v), 4, "an advisory exception covers both packages it is in");
	ok(v.allowlisted == 2 && strstr(v.note, "exception 1 by "
	    "alice@example.com") != NULL, "the note names it (%s)", v.note);

	/* repository glob */
	is_int(blocking(EXC("      id: CVE-2024-9143\n      repository: "
	    "team/*\n"), "team/app", D1, now, &v), 5,
	    "repository glob: matches team/app");
	is_int(blocking(EXC("      id: CVE-2024-9143\n      repository: "
	    "team/*\n"), "other/app", D1, now, &v), 6,
	    "repository glob: not other/app");

	/* image digest */
	is_int(blocking(EXC("      id: CVE-2024-9143\n      digest: " D1 "\n"),
	    "team/app", D1, now, &v), 5, "digest: that image");
	is_int(blocking(EXC("      id: CVE-2024-9143\n      digest: " D1 "\n"),
	    "team/app", D2, now, &v), 6, "digest: not another image");
	is_int(blocking(EXC("      id: CVE-2024-9143\n      digest: " D1 "\n"),
	    "team/app", NULL, now, &v), 6,
	    "digest: not an image whose digest is not known");

	/* package, and a version range in the ecosystem's own order */
	is_int(blocking(EXC("      package: lodash\n"), "team/app", D1, now,
	    &v), 5, "package: every advisory of lodash, not lodash.template");
	is_int(blocking(EXC("      package: lodash\n      versions: "
	    "\">= 4.17.0, < 4.17.21\"\n"), "team/app", D1, now, &v), 5,
	    "versions: 4.17.20 is in >= 4.17.0, < 4.17.21");
	is_int(blocking(EXC("      package: lodash\n      versions: "
	    "\"< 4.17.3\"\n"), "team/app", D1, now, &v), 6,
	    "versions: SemVer order, 4.17.20 is not < 4.17.3");
	is_int(blocking(EXC("      package: libcrypto3\n      versions: "
	    "\"<= 3.3.2-r0\"\n"), "team/app", D1, now, &v), 5,
	    "versions: apk order, 3.3.2-r0 <= 3.3.2-r0");
	is_int(blocking(EXC("      package: libcrypto3\n      versions: "
	    "\"< 3.3.2_rc1\"\n"), "team/app", D1, now, &v), 6,
	    "versions: apk order, 3.3.2-r0 is after 3.3.2_rc1");

	/* path: every place the finding is must be inside */
	is_int(blocking(EXC("      id: CVE-2021-23337\n      path: "
	    "\"app/node_modules/*\"\n"), "team/app", D1, now, &v), 4,
	    "path: both lodash copies and lodash.template are inside");
	is_int(blocking(EXC("      id: CVE-2021-23337\n      path: "
	    "\"app/node_modules/lodash/*\"\n"), "team/app", D1, now, &v), 6,
	    "path: a copy outside the glob keeps the finding");

	/* secrets and misconfigurations, by rule */
	is_int(blocking(EXC("      id: private-key\n      path: "
	    "etc/ssl/test.key\n"), "team/app", D1, now, &v), 5,
	    "a secret rule at one path");
	is_int(blocking(EXC("      id: private-key\n      path: etc/other\n"),
	    "team/app", D1, now, &v), 6, "a secret rule elsewhere: kept");
	is_int(blocking(EXC("      id: root-user\n      repository: team/app\n"),
	    "team/app", D1, now, &v), 5, "a misconfiguration rule");
	is_int(blocking(EXC("      package: lodash\n      id: private-key\n"),
	    "team/app", D1, now, &v), 6,
	    "a package-scoped exception never covers a secret");

	/* expiry */
	is_int(blocking(EXC("      id: CVE-2024-9143\n      expires: "
	    "2027-01-15\n"), "team/app", D1, now, &v), 5,
	    "an exception holds through its day");
	is_int(blocking(EXC("      id: CVE-2024-9143\n      expires: "
	    "2027-01-14\n"), "team/app", D1, now, &v), 6,
	    "an expired exception covers nothing");

	/* the allowed image's message names what let it by */
	snprintf(pol, sizeof(pol), "%s", "  severity: high\n");
	is_int(blocking(EXC("      package: lodash\n    - owner: bob\n"
	    "      reason: r\n      id: GHSA-35jh-r3h4-6jhm\n"
	    "    - owner: carol\n      reason: r\n      id: CVE-2024-9143\n"
	    "    - owner: dave\n      reason: r\n      package: requests\n"
	    "    - owner: erin\n      reason: r\n      id: private-key\n"
	    "    - owner: frank\n      reason: r\n      id: root-user\n"),
	    "team/app", D1, now, &v), 0, "six exceptions clear everything");
	ok(!v.deny && strncmp(v.message, VERDICT_EXCEPTED,
	    strlen(VERDICT_EXCEPTED)) == 0 && strstr(v.message, "; ...") &&
	    strstr(v.message, "exception 1 by alice@example.com"),
	    "allowed, and the message says by which (%s)", v.message);
	ok(v.allowlisted >= 6, "each exception took out a finding (%d)",
	    v.allowlisted);

	/* what a policy refuses */
	e = refused("  exceptions:\n    - id: CVE-1\n      reason: r\n");
	ok(e &&
	    strstr(e, "owner"), "no owner: refused (%s)", e ? e : "");
	e = refused("  exceptions:\n    - owner: a\n      reason: r\n"
	    "      repository: team/*\n");
	ok(e && strstr(e, "breakglass"),
	    "a whole repository excused: refused (%s)", e ? e : "");
	e = refused(EXC("      package: lodash\n      versions: \"<\"\n"));
	ok(e
	    && strstr(e, "versions"), "a range without a version: refused");
	e = refused(EXC("      id: CVE-1\n      digest: sha256:12\n"));
	ok(e &&
	    strstr(e, "digest"), "a short digest: refused");
	e = refused(EXC("      id: CVE-1\n      versions: \"< 2\"\n"));
	ok(e &&
	    strstr(e, "need a package"), "versions without a package: refused");
	e = refused("  allowlist:\n    - id: CVE-1\n      owner: x\n");
	ok(e &&
	    strstr(e, "exceptions:"), "the allowlist keeps its three keys");

	/* VEX */
	if (mkdtemp(vexdir) == NULL)
		return 1;
	f1 = vexfile("lodash.json",
	    "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"@id\":"
	    "\"https://example.com/vex/1\",\"author\":\"Example\",\"timestamp\":"
	    "\"2026-11-01T10:00:00.123456-06:00\",\"version\":1,\"statements\":["
	    "{\"vulnerability\":{\"name\":\"CVE-2021-23337\"},\"products\":["
	    "{\"@id\":\"pkg:npm/lodash@4.17.20\"}],\"status\":\"not_affected\","
	    "\"justification\":\"vulnerable_code_not_in_execute_path\"}]}");
	snprintf(pol, sizeof(pol), "  vex: [%s]\n", f1);
	is_int(blocking(pol, "team/app", D1, now, &v), 5,
	    "VEX not_affected for pkg:npm/lodash@4.17.20: lodash only");
	ok(v.vex_cleared == 1 && strstr(v.note, "VEX not_affected: "
	    "vulnerable_code_not_in_execute_path") != NULL,
	    "the note gives the justification (%s)", v.note);

	f2 = vexfile("image.json",
	    "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"@id\":"
	    "\"https://example.com/vex/2\",\"author\":\"Example\",\"timestamp\":"
	    "\"2026-11-02T10:00:00Z\",\"version\":1,\"statements\":["
	    "{\"vulnerability\":{\"name\":\"CVE-2024-9143\"},\"products\":["
	    "{\"@id\":\"pkg:oci/app@sha256%3A1111111111111111111111111111111111111111111111111111111111111111\","
	    "\"subcomponents\":[{\"@id\":\"pkg:apk/alpine/libcrypto3\"}]}],"
	    "\"status\":\"fixed\"},"
	    "{\"vulnerability\":{\"name\":\"PYSEC-2023-74\"},\"products\":["
	    "{\"@id\":\"pkg:pypi/Requests@2.25.1\"}],\"status\":\"not_affected\","
	    "\"impact_statement\":\"no proxies configured\"},"
	    "{\"vulnerability\":{\"name\":\"CVE-2023-32681\"},\"timestamp\":"
	    "\"2026-11-03T00:00:00Z\",\"products\":["
	    "{\"@id\":\"pkg:pypi/requests\"}],\"status\":\"affected\","
	    "\"action_statement\":\"upgrade\"}]}");
	snprintf(pol, sizeof(pol), "  vex: [%s, %s]\n", f1, f2);
	is_int(blocking(pol, "team/app", D1, now, &v), 4,
	    "VEX fixed for libcrypto3 in image D1: cleared there");
	is_int(blocking(pol, "team/app", D2, now, &v), 5,
	    "... and not in image D2");
	ok(v.vex_cleared == 1, "a later 'affected' statement (by alias) "
	    "outranks the PyPI not_affected");
	{
		char	 err[512];
		struct conf *c = load(pol, err);
		json_t	*scan = json_loads(scan_doc, 0, NULL);
		struct suppress_subject s = { "team/app", D1, now, NULL };
		json_t	*x;

		suppress_annotate(&c->policy, scan, &s);
		x = json_object_get(json_array_get(json_object_get(scan,
		    "vulnerabilities"), 0), "vex");
		ok(json_is_true(json_object_get(x, "suppressed")) &&
		    !strcmp(json_string_value(json_object_get(x,
		    "justification")), "vulnerable_code_not_in_execute_path"),
		    "the report marks the finding with the statement");
		x = json_object_get(json_array_get(json_object_get(scan,
		    "vulnerabilities"), 3), "vex");
		ok(json_is_false(json_object_get(x, "suppressed")) &&
		    !strcmp(json_string_value(json_object_get(x, "status")),
		    "affected"), "and the one still affected as such");
		json_decref(scan);
		conf_free(c);
	}
	snprintf(pol, sizeof(pol), "  vex: [%s]\n", vexfile("pypi.json",
	    "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"timestamp\":"
	    "\"2026-11-02T10:00:00Z\",\"statements\":[{\"vulnerability\":"
	    "{\"name\":\"CVE-2023-32681\"},\"products\":[{\"@id\":"
	    "\"pkg:pypi/Requests@2.25.1\"}],\"status\":\"not_affected\","
	    "\"justification\":\"component_not_present\"},"
	    "{\"vulnerability\":{\"name\":\"CVE-2024-9143\"},\"products\":"
	    "[{\"@id\":\"pkg:apk/debian/libcrypto3\"}],\"status\":"
	    "\"not_affected\",\"justification\":\"component_not_present\"}]}"));
	is_int(blocking(pol, "team/app", D1, now, &v), 5,
	    "VEX for pkg:pypi/Requests (an alias): requests cleared, names "
	    "compared as PEP 503 does; an apk purl of another distribution "
	    "clears nothing");
	snprintf(pol, sizeof(pol), "  vex: [%s]\n", vexfile("bad.json",
	    "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"timestamp\":"
	    "\"2026-11-02T10:00:00Z\",\"statements\":[{\"vulnerability\":"
	    "{\"name\":\"CVE-1\"},\"products\":[{\"@id\":\"pkg:npm/a\"}],"
	    "\"status\":\"not_affected\"}]}"));
	e = refused(pol);
	ok(e && strstr(e, "justification"),
	    "not_affected without a justification: refused (%s)", e ? e : "");
	snprintf(pol, sizeof(pol), "  vex: [%s]\n", vexfile("notvex.json",
	    "{\"bomFormat\":\"CycloneDX\"}"));
	e = refused(pol);
	ok(e && strstr(e, "not an OpenVEX"),
	    "another format: refused (%s)", e ? e : "");
	{
		time_t t;

		ok(vex_time("2026-11-01T10:00:00.5-06:00", &t) == 0 &&
		    t == 1793548800, "RFC 3339 with an offset");
	}
	unlink(vexfile("lodash.json", ""));
	unlink(vexfile("image.json", ""));
	unlink(vexfile("bad.json", ""));
	unlink(vexfile("notvex.json", ""));
	unlink(vexfile("pypi.json", ""));
	rmdir(vexdir);
	return done_testing();
}
