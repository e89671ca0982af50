/*
 * The push gate: under policy.enforce [push, pull] a manifest PUT is
 * judged before any of it reaches the registry, exactly as a pull of
 * it would be, from the layers scanned on their way in (or read back
 * now, when the proxy never saw them). A failing image is refused with
 * 403 DENIED and the registry never hears of it, so the tag never
 * exists. These are the relay's admit hooks (proxy/relay/relay.h).
 */
#ifndef PROXY_GATE_PUSHGATE_H
#define PROXY_GATE_PUSHGATE_H

#include <stddef.h>

#include "proxy/relay/relay.h"

struct evbuffer;
struct gate;
struct session;

/* admit_wanted: a manifest PUT to a repository whose policy enforces push. */
int		 pushgate_wanted(void *arg, struct session *);
/* admit: judge the whole manifest; hold it while its layers scan. */
enum relay_decision pushgate_admit(void *arg, struct session *,
		    struct evbuffer *body, char *msg, size_t len);
/* A layer's scan result was stored: held pushes may be decided. */
void		 pushgate_layers_done(struct gate *);
/* The gone hook's part: a held push's client went away. */
void		 pushgate_gone(void *arg, struct session *);
/* Shutdown: forget every held push (their sessions are gone). */
void		 pushgate_shutdown(struct gate *);
/* The push gate's counters, Prometheus text exposition, to out. */
void		 pushgate_metrics(struct gate *, struct evbuffer *out);

#endif
