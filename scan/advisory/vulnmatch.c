#include "scan/advisory/vulnmatch.h"
#include "scan/advisory/cvss.h"
#include "store/db.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vulnmatch_event {
	const char	*introduced;
	const char	*fixed;
	const char	*last_affected;
	const char	*v;		/* whichever is set */
};

#define VULNMATCH_MAX_EVENTS	256

static int
vulnmatch_evcmp(enum version_scheme s, const struct vulnmatch_event *a,
    const struct vulnmatch_event *b)
{
	/* "introduced: 0" means "from the beginning": below everything. */
	int za = a->introduced && strcmp(a->introduced, "0") == 0;
	int zb = b->introduced && strcmp(b->introduced, "0") == 0;

	if (za || zb)
		return za && zb ? 0 : za ? -1 : 1;
	return version_cmp(s, a->v, b->v);
}

static int
vulnmatch_range(enum version_scheme s, json_t *range, const char *version,
    const char **fixed)
{
	struct vulnmatch_event	 ev[VULNMATCH_MAX_EVENTS], t;
	json_t			*events = json_object_get(range, "events"), *e;
	const char		*type = json_string_value(json_object_get(range,
				    "type"));
	size_t			 i, j, n = 0;
	int			 affected = 0;

	if (type == NULL || (strcmp(type, "ECOSYSTEM") != 0 &&
	    strcmp(type, "SEMVER") != 0))
		return 0;	/* GIT ranges name commits, not versions */
	json_array_foreach(events, i, e) {
		if (n == VULNMATCH_MAX_EVENTS)
			break;
		memset(&ev[n], 0, sizeof(ev[n]));
		ev[n].introduced = json_string_value(json_object_get(e,
		    "introduced"));
		ev[n].fixed = json_string_value(json_object_get(e, "fixed"));
		ev[n].last_affected = json_string_value(json_object_get(e,
		    "last_affected"));
		ev[n].v = ev[n].introduced ? ev[n].introduced :
		    ev[n].fixed ? ev[n].fixed : ev[n].last_affected;
		if (ev[n].v != NULL)
			n++;
	}
	/* Insertion sort: few events, and the comparator needs a scheme. */
	for (i = 1; i < n; i++) {
		t = ev[i];
		for (j = i; j > 0 && vulnmatch_evcmp(s, &ev[j - 1], &t) > 0; j--)
			ev[j] = ev[j - 1];
		ev[j] = t;
	}
	for (i = 0; i < n; i++) {
		if (ev[i].introduced != NULL) {
			if (strcmp(ev[i].introduced, "0") == 0 ||
			    version_cmp(s, version, ev[i].introduced) >= 0)
				affected = 1;
		} else if (ev[i].fixed != NULL) {
			if (version_cmp(s, version, ev[i].fixed) >= 0)
				affected = 0;
		} else if (ev[i].last_affected != NULL) {
			if (version_cmp(s, version, ev[i].last_affected) > 0)
				affected = 0;
		}
	}
	if (affected) {
		for (i = 0; i < n; i++)
			if (ev[i].fixed != NULL &&
			    version_cmp(s, version, ev[i].fixed) < 0) {
				if (*fixed == NULL ||
				    version_cmp(s, ev[i].fixed, *fixed) < 0)
					*fixed = ev[i].fixed;
				break;
			}
	}
	return affected;
}

int
vulnmatch_row(enum version_scheme s, json_t *row, const char *version,
    const char **fixed)
{
	json_t	*r;
	size_t	 i;
	int	 affected = 0;

	*fixed = NULL;
	json_array_foreach(json_object_get(row, "versions"), i, r) {
		const char *v = json_string_value(r);

		if (v != NULL && strcmp(v, version) == 0)
			affected = 1;
	}
	json_array_foreach(json_object_get(row, "ranges"), i, r)
		if (vulnmatch_range(s, r, version, fixed))
			affected = 1;
	return affected;
}

struct vulnmatch_ctx {
	enum version_scheme	 scheme;
	const char		*version;
	int			 hits;
	int			(*cb)(const struct vulnmatch_hit *, void *);
	void			*arg;
};

