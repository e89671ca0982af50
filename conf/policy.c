#include "conf/policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/*
 * Image misconfiguration rules (scan/image/imgconfig.c, imagescan.c and
 * scan/layer/fscheck.c find them): an id each, documented in docs/config.md.
 */
const char *const policy_misconfigs[] = {
	"root-user", "secret-in-env", "no-healthcheck", "ssh-port-exposed",
	"remote-add", "apt-recommends", "latest-base", "sudo-installed",
	"ssh-server-installed", "setuid-file", "world-writable",
	"package-cache", "distroless-shell", NULL
};

int
policy_misconfig_blocks(const struct policy_rule *r, const char *rule)
{
	int	i;

	for (i = 0; rule != NULL && policy_misconfigs[i] != NULL; i++)
		if (strcmp(policy_misconfigs[i], rule) == 0)
			return (r->misconfig >> i) & 1;
	return 0;
}

void
policy_default(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->def.severity = 4;		/* CRITICAL */
	/* No severity in the data is not "harmless": counted as high. */
	p->def.unknown_severity = 3;
	p->def.block_secrets = 1;
	p->def.unknown = POLICY_UNKNOWN_ALLOW;
	/* Fail closed: what was not seen whole is not let through. */
	p->def.block_incomplete = 1;
	p->vex_recheck = 600;
}

void
policy_clear(struct policy *p)
{
	free(p->over);
	free(p->exc);
	vex_clear(&p->vex);
	policy_default(p);
}

int
policy_severity_rank(const char *s)
{
	if (!strcasecmp(s, "critical")) return 4;
	if (!strcasecmp(s, "high")) return 3;
	if (!strcasecmp(s, "medium") || !strcasecmp(s, "moderate")) return 2;
	if (!strcasecmp(s, "low")) return 1;
	if (!strcasecmp(s, "none") || !strcasecmp(s, "off")) return 0;
	return -1;
}

static void
policy_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
policy_scalar(yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

/* The index of v among words (case aside), or -1. */
static int
policy_word(const char *v, const char *const words[])
{
	int	i;

	for (i = 0; v != NULL && words[i] != NULL; i++)
		if (strcasecmp(v, words[i]) == 0)
			return i;
	return -1;
}

static int
policy_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on") || !strcasecmp(v, "block"))
		*out = 1;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off") || !strcasecmp(v, "allow"))
		*out = 0;
	else
		return -1;
	return 0;
}

/*
 * YYYY-MM-DD as the end of that day, UTC; or an exact moment,
 * YYYY-MM-DDTHH:MM:SSZ (RFC 3339 in UTC).
 */
int
policy_date(const char *v, time_t *out)
{
	struct tm	tm;
	char		*end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL &&
	    *end == '\0') {
		*out = timegm(&tm);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(v, "%Y-%m-%d", &tm)) == NULL || *end != '\0')
		return -1;
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	*out = timegm(&tm);
	return 0;
}

