#include "scan/vulnmatch.h"
#include "store/db.h"
#include "conf/log.h"

#include <jansson.h>
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
