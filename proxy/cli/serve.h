/*
 * portcullis serve: the daemon. Wires the relay (proxy/relay) to the
 * gate (proxy/gate) and the endpoints (proxy/endpoint) through the
 * relay's hooks, then runs the event loop until SIGINT or SIGTERM;
 * SIGHUP re-reads the policy.
 */
#ifndef PROXY_CLI_SERVE_H
#define PROXY_CLI_SERVE_H

struct conf;

/* Serve with c (taken over). Returns the exit status. */
int	cmd_serve(struct conf *c);

#endif
