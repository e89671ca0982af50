/*
 * Debian version ordering, as deb-version(7) and dpkg's verrevcmp():
 * [epoch:]upstream[-revision]; '~' sorts before everything, even the
 * end of the string; letters sort before non-letters; digit runs compare
 * numerically.
 */
#include "scan/version/version.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int
dpkg_order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compare [a, aend) with [b, bend). */
static int
dpkg_verrevcmp(const char *a, const char *aend, const char *b,
    const char *bend)
{
	while (a < aend || b < bend) {
		int	first_diff = 0;

		while ((a < aend && !isdigit((unsigned char)*a)) ||
		    (b < bend && !isdigit((unsigned char)*b))) {
			int ac = a < aend ? dpkg_order((unsigned char)*a) : 0;
			int bc = b < bend ? dpkg_order((unsigned char)*b) : 0;

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < aend && *a == '0')
			a++;
		while (b < bend && *b == '0')
			b++;
		while (a < aend && b < bend && isdigit((unsigned char)*a) &&
		    isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < aend && isdigit((unsigned char)*a))
			return 1;
		if (b < bend && isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

struct dpkg_ver {
	unsigned long	 epoch;
	const char	*up, *up_end;
	const char	*rev, *rev_end;
};

static void
dpkg_split(const char *v, struct dpkg_ver *d)
{
	const char	*colon = strchr(v, ':'), *dash, *end;
	char		*e;

	d->epoch = 0;
	if (colon != NULL && colon > v) {
		d->epoch = strtoul(v, &e, 10);
		if (e != colon)
			d->epoch = 0;	/* not an epoch: compare it all */
		else
			v = colon + 1;
	}
	end = v + strlen(v);
	dash = strrchr(v, '-');
	d->up = v;
	if (dash != NULL) {
		d->up_end = dash;
		d->rev = dash + 1;
		d->rev_end = end;
	} else {
		d->up_end = end;
		d->rev = d->rev_end = end;
	}
}

int
version_dpkg_cmp(const char *a, const char *b)
{
	struct dpkg_ver	da, db;
	int		r;

	dpkg_split(a, &da);
	dpkg_split(b, &db);
	if (da.epoch != db.epoch)
		return da.epoch < db.epoch ? -1 : 1;
	if ((r = dpkg_verrevcmp(da.up, da.up_end, db.up, db.up_end)) != 0)
		return r;
	return dpkg_verrevcmp(da.rev, da.rev_end, db.rev, db.rev_end);
}
