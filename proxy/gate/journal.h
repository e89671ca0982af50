/*
 * Manifest pushes in flight, on disk: the gate's word that a push went
 * through it even when it could not record it.
 *
 * A manifest PUT is written here (digest and repository) before its
 * last byte reaches the registry, and cleared once the proxy recorded
 * it or the registry refused it. An entry left over (a kill -9, or a
 * store that refused the record: a full disk) is a push the registry
 * may hold and the proxy never judged; after a restart it is refused
 * at pull, never "unknown", until it is pushed again.
 *
 * The file is sized once, at open, with one slot per connection the
 * proxy accepts: writing a slot never needs new disk space, so it
 * still works when state_dir is full.
 */
#ifndef PROXY_GATE_JOURNAL_H
#define PROXY_GATE_JOURNAL_H

#include <stddef.h>

struct journal;

/* path created or reopened with slots entries. NULL on error (logged). */
struct journal	*journal_open(const char *path, unsigned slots);
void		 journal_free(struct journal *);
/* A manifest push of digest to repo is under way: its slot, or -1. */
int		 journal_add(struct journal *, const char *digest,
		    const char *repo);
/* Slot's push was recorded, or refused by the registry. */
void		 journal_done(struct journal *, int slot);
/* Slot's push reached the registry and could not be recorded. */
void		 journal_failed(struct journal *, int slot);
/* digest was recorded: entries left over for it are cleared. */
void		 journal_recorded(struct journal *, const char *digest);
/*
 * digest was pushed through the proxy and never recorded (left over
 * from an earlier run, or whose record failed in this one): 1 and its
 * repository in repo, else 0.
 */
int		 journal_unrecorded(struct journal *, const char *digest,
		    char *repo, size_t len);
/* Pushes never recorded (left over, or whose record failed). */
unsigned	 journal_left(struct journal *);

#endif
