/*
 * Read or replace one digest-keyed record of a proxy's store, as the
 * tests need to stand in for what an older build wrote there:
 *   storeedit STATE_DIR get layers|images DIGEST   (record on stdout)
 *   storeedit STATE_DIR put layers|images DIGEST   (record on stdin)
 * Run it only while no proxy has the store open for writing.
 */
#include "store/db.h"
#include "conf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STOREEDIT_MAX	(64u << 20)

int
main(int argc, char **argv)
{
	struct store		*st = NULL;
	enum store_digest_db	 which;
	char			 path[4096], *rec = NULL;
	size_t			 n;
	int			 rv = 1;

	log_init(LOG_LEVEL_WARN);
	if (argc != 5 || (strcmp(argv[3], "layers") != 0 &&
	    strcmp(argv[3], "images") != 0)) {
		fprintf(stderr, "usage: storeedit STATE_DIR get|put "
		    "layers|images DIGEST\n");
		return 2;
	}
	which = strcmp(argv[3], "layers") == 0 ? STORE_LAYERS : STORE_IMAGES;
	snprintf(path, sizeof(path), "%s/db", argv[1]);
	if ((st = store_open(path, strcmp(argv[2], "get") == 0)) == NULL)
		goto done;
	if (strcmp(argv[2], "get") == 0) {
		if (store_digest_get(st, which, argv[4], &rec) != STORE_OK)
			goto done;
		printf("%s\n", rec);
	} else if (strcmp(argv[2], "put") == 0) {
		if ((rec = malloc(STOREEDIT_MAX + 1)) == NULL)
			goto done;
		n = fread(rec, 1, STOREEDIT_MAX, stdin);
		rec[n] = '\0';
		if (store_digest_put(st, which, argv[4], rec) != STORE_OK)
			goto done;
	} else
		goto done;
	rv = 0;
 done:
	free(rec);
	if (st != NULL)
		store_close(st);
	return rv;
}
