/*
 * libFuzzer target: whole layers through the layer scanner, as a pusher
 * sends them (plain or gzip'd tar, or anything else): tar headers,
 * whiteouts, paths, package databases, secrets, ELF files, limits.
 * Memory safety and no crash on any input, however it is cut.
 */
#include "scan/layer/layer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_src {
	const uint8_t	*data;
	size_t		 size, off, step;
};

/* Hand the bytes over in uneven pieces, as a socket would. */
static ssize_t
fuzz_read(void *arg, const void **buf)
{
	struct fuzz_src	*f = arg;
	size_t		 n = f->size - f->off;

	if (n > f->step)
		n = f->step;
	*buf = f->data + f->off;
	f->off += n;
	f->step = f->step * 3 % 4093 + 1;
	return (ssize_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layer_result	r, second;
	struct layer_limits	lim;
	struct fuzz_src		f = { data, size, 0, 517 };
	struct fuzz_src		again = { data, size, 0, 311 };

	layer_limits_default(&lim);
	/* Small limits, so that hitting them is fuzzed too. */
	lim.max_uncompressed = 8 << 20;
	lim.max_entries = 512;
	lim.max_db_file = 1 << 20;
	layer_scan(&r, &lim, fuzz_read, &f);
	/* Databases behind links: the second pass, as the proxy runs it. */
	if (r.nlinks > 0) {
		layer_scan_links(&second, &lim, fuzz_read, &again, r.links,
		    r.nlinks);
		layer_result_free(&second);
	}
	layer_result_free(&r);
	return 0;
}
