/*
 * CVSS scores from vector strings: v3.0/v3.1 per the FIRST
 * specification's equations and its Roundup function (cvss.c), v4.0 per
 * its MacroVector interpolation (cvss4.c).
 */
#ifndef SCAN_ADVISORY_CVSS_H
#define SCAN_ADVISORY_CVSS_H

enum cvss_severity {
	CVSS_UNKNOWN = 0,
	CVSS_NONE,
	CVSS_LOW,
	CVSS_MEDIUM,
	CVSS_HIGH,
	CVSS_CRITICAL
};

/* Base score 0.0-10.0, or -1 if the vector is not a valid v3 vector. */
double		 cvss3_score(const char *vector);
/* CVSS v4.0 score 0.0-10.0 (cvss4.c), or -1 if not a valid v4 vector. */
double		 cvss4_score(const char *vector);
enum cvss_severity cvss_severity_of(double score);
/* "LOW", "MODERATE"/"MEDIUM", ... (GHSA spells MODERATE). */
enum cvss_severity cvss_severity_parse(const char *);
const char	*cvss_severity_name(enum cvss_severity);

#endif
