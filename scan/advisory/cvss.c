#include "scan/advisory/cvss.h"

#include <math.h>
#include <string.h>
#include <strings.h>

/* CVSS v3.1 Roundup: smallest one-decimal number >= x, float-safe. */
static double
cvss_roundup(double x)
{
	long	i = lround(x * 100000.0);

	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (floor((double)i / 10000.0) + 1.0) / 10.0;
}

/* Value of metric m (e.g. "AV") in the vector, or '\0'. Once only. */
static char
cvss_metric(const char *v, const char *m)
{
	size_t	ml = strlen(m);
	char	found = '\0';
	int	count = 0;

	while (*v != '\0') {
		const char *end = v + strcspn(v, "/");

		if ((size_t)(end - v) == ml + 2 && strncmp(v, m, ml) == 0 &&
		    v[ml] == ':') {
			found = v[ml + 1];
			count++;
		}
		v = *end ? end + 1 : end;
	}
	return count == 1 ? found : '\0';
}

double
cvss3_score(const char *vec)
{
	char	av, ac, pr, ui, s, c, i, a;
	double	AV, AC, PR, UI, C, I, A, iss, impact, expl;

	if (vec == NULL || (strncmp(vec, "CVSS:3.1/", 9) != 0 &&
	    strncmp(vec, "CVSS:3.0/", 9) != 0))
		return -1;
	av = cvss_metric(vec, "AV");
	ac = cvss_metric(vec, "AC");
	pr = cvss_metric(vec, "PR");
	ui = cvss_metric(vec, "UI");
	s = cvss_metric(vec, "S");
	c = cvss_metric(vec, "C");
	i = cvss_metric(vec, "I");
	a = cvss_metric(vec, "A");
	switch (av) {
	case 'N': AV = 0.85; break;
	case 'A': AV = 0.62; break;
	case 'L': AV = 0.55; break;
	case 'P': AV = 0.2; break;
	default: return -1;
	}
	switch (ac) {
	case 'L': AC = 0.77; break;
	case 'H': AC = 0.44; break;
	default: return -1;
	}
	if (s != 'U' && s != 'C')
		return -1;
	switch (pr) {
	case 'N': PR = 0.85; break;
	case 'L': PR = s == 'C' ? 0.68 : 0.62; break;
	case 'H': PR = s == 'C' ? 0.5 : 0.27; break;
	default: return -1;
	}
	switch (ui) {
	case 'N': UI = 0.85; break;
	case 'R': UI = 0.62; break;
	default: return -1;
	}
#define CIA(x, X) switch (x) { case 'H': X = 0.56; break; \
	case 'L': X = 0.22; break; case 'N': X = 0; break; default: return -1; }
	CIA(c, C)
	CIA(i, I)
	CIA(a, A)
#undef CIA
	iss = 1.0 - (1.0 - C) * (1.0 - I) * (1.0 - A);
	if (s == 'U')
		impact = 6.42 * iss;
	else
		impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15);
	expl = 8.22 * AV * AC * PR * UI;
	if (impact <= 0)
		return 0.0;
	if (s == 'U')
		return cvss_roundup(fmin(impact + expl, 10.0));
	return cvss_roundup(fmin(1.08 * (impact + expl), 10.0));
}

enum cvss_severity
cvss_severity_of(double score)
{
	if (score < 0)
		return CVSS_UNKNOWN;
	if (score == 0.0)
		return CVSS_NONE;
	if (score < 4.0)
		return CVSS_LOW;
	if (score < 7.0)
		return CVSS_MEDIUM;
	if (score < 9.0)
		return CVSS_HIGH;
	return CVSS_CRITICAL;
}

enum cvss_severity
cvss_severity_parse(const char *s)
{
	if (s == NULL)
		return CVSS_UNKNOWN;
	if (!strcasecmp(s, "critical"))
		return CVSS_CRITICAL;
	if (!strcasecmp(s, "high") || !strcasecmp(s, "important"))
		return CVSS_HIGH;
	if (!strcasecmp(s, "moderate") || !strcasecmp(s, "medium"))
		return CVSS_MEDIUM;
	if (!strcasecmp(s, "low") || !strcasecmp(s, "negligible") ||
	    !strcasecmp(s, "unimportant"))
		return CVSS_LOW;
	if (!strcasecmp(s, "none"))
		return CVSS_NONE;
	return CVSS_UNKNOWN;
}

const char *
cvss_severity_name(enum cvss_severity s)
{
	switch (s) {
	case CVSS_NONE: return "NONE";
	case CVSS_LOW: return "LOW";
	case CVSS_MEDIUM: return "MEDIUM";
	case CVSS_HIGH: return "HIGH";
	case CVSS_CRITICAL: return "CRITICAL";
	case CVSS_UNKNOWN: break;
	}
	return "UNKNOWN";
}
