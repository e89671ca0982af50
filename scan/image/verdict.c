#include "scan/image/verdict.h"
#include "scan/image/suppress.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Up to this many suppressions are named; the rest are counted. */
#define VERDICT_NOTE_NAMED	3

/*
 * Is a finding that would block taken out by an exception or (a
 * vulnerability) a VEX statement? Counted, and named in v->note.
 */
static int
verdict_suppressed(const struct policy *p, enum suppress_kind kind,
    json_t *f, const struct suppress_subject *s, struct verdict *v)
{
	const char	*what = json_string_value(json_object_get(f,
			    kind == SUPPRESS_VULN ? "id" : "rule"));
	const char	*where = json_string_value(json_object_get(f,
			    kind == SUPPRESS_VULN ? "package" : "path"));
	char		 by[300], until[16] = "";
	size_t		 o = strlen(v->note);
	const struct vex_statement *x = NULL;
	int		 i, n;

	if (kind == SUPPRESS_VULN &&
	    suppress_vex_clears(x = suppress_vex(p, f, s))) {
		snprintf(by, sizeof(by), "VEX %s%s%s, %.120s", x->status,
		    x->justification[0] ? ": " : "", x->justification,
		    x->source);
		v->vex_cleared++;
	} else if ((i = suppress_exception(p, kind, f, s)) >= 0) {
		const struct policy_exception *e = &p->exc[i];

		policy_day(e->expires, until, sizeof(until));
		snprintf(by, sizeof(by), "%s %d%s%s%s%s", e->from_allowlist ?
		    "allowlist entry" : "exception", i + 1,
		    e->owner[0] ? " by " : "", e->owner,
		    until[0] ? " until " : "", until);
		v->allowlisted++;
	} else
		return 0;
	n = v->vex_cleared + v->allowlisted;
	if (n <= VERDICT_NOTE_NAMED && o < sizeof(v->note))
		snprintf(v->note + o, sizeof(v->note) - o, "%s%s%s%.120s (%s)",
		    o ? "; " : "", what ? what : "?", where ? " in " : "",
		    where ? where : "", by);
	return 1;
}

/* "rule at path: detail" of an unscanned-content finding, bounded. */
static const char *
verdict_reason(json_t *x)
{
	static __thread char	buf[200];
	const char		*rule = json_string_value(json_object_get(x,
				    "rule"));
	const char		*path = json_string_value(json_object_get(x,
				    "path"));
	const char		*detail = json_string_value(json_object_get(x,
				    "detail"));

	snprintf(buf, sizeof(buf), "%s%s%.80s: %.90s", rule ? rule : "limit",
	    path && *path ? " at " : "", path && *path ? path : "",
	    detail ? detail : "");
	return buf;
}

static void
verdict_append(char *buf, size_t len, const char *fmt, const char *a,
    const char *b, const char *c, const char *d)
{
	size_t o = strlen(buf);

	if (o < len)
		snprintf(buf + o, len - o, fmt, a, b, c, d);
}

/*
 * End of life (lifecycle.c keeps the dates in the document): the OS
 * past its end, packages past their security support, as of now.
 * Counted always; named in other (a reason to deny) under eol: block.
 */
static void
verdict_lifecycle(json_t *scan, const struct policy_rule *r, time_t now,
    struct verdict *v, char *other, size_t len)
{
	json_t		*lc = json_object_get(scan, "lifecycle"), *p;
	const char	*eol = json_string_value(json_object_get(
			    json_object_get(lc, "os"), "eol"));
	const char	*first = NULL, *when = NULL;
	char		 today[16];
	struct tm	 tm;
	size_t		 i;

