#include "scan/image/suppress.h"
#include "scan/version/version.h"
#include "conf/policy.h"

#include <ctype.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * Does name equal the finding's id or one of its aliases (or, given a
 * VEX statement's aliases, one of them the finding's id)?
 */
/* Is word one of the comma-separated list's (any case)? */
static int
suppress_listed(const char *list, const char *word)
{
	size_t	n = strlen(word);

	while (list != NULL && *list != '\0') {
		size_t l = strcspn(list, ",");

		if (l == n && strncasecmp(list, word, n) == 0)
			return 1;
		list += l + (list[l] == ',');
	}
	return 0;
}

static int
suppress_names(json_t *f, const char *name, const char *aliases)
{
	const char	*id = json_string_value(json_object_get(f, "id"));

	if (id != NULL && strcasecmp(id, name) == 0)
		return 1;
	if (suppress_listed(json_string_value(json_object_get(f,
	    "aliases")), name))
		return 1;
	/* A VEX statement's own aliases against the finding's id. */
	return id != NULL && suppress_listed(aliases, id);
}

/* Every path of the finding matches glob (one outside it is not covered). */
static int
suppress_paths(json_t *f, const char *glob)
{
	json_t		*paths = json_object_get(f, "paths"), *p;
	const char	*one = json_string_value(json_object_get(f, "path"));
	size_t		 i;

	if (json_array_size(paths) == 0)
		return one != NULL && fnmatch(glob, one, 0) == 0;
	json_array_foreach(paths, i, p)
		if (!json_is_string(p) ||
		    fnmatch(glob, json_string_value(p), 0) != 0)
			return 0;
	return 1;
}

int
suppress_names_advisory(json_t *f, const char *id)
{
	return suppress_names(f, id, NULL);
}

int
suppress_exception(const struct policy *p, enum suppress_kind kind,
    json_t *f, const struct suppress_subject *s)
{
	const char	*rule = json_string_value(json_object_get(f, "rule"));
	const char	*pkg = json_string_value(json_object_get(f, "package"));
	const char	*ver = json_string_value(json_object_get(f, "version"));
	size_t		 i;

	for (i = 0; i < p->nexc; i++) {
		const struct policy_exception *e = &p->exc[i];

		if (!policy_exception_live(e, s->now))
			continue;
		if (e->id[0] != '\0' && (kind == SUPPRESS_VULN ?
		    !suppress_names(f, e->id, NULL) :
		    (rule == NULL || strcmp(rule, e->id) != 0)))
			continue;
		if (e->repository[0] != '\0' && (s->repository == NULL ||
		    fnmatch(e->repository, s->repository, 0) != 0))
			continue;
		if (e->digest[0] != '\0' && (s->digest == NULL ||
		    strcmp(e->digest, s->digest) != 0))
			continue;
		if (e->package[0] != '\0' && (kind != SUPPRESS_VULN ||
		    pkg == NULL || strcmp(e->package, pkg) != 0))
			continue;
		/* A range in the finding's own ecosystem's order. */
		if (e->versions[0] != '\0' && (ver == NULL ||
		    !version_in_range(version_scheme_of(json_string_value(
		    json_object_get(f, "ecosystem")) ?: ""), ver,
		    e->versions)))
			continue;
		if (e->path[0] != '\0' && !suppress_paths(f, e->path))
			continue;
		return (int)i;
	}
	return -1;
}

/* purl-spec types by OSV ecosystem (the part before any ':'). */
static const char *
suppress_type(const char *eco)
{
	static const struct { const char *eco, *type; } t[] = {
		{ "npm", "npm" }, { "PyPI", "pypi" }, { "Go", "golang" },
		{ "crates.io", "cargo" }, { "Maven", "maven" },
		{ "RubyGems", "gem" }, { "NuGet", "nuget" },
		{ "Packagist", "composer" }, { "Alpine", "apk" },
		{ "Wolfi", "apk" }, { "Debian", "deb" }, { "Ubuntu", "deb" },
		{ "Red Hat", "rpm" }, { "Rocky Linux", "rpm" },
		{ "AlmaLinux", "rpm" }, { "SUSE", "rpm" },
		{ "openSUSE", "rpm" },
	};
	size_t	i, n;

	if (eco == NULL)
		return NULL;
	n = strcspn(eco, ":");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].eco) == n && strncmp(t[i].eco, eco, n) == 0)
			return t[i].type;
	return NULL;
}

