/*
 * Misconfigurations visible in the image config (the JSON blob a
 * manifest names): running as root, secrets in environment variables,
 * and secrets baked into the build history's commands.
 */
#ifndef SCAN_IMAGE_IMGCONFIG_H
#define SCAN_IMAGE_IMGCONFIG_H

#include <stddef.h>

#include "scan/catalog/finding.h"

/* 0, or -1 when the config is not valid JSON (an error finding). */
int	imgconfig_scan(const char *json, size_t len, struct findings *out);

#endif
