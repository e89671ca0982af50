#include "scan/catalog/finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
findings_add(struct findings *f, enum finding_kind kind, const char *rule,
    const char *path, unsigned line, const char *detail)
{
	struct finding	*x;

	if (f->n == f->cap) {
		size_t	ncap = f->cap ? f->cap * 2 : 16;
		void	*nv = reallocarray(f->v, ncap, sizeof(*f->v));

		if (nv == NULL)
			return -1;
		f->v = nv;
		f->cap = ncap;
	}
	x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->line = line;
	x->layer = -1;
	snprintf(x->rule, sizeof(x->rule), "%s", rule);
	snprintf(x->path, sizeof(x->path), "%s", path ? path : "");
	snprintf(x->detail, sizeof(x->detail), "%s", detail ? detail : "");
	return 0;
}

void
findings_free(struct findings *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

const char *
finding_kind_name(enum finding_kind k)
{
	switch (k) {
	case FINDING_SECRET: return "secret";
	case FINDING_MISCONFIG: return "misconfiguration";
	case FINDING_LIMIT: return "limit";
	case FINDING_ERROR: return "error";
	case FINDING_NOTE: return "note";
	}
	return "?";
}
