/*
 * An image's scan document in the store, and the part of it a pull
 * decision reads.
 *
 * A document holds every package of the image: a large image's is tens
 * or hundreds of megabytes, and parsing it on the event loop for each
 * uncached pull would stall every other client. So a large document
 * gets a copy without its package list (STORE_VERDICTS), written with
 * it, that says how long the document it was cut from is: a copy whose
 * document was since rewritten some other way is not used.
 */
#ifndef PROXY_GATE_IMAGEDOC_H
#define PROXY_GATE_IMAGEDOC_H

#include "store/db.h"

struct json_t;

/* Documents past this size get a verdict copy. */
#define IMAGEDOC_LARGE	(256u * 1024)

/*
 * Store text (doc: the same, parsed, or NULL) under digest, with its
 * verdict copy if large (a stale one removed otherwise). The document
 * write's status; a failed copy is logged and only costs speed.
 */
enum store_status imagedoc_put(struct store *, const char *digest,
		    const char *text, struct json_t *doc);
/* Only the verdict copy of doc, a document of of bytes stored now. */
void		 imagedoc_put_copy(struct store *, const char *digest,
		    struct json_t *doc, size_t of);
/*
 * The verdict copy of digest's document, malloc'd, if one is stored,
 * cut from the document stored now, and judged with data version
 * version; else NULL (read the document).
 */
char		*imagedoc_verdict(struct store *, const char *digest,
		    const char *version);

#endif