void
policy_day(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	buf[0] = '\0';
	if (t != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Keys shared by the default rule and overrides. */
static int
policy_rule_key(struct policy_rule *r, const char *k, yaml_document_t *doc,
    yaml_node_t *v, const char *name, unsigned long line, char *err,
    size_t errlen)
{
	const char	*s = policy_scalar(v);
	yaml_node_item_t *it;

	if (!strcmp(k, "severity")) {
		if (s == NULL || (r->severity = policy_severity_rank(s)) < 0) {
			policy_err(err, errlen, "%s:%lu: policy severity must be "
			    "critical, high, medium, low or none", name, line);
			return -1;
		}
	} else if (!strcmp(k, "unknown_severity")) {
		if (s == NULL || (r->unknown_severity =
		    policy_severity_rank(s)) < 0) {
			policy_err(err, errlen, "%s:%lu: unknown_severity must "
			    "be critical, high, medium, low or none", name,
			    line);
			return -1;
		}
	} else if (!strcmp(k, "max_data_age")) {
		char *end;

		r->max_data_age = s ? strtoull(s, &end, 10) : 0;
		if (s == NULL || *end != '\0') {
			policy_err(err, errlen, "%s:%lu: max_data_age is a number "
			    "of seconds (0: data never goes stale)", name, line);
			return -1;
		}
	} else if (!strcmp(k, "eol")) {
		/* In the order of enum policy_eol. */
		static const char *const w[] = { "warn", "block", "off", NULL };
		int i = policy_word(s, w);

		if (i == -1) {
			policy_err(err, errlen, "%s:%lu: eol must be block, warn "
			    "or off", name, line);
			return -1;
		}
		r->eol = (enum policy_eol)i;
	} else if (!strcmp(k, "stale_data")) {
		static const char *const w[] = { "warn", "block", NULL };

		if ((r->stale_block = policy_word(s, w)) == -1) {
			policy_err(err, errlen, "%s:%lu: stale_data must be warn "
			    "or block", name, line);
			return -1;
		}
	} else if (!strcmp(k, "enforce")) {
		static const char *const w[] = { "pull", "push", NULL };
		int pull = 0;

		if (v->type != YAML_SEQUENCE_NODE)
			goto badenforce;
		r->enforce_push = 0;
		for (it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top; it++) {
			switch (policy_word(policy_scalar(
			    yaml_document_get_node(doc, *it)), w)) {
			case 0:
				pull = 1;
				break;
			case 1:
				r->enforce_push = 1;
				break;
			default:
				goto badenforce;
			}
		}
		/* Pushes behind the proxy's back exist: pulls stay judged. */
		if (!pull)
			goto badenforce;
	} else if (!strcmp(k, "push_timeout")) {
		static const char *const w[] = { "refuse",
		    "accept-and-gate-pull", NULL };

		if ((r->push_accept_late = policy_word(s, w)) == -1) {
			policy_err(err, errlen, "%s:%lu: push_timeout must be "
			    "refuse or accept-and-gate-pull", name, line);
			return -1;
		}
	} else if (!strcmp(k, "require_signature")) {
		if (s == NULL || policy_bool(s, &r->require_signature) == -1)
			goto notbool;
	} else if (!strcmp(k, "fixable_only")) {
		if (s == NULL || policy_bool(s, &r->fixable_only) == -1)
			goto notbool;
	} else if (!strcmp(k, "secrets")) {
		if (s == NULL || policy_bool(s, &r->block_secrets) == -1)
			goto notbool;
	} else if (!strcmp(k, "incomplete_scan")) {
		if (s == NULL || policy_bool(s, &r->block_incomplete) == -1) {
			policy_err(err, errlen, "%s:%lu: incomplete_scan must "
			    "be block or allow", name, line);
			return -1;
		}
	} else if (!strcmp(k, "unknown_images")) {
		/* In the order of enum policy_unknown. */
		static const char *const w[] = { "allow", "block", "scan",
		    NULL };
		int i = policy_word(s, w);

		if (i == -1) {
			policy_err(err, errlen, "%s:%lu: unknown_images must "
			    "be allow, block or scan", name, line);
			return -1;
		}
		r->unknown = (enum policy_unknown)i;
	} else if (!strcmp(k, "allowed_bases")) {
		if (v->type != YAML_SEQUENCE_NODE) {
			policy_err(err, errlen, "%s:%lu: allowed_bases is a list "
			    "of image name globs", name, line);
			return -1;
		}
		r->nbases = 0;
		for (it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top; it++) {
			const char *g = policy_scalar(
			    yaml_document_get_node(doc, *it));

			if (g == NULL || r->nbases == 8 ||
			    strlen(g) >= sizeof(r->bases[0])) {
				policy_err(err, errlen, "%s:%lu: allowed_bases "
				    "takes up to 8 names shorter than 256 "
				    "characters", name, line);
				return -1;
			}
			snprintf(r->bases[r->nbases++], sizeof(r->bases[0]),
			    "%s", g);
		}
	} else if (!strcmp(k, "misconfig")) {
		if (v->type != YAML_SEQUENCE_NODE) {
			policy_err(err, errlen, "%s:%lu: misconfig is a list of "
			    "rule ids (root-user, secret-in-env, ...)", name,
			    line);
			return -1;
		}
		r->misconfig = 0;
		for (it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top; it++) {
			const char *rule = policy_scalar(
			    yaml_document_get_node(doc, *it));
			int i;

			for (i = 0; rule != NULL && policy_misconfigs[i] != NULL;
			    i++)
				if (strcmp(policy_misconfigs[i], rule) == 0)
					break;
			if (rule == NULL || policy_misconfigs[i] == NULL) {
				policy_err(err, errlen, "%s:%lu: unknown "
				    "misconfig rule \"%s\" (see docs/config.md)",
				    name, line, rule ? rule : "?");
				return -1;
			}
			r->misconfig |= 1u << i;
		}
	} else {
		policy_err(err, errlen, "%s:%lu: unknown policy key \"%s\"",
		    name, line, k);
		return -1;
	}
	return 0;
 notbool:
	policy_err(err, errlen, "%s:%lu: policy %s must be true or false",
	    name, line, k);
	return -1;
 badenforce:
	policy_err(err, errlen, "%s:%lu: enforce is [pull] or [push, pull] "
	    "(pulls are always judged)", name, line);
	return -1;
}

/* "<op><version>, ..." with op one of = == < <= > >= (or none: =). */
static int
policy_versions_ok(const char *v)
{
	while (*v != '\0') {
		size_t	l = strcspn(v, ",");
		size_t	k = strspn(v, " \t");

		k += strspn(v + k, "<>=");
		k += strspn(v + k, " \t");
		if (k >= l)
			return 0;	/* an operator with no version */
		v += l + (v[l] == ',');
		v += strspn(v, " \t");
	}
	return 1;
}

/* Fill one exception from its mapping. 0 or -1 (err set). */
static int
policy_exception_key(struct policy_exception *e, const char *k,
    const char *v, const char *name, unsigned long line, char *err,
    size_t errlen)
{
	static const struct { const char *key; size_t off, len; } f[] = {
#define F(k, m) { k, offsetof(struct policy_exception, m), \
	sizeof(((struct policy_exception *)0)->m) }
		F("id", id), F("repository", repository), F("digest", digest),
		F("package", package), F("versions", versions),
		F("path", path), F("owner", owner), F("reason", reason),
#undef F
	};
	size_t	i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (strcmp(k, f[i].key) != 0)
			continue;
		if (strlen(v) >= f[i].len) {
			policy_err(err, errlen, "%s:%lu: exception %s is longer "
			    "than %zu bytes", name, line, k, f[i].len - 1);
			return -1;
		}
		memcpy((char *)e + f[i].off, v, strlen(v) + 1);
		return 0;
	}
	if (!strcmp(k, "expires") || !strcmp(k, "created")) {
		if (policy_date(v, !strcmp(k, "expires") ? &e->expires :
		    &e->created) == 0)
			return 0;
		policy_err(err, errlen, "%s:%lu: %s must be YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM:SSZ", name, line, k);
		return -1;
	}
	policy_err(err, errlen, "%s:%lu: unknown %s key \"%s\"", name, line,
	    e->from_allowlist ? "allowlist" : "exception", k);
	return -1;
}

