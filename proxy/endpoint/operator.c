#include "proxy/endpoint/operator.h"
#include "conf/log.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A bcrypt setting at htpasswd -B's cost, for accounts that are not there. */
#define OPERATOR_DUMMY_SALT	"$2y$05$portcullisportcullispu"

int
operator_check(const char *path, const char *authorization)
{
	struct crypt_data	*cd = NULL;
	FILE			*f = NULL;
	unsigned char		 dec[512];
	char			 line[1024], *pass, *colon, *h;
	size_t			 n, ul;
	int			 len, ok = 0;

	if (path == NULL || authorization == NULL ||
	    strncasecmp(authorization, "Basic ", 6) != 0)
		return 0;
	n = strlen(authorization + 6);
	if (n == 0 || n > 4 * (sizeof(dec) - 1) / 3 ||
	    (len = EVP_DecodeBlock(dec, (const unsigned char *)authorization +
	    6, (int)n)) < 0)
		return 0;
	/* DecodeBlock counts the padding's bytes as zeros. */
	while (len > 0 && n > 0 && authorization[6 + --n] == '=')
		len--;
	dec[len] = '\0';
	if ((pass = memchr(dec, ':', (size_t)len)) == NULL ||
	    strlen((char *)dec) != (size_t)len)
		goto done;
	ul = (size_t)(pass - (char *)dec);
	pass++;
	if ((cd = calloc(1, sizeof(*cd))) == NULL ||
	    (f = fopen(path, "r")) == NULL) {
		log_warn("admin.htpasswd %s", path);
		goto done;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if ((colon = strchr(line, ':')) == NULL ||
		    (size_t)(colon - line) != ul || memcmp(line, dec, ul) != 0)
			continue;
		/* crypt_r reads the salt and cost from the stored hash. */
		h = crypt_r(pass, colon + 1, cd);
		ok = h != NULL && h[0] != '*' && strcmp(h, colon + 1) == 0;
		goto done;
	}
	/* No such account: hash anyway, so its absence takes as long. */
	(void)crypt_r(pass, OPERATOR_DUMMY_SALT, cd);
 done:
	if (f != NULL)
		fclose(f);
	if (cd != NULL) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	explicit_bzero(dec, sizeof(dec));
	return ok;
}
