/*
 * Findings x policy -> allow or deny, with reasons a user can act on.
 * A pure function of its inputs: policy changes take effect on the next
 * decision without rescanning anything.
 */
#ifndef SCAN_IMAGE_VERDICT_H
#define SCAN_IMAGE_VERDICT_H

#include <time.h>

#include "conf/policy.h"

struct json_t;

/* How an allowed image's message starts when exceptions let it by. */
#define VERDICT_EXCEPTED	"allowed by policy with exceptions: "

struct verdict {
	int	deny;
	int	blocking_vulns;		/* at/above threshold, not allowlisted */
	int	allowlisted;		/* would block but an exception covers */
	int	vex_cleared;		/* would block but VEX says not affected */
	int	secrets;
	int	misconfigs;		/* that the rule blocks */
	int	base_denied;		/* base image not allowed */
	int	unscanned;		/* unscanned-content findings */
	int	eol_os;			/* the OS is past its end of life */
	int	support_ended;		/* packages past their support */
	int	eol_blocks;		/* ... and the policy blocks them */
	char	message[700];		/* one line for the OCI error message */
	/*
	 * What exceptions and VEX statements took out of the verdict, for
	 * the audit trail ("" none); an allowed image's message too.
	 */
	char	note[500];
};

/*
 * scan is a document as `portcullis scan -f json` prints it, of the
 * image digest (NULL: not known, so digest-scoped exceptions and VEX
 * statements about the image do not apply) in repository. 0, or -1 if
 * it is not one (then v->deny is set: fail closed).
 */
int	verdict_eval(struct json_t *scan, const struct policy *,
	    const char *repository, const char *digest, time_t now,
	    struct verdict *v);
/*
 * The same, weighing attached (NULL: none) too: the OpenVEX statements
 * of the image's own signed attestations.
 */
struct vex_set;
int	verdict_eval_attached(struct json_t *scan, const struct policy *,
	    const char *repository, const char *digest,
	    const struct vex_set *attached, time_t now, struct verdict *v);

#endif