/* What an exception needs beyond its keys. 0 or -1 (err set). */
static int
policy_exception_check(const struct policy_exception *e, const char *name,
    unsigned long line, char *err, size_t errlen)
{
	const char	*what = NULL;

	if (e->from_allowlist && e->id[0] == '\0')
		what = "an allowlist entry without id";
	else if (e->from_allowlist)
		return 0;
	else if (e->id[0] == '\0' && e->package[0] == '\0')
		/* A whole image or repository excused is a break-glass. */
		what = "an exception names an id or a package (an image's "
		    "every finding: portcullis breakglass)";
	else if (e->owner[0] == '\0' || e->reason[0] == '\0')
		what = "an exception needs an owner and a reason";
	else if (e->versions[0] != '\0' && e->package[0] == '\0')
		what = "exception versions need a package";
	else if (e->versions[0] != '\0' && !policy_versions_ok(e->versions))
		what = "exception versions are \"<op><version>, ...\" with "
		    "op one of = < <= > >=";
	else if (e->digest[0] != '\0' && (strncmp(e->digest, "sha256:", 7) ||
	    strlen(e->digest) != 71 ||
	    strspn(e->digest + 7, "0123456789abcdef") != 64))
		what = "exception digest is sha256:<64 hex digits>";
	if (what == NULL)
		return 0;
	policy_err(err, errlen, "%s:%lu: %s", name, line, what);
	return -1;
}

