/*
 * A YAML document as a jansson value, for advisories published as YAML
 * (PyPA's OSV records). Only what data files use: mappings, sequences
 * and scalars. Scalars stay strings (an OSV version "1.10" must not
 * become the number 1.1), except plain null, ~, true and false; anchors
 * and aliases are refused (no expansion bombs), and so are duplicate
 * keys and nesting deeper than 64, as the JSON loader refuses them.
 */
#ifndef SCAN_ADVISORY_YAMLJSON_H
#define SCAN_ADVISORY_YAMLJSON_H

#include <stddef.h>

struct json_t;

/* The first document of buf, or NULL with the reason in err. */
struct json_t	*yamljson_load(const char *buf, size_t len, char *err,
		    size_t errlen);

#endif
