#include "scan/image/layerjson.h"
#include "scan/image/image.h"
#include "tests/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A result whose doc has "paths" replaced by v (a JSON text). */
static int
load_with(const char *v, struct layer_result *out)
{
	char	doc[300];

	snprintf(doc, sizeof(doc), "{\"digest\":\"sha256:00\",\"complete\":"
	    "true,\"scanner\":4,\"pkgs\":[],\"dbs\":[],\"whiteouts\":[],"
	    "\"findings\":[],\"os\":{},\"paths\":%s}", v);
	return layerjson_load(doc, out);
}

int
main(void)
{
	struct layer_result	 r, back, up, *layers[2];
	const char		*names[] = { "usr/bin/a", "srv/x", "etc/shadow" };
	char			*doc, *big;
	size_t			 i;

	memset(&r, 0, sizeof(r));
	snprintf(r.digest, sizeof(r.digest), "sha256:00");
	r.paths = calloc(3, sizeof(*r.paths));
	for (i = 0; i < 3; i++)
		r.paths[i] = layer_path_hash(names[i]);
	r.npaths = 3;
	qsort(r.paths, 3, sizeof(*r.paths), cmp);
	doc = layerjson_dump(&r);
	ok(doc != NULL && strstr(doc, "\"paths\":\"") != NULL,
	    "paths written, as one base64 string");
	ok(layerjson_load(doc, &back) == 0 && back.npaths == 3,
	    "and read back: 3");
	ok(layer_has_path(&back, "usr/bin/a") && layer_has_path(&back,
	    "srv/x") && layer_has_path(&back, "etc/shadow"),
	    "each path is found");
	ok(!layer_has_path(&back, "usr/bin/b") && !layer_has_path(&back,
	    "srv/x/") && !layer_has_path(&back, ""), "others are not");
	free(doc);

	/* An upper layer with usr/bin/a: replaced above layer 0, not 1. */
	memset(&up, 0, sizeof(up));
	layers[0] = &up;
	layers[1] = &back;
	ok(image_replaced_above(layers, 2, 0, "usr/bin/a") &&
	    !image_replaced_above(layers, 2, 0, "usr/bin/z") &&
	    !image_replaced_above(layers, 2, 1, "usr/bin/a"),
	    "image_replaced_above looks only above");
	layer_result_free(&back);
	layer_result_free(&up);

	/* Not a list of 8-byte values: no paths, the rest still read. */
	ok(load_with("\"abc\"", &back) == 0 && back.npaths == 0,
	    "a string that is not base64 of 8-byte values: none");
	layer_result_free(&back);
	ok(load_with("\"AAAAAAAAAA==\"", &back) == 0 && back.npaths == 0,
	    "7 bytes: none");
	layer_result_free(&back);
	ok(load_with("5", &back) == 0 && back.npaths == 0,
	    "a number: none");
	layer_result_free(&back);
	/* 1025 paths' worth: more than a layer keeps. */
	big = malloc(11000 + 3);
	big[0] = '"';
	for (i = 1; i <= 10936; i++)
		big[i] = 'A';
	big[i++] = '"';
	big[i] = '\0';
	ok(load_with("\"\"", &back) == 0 && back.npaths == 0,
	    "empty: none");
	layer_result_free(&back);
	{
		char	*d = malloc(11300);

		snprintf(d, 11300, "{\"digest\":\"sha256:00\",\"paths\":%s}",
		    big);
		ok(layerjson_load(d, &back) == 0 && back.npaths == 0,
		    "past LAYER_PATHS_MAX: none");
		layer_result_free(&back);
		free(d);
	}
	free(big);
	/* Unsorted as stored: sorted on load, so lookups still work. */
	ok(load_with("\"//////////8AAAAAAAAAAQ==\"", &back) == 0 &&
	    back.npaths == 2 && back.paths[0] == 1 &&
	    back.paths[1] == UINT64_MAX, "read unsorted, kept sorted");
	layer_result_free(&back);
	free(r.paths);
	return done_testing();
}
