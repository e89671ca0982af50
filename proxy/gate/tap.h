/*
 * The gate's taps on request bodies, the relay's tap hook
 * (proxy/relay/relay.h): a blob upload's chunks go to its scan
 * (upload.c), a manifest PUT's body is kept, bounded, and recorded once
 * the registry accepts it (record.c).
 */
#ifndef PROXY_GATE_TAP_H
#define PROXY_GATE_TAP_H

#include "proxy/relay/relay.h"

/* The tap hook; arg is the struct gate. NULL: nothing to watch. */
struct relay_tap *tap_open(void *arg, struct session *);

#endif
