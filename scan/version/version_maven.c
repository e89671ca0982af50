/*
 * Maven ordering, as Maven's ComparableVersion: the version is split at
 * '.', '-' and digit/letter transitions into a tree of lists ('-' and a
 * transition open a sub-list); integers compare numerically, known
 * qualifiers rank alpha < beta < milestone < rc = cr < snapshot <
 * "" = ga = final = release < sp, unknown qualifiers after sp
 * alphabetically; trailing "null" items (0, "", empty lists) are
 * dropped before comparing.
 */
#include "scan/version/version.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MVN_MAX_NODES	128
#define MVN_MAX_KIDS	32

enum mvn_kind { MVN_INT, MVN_STR, MVN_LIST };

struct mvn_node {
	enum mvn_kind	 kind;
	const char	*s;		/* digits or qualifier text, not NUL-ended */
	size_t		 len;
	int		 followed;	/* qualifier directly followed by a digit */
	int		 kids[MVN_MAX_KIDS];
	int		 nkids;
};

struct mvn_tree {
	struct mvn_node	 n[MVN_MAX_NODES];
	int		 count;
	char		 lower[256];
};

static const char *const mvn_qualifiers[] = {
	"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"
};

static int
mvn_new(struct mvn_tree *t, enum mvn_kind k, const char *s, size_t len)
{
	if (t->count == MVN_MAX_NODES)
		return -1;
	memset(&t->n[t->count], 0, sizeof(t->n[0]));
	t->n[t->count].kind = k;
	t->n[t->count].s = s;
	t->n[t->count].len = len;
	return t->count++;
}

static void
mvn_add(struct mvn_tree *t, int list, int item)
{
	if (item >= 0 && t->n[list].nkids < MVN_MAX_KIDS)
		t->n[list].kids[t->n[list].nkids++] = item;
}

static int
mvn_item(struct mvn_tree *t, int digit, const char *s, size_t len)
{
	return mvn_new(t, digit ? MVN_INT : MVN_STR, s, len);
}

/* Skip leading zeros; an all-zero run is the integer 0. */
static int
mvn_int_is_zero(const struct mvn_node *n)
{
	size_t i;

	for (i = 0; i < n->len; i++)
		if (n->s[i] != '0')
			return 0;
	return 1;
}

/*
 * Rank of a qualifier as ComparableVersion's comparableQualifier():
 * known ones by index, unknown ones "7-<text>" (after "sp").
 * Writes a comparable string into buf.
 */
static void
mvn_rank(const struct mvn_node *n, int followed_by_digit, char *buf,
    size_t len)
{
	char	q[128];
	size_t	i, l = n->len < sizeof(q) - 1 ? n->len : sizeof(q) - 1;

	memcpy(q, n->s, l);
	q[l] = '\0';
	if (followed_by_digit && l == 1) {
		if (q[0] == 'a')
			snprintf(q, sizeof(q), "alpha");
		else if (q[0] == 'b')
			snprintf(q, sizeof(q), "beta");
		else if (q[0] == 'm')
			snprintf(q, sizeof(q), "milestone");
	}
	if (!strcmp(q, "ga") || !strcmp(q, "final") || !strcmp(q, "release"))
		q[0] = '\0';
	else if (!strcmp(q, "cr"))
		snprintf(q, sizeof(q), "rc");
	for (i = 0; i < sizeof(mvn_qualifiers) / sizeof(mvn_qualifiers[0]);
	    i++)
		if (strcmp(q, mvn_qualifiers[i]) == 0) {
			snprintf(buf, len, "%zu", i);
			return;
		}
	snprintf(buf, len, "%zu-%s", sizeof(mvn_qualifiers) /
	    sizeof(mvn_qualifiers[0]), q);
}

static int
mvn_is_null(struct mvn_tree *t, int i)
{
	struct mvn_node	*n = &t->n[i];
	char		 r[160];

	switch (n->kind) {
	case MVN_INT:
		return mvn_int_is_zero(n);
	case MVN_STR:
		mvn_rank(n, n->followed, r, sizeof(r));
		return strcmp(r, "5") == 0;
	case MVN_LIST:
		return n->nkids == 0;
	}
	return 0;
}

/* ListItem.normalize(): drop trailing nulls, stopping at a non-list. */
static void
mvn_normalize(struct mvn_tree *t, int list)
{
	struct mvn_node	*n = &t->n[list];
	int		 i;

	for (i = n->nkids - 1; i >= 0; i--) {
		int k = n->kids[i];

		if (mvn_is_null(t, k)) {
			memmove(&n->kids[i], &n->kids[i + 1],
			    (size_t)(n->nkids - i - 1) * sizeof(int));
			n->nkids--;
		} else if (t->n[k].kind != MVN_LIST)
			break;
	}
}

