/*
 * Scans the proxy starts itself: an image pulled through the proxy that
 * it has never seen (pushed before it existed, or straight to the
 * registry) under `unknown_images: scan`. A thread pulls the image from
 * the upstream registry with the scanner's own credentials (all
 * platforms), scans every layer, and hands the results to the loop,
 * which records them as if the image had been pushed through the proxy;
 * the pulls waiting for it are then decided from that record.
 */
#ifndef PROXY_GATE_SCANJOB_H
#define PROXY_GATE_SCANJOB_H

#include <stddef.h>

struct gate;

enum scanjob_kind {
	SCANJOB_IMAGE,		/* pull and scan the image */
	SCANJOB_SIGNATURE,	/* fetch and check its cosign signature */
	SCANJOB_VEX		/* find and check its signed VEX attestations */
};

/* err is NULL when the image was scanned and recorded. */
typedef void (*scanjob_cb)(void *arg, const char *err);

/*
 * Call cb(arg, ...) on the loop once repository@digest is scanned,
 * starting the scan unless one is running (cb NULL: only that). -1
 * (err filled) when no scan can start: too many running, or no thread.
 */
int	scanjob_wait(struct gate *, enum scanjob_kind,
	    const char *repository, const char *digest, scanjob_cb, void *arg,
	    char *err, size_t errlen);
/* arg no longer waits (its session went away, or gave up waiting). */
void	scanjob_forget(struct gate *, void *arg);
/* Shutdown: wait for running scans and drop them. */
void	scanjob_shutdown(struct gate *);

#endif
