#include "scan/image/report.h"
#include "scan/catalog/ruleinfo.h"
#include "config.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * CycloneDX's rating method for where a finding's severity came from:
 * a CVSS vector of either version, or anything else (a database's own
 * word, another record's rating).
 */
static const char *
report_method(json_t *finding)
{
	const char *src = json_string_value(json_object_get(finding,
	    "severity_source"));

	if (src != NULL && strcmp(src, "cvss_v4") == 0)
		return "CVSSv4";
	if (src != NULL && strcmp(src, "cvss_v3") == 0)
		return "CVSSv31";
	return "other";
}

/* Package URL (purl-spec) for a scanned package. */
static void
report_purl(json_t *pkg, json_t *os, char *buf, size_t len)
{
	const char	*type = json_string_value(json_object_get(pkg, "type"));
	const char	*name = json_string_value(json_object_get(pkg, "name"));
	const char	*ver = json_string_value(json_object_get(pkg, "version"));
	const char	*osid = json_string_value(json_object_get(os, "id"));
	const char	*osver = json_string_value(json_object_get(os,
			    "version_id"));

	if (type == NULL || name == NULL || ver == NULL) {
		buf[0] = '\0';
		return;
	}
	if (strcmp(type, "rpm") == 0 && strchr(ver, ':') != NULL)
		/* purl-spec: an rpm epoch is a qualifier, not in the version. */
		snprintf(buf, len, "pkg:rpm/%s/%s@%s?epoch=%.*s%s%s%s%s",
		    osid ? osid : "unknown", name, strchr(ver, ':') + 1,
		    (int)strcspn(ver, ":"), ver, osid ? "&distro=" : "",
		    osid ? osid : "", osid && osver ? "-" : "",
		    osid && osver ? osver : "");
	else if (strcmp(type, "deb") == 0 || strcmp(type, "apk") == 0 ||
	    strcmp(type, "rpm") == 0)
		snprintf(buf, len, "pkg:%s/%s/%s@%s%s%s%s%s", type,
		    osid ? osid : "unknown", name, ver, osid ? "?distro=" : "",
		    osid ? osid : "", osid && osver ? "-" : "",
		    osid && osver ? osver : "");
	else if (strcmp(type, "npm") == 0 && name[0] == '@')
		snprintf(buf, len, "pkg:npm/%%40%s@%s", name + 1, ver);
	else
		snprintf(buf, len, "pkg:%s/%s@%s", type, name, ver);
}

json_t *
report_cyclonedx(json_t *scan)
{
	json_t		*bom, *comps = json_array(), *vulns = json_array();
	json_t		*os = json_object_get(scan, "os"), *p, *v;
	json_t		*seen = json_object();
	char		 purl[600];
	size_t		 i, j;

	/*
	 * One component per package URL (a bom-ref is unique): the same
	 * package seen at several paths (a lockfile and node_modules) is
	 * one component with each place in evidence.occurrences.
	 */
	json_array_foreach(json_object_get(scan, "packages"), i, p) {
		json_t *c, *at = json_pack("{s:O}", "location",
		    json_object_get(p, "path"));

		report_purl(p, os, purl, sizeof(purl));
		if ((c = json_object_get(seen, purl)) != NULL) {
			json_array_append_new(json_object_get(json_object_get(c,
			    "evidence"), "occurrences"), at);
			continue;
		}
		c = json_pack("{s:s, s:s, s:O, s:O, s:s}", "type", "library",
		    "bom-ref", purl, "name", json_object_get(p, "name"),
		    "version", json_object_get(p, "version"), "purl", purl);
		/* Installed by an OS package: say which, as trivy does. */
		if (c != NULL && json_is_string(json_object_get(p, "os_owner")))
			json_object_set_new(c, "properties", json_pack(
			    "[{s:s, s:O}]", "name", "portcullis:os-package",
			    "value", json_object_get(p, "os_owner")));
		if (c != NULL) {
			json_object_set_new(c, "evidence", json_pack(
			    "{s:[o]}", "occurrences", at));
			json_object_set(seen, purl, c);
		} else
			json_decref(at);
		json_array_append_new(comps, c);
	}
	json_decref(seen);
	json_array_foreach(json_object_get(scan, "vulnerabilities"), i, v) {
		const char *sev = json_string_value(json_object_get(v,
		    "severity"));
		char	    lower[16];
		json_t	   *ref = NULL, *c;

		snprintf(lower, sizeof(lower), "%s", sev ? sev : "unknown");
		for (j = 0; lower[j]; j++)
			lower[j] = (char)(lower[j] | 0x20);
		/* Point at the component this finding is about. */
		json_array_foreach(comps, j, c)
			if (json_equal(json_object_get(c, "name"),
			    json_object_get(v, "package")) &&
			    json_equal(json_object_get(c, "version"),
			    json_object_get(v, "version")))
				ref = json_object_get(c, "bom-ref");
		/* No component (it cannot happen, but never a NULL). */
		ref = ref ? json_incref(ref) : json_string("");
		json_array_append_new(vulns, json_pack("{s:O, s:{s:O}, "
		    "s:[{s:s, s:O, s:s}], s:[{s:o}], s:O*}",
		    "id", json_object_get(v, "id"),
		    "source", "name", json_object_get(v, "ecosystem"),
		    "ratings", "severity", lower, "score",
		    json_object_get(v, "score"), "method", report_method(v),
		    "affects", "ref", ref,
		    "description", json_is_string(json_object_get(v,
		    "summary")) ? json_object_get(v, "summary") : NULL));
	}
	bom = json_pack("{s:s, s:s, s:i, s:{s:{s:s, s:O}, s:[{s:s, s:s}]}, "
	    "s:o, s:o}", "bomFormat", "CycloneDX", "specVersion", "1.5",
	    "version", 1, "metadata", "component", "type", "container",
	    "name", json_object_get(scan, "source"), "tools", "name",
	    "portcullis", "version", PACKAGE_VERSION, "components", comps,
	    "vulnerabilities", vulns);
	return bom;
}

static const char *
report_level(const char *sev)
{
	if (sev != NULL && (!strcasecmp(sev, "critical") ||
	    !strcasecmp(sev, "high")))
		return "error";
	if (sev != NULL && !strcasecmp(sev, "medium"))
		return "warning";
	return "note";
}

static json_t *
report_result(const char *rule, const char *level, const char *text,
    const char *uri, json_int_t line)
{
	json_t	*region = line > 0 ? json_pack("{s:I}", "startLine", line) :
		    NULL;

	return json_pack("{s:s, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:o*}}]}",
	    "ruleId", rule, "level", level, "message", "text", text,
	    "locations", "physicalLocation", "artifactLocation", "uri",
	    uri && *uri ? uri : "image", "region", region);
}

/* SARIF's 0-10 "security-severity" for a severity name (GitHub's bands). */
static const char *
report_security_severity(const char *sev)
{
	if (sev == NULL)
		return "5.0";
	if (!strcmp(sev, "CRITICAL"))
		return "9.5";
	if (!strcmp(sev, "HIGH"))
		return "8.0";
	if (!strcmp(sev, "MEDIUM"))
		return "5.5";
	return "2.0";
}

/*
 * A secret, misconfiguration or limit rule's SARIF descriptor: its
 * title, what to do (help), default level and security-severity from
 * scan/catalog/ruleinfo.c; an unknown one (a newer scanner's, read
 * from the store) by its id alone.
 */
static json_t *
report_rule(const char *id)
{
	const struct ruleinfo	*r = ruleinfo_find(id);

	if (r == NULL)
		return json_pack("{s:s, s:{s:s}}", "id", id,
		    "shortDescription", "text", id);
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, "
	    "s:{s:s, s:[s, s]}}", "id", r->id, "name", r->title,
	    "shortDescription", "text", r->title, "help", "text", r->remedy,
	    "defaultConfiguration", "level", !strcmp(r->severity, "LOW") ?
	    "note" : !strcmp(r->kind, "secret") ? "error" : "warning",
	    "properties", "security-severity",
	    report_security_severity(r->severity), "tags", "security",
	    r->kind);
}

