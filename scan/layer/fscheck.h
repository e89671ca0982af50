/*
 * Checks of the layer's files themselves, from their tar headers (and,
 * for /etc/shadow and .pypirc, their content) as they stream past: setuid and setgid
 * files outside the few a base system needs, world-writable files and
 * directories outside the temporary ones, password hashes in
 * /etc/shadow, a .pypirc password, and package-manager caches left
 * behind. Each is a
 * finding of the layer (CIS Docker Benchmark 4.8 and the best-known
 * scanners' image checks); only the password hash and the .pypirc
 * password, credentials, are secrets and block by default.
 */
#ifndef SCAN_LAYER_FSCHECK_H
#define SCAN_LAYER_FSCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct findings;
struct fscheck;

struct fscheck	*fscheck_new(void);
void		 fscheck_free(struct fscheck *);
/* A layer entry (the layer itself, not inside archives). 0 or -1. */
int		 fscheck_entry(struct fscheck *, const char *path, mode_t mode,
		    int64_t size, struct findings *);
/* Is path a file whose content is checked (then fscheck_content)? */
int		 fscheck_wants(const char *path);
int		 fscheck_content(const char *path, const char *buf,
		    size_t len, struct findings *);
/* The layer is read: the caches seen, one finding each. 0 or -1. */
int		 fscheck_end(struct fscheck *, struct findings *);

#endif
