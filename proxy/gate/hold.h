/*
 * The gate's side of a manifest pull: decide it (decide_manifest), or hold
 * the relay's response while the answer is being found (the proxy
 * scans a never-seen image, checks a signature, or waits for the pushed
 * layers' scans), then release it with the decision. These are the
 * relay's decide and gone hooks (proxy/relay/relay.h).
 */
#ifndef PROXY_GATE_HOLD_H
#define PROXY_GATE_HOLD_H

#include <stddef.h>

#include "proxy/relay/relay.h"

struct gate;
struct session;

/* The decide hook; arg is the struct gate. */
enum relay_decision hold_decide(void *arg, struct session *, char *msg,
		    size_t len);
/* The gone hook: a held session went away. */
void		 hold_gone(void *arg, struct session *);
/* An upload's scan result was stored: pulls held for layers may go on. */
void		 hold_uploads_done(struct gate *);
/* Shutdown: forget every hold (their sessions are gone). */
void		 hold_shutdown(struct gate *);

#endif
