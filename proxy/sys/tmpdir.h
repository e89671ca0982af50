/*
 * Private scratch directories (unpacked archives, pulled images):
 * removed with everything below them, without a shell, symlinks not
 * followed.
 */
#ifndef PROXY_SYS_TMPDIR_H
#define PROXY_SYS_TMPDIR_H

/* 0, or -1 (logged) if something could not be removed. */
int	tmpdir_remove(const char *dir);

#endif
