#include "scan/layer/fscheck.h"
#include "scan/catalog/finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * setuid/setgid programs a Debian, Ubuntu, Alpine or RHEL-family base
 * installs for its own accounts and mounts (shadow, util-linux, dbus,
 * openssh-client): not worth a finding in every image. Anything else
 * setuid is the image author's choice, and said.
 */
static const char *const fscheck_suid_ok[] = {
	"bin/su", "bin/mount", "bin/umount", "bin/ping",
	"usr/bin/su", "usr/bin/mount", "usr/bin/umount", "usr/bin/passwd",
	"usr/bin/chsh", "usr/bin/chfn", "usr/bin/gpasswd", "usr/bin/newgrp",
	"usr/bin/chage", "usr/bin/expiry", "usr/bin/wall", "usr/bin/write",
	"usr/bin/ssh-agent", "usr/bin/crontab", "usr/bin/ping",
	"sbin/unix_chkpwd", "usr/sbin/unix_chkpwd", "usr/sbin/pam_timestamp_check",
	"usr/lib/openssh/ssh-keysign", "usr/libexec/openssh/ssh-keysign",
	"usr/lib/dbus-1.0/dbus-daemon-launch-helper",
	"bin/bbsuid", NULL
};

/* Where anyone may write by design. */
static const char *const fscheck_tmp[] = {
	"tmp", "var/tmp", "dev/shm", "run/lock", "var/lock", NULL
};

/* Package-manager caches: prefix, what they are. */
static const struct fscheck_cache {
	const char	*prefix;
	const char	*what;
} fscheck_caches[] = {
	{ "var/cache/apt/archives/", "apt's downloaded .deb files" },
	{ "var/lib/apt/lists/", "apt's package lists" },
	{ "var/cache/apk/", "apk's cache" },
	{ "var/cache/dnf/", "dnf's cache" },
	{ "var/cache/yum/", "yum's cache" },
	{ "root/.cache/pip/", "pip's cache" },
	{ "root/.npm/_cacache/", "npm's cache" },
};
#define FSCHECK_NCACHES	(sizeof(fscheck_caches) / sizeof(fscheck_caches[0]))

struct fscheck {
	uint64_t	files[FSCHECK_NCACHES];
	uint64_t	bytes[FSCHECK_NCACHES];
};

struct fscheck *
fscheck_new(void)
{
	return calloc(1, sizeof(struct fscheck));
}

void
fscheck_free(struct fscheck *f)
{
	free(f);
}

static int
fscheck_listed(const char *const list[], const char *path)
{
	size_t	i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], path) == 0)
			return 1;
	return 0;
}

