/*
 * The search index: keys in the store's search database that file each
 * judged image under what an operator asks about, so a query reads one
 * run of keys instead of every image document:
 *   "a" ID DIGEST        an advisory id or alias (upper case) it has
 *   "p" NAME DIGEST      a package it holds -> "type version" lines
 *   "r" REPO DIGEST      a repository it was pushed to or judged in
 *   "i" DIGEST REPO      the same, by image
 *   "l" DIGEST           "h:" and a hash of its keys and values, then
 *                        each key last written for it
 * (fields joined by SEARCHINDEX_SEP). An image's keys are replaced in
 * one transaction whenever its document is written with other keys
 * than before (the hash says; an unchanged set costs no write), so a
 * re-match after new advisory data moves it between advisories.
 */
#ifndef PROXY_GATE_SEARCHINDEX_H
#define PROXY_GATE_SEARCHINDEX_H

#include <stddef.h>

#define SEARCHINDEX_SEP		"\x1f"

struct json_t;
struct store;

enum searchindex_kind {
	SEARCHINDEX_ADVISORY = 'a',
	SEARCHINDEX_PACKAGE = 'p',
	SEARCHINDEX_REPOSITORY = 'r'
};

/*
 * File a judged image's document (its vulnerabilities, packages and
 * repository) under digest, in place of what was filed before. A
 * pending document (no packages yet) files nothing. Failures are
 * logged: the index only serves searches, never a decision.
 */
void	searchindex_image(struct store *, const char *digest,
	    struct json_t *doc);
/* repo holds digest (a manifest pushed or judged there). */
void	searchindex_repository(struct store *, const char *repo,
	    const char *digest);
/*
 * cb(term, digest, value, key) for each image filed under kind and term
 * (exactly; for SEARCHINDEX_REPOSITORY, term NULL: every repository),
 * from the key after `after` (NULL: the first); cb returns 0 to go on,
 * 1 to stop. 1 stopped, 0 the end, -1 the store cannot be read.
 */
int	searchindex_each(struct store *, enum searchindex_kind,
	    const char *term, const char *after,
	    int (*cb)(const char *term, const char *digest,
	    const char *value, const char *key, void *), void *arg);
/* cb(repository) for each repository digest is filed in. 0 or -1. */
int	searchindex_repositories(struct store *, const char *digest,
	    int (*cb)(const char *repo, void *), void *arg);
/* File every judged image of a store from before the index, once. */
int	searchindex_build(struct store *);

#endif
