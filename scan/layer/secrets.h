/*
 * Embedded secrets in file contents. Each rule is a literal anchor
 * plus a check of the characters that must follow; one pass over the
 * bytes finds every anchor. Findings name
 * the file and line; the value is redacted to its first four characters
 * and its length.
 */
#ifndef SCAN_LAYER_SECRETS_H
#define SCAN_LAYER_SECRETS_H

#include <stddef.h>

#include "scan/catalog/finding.h"

/* Bytes of a file looked at (text files only: binaries are skipped). */
#define SECRETS_MAX_FILE	(4u << 20)

/* Scan buf (one whole file, or its first SECRETS_MAX_FILE bytes). */
int	secrets_scan(const char *buf, size_t len, const char *path,
	    struct findings *out);
/* "AKIA…(20 chars)" style redaction of s[0..n). */
void	secrets_redact(const char *s, size_t n, char *out, size_t outlen);

#endif
