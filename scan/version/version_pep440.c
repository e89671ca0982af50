/*
 * PEP 440 ordering (PyPI): [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local].
 * Spellings are normalised as the PEP says (alpha->a, beta->b,
 * c/pre/preview->rc, "-N" -> post, separators optional, case folded).
 * Release segments compare numerically with trailing zeros ignored;
 * then a dev-only release < pre-releases < the release < post-releases;
 * .devN sorts before the same version without it. Local labels compare
 * last, a version with one above the same without.
 */
#include "scan/version/version.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define PEP440_MAXREL	16
#define PEP440_INF	(1L << 40)

struct pep440 {
	long		 epoch;
	long		 rel[PEP440_MAXREL];
	int		 nrel;
	long		 pre_kind;	/* -PEP440_INF dev-only, 0 a, 1 b, 2 rc, +INF none */
	long		 pre_num;
	long		 post;		/* -INF none */
	long		 dev;		/* +INF none */
	const char	*local;		/* NULL none */
};

static long
pep440_num(const char **p)
{
	long	v = 0;

	while (isdigit((unsigned char)**p)) {
		if (v < 100000000000L)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static void
pep440_sep(const char **p)
{
	if (**p == '.' || **p == '-' || **p == '_')
		(*p)++;
}

static int
pep440_word(const char **p, const char *w)
{
	size_t n = strlen(w);

	if (strncasecmp(*p, w, n) == 0 && !isalpha((unsigned char)(*p)[n])) {
		*p += n;
		return 1;
	}
	return 0;
}

static void
pep440_parse(const char *s, struct pep440 *v)
{
	const char	*p = s, *save;
	long		 n;
	int		 have_pre = 0, have_post = 0, have_dev = 0;

	memset(v, 0, sizeof(*v));
	while (isspace((unsigned char)*p))
		p++;
	if (*p == 'v' || *p == 'V')
		p++;
	save = p;
	n = pep440_num(&p);
	if (*p == '!') {
		v->epoch = n;
		p++;
	} else
		p = save;
	while (v->nrel < PEP440_MAXREL && isdigit((unsigned char)*p)) {
		v->rel[v->nrel++] = pep440_num(&p);
		if (*p == '.' && isdigit((unsigned char)p[1]))
			p++;
		else
			break;
	}
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;	/* more than PEP440_MAXREL segments */
	/* pre-release */
	save = p;
	pep440_sep(&p);
	if (pep440_word(&p, "alpha") || pep440_word(&p, "a"))
		v->pre_kind = 0, have_pre = 1;
	else if (pep440_word(&p, "beta") || pep440_word(&p, "b"))
		v->pre_kind = 1, have_pre = 1;
	else if (pep440_word(&p, "rc") || pep440_word(&p, "c") ||
	    pep440_word(&p, "preview") || pep440_word(&p, "pre"))
		v->pre_kind = 2, have_pre = 1;
	if (have_pre) {
		pep440_sep(&p);
		v->pre_num = pep440_num(&p);
	} else
		p = save;
	/* post-release */
	save = p;
	if (*p == '-' && isdigit((unsigned char)p[1])) {
		p++;
		v->post = pep440_num(&p);
		have_post = 1;
	} else {
		pep440_sep(&p);
		if (pep440_word(&p, "post") || pep440_word(&p, "rev") ||
		    pep440_word(&p, "r")) {
			pep440_sep(&p);
			v->post = pep440_num(&p);
			have_post = 1;
		} else
			p = save;
	}
	/* dev-release */
	save = p;
	pep440_sep(&p);
	if (pep440_word(&p, "dev")) {
		pep440_sep(&p);
		v->dev = pep440_num(&p);
		have_dev = 1;
	} else
		p = save;
	if (*p == '+')
		v->local = p + 1;
	if (!have_pre)
		v->pre_kind = (!have_post && have_dev) ? -PEP440_INF :
		    PEP440_INF;
	if (!have_post)
		v->post = -PEP440_INF;
	if (!have_dev)
		v->dev = PEP440_INF;
}

/*
 * Local labels: segments split on . - _; numeric segments sort above
 * alphanumeric ones and compare as numbers; more segments sort higher.
 */
static int
pep440_localcmp(const char *a, const char *b)
{
	for (;;) {
		size_t	ea = strcspn(a, ".-_"), eb = strcspn(b, ".-_");
		size_t	i;
		int	na = ea > 0, nb = eb > 0, r;

		if (ea == 0 || eb == 0)
			return ea ? 1 : eb ? -1 : 0;
		for (i = 0; i < ea; i++)
			na &= isdigit((unsigned char)a[i]) != 0;
		for (i = 0; i < eb; i++)
			nb &= isdigit((unsigned char)b[i]) != 0;
		if (na != nb)
			return na ? 1 : -1;
		if (na) {
			const char *x = a, *y = b;
			long vx = pep440_num(&x), vy = pep440_num(&y);

			r = vx < vy ? -1 : vx > vy;
		} else {
			r = strncasecmp(a, b, ea < eb ? ea : eb);
			if (r == 0 && ea != eb)
				r = ea < eb ? -1 : 1;
		}
		if (r != 0)
			return r < 0 ? -1 : 1;
		a += ea + (a[ea] != '\0');
		b += eb + (b[eb] != '\0');
	}
}

static int
pep440_lcmp(long a, long b)
{
	return a < b ? -1 : a > b;
}

int
version_pep440_cmp(const char *a, const char *b)
{
	struct pep440	va, vb;
	int		i, n, r;

	pep440_parse(a, &va);
	pep440_parse(b, &vb);
	if ((r = pep440_lcmp(va.epoch, vb.epoch)) != 0)
		return r;
	n = va.nrel > vb.nrel ? va.nrel : vb.nrel;
	for (i = 0; i < n; i++) {
		long x = i < va.nrel ? va.rel[i] : 0;
		long y = i < vb.nrel ? vb.rel[i] : 0;

		if ((r = pep440_lcmp(x, y)) != 0)
			return r;
	}
	if ((r = pep440_lcmp(va.pre_kind, vb.pre_kind)) != 0 ||
	    (r = pep440_lcmp(va.pre_num, vb.pre_num)) != 0 ||
	    (r = pep440_lcmp(va.post, vb.post)) != 0 ||
	    (r = pep440_lcmp(va.dev, vb.dev)) != 0)
		return r;
	if (va.local == NULL || vb.local == NULL)
		return va.local ? 1 : vb.local ? -1 : 0;
	return pep440_localcmp(va.local, vb.local);
}
