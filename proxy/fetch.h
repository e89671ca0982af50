/*
 * One HTTPS download to a file, streamed (never held whole), with the
 * server's chain and name verified. For `portcullis db update`.
 */
#ifndef PROXY_FETCH_H
#define PROXY_FETCH_H

#include <stddef.h>

/*
 * GET url (https only) into path. ca_file NULL: the system store.
 * max_bytes bounds the download. 0 or -1 with a reason in err.
 */
int	fetch_to_file(const char *url, const char *ca_file, const char *path,
	    unsigned long long max_bytes, char *err, size_t errlen);

#endif
