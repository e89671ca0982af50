/*
 * Images filed under their first layer (BASEINDEX_PREFIX
 * "<layer>@<image>" keys in the images database), so that looking for
 * an image's base reads only the images sharing that layer, not every
 * image.
 */
#ifndef PROXY_GATE_BASEINDEX_H
#define PROXY_GATE_BASEINDEX_H

#include <stddef.h>

#define BASEINDEX_PREFIX	"base:"
#define BASEINDEX_KEY_LEN	200

struct json_t;
struct store;

/* Such a key into out; -1 if none fits. */
int	 baseindex_key(const char *first_layer, const char *digest,
	    char *out, size_t len);
/* File digest under its first layer (a failure is logged). */
void	 baseindex_put(struct store *, const char *first_layer,
	    const char *digest);
/* A manifest's first layer digest; NULL for an index or junk. */
const char *baseindex_first_layer(struct json_t *manifest);
/*
 * File every image of a store from before the index, once (meta
 * "base_index"). 0 or -1.
 */
int	 baseindex_build(struct store *);

#endif
