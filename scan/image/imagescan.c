#include "scan/image/imagescan.h"
#include "scan/image/matchmemo.h"
#include "scan/image/lifecycle.h"
#include "scan/image/image.h"
#include "scan/image/imgconfig.h"
#include "scan/advisory/vulnmatch.h"
#include "store/db.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
imagescan_sev_rank(const char *s)
{
	if (s == NULL)
		return 0;
	if (!strcasecmp(s, "critical"))
		return 4;
	if (!strcasecmp(s, "high"))
		return 3;
	if (!strcasecmp(s, "medium"))
		return 2;
	if (!strcasecmp(s, "low"))
		return 1;
	return 0;
}

/* Findings of kind, and of also (-1: none) in the same list. */
static json_t *
imagescan_findings(const struct findings *f, enum finding_kind kind,
    int also)
{
	json_t	*arr = json_array();
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (f->v[i].kind == kind || (int)f->v[i].kind == also)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, "
			    "s:i, s:s, s:i}", "kind",
			    finding_kind_name(f->v[i].kind), "rule",
			    f->v[i].rule, "path",
			    f->v[i].path, "line", (int)f->v[i].line, "detail",
			    f->v[i].detail, "layer", f->v[i].layer));
	return arr;
}

/*
 * Append the advisories for one package to vulns, counting them. The
 * same package (ecosystem, name, version) seen at several paths (a
 * lockfile and node_modules, two copies of a jar) is one finding per
 * advisory, with every path in "paths": seen maps each to its entry.
 */
static void
imagescan_match(struct store *st, const char *eco,
    const struct vulnmatch_pkg *q, const char *path, json_t *vulns,
    json_t *seen, int counts[5], struct matchmemo *memo, const char *ver)
{
	struct vulnmatch_finding	*f = NULL;
	json_t				*v;
	char				 key[1024];
	int				 m, k;

	/* A sweep asks the same of many images: the memo answers. */
	if ((m = matchmemo_get(memo, ver, eco, q, &f)) < 0 &&
	    (m = vulnmatch_package(st, eco, q, &f)) >= 0)
		matchmemo_put(memo, ver, eco, q, f, m);
	for (k = 0; k < m; k++) {
		/* Not the ecosystem: Ubuntu:22.04 and Ubuntu:22.04:LTS agree. */
		snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", q->name,
		    q->version, f[k].id);
		if ((v = json_object_get(seen, key)) != NULL) {
			json_array_append_new(json_object_get(v, "paths"),
			    json_string(path));
			continue;
		}
		counts[imagescan_sev_rank(f[k].severity)]++;
		v = json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:s?, s:s, "
		    "s:s?, s:s, s:[s]}",
		    "id", f[k].id, "aliases", f[k].aliases,
		    "severity", f[k].severity,
		    "severity_source", f[k].severity_source,
		    "score", f[k].score,
		    "package", q->name, "version", q->version,
		    "fixed", f[k].fixed[0] ? f[k].fixed : NULL,
		    "ecosystem", eco,
		    "summary", f[k].summary[0] ? f[k].summary : NULL,
		    "path", path, "paths", path);
		if (v != NULL) {
			json_object_set(seen, key, v);
			json_array_append_new(vulns, v);
		}
	}
	free(f);
}

static enum pkg_type
imagescan_type(const char *name, int *ok)
{
	int	t;

	*ok = 1;
	for (t = 0; t < PKG_TYPE_COUNT; t++)
		if (name != NULL && strcmp(name, pkg_type_name(t)) == 0)
			return (enum pkg_type)t;
	*ok = 0;
	return PKG_DPKG;
}

/*
 * Match a document's packages against the store (st NULL: none), into
 * its "vulnerabilities" and the severity counts of its "summary": one
 * piece for a new document and for one re-matched on new data. 0, or
 * -1 when it has no packages or summary.
 */
static int
imagescan_fill(json_t *doc, struct store *st, int flags,
    struct matchmemo *memo, const char *ver)
{
	json_t	*os = json_object_get(doc, "os"), *p, *vulns, *sum, *seen;
	char	 ecos[4][64];
	size_t	 i;
	int	 necos = 0, counts[5] = { 0 }, k;
	const char *keys[] = { "unknown", "low", "medium", "high",
		    "critical" };

