/*
 * RPM ordering, as rpmvercmp(): [epoch:]version[-release]; alternating
 * digit and letter segments, separators ignored, '~' sorts before
 * everything (pre-release), '^' after the base but before anything
 * else appended (snapshot).
 */
#include "scan/version/version.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int
rpm_alnum(int c)
{
	return isalnum(c) || c == '~' || c == '^';
}

static int
rpm_segcmp(const char *one, const char *oend, const char *two,
    const char *tend)
{
	while (one < oend || two < tend) {
		const char	*s1, *s2;
		size_t		 l1, l2;
		int		 isnum, r;

		while (one < oend && !rpm_alnum((unsigned char)*one))
			one++;
		while (two < tend && !rpm_alnum((unsigned char)*two))
			two++;
		if ((one < oend && *one == '~') || (two < tend && *two == '~')) {
			if (one >= oend || *one != '~')
				return 1;
			if (two >= tend || *two != '~')
				return -1;
			one++;
			two++;
			continue;
		}
		if ((one < oend && *one == '^') || (two < tend && *two == '^')) {
			if (one >= oend)
				return -1;
			if (two >= tend)
				return 1;
			if (*one != '^')
				return 1;
			if (*two != '^')
				return -1;
			one++;
			two++;
			continue;
		}
		if (!(one < oend && two < tend))
			break;
		s1 = one;
		s2 = two;
		isnum = isdigit((unsigned char)*s1);
		if (isnum) {
			while (one < oend && isdigit((unsigned char)*one))
				one++;
			while (two < tend && isdigit((unsigned char)*two))
				two++;
		} else {
			while (one < oend && isalpha((unsigned char)*one))
				one++;
			while (two < tend && isalpha((unsigned char)*two))
				two++;
		}
		if (two == s2)
			return isnum ? 1 : -1;	/* different segment types */
		if (isnum) {
			while (s1 < one && *s1 == '0')
				s1++;
			while (s2 < two && *s2 == '0')
				s2++;
			l1 = (size_t)(one - s1);
			l2 = (size_t)(two - s2);
			if (l1 != l2)
				return l1 < l2 ? -1 : 1;
		} else {
			l1 = (size_t)(one - s1);
			l2 = (size_t)(two - s2);
		}
		r = strncmp(s1, s2, l1 < l2 ? l1 : l2);
		if (r != 0)
			return r < 0 ? -1 : 1;
		if (l1 != l2)
			return l1 < l2 ? -1 : 1;
	}
	if (one >= oend && two >= tend)
		return 0;
	return one < oend ? 1 : -1;
}

int
version_rpm_cmp(const char *a, const char *b)
{
	const char	*ca = strchr(a, ':'), *cb = strchr(b, ':');
	const char	*da, *db, *ea, *eb;
	unsigned long	 epa = 0, epb = 0;
	int		 r;

	if (ca != NULL) {
		epa = strtoul(a, NULL, 10);
		a = ca + 1;
	}
	if (cb != NULL) {
		epb = strtoul(b, NULL, 10);
		b = cb + 1;
	}
	if (epa != epb)
		return epa < epb ? -1 : 1;
	ea = a + strlen(a);
	eb = b + strlen(b);
	da = strrchr(a, '-');
	db = strrchr(b, '-');
	if ((r = rpm_segcmp(a, da ? da : ea, b, db ? db : eb)) != 0)
		return r;
	/* A missing release matches any release. */
	if (da == NULL || db == NULL)
		return 0;
	return rpm_segcmp(da + 1, ea, db + 1, eb);
}
