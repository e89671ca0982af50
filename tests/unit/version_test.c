/*
 * Version ordering against each ecosystem's own documented rules and
 * real version strings from Debian, Alpine, RHEL, npm, Go and PyPI.
 * Sources: deb-version(7) and dpkg's t/dpkg_version.t cases; rpm's
 * tests/rpmvercmp.at; apk-tools' test/version.data; semver.org section
 * 11's precedence example; PEP 440's ordering example; Maven's
 * ComparableVersionTest lists; RubyGems' Gem::Version documentation.
 */
#include "scan/version/version.h"
#include "tests/tap.h"

static int
sign(int x)
{
	return x < 0 ? -1 : x > 0;
}

/* Check a < b, b > a, a == a. */
static void
lt(enum version_scheme s, const char *a, const char *b)
{
	ok(sign(version_cmp(s, a, b)) == -1 && sign(version_cmp(s, b, a)) == 1
	    && version_cmp(s, a, a) == 0,
	    "%s: %s < %s", version_scheme_name(s), a, b);
}

static void
eq(enum version_scheme s, const char *a, const char *b)
{
	ok(version_cmp(s, a, b) == 0 && version_cmp(s, b, a) == 0,
	    "%s: %s == %s", version_scheme_name(s), a, b);
}

/* Every adjacent pair of a sorted list. */
static void
chain(enum version_scheme s, const char *const *v)
{
	for (; v[1] != NULL; v++)
		lt(s, v[0], v[1]);
}

