#ifndef SCAN_IMAGE_MATCHMEMO_H
#define SCAN_IMAGE_MATCHMEMO_H

/*
 * What a package matched, remembered for one data version: images share
 * their bases, so a sweep that re-matches a registry's worth of images
 * after new advisory data asks the same (ecosystem, package, version)
 * thousands of times, and each answer costs reading and parsing every
 * advisory record of the package. Bounded in bytes; past the bound,
 * answers are simply not kept. One thread (the event loop's).
 */
#include "scan/advisory/vulnmatch.h"

#include <stddef.h>

struct matchmemo;

struct matchmemo *matchmemo_new(size_t max_bytes);
void		 matchmemo_free(struct matchmemo *);
/*
 * The findings of eco/p under data version ver, copied into *out (the
 * caller frees): their count, or -1 when not known (a memo of another
 * version is emptied first).
 */
int		 matchmemo_get(struct matchmemo *, const char *ver,
		    const char *eco, const struct vulnmatch_pkg *p,
		    struct vulnmatch_finding **out);
/* Remember n findings of eco/p under ver (copied), if there is room. */
void		 matchmemo_put(struct matchmemo *, const char *ver,
		    const char *eco, const struct vulnmatch_pkg *p,
		    const struct vulnmatch_finding *f, int n);

#endif
