#include "scan/version/version.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char		*prefix;	/* ecosystem, before any ':' */
	enum version_scheme	 scheme;
} version_ecosystems[] = {
	{ "Debian", VERSION_DPKG },
	{ "Ubuntu", VERSION_DPKG },
	{ "Alpine", VERSION_APK },
	{ "Wolfi", VERSION_APK },
	{ "Chainguard", VERSION_APK },
	{ "Red Hat", VERSION_RPM },
	{ "Rocky Linux", VERSION_RPM },
	{ "AlmaLinux", VERSION_RPM },
	{ "openSUSE", VERSION_RPM },
	{ "SUSE", VERSION_RPM },
	{ "Mageia", VERSION_RPM },
	{ "npm", VERSION_SEMVER },
	{ "Go", VERSION_SEMVER },
	{ "crates.io", VERSION_SEMVER },
	{ "NuGet", VERSION_SEMVER },
	{ "PyPI", VERSION_PEP440 },
	{ "Maven", VERSION_MAVEN },
	{ "RubyGems", VERSION_GEM },
};

enum version_scheme
version_scheme_of(const char *eco)
{
	size_t	i, n = strcspn(eco, ":");

	for (i = 0; i < sizeof(version_ecosystems) /
	    sizeof(version_ecosystems[0]); i++)
		if (strlen(version_ecosystems[i].prefix) == n &&
		    strncmp(eco, version_ecosystems[i].prefix, n) == 0)
			return version_ecosystems[i].scheme;
	return VERSION_UNKNOWN;
}

enum version_scheme
version_scheme_of_type(const char *t)
{
	static const struct {
		const char		*type;
		enum version_scheme	 scheme;
	} m[] = {
		{ "deb", VERSION_DPKG }, { "apk", VERSION_APK },
		{ "rpm", VERSION_RPM }, { "npm", VERSION_SEMVER },
		{ "golang", VERSION_SEMVER }, { "cargo", VERSION_SEMVER },
		{ "nuget", VERSION_SEMVER }, { "pypi", VERSION_PEP440 },
		{ "maven", VERSION_MAVEN }, { "gem", VERSION_GEM },
	};
	size_t	i;

	for (i = 0; t != NULL && i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].type, t) == 0)
			return m[i].scheme;
	return VERSION_UNKNOWN;
}

int
version_in_range(enum version_scheme s, const char *version,
    const char *range)
{
	char	want[128];

	while (*range != '\0') {
		size_t	 l = strcspn(range, ",");
		size_t	 k = strspn(range, " \t");
		char	 op[3] = "";
		int	 c, ok;

		while (k < l && strchr("<>=", range[k]) != NULL &&
		    strlen(op) < 2) {
			op[strlen(op) + 1] = '\0';
			op[strlen(op)] = range[k++];
		}
		k += strspn(range + k, " \t");
		snprintf(want, sizeof(want), "%.*s", (int)(l - k), range + k);
		want[strcspn(want, " \t")] = '\0';
		c = version_cmp(s, version, want);
		if (!strcmp(op, "<"))
			ok = c < 0;
		else if (!strcmp(op, "<="))
			ok = c <= 0;
		else if (!strcmp(op, ">"))
			ok = c > 0;
		else if (!strcmp(op, ">="))
			ok = c >= 0;
		else
			ok = c == 0;
		if (!ok)
			return 0;
		range += l + (range[l] == ',');
	}
	return 1;
}

const char *
version_scheme_name(enum version_scheme s)
{
	switch (s) {
	case VERSION_DPKG: return "dpkg";
	case VERSION_RPM: return "rpm";
	case VERSION_APK: return "apk";
	case VERSION_SEMVER: return "semver";
	case VERSION_PEP440: return "pep440";
	case VERSION_MAVEN: return "maven";
	case VERSION_GEM: return "rubygems";
	case VERSION_UNKNOWN: break;
	}
	return "unknown";
}

int
version_cmp(enum version_scheme s, const char *a, const char *b)
{
	switch (s) {
	case VERSION_DPKG: return version_dpkg_cmp(a, b);
	case VERSION_RPM: return version_rpm_cmp(a, b);
	case VERSION_APK: return version_apk_cmp(a, b);
	case VERSION_SEMVER: return version_semver_cmp(a, b);
	case VERSION_PEP440: return version_pep440_cmp(a, b);
	case VERSION_MAVEN: return version_maven_cmp(a, b);
	case VERSION_GEM: return version_gem_cmp(a, b);
	case VERSION_UNKNOWN: break;
	}
	return strcmp(a, b);
}

int
version_numcmp(const char *a, size_t al, const char *b, size_t bl)
{
	int	r;

	while (al > 1 && *a == '0') {
		a++;
		al--;
	}
	while (bl > 1 && *b == '0') {
		b++;
		bl--;
	}
	if (al != bl)
		return al < bl ? -1 : 1;
	r = memcmp(a, b, al);
	return r < 0 ? -1 : r > 0;
}
