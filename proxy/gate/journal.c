#include "proxy/gate/journal.h"
#include "conf/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * One slot: "digest repository\n", NUL padded. A slot starting with NUL
 * is free. Fixed size so an entry is one pwrite at a known place.
 */
#define JOURNAL_SLOT	512
#define JOURNAL_DIGEST	80

enum journal_state {
	JOURNAL_FREE = 0,
	JOURNAL_PUSHING,	/* this run: the PUT is on its way */
	JOURNAL_UNRECORDED	/* left over, or its record failed */
};

struct journal_entry {
	enum journal_state	 state;
	char			 digest[JOURNAL_DIGEST];
	char			 repo[JOURNAL_SLOT - JOURNAL_DIGEST];
};

struct journal {
	int			 fd;
	unsigned		 nslots;
	unsigned		 left;
	struct journal_entry	*e;
};

static int
journal_write(struct journal *j, unsigned slot, const char *line)
{
	char	buf[JOURNAL_SLOT];

	memset(buf, 0, sizeof(buf));
	if (line != NULL)
		snprintf(buf, sizeof(buf), "%s", line);
	if (pwrite(j->fd, buf, sizeof(buf), (off_t)slot * JOURNAL_SLOT) !=
	    (ssize_t)sizeof(buf)) {
		log_warn("journal: slot %u", slot);
		return -1;
	}
	return 0;
}

/* A slot read back at open: "digest repo\n", or garbage (skipped). */
static void
journal_load(struct journal *j, unsigned slot, const char *buf)
{
	struct journal_entry	*e = &j->e[slot];
	const char		*sp, *nl;

	if (buf[0] == '\0')
		return;
	if ((sp = memchr(buf, ' ', JOURNAL_SLOT)) == NULL ||
	    (nl = memchr(sp, '\n', JOURNAL_SLOT - (sp - buf))) == NULL ||
	    (size_t)(sp - buf) >= sizeof(e->digest) ||
	    strncmp(buf, "sha256:", 7) != 0) {
		log_warnx("journal: slot %u is not an entry; cleared", slot);
		journal_write(j, slot, NULL);
		return;
	}
	memcpy(e->digest, buf, sp - buf);
	e->digest[sp - buf] = '\0';
	snprintf(e->repo, sizeof(e->repo), "%.*s", (int)(nl - sp - 1), sp + 1);
	e->state = JOURNAL_UNRECORDED;
	j->left++;
	log_warnx("journal: %s@%s was pushed through the proxy and never "
	    "recorded (a crash, or the store refused it): refused at pull "
	    "until it is pushed again", e->repo, e->digest);
}

struct journal *
journal_open(const char *path, unsigned slots)
{
	struct journal	*j;
	char		 buf[JOURNAL_SLOT];
	struct stat	 sb;
	unsigned	 i, have;
	int		 rc;

	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->e = calloc(slots ? slots : 1, sizeof(*j->e))) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	j->fd = -1;
	j->nslots = slots;
	if ((j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1 ||
	    fstat(j->fd, &sb) == -1) {
		log_warn("journal: %s", path);
		goto fail;
	}
	have = sb.st_size / JOURNAL_SLOT;
	for (i = 0; i < have && i < slots; i++) {
		if (pread(j->fd, buf, sizeof(buf), (off_t)i * JOURNAL_SLOT) !=
		    (ssize_t)sizeof(buf)) {
			log_warn("journal: %s", path);
			goto fail;
		}
		journal_load(j, i, buf);
	}
	/* Entries past a smaller slot count are kept, not lost. */
	for (; i < have; i++)
		if (pread(j->fd, buf, 1, (off_t)i * JOURNAL_SLOT) == 1 &&
		    buf[0] != '\0')
			log_warnx("journal: %s has entries past slot %u "
			    "(limits.max_connections was larger); raise it "
			    "to see them", path, slots);
	/* Blocks of its own, now, so a full disk cannot refuse a slot. */
	if (slots > have && (rc = posix_fallocate(j->fd, 0,
	    (off_t)slots * JOURNAL_SLOT)) != 0) {
		errno = rc;
		log_warn("journal: cannot size %s", path);
		goto fail;
	}
	return j;
 fail:
	journal_free(j);
	return NULL;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd != -1)
		close(j->fd);
	free(j->e);
	free(j);
}

int
journal_add(struct journal *j, const char *digest, const char *repo)
{
	char		line[JOURNAL_SLOT];
	unsigned	i;

	if (j == NULL || strlen(digest) >= JOURNAL_DIGEST ||
	    strlen(repo) >= sizeof(j->e[0].repo) - 1)
		return -1;
	for (i = 0; i < j->nslots; i++)
		if (j->e[i].state == JOURNAL_FREE)
			break;
	if (i == j->nslots) {
		log_warnx("journal: every slot is taken");
		return -1;
	}
	snprintf(line, sizeof(line), "%s %s\n", digest, repo);
	if (journal_write(j, i, line) == -1)
		return -1;
	j->e[i].state = JOURNAL_PUSHING;
	snprintf(j->e[i].digest, sizeof(j->e[i].digest), "%s", digest);
	snprintf(j->e[i].repo, sizeof(j->e[i].repo), "%s", repo);
	return (int)i;
}

static void
journal_clear(struct journal *j, unsigned slot)
{
	/* Cleared in memory even if the disk refuses: then a restart denies. */
	if (j->e[slot].state == JOURNAL_UNRECORDED && j->left > 0)
		j->left--;
	j->e[slot].state = JOURNAL_FREE;
	journal_write(j, slot, NULL);
}

void
journal_done(struct journal *j, int slot)
{
	if (j == NULL || slot < 0 || (unsigned)slot >= j->nslots)
		return;
	journal_clear(j, slot);
}

void
journal_failed(struct journal *j, int slot)
{
	if (j == NULL || slot < 0 || (unsigned)slot >= j->nslots ||
	    j->e[slot].state != JOURNAL_PUSHING)
		return;
	j->e[slot].state = JOURNAL_UNRECORDED;
	j->left++;
}

void
journal_recorded(struct journal *j, const char *digest)
{
	unsigned	i;

	if (j == NULL || digest == NULL)
		return;
	for (i = 0; i < j->nslots; i++)
		if (j->e[i].state == JOURNAL_UNRECORDED &&
		    strcmp(j->e[i].digest, digest) == 0)
			journal_clear(j, i);
}

int
journal_unrecorded(struct journal *j, const char *digest, char *repo,
    size_t len)
{
	unsigned	i;

	if (j == NULL || digest == NULL)
		return 0;
	for (i = 0; i < j->nslots; i++)
		if (j->e[i].state == JOURNAL_UNRECORDED &&
		    strcmp(j->e[i].digest, digest) == 0) {
			snprintf(repo, len, "%s", j->e[i].repo);
			return 1;
		}
	return 0;
}

unsigned
journal_left(struct journal *j)
{
	return j ? j->left : 0;
}