static int
vulnmatch_each_cb(const char *json, size_t len, void *arg)
{
	struct vulnmatch_ctx	*c = arg;
	struct vulnmatch_hit	 h;
	json_t			*row, *a;
	json_error_t		 err;
	char			 aliases[512] = "";
	size_t			 i, off = 0;
	int			 rv = 0;

	if ((row = json_loadb(json, len, 0, &err)) == NULL) {
		log_warnx("vulnmatch: stored row unreadable: %s", err.text);
		return 0;	/* one bad row must not hide the others */
	}
	memset(&h, 0, sizeof(h));
	if (vulnmatch_row(c->scheme, row, c->version, &h.fixed)) {
		h.id = json_string_value(json_object_get(row, "id"));
		h.severity = json_string_value(json_object_get(row,
		    "severity"));
		h.score = json_real_value(json_object_get(row, "score"));
		h.summary = json_string_value(json_object_get(row, "summary"));
		h.severity_source = json_string_value(json_object_get(row,
		    "severity_source"));
		json_array_foreach(json_object_get(row, "aliases"), i, a) {
			const char *s = json_string_value(a);
			int n;

			if (s == NULL || off >= sizeof(aliases))
				continue;
			n = snprintf(aliases + off, sizeof(aliases) - off,
			    "%s%s", off ? "," : "", s);
			if (n > 0)
				off += (size_t)n;
		}
		h.aliases = aliases;
		if (h.id != NULL) {
			c->hits++;
			rv = c->cb != NULL ? c->cb(&h, c->arg) : 0;
		}
	}
	json_decref(row);
	return rv;
}

int
vulnmatch_query(struct store *st, const char *eco, const char *name,
    const char *version, int (*cb)(const struct vulnmatch_hit *, void *),
    void *arg)
{
	struct vulnmatch_ctx	c = { version_scheme_of(eco), version, 0, cb,
				    arg };

	if (store_adv_each(st, eco, name, vulnmatch_each_cb, &c) == -1)
		return -1;
	return c.hits;
}

/* An id or alias, and the finding it belongs to. */
struct vulnmatch_ix {
	char	*id;
	int	 f;
};

struct vulnmatch_acc {
	struct vulnmatch_finding	*f;
	int				 n, cap, err;
	/*
	 * Every id seen, hashed: a package with hundreds of advisories
	 * (Go's stdlib, a big server) is merged in linear time, not by
	 * comparing each hit with every finding so far.
	 */
	struct vulnmatch_ix		*ix;
	size_t				 ixn, ixcap;	/* ixcap: power of 2 */
};

