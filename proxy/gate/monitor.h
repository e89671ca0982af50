/*
 * Continuous monitoring: when the advisory data changes (a `db import`
 * or `db update` into the running proxy's store), every image already
 * judged is re-matched against it right away, without waiting for its
 * next pull: no layer is rescanned, changes are logged, and verdicts
 * that flip go to the webhooks. A policy reload (SIGHUP) is swept the
 * same way, each image decided under the old and the new policy. Work
 * is done a batch per loop turn so
 * pulls are never held up behind a large sweep.
 */
#ifndef PROXY_GATE_MONITOR_H
#define PROXY_GATE_MONITOR_H

struct gate;

/* Start watching (monitor.interval seconds; 0: off). 0 or -1. */
int	monitor_start(struct gate *);
void	monitor_stop(struct gate *);
struct policy;
/*
 * The policy was reloaded; was (malloc'd, taken over) is the one it
 * replaced. Every judged image is decided under both, a batch per loop
 * turn, and flips are reported (cause "policy").
 */
void	monitor_policy_changed(struct gate *, struct policy *was);

#endif
