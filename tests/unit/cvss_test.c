/*
 * CVSS v3 base scores against the scores NVD publishes for the same
 * vectors; v4.0 scores against FIRST's calculator (the same values
 * ae-cvss-calculator gives; db_cvss4.sh compares 10,000 more).
 */
#include "scan/advisory/cvss.h"
#include "tests/tap.h"

#include <string.h>

static void
score(const char *vec, double want, const char *what)
{
	double got = strncmp(vec, "CVSS:4.0/", 9) == 0 ? cvss4_score(vec) :
	    cvss3_score(vec);

	ok(got > want - 0.001 && got < want + 0.001, "%s: %.1f (got %.1f)",
	    what, want, got);
}

int
main(void)
{
	score("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2,
	    "CVE-2021-23337 (lodash)");
	score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0,
	    "CVE-2021-44228 (log4j)");
	score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5,
	    "CVE-2014-0160 (heartbleed)");
	score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8,
	    "network, no privileges, full impact");
	score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1,
	    "reflected XSS shape");
	score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8,
	    "local privilege escalation shape");
	score("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9,
	    "CVSS 3.0 prefix accepted");
	score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0,
	    "no impact scores 0");
	ok(cvss3_score("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P") < 0,
	    "v2 vector refused");
	ok(cvss3_score("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0,
	    "repeated metric refused");
	ok(cvss3_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0,
	    "unknown value refused");
	ok(cvss3_score("CVSS:3.1/AV:N") < 0, "incomplete vector refused");
	ok(cvss3_score(NULL) < 0, "NULL refused");
	score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
	    10.0, "v4: the worst MacroVector");
	score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
	    6.9, "v4: low impact everywhere");
	score("CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
	    7.3, "v4: RUSTSEC-2025-0149 (below)");
	score("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:N/VI:H/VA:L/SC:H/SI:H/SA:H",
	    8.3, "v4: subsequent-system impact");
	score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/E:P",
	    5.5, "v4: threat metric E:P lowers the score");
	score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
	    0.0, "v4: no impact scores 0");
	ok(cvss4_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/"
	    "SI:S/SA:H") < 0, "v4: S is only a modified value (MSI), not SI's");
	ok(cvss4_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/"
	    "SI:H") < 0, "v4: incomplete vector refused");
	ok(cvss4_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/"
	    "SI:H/SA:H/") < 0, "v4: trailing slash refused");
	ok(cvss4_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0,
	    "v4 scorer refuses a v3 vector");
	is_str(cvss_severity_name(cvss_severity_of(9.0)), "CRITICAL", "9.0");
	is_str(cvss_severity_name(cvss_severity_of(8.9)), "HIGH", "8.9");
	is_str(cvss_severity_name(cvss_severity_of(4.0)), "MEDIUM", "4.0");
	is_str(cvss_severity_name(cvss_severity_of(3.9)), "LOW", "3.9");
	is_str(cvss_severity_name(cvss_severity_parse("MODERATE")), "MEDIUM",
	    "GHSA's MODERATE is MEDIUM");
	return done_testing();
}