/* allowlist: (id, expires, reason) or exceptions: (scoped, owned). */
static int
policy_exceptions(struct policy *p, yaml_document_t *doc, yaml_node_t *seq,
    int from_allowlist, const char *name, char *err, size_t errlen)
{
	const char		*list = from_allowlist ? "allowlist" :
				    "exceptions";
	yaml_node_item_t	*it;

	if (seq->type != YAML_SEQUENCE_NODE) {
		policy_err(err, errlen, "%s:%lu: %s is a list", name,
		    (unsigned long)seq->start_mark.line + 1, list);
		return -1;
	}
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		yaml_node_t		*m = yaml_document_get_node(doc, *it);
		yaml_node_pair_t	*pr;
		struct policy_exception	 e, *ne;
		unsigned long		 line = m ? (unsigned long)
					    m->start_mark.line + 1 : 0;

		memset(&e, 0, sizeof(e));
		e.from_allowlist = from_allowlist;
		if (m == NULL || m->type != YAML_MAPPING_NODE) {
			policy_err(err, errlen, "%s:%lu: %s entries are "
			    "mappings (docs/config.md)", name, line, list);
			return -1;
		}
		for (pr = m->data.mapping.pairs.start;
		    pr < m->data.mapping.pairs.top; pr++) {
			const char *k = policy_scalar(yaml_document_get_node(doc,
			    pr->key));
			const char *v = policy_scalar(yaml_document_get_node(doc,
			    pr->value));

			if (k == NULL || v == NULL)
				continue;
			/* The allowlist keeps its three keys. */
			if (from_allowlist && strcmp(k, "id") &&
			    strcmp(k, "reason") && strcmp(k, "expires")) {
				policy_err(err, errlen, "%s:%lu: unknown "
				    "allowlist key \"%s\" (scoped entries go "
				    "under exceptions:)", name, line, k);
				return -1;
			}
			if (policy_exception_key(&e, k, v, name, line, err,
			    errlen) == -1)
				return -1;
		}
		if (policy_exception_check(&e, name, line, err, errlen) == -1)
			return -1;
		if (p->nexc == POLICY_EXC_MAX) {
			policy_err(err, errlen, "%s:%lu: more than %d "
			    "exceptions", name, line, POLICY_EXC_MAX);
			return -1;
		}
		if ((ne = reallocarray(p->exc, p->nexc + 1,
		    sizeof(*ne))) == NULL)
			return -1;
		p->exc = ne;
		p->exc[p->nexc++] = e;
	}
	return 0;
}

/*
 * A YAML list of file paths under key (what: what they are), each
 * handed to add(p, path, why): 0, or -1 with err naming the line and
 * add's why.
 */
static int
policy_paths(struct policy *p, yaml_document_t *doc, yaml_node_t *seq,
    const char *key, const char *what, const char *name,
    int (*add)(struct policy *, const char *, char *, size_t), char *err,
    size_t errlen)
{
	yaml_node_item_t	*it;
	char			 why[400];

	if (seq->type != YAML_SEQUENCE_NODE) {
		policy_err(err, errlen, "%s:%lu: %s is a list of %s", name,
		    (unsigned long)seq->start_mark.line + 1, key, what);
		return -1;
	}
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		yaml_node_t	*n = yaml_document_get_node(doc, *it);
		const char	*path = policy_scalar(n);
		unsigned long	 line = n ? (unsigned long)
				    n->start_mark.line + 1 : 0;

		if (path == NULL || *path == '\0') {
			policy_err(err, errlen, "%s:%lu: %s entries are file "
			    "paths", name, line, key);
			return -1;
		}
		if (add(p, path, why, sizeof(why)) == -1) {
			policy_err(err, errlen, "%s:%lu: %s", name, line, why);
			return -1;
		}
	}
	return 0;
}

/* vex: an OpenVEX file, read now (and at each reload). */
static int
policy_vex_file(struct policy *p, const char *path, char *why, size_t len)
{
	return vex_load(&p->vex, path, why, len);
}

/*
 * vex_keys: the PEM public key of one whose signed VEX attestations
 * are believed. Checked now: a typo would silently read none.
 */
