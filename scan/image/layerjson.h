/*
 * Layer results to and from JSON, so the store can keep them by digest
 * and an image pushed later can be judged from layers scanned earlier.
 */
#ifndef SCAN_IMAGE_LAYERJSON_H
#define SCAN_IMAGE_LAYERJSON_H

#include <stddef.h>

#include "scan/layer/layer.h"

/* malloc'd compact JSON, or NULL. */
char	*layerjson_dump(const struct layer_result *);
/*
 * An image config blob (its bytes, kept whole) in the form stored beside
 * layer results, for the image checks. malloc'd JSON, or NULL.
 */
char	*layerjson_config_dump(const char *config, size_t len);
/* Fill r (zeroed first) from JSON. 0 or -1. Free with layer_result_free. */
int	 layerjson_load(const char *json, struct layer_result *r);

#endif