/* Percent-decode src (n bytes) into dst. */
static void
suppress_decode(const char *src, size_t n, char *dst, size_t len)
{
	size_t	o = 0, i;

	for (i = 0; i < n && o + 1 < len; i++) {
		if (src[i] == '%' && i + 2 < n && isxdigit((unsigned char)
		    src[i + 1]) && isxdigit((unsigned char)src[i + 2])) {
			char h[3] = { src[i + 1], src[i + 2], 0 };

			dst[o++] = (char)strtol(h, NULL, 16);
			i += 2;
		} else
			dst[o++] = src[i];
	}
	dst[o] = '\0';
}

/* A PyPI name as PEP 503 compares them: lowercase, runs of -_. as -. */
static void
suppress_pep503(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++) {
		if (*s == '_' || *s == '.' || *s == '-') {
			if (w == s || w[-1] != '-')
				*w++ = '-';
			continue;
		}
		*w++ = (char)tolower((unsigned char)*s);
	}
	*w = '\0';
}

struct suppress_purl {
	char	type[32];
	char	ns[256];	/* decoded namespace, "" none */
	char	name[384];	/* decoded name */
	char	version[256];	/* decoded, "" none */
};

/* Split a purl (pkg:type/ns/name@version?q#sub). 0 or -1. */
static int
suppress_purl_parse(const char *purl, struct suppress_purl *u)
{
	const char	*p, *end, *slash, *at;
	size_t		 n;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(purl, "pkg:", 4) != 0)
		return -1;
	p = purl + 4;
	while (*p == '/')
		p++;
	end = p + strcspn(p, "?#");
	n = strcspn(p, "/");
	if (n == 0 || p + n >= end || n >= sizeof(u->type))
		return -1;
	for (size_t i = 0; i < n; i++)
		u->type[i] = (char)tolower((unsigned char)p[i]);
	p += n + 1;
	/* The version starts at the last '@' (a name's is encoded). */
	for (at = NULL, slash = p; slash < end; slash++)
		if (*slash == '@')
			at = slash;
	if (at != NULL) {
		suppress_decode(at + 1, (size_t)(end - at - 1), u->version,
		    sizeof(u->version));
		end = at;
	}
	for (slash = NULL, at = p; at < end; at++)
		if (*at == '/')
			slash = at;
	if (slash != NULL) {
		suppress_decode(p, (size_t)(slash - p), u->ns, sizeof(u->ns));
		p = slash + 1;
	}
	suppress_decode(p, (size_t)(end - p), u->name, sizeof(u->name));
	return u->name[0] ? 0 : -1;
}

/* An OS package's purl type: the distribution is its namespace. */
static int
suppress_os_type(const char *type)
{
	return !strcmp(type, "deb") || !strcmp(type, "apk") ||
	    !strcmp(type, "rpm");
}

/* Does the statement's package purl want name the finding's package? */
static int
suppress_purl_match(const char *want, json_t *f)
{
	struct suppress_purl	 w;
	const char	*eco = json_string_value(json_object_get(f, "ecosystem"));
	const char	*pkg = json_string_value(json_object_get(f, "package"));
	const char	*ver = json_string_value(json_object_get(f, "version"));
	const char	*type = suppress_type(eco);
	char		 a[700], b[700], distro[64];
	size_t		 i;

	if (type == NULL || pkg == NULL || ver == NULL ||
	    suppress_purl_parse(want, &w) == -1 || strcmp(w.type, type))
		return 0;
	if (suppress_os_type(type)) {
		/* Optional; "Red Hat" is red-hat, as purl-spec writes it. */
		snprintf(distro, sizeof(distro), "%.*s",
		    (int)strcspn(eco, ":"), eco);
		for (i = 0; distro[i]; i++)
			distro[i] = distro[i] == ' ' ? '-' : (char)tolower(
			    (unsigned char)distro[i]);
		if (w.ns[0] && strcasecmp(w.ns, distro) != 0)
			return 0;
		snprintf(a, sizeof(a), "%s", w.name);
		snprintf(b, sizeof(b), "%s", pkg);
	} else {
		/* namespace/name: npm's @scope/name, Go's module path. */
		snprintf(a, sizeof(a), "%s%s%s", w.ns, w.ns[0] ? "/" : "",
		    w.name);
		/* Maven's group:artifact is purl's group/artifact. */
		if (!strcmp(type, "maven") && strchr(pkg, ':') != NULL)
			snprintf(b, sizeof(b), "%.*s/%s", (int)strcspn(pkg, ":"),
			    pkg, strchr(pkg, ':') + 1);
		else
			snprintf(b, sizeof(b), "%s", pkg);
	}
	if (!strcmp(type, "pypi")) {
		suppress_pep503(a);
		suppress_pep503(b);
	}
	if (strcmp(a, b) != 0)
		return 0;
	return w.version[0] == '\0' || strcmp(w.version, ver) == 0;
}