	if (lc == NULL || gmtime_r(&now, &tm) == NULL)
		return;
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	/* Support runs through its last day. */
	if (eol != NULL && strcmp(eol, today) < 0)
		v->eol_os = 1;
	json_array_foreach(json_object_get(lc, "packages"), i, p) {
		const char *d = json_string_value(json_object_get(p, "date"));

		if (d == NULL || strcmp(d, today) >= 0 ||
		    strcmp(json_string_value(json_object_get(p, "support")) ?:
		    "", "ended") != 0)
			continue;
		if (v->support_ended++ == 0) {
			first = json_string_value(json_object_get(p, "source"));
			when = d;
		}
	}
	if (r->eol != POLICY_EOL_BLOCK || (!v->eol_os && !v->support_ended))
		return;
	v->eol_blocks = 1;
	if (v->eol_os)
		verdict_append(other, len, "%send of life: %s since %s%s",
		    *other ? "; " : "", json_string_value(json_object_get(
		    json_object_get(lc, "os"), "name")), eol, "");
	if (v->support_ended)
		verdict_append(other, len, "%ssecurity support ended for %s "
		    "(since %s)%s", *other ? "; " : "", first ? first : "?",
		    when ? when : "?", v->support_ended > 1 ? " and others" :
		    "");
}

int
verdict_eval(json_t *scan, const struct policy *p, const char *repo,
    const char *digest, time_t now, struct verdict *v)
{
	return verdict_eval_attached(scan, p, repo, digest, NULL, now, v);
}

