#include "proxy/sys/priv.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

int
priv_drop(const struct conf *c)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	if (c->user == NULL)
		return 0;
	if ((pw = getpwnam(c->user)) == NULL) {
		log_warnx("user %s: no such account", c->user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (geteuid() != 0) {
		if (geteuid() == uid)
			return 0;
		log_warnx("user %s: only root can become it", c->user);
		return -1;
	}
	if (uid == 0) {
		log_warnx("user %s is root: nothing would be given up",
		    c->user);
		return -1;
	}
	if (chown(c->state_dir, uid, gid) == -1) {
		log_warn("user %s: cannot hand state_dir %s to it", c->user,
		    c->state_dir);
		return -1;
	}
	/* Groups first: once the uid has changed, they cannot be. */
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		log_warn("user %s: cannot become it", c->user);
		return -1;
	}
	if (setuid(0) != -1 || geteuid() == 0) {
		log_warnx("user %s: root could be taken back", c->user);
		return -1;
	}
	/* What the account will need later, asked now rather than then. */
	if (access(c->state_dir, W_OK | X_OK) == -1) {
		log_warn("user %s: cannot write in state_dir %s (is a parent "
		    "directory closed to it?)", c->user, c->state_dir);
		return -1;
	}
	if (c->scanner.password_file != NULL &&
	    access(c->scanner.password_file, R_OK) == -1) {
		log_warn("user %s: cannot read scanner.password_file %s",
		    c->user, c->scanner.password_file);
		return -1;
	}
	if (c->policy.signature_key[0] != '\0' &&
	    access(c->policy.signature_key, R_OK) == -1) {
		log_warn("user %s: cannot read policy.signature_key %s",
		    c->user, c->policy.signature_key);
		return -1;
	}
	if (c->path != NULL && access(c->path, R_OK) == -1)
		log_warn("user %s: cannot read %s: a reload (SIGHUP) will "
		    "fail", c->user, c->path);
	log_info("running as %s (uid %u)", c->user, (unsigned)uid);
	return 0;
}
