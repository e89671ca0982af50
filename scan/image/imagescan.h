/*
 * One image's scan document from its ordered layer results and config:
 * packages after whiteouts, vulnerabilities matched against the store,
 * secrets, misconfigurations, limits, and a summary. The same document
 * `portcullis scan -f json` prints, the gate judges and the proxy
 * records when an image is pushed through it.
 */
#ifndef SCAN_IMAGE_IMAGESCAN_H
#define SCAN_IMAGE_IMAGESCAN_H

#include <stddef.h>

#include "scan/layer/layer.h"

struct store;
struct json_t;

/*
 * Language packages an OS package installed (Debian's python3-requests
 * is PyPI's requests, patched) are listed with their "os_owner" but
 * not matched against the language's advisories (the OS package's
 * are what apply), unless flags has IMAGESCAN_OS_OWNED.
 */
#define IMAGESCAN_OS_OWNED	0x1

/*
 * st may be NULL (packages only). config may be NULL (no config checks).
 * Returns a new JSON object, or NULL on ENOMEM.
 */
struct json_t	*imagescan_report(struct layer_result *const *layers,
		    size_t n, const char *config, size_t config_len,
		    struct store *st, const char *source, int flags);
/*
 * Match a document's recorded packages again against the store (new
 * advisory data): vulnerabilities and their counts are replaced, the
 * layers are not read again. memo (or NULL) remembers answers for data
 * version ver across documents. 0 or -1.
 */
struct matchmemo;
int		 imagescan_rematch(struct json_t *doc, struct store *st,
		    int flags, struct matchmemo *memo, const char *ver);
/* "critical" 4 .. "low" 1, anything else 0. */
int		 imagescan_sev_rank(const char *);

#endif
