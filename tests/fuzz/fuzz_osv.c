/*
 * libFuzzer target: one OSV record into a scratch LMDB store, then a
 * lookup for every package it named. Memory safety and no crash on any
 * input.
 */
#include "scan/advisory/osv.h"
#include "scan/advisory/vulnmatch.h"
#include "store/db.h"
#include "conf/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static struct store *fuzz_store;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally stats = { 0 };

	if (fuzz_store == NULL) {
		char dir[] = "/tmp/portcullis-fuzz.XXXXXX";

		log_init(LOG_LEVEL_ERROR);
		if (mkdtemp(dir) == NULL ||
		    (fuzz_store = store_open(dir, 0)) == NULL)
			abort();
	}
	if (store_write_begin(fuzz_store) == -1)
		abort();
	/* What does not start as JSON is read as YAML (PyPA's records). */
	osv_import_record(fuzz_store, (const char *)data, size,
	    size > 0 && data[0] == '{' ? "fuzz.json" : "fuzz.yaml", &stats);
	store_write_abort(fuzz_store);
	/* Matching code runs on what import would have stored. */
	vulnmatch_query(fuzz_store, "npm", "lodash", "4.17.20", NULL, NULL);
	return 0;
}