/*
 * An image product: a digest anywhere in it (pkg:oci/app@sha256%3A...,
 * registry/app@sha256:..., sha256:...). 1 it is one and names digest,
 * 0 it is one that does not, -1 it is not an image.
 */
static int
suppress_image(const char *product, const char *digest)
{
	char		 dec[400];
	const char	*d;

	suppress_decode(product, strlen(product), dec, sizeof(dec));
	if ((d = strstr(dec, "sha256:")) == NULL)
		return strncasecmp(product, "pkg:oci/", 8) == 0 ? 0 : -1;
	return digest != NULL && strncmp(d, digest, 71) == 0 &&
	    strlen(digest) == 71 && strspn(d + 7, "0123456789abcdef") == 64;
}

/* The statement of set that decides f, better than best (or best). */
static const struct vex_statement *
suppress_vex_in(const struct vex_set *set, json_t *f,
    const struct suppress_subject *s, const struct vex_statement *best)
{
	size_t	i;
	int	mine = 0;	/* best is one of set's (else an earlier set's) */

	for (i = 0; i < set->nprod; i++) {
		const struct vex_product	*r = &set->prod[i];
		const struct vex_statement	*v = &set->st[r->stmt];
		int				 img;

		if (best != NULL && (v->timestamp < best->timestamp ||
		    v == best))
			continue;
		if (!suppress_names(f, v->vuln, v->aliases))
			continue;
		img = suppress_image(r->product, s->digest);
		if (img == 0)
			continue;
		if (img == 1 ? (r->sub[0] != '\0' &&
		    !suppress_purl_match(r->sub, f)) :
		    !suppress_purl_match(r->product, f))
			continue;
		/* Equal times: the later statement read wins. */
		if (best == NULL || v->timestamp > best->timestamp || !mine ||
		    v > best) {
			best = v;
			mine = 1;
		}
	}
	return best;
}

const struct vex_statement *
suppress_vex(const struct policy *p, json_t *f,
    const struct suppress_subject *s)
{
	const struct vex_statement	*best;

	best = suppress_vex_in(&p->vex, f, s, NULL);
	/* The image's own attestations count as read after the files. */
	if (s->attached != NULL)
		best = suppress_vex_in(s->attached, f, s, best);
	return best;
}

int
suppress_vex_clears(const struct vex_statement *v)
{
	return v != NULL && (!strcmp(v->status, "not_affected") ||
	    !strcmp(v->status, "fixed"));
}

static void
suppress_mark(const struct policy *p, enum suppress_kind kind, json_t *f,
    const struct suppress_subject *s)
{
	const struct policy_exception	*e;
	const struct vex_statement	*v;
	char				 exp[16], made[16];
	int				 i;

	if (kind == SUPPRESS_VULN && (v = suppress_vex(p, f, s)) != NULL) {
		json_object_set_new(f, "vex", json_pack("{s:s, s:s?, s:s?, "
		    "s:s, s:b}", "status", v->status, "justification",
		    v->justification[0] ? v->justification : NULL,
		    "impact_statement", v->impact[0] ? v->impact : NULL,
		    "statement", v->source, "suppressed",
		    suppress_vex_clears(v)));
		if (suppress_vex_clears(v))
			return;
	}
	if ((i = suppress_exception(p, kind, f, s)) < 0)
		return;
	e = &p->exc[i];
	policy_day(e->expires, exp, sizeof(exp));
	policy_day(e->created, made, sizeof(made));
	json_object_set_new(f, "exception", json_pack("{s:i, s:s, s:s?, "
	    "s:s?, s:s?, s:s?}", "number", i + 1, "kind", e->from_allowlist ?
	    "allowlist" : "exception", "owner", e->owner[0] ? e->owner : NULL,
	    "reason", e->reason[0] ? e->reason : NULL, "created", made[0] ?
	    made : NULL, "expires", exp[0] ? exp : NULL));
}

void
suppress_annotate(const struct policy *p, json_t *scan,
    const struct suppress_subject *s)
{
	static const struct { const char *key; enum suppress_kind kind; } k[] = {
		{ "vulnerabilities", SUPPRESS_VULN },
		{ "secrets", SUPPRESS_SECRET },
		{ "misconfigurations", SUPPRESS_MISCONFIG },
	};
	json_t	*f;
	size_t	 i, j;

	if (p->nexc == 0 && p->vex.nprod == 0 && (s->attached == NULL ||
	    s->attached->nprod == 0))
		return;
	for (j = 0; j < sizeof(k) / sizeof(k[0]); j++)
		json_array_foreach(json_object_get(scan, k[j].key), i, f)
			suppress_mark(p, k[j].kind, f, s);
}
