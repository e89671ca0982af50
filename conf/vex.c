#include "conf/vex.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
vex_time(const char *s, time_t *out)
{
	struct tm	 tm;
	const char	*p;
	long		 off = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && p[3] == ':' &&
	    isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		    ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '-')
			off = -off;
		p += 6;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*out = timegm(&tm) - off;
	return 0;
}

/* An @id of a v0.2 product or subcomponent, or a v0.0 string. */
static const char *
vex_id(json_t *x)
{
	return json_is_string(x) ? json_string_value(x) :
	    json_string_value(json_object_get(x, "@id"));
}

static int
vex_copy(char *dst, size_t len, const char *src)
{
	if (src == NULL)
		src = "";
	if (strlen(src) >= len)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

struct vex_load {
	struct vex_statement		*vex;
	size_t				 nvex;
	struct vex_product	*vexp;
	size_t				 nvexp;
};

static int
vex_add_product(struct vex_load *l, size_t stmt, const char *product,
    const char *sub)
{
	struct vex_product *np;

	if ((np = reallocarray(l->vexp, l->nvexp + 1, sizeof(*np))) == NULL)
		return -1;
	l->vexp = np;
	np += l->nvexp;
	memset(np, 0, sizeof(*np));
	np->stmt = stmt;
	if (vex_copy(np->product, sizeof(np->product), product) == -1 ||
	    vex_copy(np->sub, sizeof(np->sub), sub) == -1)
		return -1;
	l->nvexp++;
	return 0;
}

/* One statement into l (its index: stmt). NULL, or what is wrong. */
static const char *
vex_statement(struct vex_load *l, json_t *s, size_t stmt, time_t doctime,
    const char *source)
{
	static const char *const statuses[] = { "not_affected", "affected",
	    "fixed", "under_investigation", NULL };
	struct vex_statement	 v;
	json_t			*vuln = json_object_get(s, "vulnerability");
	json_t			*prods = json_object_get(s, "products");
	json_t			*x, *sub, *a;
	const char		*status = json_string_value(json_object_get(s,
				    "status"));
	const char		*name = json_is_string(vuln) ?
				    json_string_value(vuln) :
				    json_string_value(json_object_get(vuln,
				    "name"));
	const char		*notes;
	size_t			 i, j, n0 = l->nvexp;
	int			 k;

	memset(&v, 0, sizeof(v));
	if (name == NULL || vex_copy(v.vuln, sizeof(v.vuln), name) == -1)
		return "a statement without a vulnerability name";
	for (k = 0; status != NULL && statuses[k] != NULL; k++)
		if (strcmp(status, statuses[k]) == 0)
			break;
	if (status == NULL || statuses[k] == NULL)
		return "a status other than not_affected, affected, fixed, "
		    "under_investigation";
	snprintf(v.status, sizeof(v.status), "%s", status);
	/* The spec: not_affected MUST say why. */
	if (vex_copy(v.justification, sizeof(v.justification),
	    json_string_value(json_object_get(s, "justification"))) == -1)
		return "a justification too long";
	notes = json_string_value(json_object_get(s, "impact_statement"));
	if (notes == NULL)
		notes = json_string_value(json_object_get(s, "status_notes"));
	snprintf(v.impact, sizeof(v.impact), "%s", notes ? notes : "");
	if (strcmp(status, "not_affected") == 0 && v.justification[0] ==
	    '\0' && json_string_value(json_object_get(s,
	    "impact_statement")) == NULL)
		return "a not_affected statement without justification or "
		    "impact_statement";
	json_array_foreach(json_object_get(vuln, "aliases"), i, a) {
		size_t o = strlen(v.aliases);

		if (!json_is_string(a) || o + json_string_length(a) + 2 >=
		    sizeof(v.aliases))
			continue;
		snprintf(v.aliases + o, sizeof(v.aliases) - o, "%s%s",
		    o ? "," : "", json_string_value(a));
	}
	v.timestamp = doctime;
	if (json_object_get(s, "timestamp") != NULL &&
	    vex_time(json_string_value(json_object_get(s, "timestamp")),
	    &v.timestamp) == -1)
		return "a statement timestamp that is not RFC 3339";
	snprintf(v.source, sizeof(v.source), "%s#%zu", source, stmt);
	if (json_array_size(prods) == 0)
		return "a statement without products";
	json_array_foreach(prods, i, x) {
		json_t *subs = json_object_get(x, "subcomponents");

		if (vex_id(x) == NULL)
			return "a product without @id";
		/* v0.0.x listed subcomponents next to the products. */
		if (subs == NULL)
			subs = json_object_get(s, "subcomponents");
		if (json_array_size(subs) == 0 &&
		    vex_add_product(l, l->nvex, vex_id(x), NULL) == -1)
			return "a product id too long";
		json_array_foreach(subs, j, sub) {
			if (vex_id(sub) == NULL)
				return "a subcomponent without @id";
			if (vex_add_product(l, l->nvex, vex_id(x),
			    vex_id(sub)) == -1)
				return "a product id too long";
		}
	}
	if (l->nvexp == n0)
		return "a statement without products";
	{
		struct vex_statement *nv;

		if ((nv = reallocarray(l->vex, l->nvex + 1,
		    sizeof(*nv))) == NULL)
			return "out of memory";
		l->vex = nv;
		l->vex[l->nvex++] = v;
	}
	return NULL;
}

int
vex_load(struct vex_set *p, const char *path, char *err, size_t errlen)
{
	json_error_t	 je;
	json_t		*doc;
	int		 rv;

	if ((doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		snprintf(err, errlen, "vex %s: %s (line %d)", path, je.text,
		    je.line);
		return -1;
	}
	rv = vex_load_doc(p, doc, path, err, errlen);
	json_decref(doc);
	return rv;
}

int
vex_load_doc(struct vex_set *p, json_t *doc, const char *path, char *err,
    size_t errlen)
{
	struct vex_load	 l = { NULL, 0, NULL, 0 };
	json_t		*s;
	const char	*ctx, *why = NULL;
	time_t		 doctime = 0;
	size_t		 i, base = p->n;
	int		 rv = -1;

	ctx = json_string_value(json_object_get(doc, "@context"));
	if (ctx == NULL || strncmp(ctx, "https://openvex.dev/ns", 22) != 0) {
		snprintf(err, errlen, "vex %s: not an OpenVEX document (its "
		    "@context is not https://openvex.dev/ns/...)", path);
		goto done;
	}
	if (vex_time(json_string_value(json_object_get(doc, "timestamp")),
	    &doctime) == -1) {
		snprintf(err, errlen, "vex %s: the document timestamp is "
		    "missing or not RFC 3339", path);
		goto done;
	}
	if (!json_is_array(json_object_get(doc, "statements"))) {
		snprintf(err, errlen, "vex %s: no statements list", path);
		goto done;
	}
	json_array_foreach(json_object_get(doc, "statements"), i, s) {
		if (base + l.nvex >= VEX_MAX)
			why = "more statements than the policy keeps";
		else
			why = vex_statement(&l, s, i, doctime, path);
		if (why != NULL) {
			snprintf(err, errlen, "vex %s: statement %zu: %s", path,
			    i, why);
			goto done;
		}
	}
	/* Rows point at the policy's statements, after those already read. */
	for (i = 0; i < l.nvexp; i++)
		l.vexp[i].stmt += base;
	if (l.nvex > 0) {
		struct vex_statement		*nv;
		struct vex_product	*np;

		if ((nv = reallocarray(p->st, p->n + l.nvex,
		    sizeof(*nv))) == NULL)
			goto oom;
		p->st = nv;
		if ((np = reallocarray(p->prod, p->nprod + l.nvexp,
		    sizeof(*np))) == NULL)
			goto oom;
		p->prod = np;
		memcpy(p->st + p->n, l.vex, l.nvex * sizeof(*nv));
		memcpy(p->prod + p->nprod, l.vexp, l.nvexp * sizeof(*np));
		p->n += l.nvex;
		p->nprod += l.nvexp;
	}
	rv = 0;
	goto done;
 oom:
	snprintf(err, errlen, "vex %s: out of memory", path);
 done:
	free(l.vex);
	free(l.vexp);
	return rv;
}

void
vex_clear(struct vex_set *v)
{
	free(v->st);
	free(v->prod);
	memset(v, 0, sizeof(*v));
}

int
vex_copy_set(struct vex_set *dst, const struct vex_set *src)
{
	memset(dst, 0, sizeof(*dst));
	if ((src->n > 0 && (dst->st = reallocarray(NULL, src->n,
	    sizeof(*dst->st))) == NULL) || (src->nprod > 0 &&
	    (dst->prod = reallocarray(NULL, src->nprod,
	    sizeof(*dst->prod))) == NULL)) {
		vex_clear(dst);
		return -1;
	}
	if (src->n > 0)
		memcpy(dst->st, src->st, src->n * sizeof(*dst->st));
	if (src->nprod > 0)
		memcpy(dst->prod, src->prod, src->nprod * sizeof(*dst->prod));
	dst->n = src->n;
	dst->nprod = src->nprod;
	return 0;
}
