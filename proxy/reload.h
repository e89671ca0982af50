/*
 * SIGHUP: the policy and the webhooks are read again from the
 * configuration file, without a restart or a dropped connection. Every
 * decision from then on uses the new policy (cached decisions are
 * forgotten), and the monitor decides every judged image under both to
 * report the ones that flip. Other settings (listener, upstream, TLS,
 * limits, scanner) take a restart; a file that does not load keeps
 * everything as it was.
 */
#ifndef PROXY_RELOAD_H
#define PROXY_RELOAD_H

struct server;

/* 0 reloaded, -1 kept as it was (logged). */
int	reload_policy(struct server *);

#endif
