/*
 * An image from its ordered layer results: whiteouts applied, the
 * top-most copy of each package database wins, the top-most os-release
 * names the distribution. Layer results are not copied, so one layer
 * scanned once serves every image that contains it.
 */
#ifndef SCAN_IMAGE_IMAGE_H
#define SCAN_IMAGE_IMAGE_H

#include <stddef.h>

#include "scan/layer/layer.h"

struct image_view {
	const struct pkg	**pkgs;		/* borrowed from the layers */
	size_t			  npkgs;
	const struct osrelease	 *os;		/* NULL: unknown */
};

/* 0 or -1 (ENOMEM). Free with image_view_free. */
int	image_assemble(struct layer_result *const *layers, size_t n,
	    struct image_view *);
void	image_view_free(struct image_view *);
/* 1 if path is deleted by whiteout w ("a/b" exact or below; "a/" below). */
int	image_whiteout_covers(const char *w, const char *path);
/* Does a layer above layers[from] delete path (a whiteout)? 1 or 0. */
int	image_deleted_above(struct layer_result *const *layers, size_t n,
	    size_t from, const char *path);
/*
 * Does a layer above `from` have path again (its own file there, as a
 * re-chmod copies it up)? Known for layers small enough to keep their
 * paths (LAYER_PATHS_MAX); 0 when unknown.
 */
int	image_replaced_above(struct layer_result *const *layers, size_t n,
	    size_t from, const char *path);

#endif
