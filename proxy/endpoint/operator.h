/*
 * Operator accounts (admin.htpasswd): Basic credentials checked against
 * bcrypt hashes, so the search API and the dashboard can show an
 * operator every repository while anyone else sees what the registry
 * lets their own credentials read.
 */
#ifndef PROXY_ENDPOINT_OPERATOR_H
#define PROXY_ENDPOINT_OPERATOR_H

/*
 * 1 if authorization ("Basic ...") names an account of the htpasswd
 * file at path with its password, else 0 (a file that cannot be read
 * is logged and grants nothing). Slow by design (bcrypt): call it off
 * the event loop.
 */
int	operator_check(const char *path, const char *authorization);

#endif
