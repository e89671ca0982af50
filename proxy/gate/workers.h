/*
 * The gate's moving parts, started and stopped in one place: the
 * monitor (re-evaluation on new data), upload scans and their
 * read-backs, the scans the proxy runs itself, webhooks in flight, and
 * the pulls held for any of them.
 */
#ifndef PROXY_GATE_WORKERS_H
#define PROXY_GATE_WORKERS_H

struct gate;

/* 0, or -1 (logged). */
int	workers_start(struct gate *);
/* Stop and join everything; the relay's sessions are gone already. */
void	workers_stop(struct gate *);

#endif
