/*
 * SIGHUP: the policy and the webhooks are read again from the
 * configuration file, without a restart or a dropped connection. Every
 * decision from then on uses the new policy (cached decisions are
 * forgotten), and the monitor decides every judged image under both to
 * report the ones that flip. Other settings (listener, upstream, TLS,
 * limits, scanner) take a restart; a file that does not load keeps
 * everything as it was. The configuration served with is kept in
 * state_dir, so a restart with a changed policy is swept the same way.
 */
#ifndef PROXY_GATE_RELOAD_H
#define PROXY_GATE_RELOAD_H

struct gate;

/* 0 reloaded, -1 kept as it was (logged). */
int	reload_policy(struct gate *);
/*
 * At start: if the configuration differs from the one the last run
 * served with (kept in state_dir/last-config.yaml), its policy is handed
 * to the monitor as the replaced one, so a restart with a changed policy
 * reports flips as a reload does. Then this one is kept for the next.
 */
void	reload_since_last_run(struct gate *);

#endif
