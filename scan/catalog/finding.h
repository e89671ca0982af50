/*
 * Non-package findings: secrets, image misconfigurations, and limits a
 * scan ran into (a limit is reported, never a silent pass).
 */
#ifndef SCAN_CATALOG_FINDING_H
#define SCAN_CATALOG_FINDING_H

#include <stddef.h>

enum finding_kind {
	FINDING_SECRET = 0,
	FINDING_MISCONFIG,
	FINDING_LIMIT,
	FINDING_ERROR,
	/*
	 * Stored in cached layer results: append, never renumber.
	 * A secret shown, never a reason to refuse: a documented example
	 * key, or one inside a file an OS package installed (distribution
	 * content, such as gnutls' built-in test keys).
	 */
	FINDING_NOTE
};

struct finding {
	enum finding_kind	 kind;
	char			 rule[48];	/* "aws-access-key-id", "root-user" */
	char			 path[256];	/* file in the image, or "config" */
	unsigned		 line;		/* 0: not applicable */
	char			 detail[200];	/* redacted: never the secret itself */
	int			 layer;		/* index in the image, -1: config */
};

struct findings {
	struct finding	*v;
	size_t		 n, cap;
};

int		 findings_add(struct findings *, enum finding_kind,
		    const char *rule, const char *path, unsigned line,
		    const char *detail);
void		 findings_free(struct findings *);
const char	*finding_kind_name(enum finding_kind);

#endif