	if (!json_is_array(json_object_get(doc, "packages")) ||
	    !json_is_object(sum = json_object_get(doc, "summary")))
		return -1;
	if (json_is_object(os))
		necos = vulnmatch_os_ecosystems(json_string_value(
		    json_object_get(os, "id")), json_string_value(
		    json_object_get(os, "version_id")), ecos, 4);
	vulns = json_array();
	seen = json_object();
	json_array_foreach(st != NULL ? json_object_get(doc, "packages") :
	    NULL, i, p) {
		int			 ok, e, ne;
		enum pkg_type		 t = imagescan_type(json_string_value(
					    json_object_get(p, "type")), &ok);
		const char		*eco = pkg_type_ecosystem(t);
		struct vulnmatch_pkg	 q;

		if (!ok)
			continue;
		q.name = json_string_value(json_object_get(p, "name"));
		q.version = json_string_value(json_object_get(p, "version"));
		q.source = json_string_value(json_object_get(p, "source"));
		q.source_version = json_string_value(json_object_get(p,
		    "source_version"));
		if (q.name == NULL || q.version == NULL)
			continue;
		if (json_is_string(json_object_get(p, "os_owner")) &&
		    !(flags & IMAGESCAN_OS_OWNED))
			continue;
		ne = eco ? 1 : necos;
		for (e = 0; e < ne; e++)
			imagescan_match(st, eco ? eco : ecos[e], &q,
			    json_string_value(json_object_get(p, "path")),
			    vulns, seen, counts, memo, ver);
	}
	json_decref(seen);
	json_object_set_new(doc, "vulnerabilities", vulns);
	for (k = 0; k < 5; k++)
		json_object_set_new(sum, keys[k], json_integer(counts[k]));
	return 0;
}

int
imagescan_rematch(json_t *doc, struct store *st, int flags,
    struct matchmemo *memo, const char *ver)
{
	json_t	*os = json_object_get(doc, "os"), *lc;

	if (imagescan_fill(doc, st, flags, memo, ver) == -1)
		return -1;
	/* The distributions' dates may have changed with the data too. */
	if (json_is_object(os) && (lc = lifecycle_of(json_string_value(
	    json_object_get(os, "id")), json_string_value(json_object_get(os,
	    "version_id")), json_object_get(doc, "packages"))) != NULL)
		json_object_set_new(doc, "lifecycle", lc);
	return 0;
}

/* Does the image call itself distroless (a label, or its declared base)? */
static int
imagescan_distroless(const char *config, size_t clen)
{
	json_t		*cfg, *v;
	const char	*k;
	int		 yes = 0;

	if (config == NULL || (cfg = json_loadb(config, clen, 0, NULL)) == NULL)
		return 0;
	json_object_foreach(json_object_get(json_object_get(cfg, "config"),
	    "Labels"), k, v)
		if (strcasestr(k, "distroless") != NULL || (json_is_string(v) &&
		    strcasestr(json_string_value(v), "distroless") != NULL))
			yes = 1;
	json_decref(cfg);
	return yes;
}

/*
 * An image that calls itself distroless and still installs a shell or a
 * package manager: what an attacker in the container would want, and
 * what the label promised away. The packages named. 0 or -1.
 */
static int
imagescan_minimal_tools(const struct image_view *view, const char *config,
    size_t clen, struct findings *all)
{
	static const char *const tools[] = { "bash", "dash", "busybox", "zsh",
	    "mksh", "apt", "dpkg", "apk-tools", "rpm", "dnf", "microdnf",
	    "yum", NULL };
	char		 found[160] = "", msg[200];
	const char	*path = NULL;
	size_t		 i, t;

	if (!imagescan_distroless(config, clen))
		return 0;
	for (i = 0; i < view->npkgs; i++) {
		const struct pkg *p = view->pkgs[i];

		if (p->type != PKG_DPKG && p->type != PKG_APK &&
		    p->type != PKG_RPM)
			continue;
		for (t = 0; tools[t] != NULL; t++)
			if (strcmp(p->name, tools[t]) == 0 && strlen(found) +
			    strlen(p->name) + 3 < sizeof(found)) {
				snprintf(found + strlen(found), sizeof(found) -
				    strlen(found), "%s%s", found[0] ? ", " : "",
				    p->name);
				path = p->path;
			}
	}
	if (path == NULL)
		return 0;
	snprintf(msg, sizeof(msg), "labelled distroless, yet it installs %s: "
	    "a shell or package manager is what an intruder needs", found);
	return findings_add(all, FINDING_MISCONFIG, "distroless-shell", path, 0,
	    msg);
}

/* A finding about a file's mode (not its content). */
static int
imagescan_mode_rule(const char *rule)
{
	return rule != NULL && (strcmp(rule, "setuid-file") == 0 ||
	    strcmp(rule, "world-writable") == 0);
}