static int
mvn_parse(const char *v, struct mvn_tree *t)
{
	int	stack[MVN_MAX_NODES], sp = 0, list, digit = 0, it;
	size_t	i, start = 0, len;
	char	*s = t->lower;

	t->count = 0;
	len = strlen(v);
	if (len >= sizeof(t->lower))
		len = sizeof(t->lower) - 1;
	for (i = 0; i < len; i++)
		s[i] = (char)tolower((unsigned char)v[i]);
	s[len] = '\0';
	list = mvn_new(t, MVN_LIST, NULL, 0);
	stack[sp++] = list;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.' || c == '-') {
			if (i == start)
				it = mvn_new(t, MVN_INT, "0", 1);
			else
				it = mvn_item(t, digit, s + start, i - start);
			mvn_add(t, list, it);
			start = i + 1;
			if (c == '-') {
				int nl = mvn_new(t, MVN_LIST, NULL, 0);

				if (nl < 0)
					break;
				mvn_add(t, list, nl);
				list = nl;
				stack[sp++] = list;
			}
		} else if (isdigit((unsigned char)c)) {
			if (!digit && i > start) {
				/* "a1": a qualifier followed by a digit */
				it = mvn_new(t, MVN_STR, s + start, i - start);
				if (it >= 0)
					t->n[it].followed = 1;
				mvn_add(t, list, it);
				start = i;
				it = mvn_new(t, MVN_LIST, NULL, 0);
				if (it < 0)
					break;
				mvn_add(t, list, it);
				list = it;
				stack[sp++] = list;
			}
			digit = 1;
		} else {
			if (digit && i > start) {
				mvn_add(t, list, mvn_item(t, 1, s + start,
				    i - start));
				start = i;
				it = mvn_new(t, MVN_LIST, NULL, 0);
				if (it < 0)
					break;
				mvn_add(t, list, it);
				list = it;
				stack[sp++] = list;
			}
			digit = 0;
		}
	}
	if (len > start)
		mvn_add(t, list, mvn_item(t, digit, s + start, len - start));
	while (sp > 0)
		mvn_normalize(t, stack[--sp]);
	return 0;
}

static int mvn_cmp(struct mvn_tree *, int, struct mvn_tree *, int);

/* Compare item a (never null) with "no item". */
static int
mvn_cmp_null(struct mvn_tree *t, int a)
{
	struct mvn_node	*n = &t->n[a];
	char		 r[160];

	switch (n->kind) {
	case MVN_INT:
		return mvn_int_is_zero(n) ? 0 : 1;
	case MVN_STR:
		mvn_rank(n, n->followed, r, sizeof(r));
		return strcmp(r, "5") < 0 ? -1 : strcmp(r, "5") > 0;
	case MVN_LIST:
		return n->nkids == 0 ? 0 : mvn_cmp_null(t, n->kids[0]);
	}
	return 0;
}

static int
mvn_intcmp(const struct mvn_node *a, const struct mvn_node *b)
{
	return version_numcmp(a->s, a->len, b->s, b->len);
}

static int
mvn_cmp(struct mvn_tree *ta, int a, struct mvn_tree *tb, int b)
{
	struct mvn_node	*x = &ta->n[a], *y = &tb->n[b];
	char		 rx[160], ry[160];
	int		 i, r;

	switch (x->kind) {
	case MVN_INT:
		if (y->kind == MVN_INT)
			return mvn_intcmp(x, y);
		return 1;		/* int > string, int > list */
	case MVN_STR:
		if (y->kind == MVN_INT || y->kind == MVN_LIST)
			return -1;
		mvn_rank(x, x->followed, rx, sizeof(rx));
		mvn_rank(y, y->followed, ry, sizeof(ry));
		r = strcmp(rx, ry);
		return r < 0 ? -1 : r > 0;
	case MVN_LIST:
		if (y->kind == MVN_INT)
			return -1;
		if (y->kind == MVN_STR)
			return 1;
		for (i = 0; i < x->nkids || i < y->nkids; i++) {
			if (i >= x->nkids)
				r = -mvn_cmp_null(tb, y->kids[i]);
			else if (i >= y->nkids)
				r = mvn_cmp_null(ta, x->kids[i]);
			else
				r = mvn_cmp(ta, x->kids[i], tb, y->kids[i]);
			if (r != 0)
				return r;
		}
		return 0;
	}
	return 0;
}

int
version_maven_cmp(const char *a, const char *b)
{
	/* Large: keep them off the stack, one pair per thread. */
	static __thread struct mvn_tree	ta, tb;

	mvn_parse(a, &ta);
	mvn_parse(b, &tb);
	return mvn_cmp(&ta, 0, &tb, 0);
}
