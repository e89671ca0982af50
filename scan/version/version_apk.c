/*
 * Alpine apk ordering (apk-tools version.c): dot-separated numbers, an
 * optional letter, suffixes (_alpha < _beta < _pre < _rc < none < _cvs <
 * _svn < _git < _hg < _p), each with an optional number, then -rN.
 * A number with a leading zero after the first component compares as a
 * decimal fraction ("1.01" < "1.1").
 */
#include "scan/version/version.h"

#include <ctype.h>
#include <string.h>

enum apk_tok {
	APK_END = 0,	/* order matters: see apk_version_compare */
	APK_DIGIT,
	APK_LETTER,
	APK_SUFFIX,
	APK_REVISION,
	APK_INVALID
};

static const char *const apk_suffixes[] = {
	"alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"
};
#define APK_SUFFIX_NONE	4

struct apk_cursor {
	const char	*p;
	enum apk_tok	 next;	/* kind of the token p points at */
	int		 first;	/* first numeric component */
};

/* A digit run's value, saturating; *p moves past all of it. */
static long
apk_number(const char **p)
{
	long	v = 0;

	while (isdigit((unsigned char)**p)) {
		if (v < 100000000L)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/* Read one token's value; advance; set the next token's kind. */
static long
apk_token(struct apk_cursor *c, enum apk_tok *kind, int *fraction,
    const char **digits)
{
	long	v = 0;
	size_t	i;

	*kind = c->next;
	*fraction = 0;
	*digits = c->p;
	switch (c->next) {
	case APK_DIGIT:
		if (!c->first && *c->p == '0')
			*fraction = 1;
		c->first = 0;
		v = apk_number(&c->p);
		break;
	case APK_LETTER:
		v = (unsigned char)*c->p++;
		break;
	case APK_SUFFIX:
		c->p++;	/* '_' */
		v = -1;
		for (i = 0; i < sizeof(apk_suffixes) / sizeof(apk_suffixes[0]);
		    i++) {
			size_t n = strlen(apk_suffixes[i]);

			if (n > 0 && strncmp(c->p, apk_suffixes[i], n) == 0 &&
			    !isalpha((unsigned char)c->p[n])) {
				v = (long)i - APK_SUFFIX_NONE;
				c->p += n;
				break;
			}
		}
		if (v == -1 && i == sizeof(apk_suffixes) / sizeof(apk_suffixes[0])) {
			c->next = APK_INVALID;
			return 0;
		}
		/* Suffix number, if any, is its own digit token. */
		break;
	case APK_REVISION:
		c->p += 2;	/* "-r" */
		v = apk_number(&c->p);
		break;
	case APK_END:
	case APK_INVALID:
		return 0;
	}
	/* Classify what follows. */
	if (*c->p == '\0')
		c->next = APK_END;
	else if (*c->p == '.' && isdigit((unsigned char)c->p[1])) {
		c->p++;
		c->next = APK_DIGIT;
	} else if (isdigit((unsigned char)*c->p))
		c->next = APK_DIGIT;
	else if (isalpha((unsigned char)*c->p) && *kind == APK_DIGIT)
		c->next = APK_LETTER;
	else if (*c->p == '_')
		c->next = APK_SUFFIX;
	else if (c->p[0] == '-' && c->p[1] == 'r' &&
	    isdigit((unsigned char)c->p[2]))
		c->next = APK_REVISION;
	else
		c->next = APK_INVALID;
	return v;
}

int
version_apk_cmp(const char *a, const char *b)
{
	struct apk_cursor	 ca = { a, APK_DIGIT, 1 }, cb = { b, APK_DIGIT, 1 };
	enum apk_tok		 ka, kb;
	long			 va, vb;
	int			 fa, fb;
	const char		*da, *db;

	if (!isdigit((unsigned char)*a) || !isdigit((unsigned char)*b))
		return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
	for (;;) {
		va = apk_token(&ca, &ka, &fa, &da);
		vb = apk_token(&cb, &kb, &fb, &db);
		if (ka != kb) {
			int enda = ka == APK_END || ka == APK_INVALID;
			int endb = kb == APK_END || kb == APK_INVALID;

			/*
			 * One side has more. A longer version is greater,
			 * unless what it has more of is a pre-release suffix.
			 * Unparseable rest counts as the end, on both sides
			 * alike, so the order stays antisymmetric.
			 */
			if (enda && endb)
				return 0;
			if (ka == APK_SUFFIX && va < 0)
				return -1;
			if (kb == APK_SUFFIX && vb < 0)
				return 1;
			if (enda)
				return -1;
			if (endb)
				return 1;
			/* e.g. revision vs digit: the digit is greater. */
			return ka < kb ? 1 : -1;
		}
		if (ka == APK_END || ka == APK_INVALID)
			return 0;
		if (ka == APK_DIGIT && (fa || fb)) {
			/* Decimal fractions: "01" < "1", "010" < "02". */
			while (isdigit((unsigned char)*da) &&
			    isdigit((unsigned char)*db) && *da == *db) {
				da++;
				db++;
			}
			if (isdigit((unsigned char)*da) &&
			    isdigit((unsigned char)*db))
				return *da < *db ? -1 : 1;
			if (isdigit((unsigned char)*da))
				return 1;
			if (isdigit((unsigned char)*db))
				return -1;
			continue;
		}
		if (va != vb)
			return va < vb ? -1 : 1;
	}
}
