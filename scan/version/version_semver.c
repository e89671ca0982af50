/*
 * Semantic Versioning 2.0.0 precedence (npm, Go modules, crates.io):
 * MAJOR.MINOR.PATCH[-pre][+build]. Build metadata is ignored; a
 * pre-release sorts before its release; pre-release identifiers compare
 * numerically when both are numeric, numeric before alphanumeric, and a
 * shorter list first when all else is equal. A leading "v" (Go) is
 * skipped; missing MINOR/PATCH count as 0.
 */
#include "scan/version/version.h"

#include <ctype.h>
#include <string.h>

static size_t
semver_digits(const char *p)
{
	size_t n = 0;

	while (isdigit((unsigned char)p[n]))
		n++;
	return n;
}

int
version_semver_cmp(const char *a, const char *b)
{
	int	i, r;
	size_t	la, lb;

	if (*a == 'v')
		a++;
	if (*b == 'v')
		b++;
	for (i = 0; i < 3; i++) {
		la = semver_digits(a);
		lb = semver_digits(b);
		/* A missing component counts as 0. */
		if ((r = version_numcmp(la ? a : "0", la ? la : 1,
		    lb ? b : "0", lb ? lb : 1)) != 0)
			return r;
		a += la;
		b += lb;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	/* Skip anything odd before the pre-release or build part. */
	a += strcspn(a, "-+");
	b += strcspn(b, "-+");
	if (*a != '-' || *b != '-') {
		if (*a == '-')
			return -1;	/* pre-release < release */
		if (*b == '-')
			return 1;
		return 0;
	}
	a++;
	b++;
	for (;;) {
		size_t	ea = strcspn(a, ".+"), eb = strcspn(b, ".+");
		int	na = ea > 0 && semver_digits(a) == ea;
		int	nb = eb > 0 && semver_digits(b) == eb;

		if (ea == 0 && eb == 0)
			return 0;
		if (ea == 0)
			return -1;	/* fewer identifiers */
		if (eb == 0)
			return 1;
		if (na && nb)
			r = version_numcmp(a, ea, b, eb);
		else if (na || nb)
			r = na ? -1 : 1;
		else {
			r = strncmp(a, b, ea < eb ? ea : eb);
			if (r == 0 && ea != eb)
				r = ea < eb ? -1 : 1;
			r = r < 0 ? -1 : r > 0;
		}
		if (r != 0)
			return r;
		a += ea;
		b += eb;
		if (*a == '.')
			a++;
		else
			a += strlen(a);
		if (*b == '.')
			b++;
		else
			b += strlen(b);
	}
}
