/*
 * Embedded secrets in file contents. Each rule is a literal anchor
 * plus a check of the characters that must follow; one pass over the
 * bytes finds every anchor. Findings name
 * the file and line; the value is redacted to its first four characters
 * and its length.
 *
 * Files are scanned as they stream, whole, however large: a window
 * carries the last SECRETS_CARRY bytes of each piece into the next, so
 * a secret cut by a piece's edge is found once. Binary files are
 * scanned too: every rule here is a key or token whose shape is its own
 * (a literal prefix and a fixed alphabet), which text around it in a
 * binary does not make up.
 */
#ifndef SCAN_LAYER_SECRETS_H
#define SCAN_LAYER_SECRETS_H

#include <stddef.h>

#include "scan/catalog/finding.h"

#include <stdint.h>

/* Longer than any match a rule can make. */
#define SECRETS_CARRY	512
/* Kept of what was looked at: rules found by their middle read back. */
#define SECRETS_BACK	128

struct secrets_stream {
	char		*win;		/* carry + the newest piece */
	size_t		 len, cap;
	unsigned	 line;		/* line number at win[0] */
	unsigned char	 prev;		/* the byte before win[0]; 0: none */
	size_t		 seen;		/* win[0, seen) looked at (kept to read back) */
	const char	*path;
	struct findings	*out;
};

/* The id of rule i (for the reports' rule lists), NULL past the last. */
const char *secrets_rule_id(size_t i);
/* Start a file; path is borrowed until secrets_stream_end. */
void	secrets_stream_begin(struct secrets_stream *, const char *path,
	    struct findings *out);
/* The file's next bytes. 0 or -1 (ENOMEM). */
int	secrets_stream_feed(struct secrets_stream *, const void *, size_t);
/* The file ended: what is left is scanned, memory released. 0 or -1. */
int	secrets_stream_end(struct secrets_stream *);
/* Release without scanning the rest (an error elsewhere). */
void	secrets_stream_abort(struct secrets_stream *);

/* One whole file in memory. 0 or -1. */
int	secrets_scan(const char *buf, size_t len, const char *path,
	    struct findings *out);
/* "AKIA…(20 chars)" style redaction of s[0..n). */
void	secrets_redact(const char *s, size_t n, char *out, size_t outlen);

#endif