static size_t
vulnmatch_ix_hash(const char *s)
{
	size_t	h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
vulnmatch_ix_find(const struct vulnmatch_acc *a, const char *id)
{
	size_t	i;

	if (a->ixcap == 0)
		return -1;
	for (i = vulnmatch_ix_hash(id) & (a->ixcap - 1); a->ix[i].id != NULL;
	    i = (i + 1) & (a->ixcap - 1))
		if (strcmp(a->ix[i].id, id) == 0)
			return a->ix[i].f;
	return -1;
}

static int
vulnmatch_ix_add(struct vulnmatch_acc *a, const char *id, int f)
{
	struct vulnmatch_ix	*old = a->ix;
	size_t			 oldcap = a->ixcap, i, j;

	if (vulnmatch_ix_find(a, id) != -1)
		return 0;
	if ((a->ixn + 1) * 2 > a->ixcap) {
		a->ixcap = oldcap ? oldcap * 2 : 64;
		if ((a->ix = calloc(a->ixcap, sizeof(*a->ix))) == NULL) {
			a->ix = old;
			a->ixcap = oldcap;
			return -1;
		}
		for (j = 0; j < oldcap; j++) {
			if (old[j].id == NULL)
				continue;
			for (i = vulnmatch_ix_hash(old[j].id) & (a->ixcap - 1);
			    a->ix[i].id != NULL; i = (i + 1) & (a->ixcap - 1))
				;
			a->ix[i] = old[j];
		}
		free(old);
	}
	for (i = vulnmatch_ix_hash(id) & (a->ixcap - 1); a->ix[i].id != NULL;
	    i = (i + 1) & (a->ixcap - 1))
		;
	if ((a->ix[i].id = strdup(id)) == NULL)
		return -1;
	a->ix[i].f = f;
	a->ixn++;
	return 0;
}

static void
vulnmatch_ix_free(struct vulnmatch_acc *a)
{
	size_t	i;

	for (i = 0; i < a->ixcap; i++)
		free(a->ix[i].id);
	free(a->ix);
}

/* The hit's id and each alias: its finding if one is known, or -1. */
static int
vulnmatch_ix_lookup(const struct vulnmatch_acc *a,
    const struct vulnmatch_hit *h)
{
	const char	*p = h->aliases ? h->aliases : "";
	char		 id[128];
	int		 f;

	if ((f = vulnmatch_ix_find(a, h->id)) != -1)
		return f;
	while (*p != '\0') {
		size_t l = strcspn(p, ",");

		snprintf(id, sizeof(id), "%.*s", (int)l, p);
		if ((f = vulnmatch_ix_find(a, id)) != -1)
			return f;
		p += l + (p[l] == ',');
	}
	return -1;
}

/* File every id of the hit under finding f. */
static int
vulnmatch_ix_note(struct vulnmatch_acc *a, const struct vulnmatch_hit *h,
    int f)
{
	const char	*p = h->aliases ? h->aliases : "";
	char		 id[128];

	if (vulnmatch_ix_add(a, h->id, f) == -1)
		return -1;
	while (*p != '\0') {
		size_t l = strcspn(p, ",");

		snprintf(id, sizeof(id), "%.*s", (int)l, p);
		if (vulnmatch_ix_add(a, id, f) == -1)
			return -1;
		p += l + (p[l] == ',');
	}
	return 0;
}

static int
vulnmatch_has_id(const struct vulnmatch_finding *f, const char *id)
{
	const char	*p = f->aliases;
	size_t		 n = strlen(id);

	if (strcmp(f->id, id) == 0)
		return 1;
	while (*p != '\0') {
		size_t l = strcspn(p, ",");

		if (l == n && strncmp(p, id, n) == 0)
			return 1;
		p += l + (p[l] == ',');
	}
	return 0;
}

static void
vulnmatch_add_alias(struct vulnmatch_finding *f, const char *id)
{
	size_t	off = strlen(f->aliases);

	if (vulnmatch_has_id(f, id))
		return;
	snprintf(f->aliases + off, sizeof(f->aliases) - off, "%s%s",
	    off ? "," : "", id);
}

/* Call fn(f, id) for the hit's id and each of its aliases. */
static int
vulnmatch_each_id(const struct vulnmatch_hit *h,
    int (*fn)(struct vulnmatch_finding *, const char *),
    struct vulnmatch_finding *f)
{
	const char	*p = h->aliases ? h->aliases : "";
	char		 id[128];

	if (fn(f, h->id))
		return 1;
	while (*p != '\0') {
		size_t l = strcspn(p, ",");

		snprintf(id, sizeof(id), "%.*s", (int)l, p);
		if (fn(f, id))
			return 1;
		p += l + (p[l] == ',');
	}
	return 0;
}

static int
vulnmatch_add_alias_fn(struct vulnmatch_finding *f, const char *id)
{
	vulnmatch_add_alias(f, id);
	return 0;
}

static int
vulnmatch_acc_cb(const struct vulnmatch_hit *h, void *arg)
{
	struct vulnmatch_acc		*a = arg;
	struct vulnmatch_finding	*f = NULL;
	int				 i;

	/* Same vulnerability if any identifier is shared. */
	if ((i = vulnmatch_ix_lookup(a, h)) != -1)
		f = &a->f[i];
	if (f == NULL) {
		if (a->n == a->cap) {
			int	ncap = a->cap ? a->cap * 2 : 8;
			void	*nf = realloc(a->f, (size_t)ncap * sizeof(*a->f));

			if (nf == NULL) {
				a->err = 1;
				return -1;
			}
			a->f = nf;
			a->cap = ncap;
		}
		f = &a->f[a->n++];
		memset(f, 0, sizeof(*f));
		snprintf(f->id, sizeof(f->id), "%s", h->id);
		snprintf(f->severity, sizeof(f->severity), "%s",
		    h->severity ? h->severity : "UNKNOWN");
		snprintf(f->severity_source, sizeof(f->severity_source), "%s",
		    h->severity_source ? h->severity_source : "none");
		f->score = h->score;
	} else {
		/* The enum is ordered UNKNOWN < NONE < ... < CRITICAL. */
		if (cvss_severity_parse(h->severity) >
		    cvss_severity_parse(f->severity)) {
			snprintf(f->severity, sizeof(f->severity), "%s",
			    h->severity);
			snprintf(f->severity_source,
			    sizeof(f->severity_source), "%s",
			    h->severity_source ? h->severity_source : "none");
		}
		if (h->score > f->score)
			f->score = h->score;
	}
	if (f->fixed[0] == '\0' && h->fixed != NULL)
		snprintf(f->fixed, sizeof(f->fixed), "%s", h->fixed);
	if (f->summary[0] == '\0' && h->summary != NULL)
		snprintf(f->summary, sizeof(f->summary), "%s", h->summary);
	vulnmatch_each_id(h, vulnmatch_add_alias_fn, f);
	if (vulnmatch_ix_note(a, h, (int)(f - a->f)) == -1) {
		a->err = 1;
		return -1;
	}
	return 0;
}

/*
 * A finding no advisory matched here rates: take the rating another
 * imported advisory gives one of its ids (osv_alias_severity), if any.
 */
static void
vulnmatch_alias_severity(struct store *st, struct vulnmatch_finding *f)
{
	const char	*p = f->aliases;
	char		 key[256], val[300], *sev, *score, *from, *save;
	size_t		 l;

	snprintf(key, sizeof(key), "sev:%s", f->id);
	while (store_meta_get(st, key, val, sizeof(val)) != STORE_OK) {
		if (*p == '\0')
			return;
		l = strcspn(p, ",");
		snprintf(key, sizeof(key), "sev:%.*s", (int)l, p);
		p += l + (p[l] == ',');
	}
	if ((sev = strtok_r(val, " ", &save)) == NULL ||
	    (score = strtok_r(NULL, " ", &save)) == NULL ||
	    (from = strtok_r(NULL, " ", &save)) == NULL ||
	    cvss_severity_parse(sev) <= CVSS_UNKNOWN)
		return;
	snprintf(f->severity, sizeof(f->severity), "%s", sev);
	f->score = strtod(score, NULL);
	snprintf(f->severity_source, sizeof(f->severity_source),
	    "alias %.100s (%.40s)", from, key + 4);
}

int
vulnmatch_package(struct store *st, const char *eco,
    const struct vulnmatch_pkg *p, struct vulnmatch_finding **out)
{
	struct vulnmatch_acc	 a = { NULL, 0, 0, 0, NULL, 0, 0 };
	int			 i;
	const char		*src = p->source ? p->source : p->name;
	const char		*srcver = p->source_version ? p->source_version :
				    p->version;

	*out = NULL;
	if (vulnmatch_query(st, eco, src, srcver, vulnmatch_acc_cb, &a) == -1)
		goto fail;
	if (strcmp(src, p->name) != 0 && vulnmatch_query(st, eco, p->name,
	    p->version, vulnmatch_acc_cb, &a) == -1)
		goto fail;
	if (a.err)
		goto fail;
	for (i = 0; i < a.n; i++)
		if (cvss_severity_parse(a.f[i].severity) <= CVSS_UNKNOWN)
			vulnmatch_alias_severity(st, &a.f[i]);
	vulnmatch_ix_free(&a);
	*out = a.f;
	return a.n;
 fail:
	vulnmatch_ix_free(&a);
	free(a.f);
	return -1;
}

int
vulnmatch_os_ecosystems(const char *id, const char *ver, char out[][64],
    int max)
{
	char	mm[32];
	size_t	dots = 0, i;
	int	n = 0;

	if (id == NULL || ver == NULL || max < 2)
		return 0;
	if (strcmp(id, "debian") == 0) {
		/* VERSION_ID is the major release: "12". */
		snprintf(out[n++], 64, "Debian:%.*s", (int)strcspn(ver, "."),
		    ver);
	} else if (strcmp(id, "ubuntu") == 0) {
		snprintf(out[n++], 64, "Ubuntu:%s", ver);
		snprintf(out[n++], 64, "Ubuntu:%s:LTS", ver);
	} else if (strcmp(id, "alpine") == 0) {
		/* "3.19.1" -> "v3.19" */
		for (i = 0; ver[i] != '\0' && i < sizeof(mm) - 1; i++) {
			if (ver[i] == '.' && ++dots == 2)
				break;
			mm[i] = ver[i];
		}
		mm[i] = '\0';
		snprintf(out[n++], 64, "Alpine:v%s", mm);
	} else if (strcmp(id, "rocky") == 0) {
		snprintf(out[n++], 64, "Rocky Linux:%.*s",
		    (int)strcspn(ver, "."), ver);
	} else if (strcmp(id, "almalinux") == 0) {
		snprintf(out[n++], 64, "AlmaLinux:%.*s",
		    (int)strcspn(ver, "."), ver);
	} else if (strcmp(id, "opensuse-leap") == 0) {
		snprintf(out[n++], 64, "openSUSE:Leap %s", ver);
	} else if (strcmp(id, "sles") == 0) {
		/* "15.5" -> "15 SP5"; "15" is the release without a pack. */
		i = strcspn(ver, ".");
		if (ver[i] == '.' && ver[i + 1] != '0')
			snprintf(out[n++], 64, "SUSE:Linux Enterprise Server "
			    "%.*s SP%s", (int)i, ver, ver + i + 1);
		else
			snprintf(out[n++], 64, "SUSE:Linux Enterprise Server "
			    "%.*s", (int)i, ver);
	} else if (strcmp(id, "mageia") == 0) {
		snprintf(out[n++], 64, "Mageia:%s", ver);
	}
	return n;
}