static int
policy_vex_keyfile(struct policy *p, const char *path, char *why, size_t len)
{
	char	 head[4096];
	FILE	*f;
	size_t	 n;

	if (p->nvex_keys == POLICY_VEX_KEYS) {
		snprintf(why, len, "at most %d vex_keys", POLICY_VEX_KEYS);
		return -1;
	}
	if (strlen(path) >= POLICY_KEY_MAX) {
		snprintf(why, len, "vex_keys entries are file paths");
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(why, len, "vex_keys: %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	if (strstr(head, "-----BEGIN PUBLIC KEY-----") == NULL) {
		snprintf(why, len, "vex_keys: %s is not a PEM public key", path);
		return -1;
	}
	snprintf(p->vex_keys[p->nvex_keys++], POLICY_KEY_MAX, "%s", path);
	return 0;
}

int
policy_vex_key(const struct policy *p, const char *path)
{
	int	i;

	for (i = 0; path != NULL && i < p->nvex_keys; i++)
		if (strcmp(p->vex_keys[i], path) == 0)
			return 1;
	return 0;
}

static int
policy_overrides(struct policy *p, yaml_document_t *doc, yaml_node_t *seq,
    const char *name, char *err, size_t errlen)
{
	yaml_node_item_t	*it;

	if (seq->type != YAML_SEQUENCE_NODE) {
		policy_err(err, errlen, "%s:%lu: repositories is a list", name,
		    (unsigned long)seq->start_mark.line + 1);
		return -1;
	}
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		yaml_node_t		*m = yaml_document_get_node(doc, *it);
		yaml_node_pair_t	*pr;
		struct policy_rule	 r = p->def, *nr;
		unsigned long		 line = m ? (unsigned long)
					    m->start_mark.line + 1 : 0;

		r.match[0] = '\0';
		if (m == NULL || m->type != YAML_MAPPING_NODE) {
			policy_err(err, errlen, "%s:%lu: repositories entries "
			    "are mappings with match and rule keys", name, line);
			return -1;
		}
		for (pr = m->data.mapping.pairs.start;
		    pr < m->data.mapping.pairs.top; pr++) {
			yaml_node_t *kn = yaml_document_get_node(doc, pr->key);
			yaml_node_t *vn = yaml_document_get_node(doc, pr->value);
			const char *k = policy_scalar(kn);

			if (k == NULL)
				continue;
			if (!strcmp(k, "match")) {
				const char *v = policy_scalar(vn);

				snprintf(r.match, sizeof(r.match), "%s",
				    v ? v : "");
			} else if (policy_rule_key(&r, k, doc, vn, name,
			    (unsigned long)kn->start_mark.line + 1, err,
			    errlen) == -1)
				return -1;
		}
		if (r.match[0] == '\0') {
			policy_err(err, errlen, "%s:%lu: repositories entry "
			    "without match", name, line);
			return -1;
		}
		if ((nr = reallocarray(p->over, p->nover + 1,
		    sizeof(*nr))) == NULL)
			return -1;
		p->over = nr;
		p->over[p->nover++] = r;
	}
	return 0;
}

