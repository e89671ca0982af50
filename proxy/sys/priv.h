/*
 * Giving up root once what needs it is open, as relayd and httpd do:
 * the listener (a port below 1024), the TLS key, the access log and the
 * store's files stay open across the change. What the proxy creates
 * later (spill files, scratch directories for images it pulls) goes in
 * state_dir, which is handed to the account.
 */
#ifndef PROXY_SYS_PRIV_H
#define PROXY_SYS_PRIV_H

struct conf;

/*
 * Become conf->user (nothing to do when unset, or when already that
 * account). 0, or -1 logged: the caller must not serve.
 */
int	priv_drop(const struct conf *);

#endif
