/*
 * End of life and end of security support, from Debian's own data
 * files as their packages install them:
 *   distro-info-data:        /usr/share/distro-info/{debian,ubuntu}.csv
 *                            (each release's end of life; Debian's LTS end)
 *   debian-security-support: /usr/share/debian-security-support/
 *                            security-support-ended.deb<N> (source
 *                            packages whose support ended early) and
 *                            security-support-limited
 * read once per process. Alpine's releases are not covered: no Debian
 * package carries their dates.
 *
 * The scan document keeps the dates, not a yes or no, so that a verdict
 * made later (verdict.c, with the time of the pull) sees an image go out
 * of support without being rescanned.
 */
#ifndef SCAN_IMAGE_LIFECYCLE_H
#define SCAN_IMAGE_LIFECYCLE_H

struct json_t;

/*
 * The "lifecycle" of an image on os_id/version_id (os-release) with
 * packages (the scan document's array): {"os": {...} or null,
 * "packages": [...], "data": "..."}; NULL when the data files are not
 * there or the OS is not one they cover.
 */
struct json_t	*lifecycle_of(const char *os_id, const char *version_id,
		    struct json_t *packages);

#endif