/* Is path at or below one of the temporary directories? */
static int
fscheck_in_tmp(const char *path)
{
	size_t	i, n;

	for (i = 0; fscheck_tmp[i] != NULL; i++) {
		n = strlen(fscheck_tmp[i]);
		if (strncmp(path, fscheck_tmp[i], n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return 1;
	}
	return 0;
}

int
fscheck_entry(struct fscheck *f, const char *path, mode_t mode, int64_t size,
    struct findings *out)
{
	char	msg[200];
	size_t	i, n;

	if (S_ISREG(mode) && (mode & (S_ISUID | S_ISGID)) &&
	    !fscheck_listed(fscheck_suid_ok, path)) {
		snprintf(msg, sizeof(msg), "%s%s%s file (mode %04o): it runs "
		    "with its owner's rights whoever starts it; drop the bit "
		    "(chmod u-s,g-s) unless the image needs it",
		    mode & S_ISUID ? "setuid" : "", (mode & S_ISUID) &&
		    (mode & S_ISGID) ? "+" : "", mode & S_ISGID ? "setgid" : "",
		    (unsigned)(mode & 07777));
		if (findings_add(out, FINDING_MISCONFIG, "setuid-file", path, 0,
		    msg) == -1)
			return -1;
	}
	/* A directory anyone may write to is fine with the sticky bit. */
	if ((S_ISREG(mode) || (S_ISDIR(mode) && !(mode & S_ISVTX))) &&
	    (mode & S_IWOTH) && !fscheck_in_tmp(path)) {
		snprintf(msg, sizeof(msg), "world-writable %s (mode %04o): any "
		    "user in the container may change it; chmod o-w",
		    S_ISDIR(mode) ? "directory" : "file",
		    (unsigned)(mode & 07777));
		if (findings_add(out, FINDING_MISCONFIG, "world-writable", path,
		    0, msg) == -1)
			return -1;
	}
	if (!S_ISREG(mode))
		return 0;
	for (i = 0; i < FSCHECK_NCACHES; i++) {
		n = strlen(fscheck_caches[i].prefix);
		/* apt's lock and partial/ are always there, empty. */
		if (strncmp(path, fscheck_caches[i].prefix, n) != 0 ||
		    size <= 0 || strcmp(path + n, "lock") == 0)
			continue;
		f->files[i]++;
		f->bytes[i] += (uint64_t)size;
		break;
	}
	return 0;
}

static int	fscheck_shadow(const char *, const char *, size_t,
		    struct findings *);

static int
fscheck_plain(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

/* Is path's last component name? */
static int
fscheck_named(const char *path, const char *name)
{
	const char	*b = strrchr(path, '/');

	return strcmp(b ? b + 1 : path, name) == 0;
}

int
fscheck_wants(const char *path)
{
	return strcmp(path, "etc/shadow") == 0 || fscheck_named(path,
	    ".pypirc");
}

/*
 * .pypirc: a "password = ..." line that is not a template and not a
 * PyPI token (those are pypi-token, wherever they are). Keyed on the
 * file, not searched for everywhere: "password" is common in text.
 */
static int
fscheck_pypirc(const char *path, const char *buf, size_t len,
    struct findings *out)
{
	const char	*p = buf, *end = buf + len, *nl, *eol, *v;
	unsigned	 line = 0;
	char		 msg[160];

	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		eol = nl ? nl : end;
		line++;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (eol - p < 8 || strncmp(p, "password", 8) != 0)
			continue;
		for (v = p + 8; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		if (v == eol || (*v != '=' && *v != ':'))
			continue;
		for (v++; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		if (eol - v < 6 || *v == '$' || *v == '<' || *v == '%' ||
		    strncmp(v, "pypi-", 5) == 0)
			continue;
		snprintf(msg, sizeof(msg), "a password of %d characters for a "
		    "package index (.pypirc)", (int)(eol - v));
		return findings_add(out, FINDING_SECRET, "pypirc-password", path,
		    line, msg);
	}
	return 0;
}

/*
 * /etc/shadow: an account whose second field is a hash (not "*", "!",
 * "!!", "x", nor empty, nor a hash behind "!" - a locked account keeps
 * its hash: still a credential) can be cracked offline by whoever pulls
 * the image. One finding, the accounts named, never the hash.
 */
int
fscheck_content(const char *path, const char *buf, size_t len,
    struct findings *out)
{
	if (fscheck_named(path, ".pypirc"))
		return fscheck_pypirc(path, buf, len, out);
	return fscheck_shadow(path, buf, len, out);
}

static int
fscheck_shadow(const char *path, const char *buf, size_t len,
    struct findings *out)
{
	char		 users[120] = "", msg[200];
	const char	*p = buf, *end = buf + len, *nl, *eol, *colon, *h, *c2;
	unsigned	 n = 0, line = 0, first = 0;
	size_t		 have;

	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		eol = nl ? nl : end;
		line++;
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL)
			continue;
		if ((c2 = memchr(colon + 1, ':', (size_t)(eol - colon - 1))) ==
		    NULL)
			c2 = eol;
		/* Skip the lock marks; what is left must look like crypt(3). */
		for (h = colon + 1; h < c2 && *h == '!'; h++)
			;
		if (c2 - h < 13 || *h == '*')
			continue;
		if (n++ == 0)
			first = line;
		/* The names, plain characters only: the file is the pusher's. */
		have = strlen(users);
		if (have + (size_t)(colon - p) + 3 >= sizeof(users))
			continue;
		if (have > 0) {
			memcpy(users + have, ", ", 2);
			have += 2;
		}
		for (h = p; h < colon; h++)
			users[have++] = fscheck_plain(*h) ? *h : '?';
		users[have] = '\0';
	}
	if (n == 0)
		return 0;
	snprintf(msg, sizeof(msg), "%u account%s with a password hash (%s): "
	    "crackable offline by whoever pulls the image; lock them "
	    "(passwd -l) or set the password at run time", n, n == 1 ? "" :
	    "s", users);
	return findings_add(out, FINDING_SECRET, "shadow-password-hash", path,
	    first, msg);
}

int
fscheck_end(struct fscheck *f, struct findings *out)
{
	char	msg[200];
	size_t	i;

	for (i = 0; i < FSCHECK_NCACHES; i++) {
		if (f->files[i] == 0)
			continue;
		snprintf(msg, sizeof(msg), "%s left in the image: %llu files, "
		    "%llu KiB; clean it in the same RUN step that fills it",
		    fscheck_caches[i].what, (unsigned long long)f->files[i],
		    (unsigned long long)(f->bytes[i] + 1023) / 1024);
		if (findings_add(out, FINDING_MISCONFIG, "package-cache",
		    fscheck_caches[i].prefix, 0, msg) == -1)
			return -1;
	}
	return 0;
}
