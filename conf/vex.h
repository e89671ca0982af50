/*
 * OpenVEX documents (https://github.com/openvex/spec, v0.2.0 and the
 * v0.0.x shape) read into the policy's statements: which products a
 * vulnerability does not affect, or affects no more, and why.
 * Matching them against findings is scan/image/suppress.c's.
 */
#ifndef CONF_VEX_H
#define CONF_VEX_H

#include <stddef.h>
#include <time.h>

/* A policy reads at most this many statements. */
#define VEX_MAX		4096

/*
 * One OpenVEX statement: for the
 * vulnerability (name or an alias), status, and why. Its products are
 * struct vex_product rows pointing back at it.
 */
struct vex_statement {
	char	vuln[128];
	char	aliases[384];		/* comma-separated */
	char	status[24];		/* not_affected, fixed, affected, ... */
	char	justification[64];
	char	impact[200];		/* impact_statement, status_notes */
	char	source[256];		/* "file#n" */
	time_t	timestamp;
};

/*
 * A product of a statement: an image (purl pkg:oci/...@sha256:..., or
 * a digest) or a package purl; sub, when set, a package purl within it.
 */
struct vex_product {
	size_t	stmt;
	char	product[384];
	char	sub[384];
};

/* Every statement read, and their products. */
struct vex_set {
	struct vex_statement	*st;		/* the latest that matches wins */
	size_t			 n;
	struct vex_product	*prod;
	size_t			 nprod;
};

/*
 * Add every statement of the document at path to the set. A document that is
 * not OpenVEX, or a statement the spec forbids (a not_affected without
 * justification or impact statement, no products, an unknown status),
 * is refused whole. 0, or -1 (err says where and why; the set unchanged).
 */
int	vex_load(struct vex_set *, const char *path, char *err, size_t errlen);
struct json_t;
/* The same for a document already parsed; source names it in statements. */
int	vex_load_doc(struct vex_set *, struct json_t *doc, const char *source,
	    char *err, size_t errlen);
/* Free a set's arrays, leaving it empty. */
void	vex_clear(struct vex_set *);
/* dst = a copy of src with arrays of its own. 0 or -1 (dst empty). */
int	vex_copy_set(struct vex_set *dst, const struct vex_set *src);
/* RFC 3339 (fractions, Z or +hh:mm) -> time. 0 or -1. */
int	vex_time(const char *, time_t *);

#endif
