/*
 * Report formats for a finished scan. The scan is the JSON document
 * `portcullis scan -f json` prints; these turn it into CycloneDX 1.5
 * (an SBOM with vulnerabilities), SARIF 2.1.0 (for code-scanning
 * dashboards) and SPDX 2.3. New references are returned; NULL on ENOMEM.
 */
#ifndef SCAN_IMAGE_REPORT_H
#define SCAN_IMAGE_REPORT_H

struct json_t;

struct json_t	*report_cyclonedx(struct json_t *scan);
struct json_t	*report_sarif(struct json_t *scan);
/*
 * SPDX 2.3 JSON: the image as a CONTAINER package DESCRIBED by the
 * document, CONTAINS each package (one per package URL, the purl as a
 * PACKAGE-MANAGER reference, its advisories as SECURITY references).
 */
struct json_t	*report_spdx(struct json_t *scan);

#endif
