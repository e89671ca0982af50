/*
 * Read or change one record of a proxy's store, as the tests need to
 * stand in for what an older build wrote there:
 *   storeedit STATE_DIR get layers|images|verdicts KEY    (record on stdout)
 *   storeedit STATE_DIR put layers|images|verdicts KEY    (record on stdin)
 *   storeedit STATE_DIR del layers|images|verdicts KEY
 *   storeedit STATE_DIR meta KEY VALUE
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
	const char		*op = argc > 2 ? argv[2] : "";
	size_t			 n;
	int			 rv = 1;

	log_init(LOG_LEVEL_WARN);
	if (argc != 5 || (strcmp(op, "meta") != 0 &&
	    strcmp(argv[3], "layers") != 0 && strcmp(argv[3], "images") != 0 &&
	    strcmp(argv[3], "verdicts") != 0)) {
		fprintf(stderr, "usage: storeedit STATE_DIR get|put|del "
		    "layers|images|verdicts KEY\n       storeedit STATE_DIR meta KEY "
		    "VALUE\n");
		return 2;
	}
	which = strcmp(argv[3], "layers") == 0 ? STORE_LAYERS :
	    strcmp(argv[3], "verdicts") == 0 ? STORE_VERDICTS : STORE_IMAGES;
	snprintf(path, sizeof(path), "%s/db", argv[1]);
	if ((st = store_open(path, strcmp(op, "get") == 0)) == NULL)
		goto done;
	if (strcmp(op, "get") == 0) {
		if (store_digest_get(st, which, argv[4], &rec) != STORE_OK)
			goto done;
		printf("%s\n", rec);
	} else if (strcmp(op, "put") == 0) {
		if ((rec = malloc(STOREEDIT_MAX + 1)) == NULL)
			goto done;
		n = fread(rec, 1, STOREEDIT_MAX, stdin);
		rec[n] = '\0';
		if (store_digest_put(st, which, argv[4], rec) != STORE_OK)
			goto done;
	} else if (strcmp(op, "del") == 0) {
		if (store_digest_del(st, which, argv[4]) != STORE_OK)
			goto done;
	} else if (strcmp(op, "meta") == 0) {
		if (store_write_begin(st) == -1)
			goto done;
		if (store_meta_put(st, argv[3], argv[4]) != STORE_OK ||
		    store_write_commit(st) != STORE_OK) {
			store_write_abort(st);
			goto done;
		}
	} else
		goto done;
	rv = 0;
 done:
	free(rec);
	if (st != NULL)
		store_close(st);
	return rv;
}
