/*
 * The org-wide image policy: the model and its parsing only (deciding is
 * scan/verdict.c). One default rule, per-repository overrides chosen by
 * glob (first match wins), and an allowlist of advisory ids with expiry.
 */
#ifndef CONF_POLICY_H
#define CONF_POLICY_H

#include <stddef.h>
#include <time.h>

#include "conf/vex.h"

struct yaml_document_s;
struct yaml_node_s;

enum policy_unknown {
	POLICY_UNKNOWN_ALLOW = 0,	/* never scanned: let it through */
	POLICY_UNKNOWN_BLOCK,		/* never scanned: refuse */
	POLICY_UNKNOWN_SCAN		/* never scanned: fetch, scan, decide */
};

enum policy_eol {
	POLICY_EOL_WARN = 0,	/* reported, never a reason to deny */
	POLICY_EOL_BLOCK,
	POLICY_EOL_OFF		/* not reported as a warning either */
};

struct policy_rule {
	char			match[256];	/* repository glob; "" default */
	int			severity;	/* block at/above: 0 off .. 4 critical */
	/* What a finding without a known severity counts as: 0 .. 4. */
	int			unknown_severity;
	/*
	 * A feed not refreshed for max_data_age seconds (0: never stale)
	 * is stale: pulls are refused (stale_block) or let by, logged.
	 */
	unsigned long long	max_data_age;
	int			stale_block;
	/* An OS past its end of life, packages past their support. */
	enum policy_eol		eol;
	int			fixable_only;	/* only findings with a fix count */
	int			block_secrets;
	/* Misconfiguration rules that block: bit i is policy_misconfigs[i]. */
	unsigned		misconfig;
	enum policy_unknown	unknown;
	/*
	 * Allowed base images (globs over the image's
	 * org.opencontainers.image.base.name annotation or label). Empty:
	 * any base. Otherwise an image must name a base that matches.
	 */
	char			bases[8][256];
	int			nbases;
	/* Pulls need a cosign signature by signature_key. */
	int			require_signature;
	/*
	 * Content the scan did not read to its end (a limit, an unreadable
	 * archive, a store error) blocks: "unscanned-content" findings.
	 */
	int			block_incomplete;
	/*
	 * Where the policy is enforced: pulls always; with enforce_push a
	 * manifest PUT is judged before the registry sees it, and an image
	 * that fails never lands. push_accept_late: a push whose layers'
	 * scans outlast scanner.wait goes through, judged at pull instead
	 * of refused (push_timeout: accept-and-gate-pull).
	 */
	int			enforce_push;
	int			push_accept_late;
};

/*
 * An exception: findings it covers do not count against the policy.
 * Every field but owner, reason and the dates narrows it; an empty one
 * matches anything. `allowlist:` entries are exceptions with an id only.
 */
struct policy_exception {
	/* Advisory id or alias (CVE-...), or a secret or misconfig rule. */
	char	id[128];
	char	repository[256];	/* repository glob */
	char	digest[80];		/* manifest digest */
	char	package[128];		/* package name */
	/* "<op><version>, ..." in the finding's own ecosystem's order. */
	char	versions[128];
	char	path[256];		/* glob over every path of the finding */
	char	owner[128];
	char	reason[200];
	time_t	created;		/* 0: not said */
	time_t	expires;		/* 0: never */
	int	from_allowlist;
};

/* Decisions name at most this many exceptions and statements apart. */
#define POLICY_EXC_MAX		1024

#define POLICY_KEY_MAX	1024	/* signature_key's path */
/* At most this many keys sign the VEX attestations read (vex_keys). */
#define POLICY_VEX_KEYS	8

struct policy {
	struct policy_rule	 def;
	struct policy_rule	*over;
	size_t			 nover;
	struct policy_exception	*exc;
	size_t			 nexc;
	struct vex_set		 vex;		/* OpenVEX statements read */
	char			 signature_key[POLICY_KEY_MAX];	/* PEM public key file */
	/*
	 * PEM public keys whose signed OpenVEX attestations, attached to
	 * an image, count as vex files do for that image. None: attached
	 * VEX is not read.
	 */
	char			 vex_keys[POLICY_VEX_KEYS][POLICY_KEY_MAX];
	int			 nvex_keys;
	/*
	 * Seconds a look for an image's attestations is trusted where it
	 * matters (a refusal, or attested statements that clear): a new
	 * or withdrawn one pushed past the proxy is seen after this.
	 */
	unsigned long long	 vex_recheck;
};
/* Is path one of p's vex_keys? */
int		policy_vex_key(const struct policy *, const char *path);

/* The built-in default: block CRITICAL, secrets; allow unknown images. */
void		policy_default(struct policy *);
void		policy_clear(struct policy *);
/* Parse the `policy:` mapping over the defaults. 0 or -1 (err set). */
int		policy_parse(struct yaml_document_s *, struct yaml_node_s *,
		    struct policy *, const char *name, char *err, size_t errlen);
/* Does name (a declared base, or a base image's repository) match one of
 * rule's allowed_bases globs? 1 or 0; NULL never does. */
int		policy_base_allowed(const struct policy_rule *, const char *name);
/* The rule for a repository: first matching override, else default. */
const struct policy_rule *policy_rule_for(const struct policy *,
		    const char *repository);
/* dst = a copy of src, owning its own arrays. 0 or -1 (dst cleared). */
int		policy_copy(struct policy *dst, const struct policy *src);
/*
 * 1 if an exception that still held at from no longer holds at to
 * (it expired in between), else 0.
 */
int		policy_expired_between(const struct policy *, time_t from,
		    time_t to);
/* Does exception e hold at now (not expired)? */
int		policy_exception_live(const struct policy_exception *,
		    time_t now);
/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" -> time (a date: its last
 * second). 0 or -1. */
int		policy_date(const char *, time_t *);
/* "YYYY-MM-DD" of t (UTC) into buf, or "" for 0 (not said). */
void		policy_day(time_t, char *buf, size_t len);
/* "critical" -> 4 ... "low" -> 1, "none" -> 0; -1 if unknown. */
int		policy_severity_rank(const char *);
/* The misconfiguration rules a policy may name, NULL-terminated. */
extern const char *const policy_misconfigs[];
/* Does rule r block misconfiguration rule (an id above)? */
int		policy_misconfig_blocks(const struct policy_rule *,
		    const char *rule);

#endif