json_t *
imagescan_report(struct layer_result *const *layers, size_t n,
    const char *config, size_t clen, struct store *st, const char *source,
    int flags)
{
	struct image_view	 view;
	struct findings		 all = { NULL, 0, 0 };
	json_t			*out = NULL, *pkgs, *lc;
	size_t			 i, j;
	int			 nsec = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < layers[i]->findings.n; j++) {
			const struct finding *f = &layers[i]->findings.v[j];

			/*
			 * A file's mode matters only while the file is in
			 * the image: not once a layer above deletes it, or
			 * puts its own file there (a mode finding of its
			 * own, if that one is setuid too). Its content (a
			 * secret) stays in the layer's blob for anyone who
			 * pulls it, deleted above or not.
			 */
			if (imagescan_mode_rule(f->rule) &&
			    (image_deleted_above(layers, n, i, f->path) ||
			    image_replaced_above(layers, n, i, f->path)))
				continue;
			if (findings_add(&all, f->kind, f->rule, f->path,
			    f->line, f->detail) == -1)
				goto done;
			all.v[all.n - 1].layer = (int)i;
		}
	if (config != NULL)
		imgconfig_scan(config, clen, &all);
	if (image_assemble(layers, n, &view) == -1)
		goto done;
	out = json_object();
	pkgs = json_array();
	for (i = 0; i < view.npkgs; i++) {
		const struct pkg *p = view.pkgs[i];

		json_array_append_new(pkgs, json_pack("{s:s, s:s, s:s, s:s?, "
		    "s:s, s:s*, s:s*, s:s*}", "type", pkg_type_name(p->type),
		    "name", p->name, "version", p->version, "source", p->source,
		    "path", p->path, "source_version", p->source_version,
		    "os_owner", p->owner, "confidence", p->guessed ? "low" :
		    NULL));
	}
	/* What the installed packages say of the image. */
	if (imagescan_minimal_tools(&view, config, clen, &all) == -1) {
		json_decref(out);
		out = NULL;
		image_view_free(&view);
		goto done;
	}
	for (i = 0; i < view.npkgs; i++) {
		const struct pkg *p = view.pkgs[i];

		if (p->type != PKG_DPKG && p->type != PKG_APK &&
		    p->type != PKG_RPM)
			continue;
		if ((strcmp(p->name, "sudo") == 0 && findings_add(&all,
		    FINDING_MISCONFIG, "sudo-installed", p->path, 0,
		    "sudo is installed: a container needs no privilege "
		    "escalation inside it") == -1) ||
		    ((strcmp(p->name, "openssh-server") == 0 ||
		    strcmp(p->name, "dropbear") == 0) && findings_add(&all,
		    FINDING_MISCONFIG, "ssh-server-installed", p->path, 0,
		    "an SSH server is installed: containers are reached with "
		    "exec, and a daemon is more to patch and to expose") ==
		    -1)) {
			/* Out of memory: no half a document. */
			json_decref(out);
			out = NULL;
			image_view_free(&view);
			goto done;
		}
	}
	for (i = 0; i < all.n; i++)
		if (all.v[i].kind == FINDING_SECRET)
			nsec++;
	json_object_set_new(out, "source", json_string(source ? source : ""));
	if (config != NULL) {
		/* The base image, as the build declared it in a label. */
		json_t *cfg = json_loadb(config, clen, 0, NULL);
		const char *b = json_string_value(json_object_get(json_object_get(
		    json_object_get(cfg, "config"), "Labels"),
		    "org.opencontainers.image.base.name"));

		if (b != NULL)
			json_object_set_new(out, "base", json_string(b));
		json_decref(cfg);
	}
	json_object_set_new(out, "os", view.os ? json_pack("{s:s, s:s, s:s}",
	    "id", view.os->id, "version_id", view.os->version_id, "name",
	    view.os->pretty) : json_null());
	json_object_set_new(out, "layers", json_integer((json_int_t)n));
	json_object_set_new(out, "packages", pkgs);
	/* Dates, not a verdict: an image goes out of support as it ages. */
	if (view.os != NULL && (lc = lifecycle_of(view.os->id,
	    view.os->version_id, pkgs)) != NULL)
		json_object_set_new(out, "lifecycle", lc);
	/* Matched below, from the document itself (imagescan_fill). */
	json_object_set_new(out, "vulnerabilities", json_array());
	json_object_set_new(out, "secrets",
	    imagescan_findings(&all, FINDING_SECRET, -1));
	json_object_set_new(out, "misconfigurations",
	    imagescan_findings(&all, FINDING_MISCONFIG, -1));
	/* Shown, never a reason to refuse (see FINDING_NOTE). */
	json_object_set_new(out, "notes",
	    imagescan_findings(&all, FINDING_NOTE, -1));
	/* What the scan could not see: limits hit, unreadable databases. */
	json_object_set_new(out, "limits",
	    imagescan_findings(&all, FINDING_LIMIT, FINDING_ERROR));
	json_object_set_new(out, "summary", json_pack("{s:i, s:i, s:i, s:i, "
	    "s:i, s:i, s:i, s:i}", "packages", (int)view.npkgs, "critical",
	    0, "high", 0, "medium", 0, "low", 0, "unknown", 0, "secrets", nsec,
	    "unscanned", (int)json_array_size(json_object_get(out, "limits"))));
	image_view_free(&view);
	imagescan_fill(out, st, flags, NULL, NULL);
 done:
	findings_free(&all);
	return out;
}