json_t *
report_sarif(json_t *scan)
{
	json_t		*results = json_array(), *rules = json_object();
	json_t		*rulearr = json_array(), *v, *ruledesc;
	const char	*kinds[] = { "secrets", "misconfigurations", "limits" };
	const char	*key;
	char		 text[700];
	size_t		 i, k;

	json_array_foreach(json_object_get(scan, "vulnerabilities"), i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *fixed = json_string_value(json_object_get(v,
		    "fixed"));

		snprintf(text, sizeof(text), "%s %s: %s%s%s%s",
		    json_string_value(json_object_get(v, "package")),
		    json_string_value(json_object_get(v, "version")),
		    id, json_string_value(json_object_get(v, "summary")) ?
		    " - " : "", json_string_value(json_object_get(v,
		    "summary")) ? json_string_value(json_object_get(v,
		    "summary")) : "", fixed ? "" : " (no fix yet)");
		if (fixed != NULL) {
			size_t l = strlen(text);

			snprintf(text + l, sizeof(text) - l, "; fixed in %s",
			    fixed);
		}
		json_object_set_new(rules, id, json_pack("{s:s, s:{s:s}, "
		    "s:{s:s, s:[s, s]}}", "id", id, "shortDescription", "text",
		    json_string_value(json_object_get(v, "summary")) ?
		    json_string_value(json_object_get(v, "summary")) : id,
		    "properties", "security-severity",
		    report_security_severity(json_string_value(
		    json_object_get(v, "severity"))), "tags", "security",
		    "vulnerability"));
		json_array_append_new(results, report_result(id,
		    report_level(json_string_value(json_object_get(v,
		    "severity"))), text, json_string_value(json_object_get(v,
		    "path")), 0));
	}
	for (k = 0; k < 3; k++)
		json_array_foreach(json_object_get(scan, kinds[k]), i, v) {
			const char *rule = json_string_value(json_object_get(v,
			    "rule"));

			json_object_set_new(rules, rule, report_rule(rule));
			json_array_append_new(results, report_result(rule,
			    k == 0 ? "error" : "warning",
			    json_string_value(json_object_get(v, "detail")),
			    json_string_value(json_object_get(v, "path")),
			    json_integer_value(json_object_get(v, "line"))));
		}
	json_object_foreach(rules, key, ruledesc)
		json_array_append(rulearr, ruledesc);
	json_decref(rules);
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o}]}",
	    "version", "2.1.0", "$schema",
	    "https://json.schemastore.org/sarif-2.1.0.json", "runs", "tool",
	    "driver", "name", "portcullis", "version", PACKAGE_VERSION,
	    "rules", rulearr, "results", results);
}

