/*
 * Open connections per client address, so that one address cannot take
 * every connection slot (limits.max_connections_per_ip): a slow-loris
 * from one host then locks out only itself.
 */
#ifndef PROXY_RELAY_PEERS_H
#define PROXY_RELAY_PEERS_H

#include <stdint.h>

struct peers;

/* cap 0: count, never refuse. NULL on ENOMEM (logged). */
struct peers	*peers_new(uint64_t cap);
void		 peers_free(struct peers *);
/* One more connection from addr: 0, or -1 (over the cap, or ENOMEM). */
int		 peers_add(struct peers *, const char *addr);
/* One connection from addr ended. */
void		 peers_del(struct peers *, const char *addr);

#endif
