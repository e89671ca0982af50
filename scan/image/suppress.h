/*
 * What takes a finding out of a verdict: the policy's exceptions
 * (scoped, owned, expiring) and OpenVEX statements (a supplier's word
 * that a vulnerability does not affect a product, or no longer does).
 * Pure functions of the policy, the finding and the image.
 */
#ifndef SCAN_IMAGE_SUPPRESS_H
#define SCAN_IMAGE_SUPPRESS_H

#include <stddef.h>
#include <time.h>

struct json_t;
struct policy;
struct vex_set;
struct vex_statement;

enum suppress_kind { SUPPRESS_VULN, SUPPRESS_SECRET, SUPPRESS_MISCONFIG };

/* The image a finding is in. digest may be NULL (not known yet). */
struct suppress_subject {
	const char	*repository;
	const char	*digest;
	time_t		 now;
	/*
	 * The image's own signed VEX attestations (NULL: none), weighed
	 * with the policy's files as if read after them.
	 */
	const struct vex_set *attached;
};

/*
 * The index of the first exception that covers the finding and holds
 * at now, or -1. A vulnerability finding is covered by its id or any
 * alias, a secret or misconfiguration by its rule.
 */
int	suppress_exception(const struct policy *, enum suppress_kind,
	    struct json_t *finding, const struct suppress_subject *);
/*
 * The statement that decides a vulnerability finding (the latest of
 * those naming its id or an alias and a product that is the image or
 * the package), or NULL if none does. Whether it takes the finding out
 * is its status: suppress_vex_clears().
 */
const struct vex_statement *suppress_vex(const struct policy *,
	    struct json_t *finding, const struct suppress_subject *);
int	suppress_vex_clears(const struct vex_statement *);
/* Is a vulnerability finding about advisory id (its id or an alias)? */
int	suppress_names_advisory(struct json_t *finding, const char *id);
/*
 * Mark, in a scan document for a report, each finding an exception or
 * a VEX statement covers, whatever its severity: "exception" (number,
 * owner, reason, expiry) or "vex" (status, justification, statement).
 */
void	suppress_annotate(const struct policy *, struct json_t *scan,
	    const struct suppress_subject *);

#endif