/* An SPDX document's namespace: unique per scan, and a URI with no '#'. */
static void
report_spdx_namespace(json_t *scan, char *buf, size_t len)
{
	unsigned char	 md[32];
	char		*text = json_dumps(scan, JSON_COMPACT | JSON_SORT_KEYS);
	size_t		 i, o;

	memset(md, 0, sizeof(md));
	if (text != NULL)
		EVP_Digest(text, strlen(text), md, NULL, EVP_sha256(), NULL);
	free(text);
	o = (size_t)snprintf(buf, len, "https://spdx.org/spdxdocs/"
	    "portcullis-");
	for (i = 0; i < 16 && o + 3 <= len; i++, o += 2)
		snprintf(buf + o, 3, "%02x", md[i]);
}

json_t *
report_spdx(json_t *scan)
{
	json_t		*pkgs = json_array(), *rels = json_array(), *p, *v, *c;
	json_t		*os = json_object_get(scan, "os"), *seen = json_object();
	json_t		*doc = NULL;
	const char	*src = json_string_value(json_object_get(scan,
			    "source"));
	char		 purl[600], ns[128], when[32], id[64];
	time_t		 t = (time_t)json_integer_value(json_object_get(scan,
			    "scanned_at"));
	struct tm	 tm;
	size_t		 i, n = 0;

	if (pkgs == NULL || rels == NULL || seen == NULL)
		goto done;
	if (t == 0)
		t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	report_spdx_namespace(scan, ns, sizeof(ns));
	json_array_append_new(pkgs, json_pack("{s:s, s:s, s:s, s:b, s:s, "
	    "s:s, s:s, s:s}", "SPDXID", "SPDXRef-Image", "name", src ? src :
	    "image", "downloadLocation", "NOASSERTION", "filesAnalyzed", 0,
	    "licenseConcluded", "NOASSERTION", "licenseDeclared",
	    "NOASSERTION", "copyrightText", "NOASSERTION",
	    "primaryPackagePurpose", "CONTAINER"));
	json_array_append_new(rels, json_pack("{s:s, s:s, s:s}",
	    "spdxElementId", "SPDXRef-DOCUMENT", "relationshipType",
	    "DESCRIBES", "relatedSpdxElement", "SPDXRef-Image"));
	/* One package per package URL, as in the CycloneDX output. */
	json_array_foreach(json_object_get(scan, "packages"), i, p) {
		report_purl(p, os, purl, sizeof(purl));
		if (purl[0] == '\0' || json_object_get(seen, purl) != NULL)
			continue;
		snprintf(id, sizeof(id), "SPDXRef-Package-%zu", ++n);
		c = json_pack("{s:s, s:O, s:O, s:s, s:b, s:s, s:s, s:s, "
		    "s:[{s:s, s:s, s:s}]}", "SPDXID", id, "name",
		    json_object_get(p, "name"), "versionInfo",
		    json_object_get(p, "version"), "downloadLocation",
		    "NOASSERTION", "filesAnalyzed", 0, "licenseConcluded",
		    "NOASSERTION", "licenseDeclared", "NOASSERTION",
		    "copyrightText", "NOASSERTION", "externalRefs",
		    "referenceCategory", "PACKAGE-MANAGER", "referenceType",
		    "purl", "referenceLocator", purl);
		if (c == NULL)
			continue;
		if (json_is_string(json_object_get(p, "path")))
			json_object_set_new(c, "comment", json_pack("s+",
			    "found at ", json_string_value(json_object_get(p,
			    "path"))));
		json_object_set(seen, purl, c);
		json_array_append_new(pkgs, c);
		json_array_append_new(rels, json_pack("{s:s, s:s, s:s}",
		    "spdxElementId", "SPDXRef-Image", "relationshipType",
		    "CONTAINS", "relatedSpdxElement", id));
	}
	/* Each advisory as a SECURITY reference of the package it is in. */
	json_array_foreach(json_object_get(scan, "vulnerabilities"), i, v) {
		const char	*vid = json_string_value(json_object_get(v, "id"));
		json_t		*pk;
		size_t		 j;

		json_array_foreach(pkgs, j, pk) {
			if (j == 0 || !json_equal(json_object_get(pk, "name"),
			    json_object_get(v, "package")) ||
			    !json_equal(json_object_get(pk, "versionInfo"),
			    json_object_get(v, "version")) || vid == NULL)
				continue;
			json_array_append_new(json_object_get(pk, "externalRefs"),
			    json_pack("{s:s, s:s, s:s+}", "referenceCategory",
			    "SECURITY", "referenceType", "advisory",
			    "referenceLocator", "https://osv.dev/vulnerability/",
			    vid));
		}
	}
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s+]}, s:o, "
	    "s:o}", "spdxVersion", "SPDX-2.3", "dataLicense", "CC0-1.0",
	    "SPDXID", "SPDXRef-DOCUMENT", "name", src ? src : "image",
	    "documentNamespace", ns, "creationInfo", "created", when,
	    "creators", "Tool: portcullis-", PACKAGE_VERSION, "packages",
	    json_incref(pkgs), "relationships", json_incref(rels));
 done:
	json_decref(seen);
	json_decref(pkgs);
	json_decref(rels);
	return doc;
}