int
verdict_eval_attached(json_t *scan, const struct policy *p,
    const char *repo, const char *digest, const struct vex_set *attached,
    time_t now, struct verdict *v)
{
	const struct policy_rule *r = policy_rule_for(p, repo);
	struct suppress_subject	 subj = { repo, digest, now, attached };
	json_t		*x;
	char		 vulns[400] = "", other[300] = "";
	size_t		 i;
	int		 shown = 0, sev;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(scan) ||
	    !json_is_array(json_object_get(scan, "vulnerabilities"))) {
		v->deny = 1;
		snprintf(v->message, sizeof(v->message), "the stored scan "
		    "result for this image is unreadable; refusing");
		return -1;
	}
	/* Worst first, so the message names what matters. */
	for (sev = 4; sev >= 1 && r->severity > 0; sev--) {
		json_array_foreach(json_object_get(scan, "vulnerabilities"),
		    i, x) {
			const char *s = json_string_value(json_object_get(x,
			    "severity"));
			const char *fixed = json_string_value(json_object_get(x,
			    "fixed"));

			int rank = s ? policy_severity_rank(s) : -1;

			/* UNKNOWN (no data said) counts as the policy says. */
			if (rank < 0)
				rank = r->unknown_severity;
			if (rank != sev || sev < r->severity)
				continue;
			if (r->fixable_only && fixed == NULL)
				continue;
			if (verdict_suppressed(p, SUPPRESS_VULN, x, &subj, v))
				continue;
			v->blocking_vulns++;
			if (shown++ < 3)
				verdict_append(vulns, sizeof(vulns),
				    "%s%s in %s %s", shown > 1 ? "; " : "",
				    json_string_value(json_object_get(x, "id")),
				    json_string_value(json_object_get(x,
				    "package")), json_string_value(
				    json_object_get(x, "version")));
			if (shown <= 3 && policy_severity_rank(s ? s : "") < 0)
				verdict_append(vulns, sizeof(vulns), "%s%s%s%s",
				    " (severity unknown)", "", "", "");
			if (shown <= 3 && fixed != NULL)
				verdict_append(vulns, sizeof(vulns),
				    " (fixed in %s)%s%s%s", fixed, "", "", "");
		}
	}
	if (r->block_secrets)
		json_array_foreach(json_object_get(scan, "secrets"), i, x) {
			if (verdict_suppressed(p, SUPPRESS_SECRET, x, &subj, v))
				continue;
			if (v->secrets++ == 0)
				verdict_append(other, sizeof(other),
				    "%s%s in %s%s", *other ? "; " : "",
				    json_string_value(json_object_get(x, "rule")),
				    json_string_value(json_object_get(x, "path")),
				    "");
		}
	json_array_foreach(json_object_get(scan, "misconfigurations"), i, x) {
		const char *rule = json_string_value(json_object_get(x, "rule"));
		const char *path = json_string_value(json_object_get(x, "path"));
		int	    file = path != NULL && *path && strcmp(path, "config");

		if (!policy_misconfig_blocks(r, rule) ||
		    verdict_suppressed(p, SUPPRESS_MISCONFIG, x, &subj, v))
			continue;
		/* A file's finding names the file; the config's, the rule. */
		v->misconfigs++;
		verdict_append(other, sizeof(other), "%s%s%s%s",
		    *other ? "; " : "", rule, file ? " in " : "", file ? path :
		    "");
	}
	/*
	 * What the scan did not read to its end (the document's "limits":
	 * limits reached, unreadable archives or databases, store errors).
	 * The image was not seen whole: unscanned content, named with its
	 * layer and reason so the pusher can act on it.
	 */
	if (r->block_incomplete)
		json_array_foreach(json_object_get(scan, "limits"), i, x) {
			char	layer[48] = "";
			json_t	*li = json_object_get(x, "layer");

			if (json_is_integer(li) && json_integer_value(li) >= 0) {
				const char *ld = json_string_value(json_array_get(
				    json_object_get(scan, "layer_digests"),
				    (size_t)json_integer_value(li)));

				snprintf(layer, sizeof(layer), "layer %lld%s%.19s",
				    (long long)json_integer_value(li) + 1,
				    ld ? " " : "", ld ? ld : "");
			}
			else if (json_is_integer(li))
				snprintf(layer, sizeof(layer), "the config");
			if (v->unscanned++ == 0)
				verdict_append(other, sizeof(other),
				    "%sunscanned content in %s%s(%s)",
				    *other ? "; " : "", layer[0] ? layer : "the "
				    "image", layer[0] ? " " : " ", verdict_reason(x));
		}
	if (r->nbases > 0) {
		const char	*base = json_string_value(json_object_get(scan,
				    "base"));
		/* "repository@digest" of a recorded image it is built on. */
		const char	*bl = json_string_value(json_object_get(scan,
				    "base_by_layers"));
		char		 blrepo[256] = "";

		if (bl != NULL)
			snprintf(blrepo, sizeof(blrepo), "%.*s",
			    (int)strcspn(bl, "@"), bl);
		if (!policy_base_allowed(r, base) &&
		    !(blrepo[0] && policy_base_allowed(r, blrepo))) {
			v->base_denied = 1;
			verdict_append(other, sizeof(other), "%sbase image %s "
			    "is not an allowed base%s", *other ? "; " : "",
			    base ? base : "(not declared)", "", "");
		}
	}
	verdict_lifecycle(scan, r, now, v, other, sizeof(other));
	v->deny = v->blocking_vulns > 0 || v->secrets > 0 ||
	    v->misconfigs > 0 || v->base_denied || v->unscanned > 0 ||
	    v->eol_blocks;
	if (v->deny) {
		snprintf(v->message, sizeof(v->message), "blocked by policy: ");
		if (v->blocking_vulns > 0) {
			size_t o = strlen(v->message);

			snprintf(v->message + o, sizeof(v->message) - o,
			    "%d vulnerabilit%s at or above %s (%s%s)",
			    v->blocking_vulns, v->blocking_vulns == 1 ? "y" :
			    "ies", r->severity == 4 ? "CRITICAL" :
			    r->severity == 3 ? "HIGH" : r->severity == 2 ?
			    "MEDIUM" : "LOW", vulns,
			    v->blocking_vulns > 3 ? "; ..." : "");
		}
		if (*other) {
			size_t o = strlen(v->message);

			snprintf(v->message + o, sizeof(v->message) - o,
			    "%s%s", v->blocking_vulns ? "; " : "", other);
		}
	} else if (v->note[0] != '\0') {
		int more = v->allowlisted + v->vex_cleared - VERDICT_NOTE_NAMED;

		/* What let it by, for the audit trail. */
		snprintf(v->message, sizeof(v->message), "%s%s%s",
		    VERDICT_EXCEPTED, v->note, more > 0 ? "; ..." : "");
	}
	return 0;
}
