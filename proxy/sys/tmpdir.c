#define _XOPEN_SOURCE 700
#include "proxy/sys/tmpdir.h"
#include "conf/log.h"

#include <ftw.h>
#include <stdio.h>

static int
tmpdir_unlink(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) == -1)
		log_warn("cannot remove %s", path);
	return 0;	/* go on: remove as much as possible */
}

int
tmpdir_remove(const char *dir)
{
	/* Depth first (files before their directory), never across links. */
	if (nftw(dir, tmpdir_unlink, 16, FTW_DEPTH | FTW_PHYS) == -1) {
		log_warn("cannot walk %s", dir);
		return -1;
	}
	return 0;
}