int
policy_parse(yaml_document_t *doc, yaml_node_t *node, struct policy *p,
    const char *name, char *err, size_t errlen)
{
	yaml_node_pair_t	*pr;
	yaml_node_t		*lists[5] = { NULL, NULL, NULL, NULL, NULL };

	if (node->type != YAML_MAPPING_NODE) {
		policy_err(err, errlen, "%s:%lu: policy must be a mapping", name,
		    (unsigned long)node->start_mark.line + 1);
		return -1;
	}
	/* Rule keys first: overrides start from the finished default. */
	for (pr = node->data.mapping.pairs.start;
	    pr < node->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(doc, pr->value);
		const char *k = policy_scalar(kn);

		if (k == NULL || vn == NULL)
			continue;
		if (!strcmp(k, "allowlist"))
			lists[0] = vn;
		else if (!strcmp(k, "exceptions"))
			lists[2] = vn;
		else if (!strcmp(k, "vex"))
			lists[3] = vn;
		else if (!strcmp(k, "vex_keys"))
			lists[4] = vn;
		else if (!strcmp(k, "repositories"))
			lists[1] = vn;
		else if (!strcmp(k, "vex_recheck")) {
			const char	*v = policy_scalar(vn);
			char		*end = NULL;

			p->vex_recheck = v ? strtoull(v, &end, 10) : 0;
			if (v == NULL || *v == '\0' || *end != '\0' ||
			    p->vex_recheck < 1 || p->vex_recheck > 86400) {
				policy_err(err, errlen, "%s:%lu: vex_recheck is "
				    "a number of seconds, 1 to 86400", name,
				    (unsigned long)kn->start_mark.line + 1);
				return -1;
			}
		} else if (!strcmp(k, "signature_key")) {
			const char *key = policy_scalar(vn);

			if (key == NULL || *key == '\0' ||
			    strlen(key) >= sizeof(p->signature_key)) {
				policy_err(err, errlen, "%s:%lu: signature_key is "
				    "the path of a PEM public key", name,
				    (unsigned long)kn->start_mark.line + 1);
				return -1;
			}
			snprintf(p->signature_key, sizeof(p->signature_key),
			    "%s", key);
		}
		else if (policy_rule_key(&p->def, k, doc, vn, name,
		    (unsigned long)kn->start_mark.line + 1, err, errlen) == -1)
			return -1;
	}
	if ((lists[0] != NULL && policy_exceptions(p, doc, lists[0], 1, name,
	    err, errlen) == -1) || (lists[2] != NULL && policy_exceptions(p,
	    doc, lists[2], 0, name, err, errlen) == -1))
		return -1;
	if (lists[3] != NULL && policy_paths(p, doc, lists[3], "vex",
	    "OpenVEX files", name, policy_vex_file, err, errlen) == -1)
		return -1;
	if (lists[4] != NULL && policy_paths(p, doc, lists[4], "vex_keys",
	    "PEM public key files", name, policy_vex_keyfile, err,
	    errlen) == -1)
		return -1;
	if (lists[1] != NULL && policy_overrides(p, doc, lists[1], name, err,
	    errlen) == -1)
		return -1;
	if (p->signature_key[0] == '\0') {
		size_t i;
		int need = p->def.require_signature;

		for (i = 0; i < p->nover; i++)
			need |= p->over[i].require_signature;
		if (need) {
			policy_err(err, errlen, "%s: require_signature needs "
			    "policy.signature_key", name);
			return -1;
		}
	}
	return 0;
}

int
policy_base_allowed(const struct policy_rule *r, const char *name)
{
	int	k;

	for (k = 0; name != NULL && k < r->nbases; k++)
		if (fnmatch(r->bases[k], name, 0) == 0)
			return 1;
	return 0;
}

const struct policy_rule *
policy_rule_for(const struct policy *p, const char *repo)
{
	size_t	i;

	for (i = 0; i < p->nover; i++)
		if (fnmatch(p->over[i].match, repo, 0) == 0)
			return &p->over[i];
	return &p->def;
}

/* dst = a new copy of n elements of size each, or NULL for none. */
static int
policy_dup(void *dstp, const void *src, size_t n, size_t size)
{
	void	**dst = dstp;

	*dst = NULL;
	if (n == 0)
		return 0;
	if ((*dst = reallocarray(NULL, n, size)) == NULL)
		return -1;
	memcpy(*dst, src, n * size);
	return 0;
}

int
policy_copy(struct policy *dst, const struct policy *src)
{
	*dst = *src;
	dst->over = NULL;
	dst->exc = NULL;
	memset(&dst->vex, 0, sizeof(dst->vex));
	if (policy_dup(&dst->over, src->over, src->nover,
	    sizeof(*src->over)) == -1 ||
	    policy_dup(&dst->exc, src->exc, src->nexc, sizeof(*src->exc)) == -1 ||
	    vex_copy_set(&dst->vex, &src->vex) == -1) {
		policy_clear(dst);
		return -1;
	}
	return 0;
}

int
policy_expired_between(const struct policy *p, time_t from, time_t to)
{
	size_t	i;

	/* An exception holds through its expires second. */
	for (i = 0; i < p->nexc; i++)
		if (p->exc[i].expires != 0 && p->exc[i].expires >= from &&
		    p->exc[i].expires < to)
			return 1;
	return 0;
}

int
policy_exception_live(const struct policy_exception *e, time_t now)
{
	return e->expires == 0 || e->expires >= now;
}
