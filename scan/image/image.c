#include "scan/image/image.h"

#include <stdlib.h>
#include <string.h>

int
image_whiteout_covers(const char *w, const char *path)
{
	size_t	n = strlen(w);

	if (n > 0 && w[n - 1] == '/')	/* opaque: everything below */
		return strncmp(path, w, n) == 0;
	return strcmp(path, w) == 0 ||
	    (strncmp(path, w, n) == 0 && path[n] == '/');
}

int
image_deleted_above(struct layer_result *const *layers, size_t n,
    size_t from, const char *path)
{
	size_t	i, j;

	for (i = from + 1; i < n; i++)
		for (j = 0; j < layers[i]->nwhiteouts; j++)
			if (image_whiteout_covers(layers[i]->whiteouts[j], path))
				return 1;
	return 0;
}

int
image_replaced_above(struct layer_result *const *layers, size_t n,
    size_t from, const char *path)
{
	size_t	i;

	for (i = from + 1; i < n; i++)
		if (layer_has_path(layers[i], path))
			return 1;
	return 0;
}

/*
 * Does some layer above `from` delete or replace path? Replacing means
 * the same database file appears again higher up.
 */
static int
image_shadowed(struct layer_result *const *layers, size_t n, size_t from,
    const char *path)
{
	size_t	i, j;

	if (image_deleted_above(layers, n, from, path))
		return 1;
	for (i = from + 1; i < n; i++) {
		for (j = 0; j < layers[i]->ndbs; j++)
			if (strcmp(layers[i]->dbs[j].path, path) == 0)
				return 1;
	}
	return 0;
}

int
image_assemble(struct layer_result *const *layers, size_t n,
    struct image_view *v)
{
	size_t	i, j, total = 0;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < n; i++)
		total += layers[i]->pkgs.n;
	if (total > 0 && (v->pkgs = calloc(total, sizeof(*v->pkgs))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		const struct layer_result *l = layers[i];
		char	*live = NULL;
		size_t	 k;

		/* Decide once per database, not once per package. */
		if (l->ndbs > 0 && (live = calloc(l->ndbs, 1)) == NULL) {
			image_view_free(v);
			return -1;
		}
		for (k = 0; k < l->ndbs; k++)
			live[k] = !image_shadowed(layers, n, i, l->dbs[k].path);
		for (j = 0; j < l->pkgs.n; j++)
			for (k = 0; k < l->ndbs; k++)
				if (live[k] && strcmp(l->dbs[k].path,
				    l->pkgs.v[j].path) == 0) {
					v->pkgs[v->npkgs++] = &l->pkgs.v[j];
					break;
				}
		if (l->os.found && !image_shadowed(layers, n, i, l->os_path))
			v->os = &l->os;
		free(live);
	}
	return 0;
}

void
image_view_free(struct image_view *v)
{
	free(v->pkgs);
	memset(v, 0, sizeof(*v));
}