int
main(void)
{
	static const char *const semver_spec[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
		"1.0.0", NULL };
	static const char *const pep440_spec[] = {
		"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456",
		"1.0a12", "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456",
		"1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0",
		"1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34",
		"1.0.post456", "1.1.dev1", NULL };
	static const char *const maven_qualifiers[] = {
		"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2",
		"1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2", "1-rc123",
		"1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc",
		"1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123",
		NULL };
	static const char *const maven_numbers[] = {
		"2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a",
		"2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2",
		"11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a",
		"11b", "11c", "11m", NULL };
	static const char *const dpkg_tilde[] = {
		"1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a", "1.0+", NULL };

	/* dpkg */
	chain(VERSION_DPKG, dpkg_tilde);
	lt(VERSION_DPKG, "1.0", "1.0-1");
	lt(VERSION_DPKG, "2.0", "1:0.9");
	eq(VERSION_DPKG, "0:1.2-3", "1.2-3");
	lt(VERSION_DPKG, "2.36-9+deb12u9", "2.36-9+deb12u10");
	lt(VERSION_DPKG, "3.0.11-1~deb12u2", "3.0.11-1");
	lt(VERSION_DPKG, "7.88.1-10+deb12u5", "7.88.1-10+deb12u12");
	lt(VERSION_DPKG, "1.2.3-1", "1.2.10-1");
	lt(VERSION_DPKG, "9", "10");
	eq(VERSION_DPKG, "1.001", "1.1");
	lt(VERSION_DPKG, "1:1.2.13.dfsg-1", "1:1.3.dfsg-1");
	lt(VERSION_DPKG, "252.22-1~deb12u1", "252.26-1~deb12u2");

	/* rpm */
	lt(VERSION_RPM, "1.0", "2.0");
	lt(VERSION_RPM, "2.0", "2.0.1");
	lt(VERSION_RPM, "2.0.1", "2.0.1a");
	lt(VERSION_RPM, "5.5p1", "5.5p2");
	lt(VERSION_RPM, "5.5p2", "5.5p10");
	lt(VERSION_RPM, "xyz10", "xyz10.1");
	lt(VERSION_RPM, "a", "1");	/* numeric is newer */
	lt(VERSION_RPM, "1.0~rc1", "1.0");
	lt(VERSION_RPM, "1.0~rc1", "1.0~rc2");
	lt(VERSION_RPM, "1.0", "1.0^");
	lt(VERSION_RPM, "1.0^git1", "1.0.1");
	eq(VERSION_RPM, "1.0.0", "1.0.0");
	eq(VERSION_RPM, "2_0", "2.0");	/* separators are equal */
	lt(VERSION_RPM, "3.0.7-27.el9", "3.0.7-27.el9_4");
	lt(VERSION_RPM, "1:3.0.7-24.el9", "1:3.0.7-27.el9");
	lt(VERSION_RPM, "9:1.0-1", "10:0.1-1");

	/* apk */
	lt(VERSION_APK, "1.0_alpha", "1.0");
	lt(VERSION_APK, "1.0_alpha1", "1.0_beta");
	lt(VERSION_APK, "1.0_beta2", "1.0_rc1");
	lt(VERSION_APK, "1.0_rc1", "1.0");
	lt(VERSION_APK, "1.0", "1.0_p1");
	lt(VERSION_APK, "1.0", "1.0-r1");
	lt(VERSION_APK, "3.1.1-r0", "3.1.1-r1");
	lt(VERSION_APK, "1.0", "1.0a");
	lt(VERSION_APK, "1.0a", "1.0b");
	lt(VERSION_APK, "1.01", "1.1");
	lt(VERSION_APK, "0.9", "0.10");
	lt(VERSION_APK, "3.0.8-r0", "3.0.10-r0");
	lt(VERSION_APK, "1.2.3", "1.2.3_git20230101");
	lt(VERSION_APK, "1.36.1-r5", "1.36.1-r15");
	lt(VERSION_APK, "1.2", "1.2.1");

	/* SemVer */
	chain(VERSION_SEMVER, semver_spec);
	eq(VERSION_SEMVER, "1.0.0+build.5", "1.0.0");
	lt(VERSION_SEMVER, "4.17.20", "4.17.21");
	lt(VERSION_SEMVER, "1.99.99", "2.0.0");
	lt(VERSION_SEMVER, "v0.0.0-20210101000000-abcdef123456", "v0.1.0");
	lt(VERSION_SEMVER, "v1.2.3", "v1.10.0");
	eq(VERSION_SEMVER, "v1.2.3", "1.2.3");
	lt(VERSION_SEMVER, "1.0.0-9", "1.0.0-10");
	lt(VERSION_SEMVER, "1.0.0-10", "1.0.0-a");

	/* PEP 440 */
	chain(VERSION_PEP440, pep440_spec);
	eq(VERSION_PEP440, "1.0", "1.0.0");
	eq(VERSION_PEP440, "1.0RC1", "1.0rc1");
	eq(VERSION_PEP440, "1.0alpha1", "1.0a1");
	eq(VERSION_PEP440, "1.0-1", "1.0.post1");
	eq(VERSION_PEP440, "1.0c1", "1.0rc1");
	lt(VERSION_PEP440, "2.0", "1!0.1");
	lt(VERSION_PEP440, "2.11.2", "2.11.3");
	lt(VERSION_PEP440, "3.1.2", "3.1.10");

	/* Maven: ComparableVersionTest's two ordered lists */
	chain(VERSION_MAVEN, maven_qualifiers);
	chain(VERSION_MAVEN, maven_numbers);
	eq(VERSION_MAVEN, "1", "1.0.0");
	eq(VERSION_MAVEN, "1-ga", "1");
	eq(VERSION_MAVEN, "1-final", "1.0");
	eq(VERSION_MAVEN, "1-cr1", "1-rc1");
	eq(VERSION_MAVEN, "1a1", "1-alpha-1");
	eq(VERSION_MAVEN, "1.0-SNAPSHOT", "1-snapshot");
	lt(VERSION_MAVEN, "2.14.1", "2.15.0");
	lt(VERSION_MAVEN, "2.0-beta9", "2.0-rc1");
	lt(VERSION_MAVEN, "2.16.0", "2.17.1");

	/* RubyGems: Gem::Version's documented behaviour */
	lt(VERSION_GEM, "1.0.a", "1.0");
	lt(VERSION_GEM, "1.0.a", "1.0.b");
	lt(VERSION_GEM, "1.0.0.pre1", "1.0.0");
	lt(VERSION_GEM, "1.0.0.rc1", "1.0.0");
	lt(VERSION_GEM, "1.9.3", "1.10.0");
	eq(VERSION_GEM, "1.0", "1");
	eq(VERSION_GEM, "1.0.0", "1");
	eq(VERSION_GEM, "1.2.3-1", "1.2.3.pre.1");
	lt(VERSION_GEM, "5.2.4.2", "5.2.4.3");
	lt(VERSION_GEM, "6.0.0.beta1", "6.0.0.rc1");

	/* Ecosystem names from OSV */
	is_int(version_scheme_of("Maven"), VERSION_MAVEN, "Maven");
	is_int(version_scheme_of("RubyGems"), VERSION_GEM, "RubyGems");
	is_int(version_scheme_of("Debian:12"), VERSION_DPKG, "Debian:12");
	is_int(version_scheme_of("Ubuntu:22.04:LTS"), VERSION_DPKG, "Ubuntu");
	is_int(version_scheme_of("Alpine:v3.19"), VERSION_APK, "Alpine");
	is_int(version_scheme_of("npm"), VERSION_SEMVER, "npm");
	is_int(version_scheme_of("PyPI"), VERSION_PEP440, "PyPI");
	is_int(version_scheme_of("Go"), VERSION_SEMVER, "Go");
	is_int(version_scheme_of("Red Hat:enterprise_linux:9"), VERSION_RPM,
	    "Red Hat");
	is_int(version_scheme_of("Debianish"), VERSION_UNKNOWN,
	    "prefix alone does not match");

	/* Found by tests/fuzz: an unparseable rest must not break antisymmetry. */
	ok(sign(version_cmp(VERSION_APK, "1/0_alpha1-r2", "1")) ==
	    -sign(version_cmp(VERSION_APK, "1", "1/0_alpha1-r2")),
	    "apk: invalid tail vs end is antisymmetric");

	/* Garbage orders without crashing. */
	ok(version_cmp(VERSION_DPKG, "", ":::") != 2, "dpkg garbage");
	ok(version_cmp(VERSION_APK, "_", "-r") != 2, "apk garbage");
	ok(version_cmp(VERSION_SEMVER, "-", "+") != 2, "semver garbage");
	ok(version_cmp(VERSION_PEP440, "!", "+") != 2, "pep440 garbage");
	ok(version_cmp(VERSION_RPM, "~^~", "^~^") != 2, "rpm garbage");
	/* Ranges (exceptions, the search API): every part holds. */
	ok(version_in_range(VERSION_SEMVER, "4.17.20", ">= 4.17.0, < 4.17.21") &&
	    !version_in_range(VERSION_SEMVER, "4.17.20", "<4.17.3") &&
	    version_in_range(VERSION_SEMVER, "4.17.20", "=4.17.20") &&
	    version_in_range(VERSION_SEMVER, "4.17.20", "4.17.20") &&
	    version_in_range(VERSION_SEMVER, "4.17.20", ""),
	    "SemVer ranges: numeric parts, bare version means =, empty holds");
	ok(version_in_range(VERSION_APK, "3.3.2-r0", "<3.3.2-r1") &&
	    !version_in_range(VERSION_APK, "3.3.2-r0", "<3.3.2_rc1") &&
	    version_in_range(VERSION_DPKG, "1:2.0-1", "> 2.0-1"),
	    "apk and dpkg ranges: _rc before release, epoch first");
	ok(version_scheme_of_type("pypi") == VERSION_PEP440 &&
	    version_scheme_of_type("golang") == VERSION_SEMVER &&
	    version_scheme_of_type("deb") == VERSION_DPKG &&
	    version_scheme_of_type("nope") == VERSION_UNKNOWN,
	    "package URL types name their scheme");
	return done_testing();
}
