/*
 * Pull an image from a registry into a private directory as an OCI
 * image layout (index.json + blobs/sha256/), so every scanner input is
 * the same kind of thing. Blobs stream to disk, each checked against
 * its digest; nothing is held whole in memory.
 */
#ifndef PROXY_REGISTRY_REGPULL_H
#define PROXY_REGISTRY_REGPULL_H

#include <jansson.h>

struct regclient;

/* Largest manifest or index accepted. */
#define REGPULL_MAX_MANIFEST	(4u << 20)

/*
 * The platform scanned from an image index when only one is: linux/amd64
 * if listed, else the first. A borrowed descriptor, or NULL.
 */
json_t	*regpull_pick(json_t *index);

/*
 * Layers the caller has a result for already: not downloaded when
 * have(arg, digest) says 1. NULL: every layer is.
 */
struct regpull_have {
	int	(*have)(void *arg, const char *digest);
	void	*arg;
};

/*
 * repo:ref (a tag or a digest) into dir (existing, empty): index.json
 * names what ref resolved to, tagged "latest" if ref is a digest.
 * all: every platform of an index, else the one regpull_pick chooses.
 * 0 or -1 with err.
 */
int	regpull_layout(struct regclient *, const char *repo, const char *ref,
	    const char *dir, int all, const struct regpull_have *, char *err,
	    size_t errlen);

#endif
