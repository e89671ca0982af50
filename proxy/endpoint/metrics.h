/*
 * /metrics: the relay's and the gate's counters in Prometheus text
 * exposition format.
 */
#ifndef PROXY_ENDPOINT_METRICS_H
#define PROXY_ENDPOINT_METRICS_H

struct evbuffer;
struct gate;
struct session;

/* The whole reply to out. 0, or -1 (out of memory). */
int	metrics_reply(struct gate *, struct session *, struct evbuffer *out);

#endif
