/*
 * RubyGems ordering, as Gem::Version#<=>: "-" means ".pre.", segments
 * split at '.' and at digit/letter boundaries, numeric segments compare
 * as numbers, a letter segment (a pre-release) sorts below any number,
 * letter segments compare as strings, missing segments count as 0.
 */
#include "scan/version/version.h"

#include <ctype.h>
#include <string.h>

struct gem_seg {
	const char	*s;
	size_t		 len;
	int		 num;
};

/* Next segment of *p, or 0 at the end. "-" reads as ".pre.". */
static int
gem_next(const char **p, struct gem_seg *g, int *pending_pre)
{
	while (**p == '.' || (**p == '-' && !*pending_pre)) {
		if (**p == '-') {
			*pending_pre = 1;
			(*p)++;
			g->s = "pre";
			g->len = 3;
			g->num = 0;
			return 1;
		}
		(*p)++;
	}
	*pending_pre = 0;
	if (**p == '\0')
		return 0;
	g->s = *p;
	g->num = isdigit((unsigned char)**p) != 0;
	while (**p != '\0' && **p != '.' && **p != '-' &&
	    (isdigit((unsigned char)**p) != 0) == g->num)
		(*p)++;
	g->len = (size_t)(*p - g->s);
	return 1;
}

/* A missing segment (NULL) reads as "0". */
static int
gem_numcmp(const struct gem_seg *a, const struct gem_seg *b)
{
	return version_numcmp(a ? a->s : "0", a ? a->len : 1,
	    b ? b->s : "0", b ? b->len : 1);
}

int
version_gem_cmp(const char *a, const char *b)
{
	struct gem_seg	sa, sb;
	int		ha, hb, pa = 0, pb = 0, r;

	for (;;) {
		ha = gem_next(&a, &sa, &pa);
		hb = gem_next(&b, &sb, &pb);
		if (!ha && !hb)
			return 0;
		/* A missing segment is 0. */
		if (!ha) {
			if (!sb.num)
				return 1;	/* 0 > pre-release text */
			if ((r = gem_numcmp(NULL, &sb)) != 0)
				return r;
			continue;
		}
		if (!hb) {
			if (!sa.num)
				return -1;
			if ((r = gem_numcmp(&sa, NULL)) != 0)
				return r;
			continue;
		}
		if (sa.num && sb.num)
			r = gem_numcmp(&sa, &sb);
		else if (sa.num != sb.num)
			r = sa.num ? 1 : -1;
		else {
			r = strncmp(sa.s, sb.s, sa.len < sb.len ? sa.len :
			    sb.len);
			if (r == 0 && sa.len != sb.len)
				r = sa.len < sb.len ? -1 : 1;
			r = r < 0 ? -1 : r > 0;
		}
		if (r != 0)
			return r;
	}
}
