/*
 * The layer's own file checks: setuid/setgid outside the base system's
 * few, world-writable outside the temporary directories (a sticky
 * directory is fine), password hashes in /etc/shadow (the accounts
 * named, never the hash; lock marks do not hide one), and each
 * package-manager cache said once, with its size.
 */
#include "scan/catalog/finding.h"
#include "scan/layer/fscheck.h"
#include "tests/tap.h"

#include <string.h>
#include <sys/stat.h>

/* The rules found, space-separated, in order. */
static const char *
rules(const struct findings *f)
{
	static char	out[512];
	size_t		i;

	out[0] = '\0';
	for (i = 0; i < f->n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s:%s",
		    i ? " " : "", f->v[i].rule, f->v[i].path);
	return out;
}

int
main(void)
{
	struct fscheck	*fs = fscheck_new();
	struct findings	 f = { NULL, 0, 0 };
	const char	*shadow = "root:*:20785:0:99999:7:::\n"
			    "daemon:!:20785::::::\n"
			    "app:$6$salt$0123456789abcdefghijklmnopqrstuvwxyz0123456789:"
			    "20785:0:99999:7:::\n"
			    "old:!$y$j9T$abcdefghijklmnop$qrstuvwxyz0123456789abcdefghijk:"
			    "20785::::::\n"
			    "bad\xff:x:1::::::\n";

	ok(fs != NULL, "made");
	fscheck_entry(fs, "usr/bin/passwd", S_IFREG | 04755, 100, &f);
	fscheck_entry(fs, "usr/sbin/unix_chkpwd", S_IFREG | 02755, 100, &f);
	is_str(rules(&f), "", "the base system's setuid and setgid programs "
	    "are not findings");
	fscheck_entry(fs, "usr/local/bin/helper", S_IFREG | 06755, 100, &f);
	is_str(rules(&f), "setuid-file:usr/local/bin/helper",
	    "any other setuid file is");
	ok(strstr(f.v[0].detail, "setuid+setgid") != NULL &&
	    strstr(f.v[0].detail, "6755") != NULL, "saying which bits: %s",
	    f.v[0].detail);
	findings_free(&f);

	fscheck_entry(fs, "tmp", S_IFDIR | 01777, 0, &f);
	fscheck_entry(fs, "var/tmp/x", S_IFREG | 0666, 5, &f);
	fscheck_entry(fs, "srv/spool", S_IFDIR | 01777, 0, &f);
	fscheck_entry(fs, "usr/lib/x.so", S_IFLNK | 0777, 0, &f);
	is_str(rules(&f), "", "temporary directories, sticky directories and "
	    "symbolic links are not world-writable findings");
	fscheck_entry(fs, "srv/shared", S_IFDIR | 0777, 0, &f);
	fscheck_entry(fs, "etc/app.conf", S_IFREG | 0666, 10, &f);
	is_str(rules(&f), "world-writable:srv/shared world-writable:"
	    "etc/app.conf", "a world-writable directory and file are");
	findings_free(&f);

	fscheck_entry(fs, "var/cache/apt/archives/lock", S_IFREG | 0640, 0, &f);
	fscheck_entry(fs, "var/cache/apt/archives/partial", S_IFDIR | 0700, 0,
	    &f);
	fscheck_end(fs, &f);
	is_str(rules(&f), "", "apt's empty lock and partial/ are no cache");
	fscheck_entry(fs, "var/cache/apt/archives/a.deb", S_IFREG | 0644, 2048,
	    &f);
	fscheck_entry(fs, "var/cache/apt/archives/b.deb", S_IFREG | 0644, 1000,
	    &f);
	fscheck_entry(fs, "root/.cache/pip/http/x", S_IFREG | 0644, 10, &f);
	fscheck_end(fs, &f);
	is_str(rules(&f), "package-cache:var/cache/apt/archives/ "
	    "package-cache:root/.cache/pip/", "each cache once");
	ok(strstr(f.v[0].detail, "2 files, 3 KiB") != NULL, "with its size: %s",
	    f.v[0].detail);
	findings_free(&f);

	ok(fscheck_wants("etc/shadow") && !fscheck_wants("etc/passwd"),
	    "only /etc/shadow's content is read");
	fscheck_content("etc/shadow", shadow, strlen(shadow), &f);
	is_str(rules(&f), "shadow-password-hash:etc/shadow",
	    "password hashes in /etc/shadow are one finding");
	ok(f.n == 1 && f.v[0].kind == FINDING_SECRET && f.v[0].line == 3,
	    "a secret, at the first such line");
	ok(f.n == 1 && strstr(f.v[0].detail, "2 accounts") != NULL &&
	    strstr(f.v[0].detail, "(app, old)") != NULL &&
	    strstr(f.v[0].detail, "$6$") == NULL, "naming the accounts, a "
	    "locked one too, never the hash: %s", f.n ? f.v[0].detail : "");
	findings_free(&f);
	shadow = "root:*::0:::::\nx:!::0:::::\n";
	fscheck_content("etc/shadow", shadow, strlen(shadow), &f);
	is_str(rules(&f), "", "locked and passwordless accounts are not");
	shadow = "\xff\xfe:$1$abcdefgh$ijklmnopqrstuvwxyz:";
	fscheck_content("etc/shadow", shadow, strlen(shadow), &f);
	ok(f.n == 1 && strstr(f.v[0].detail, "(?" "?)") != NULL,
	    "an account name that is not plain text is not copied: %s",
	    f.n ? f.v[0].detail : "");
	findings_free(&f);
	ok(fscheck_wants("root/.pypirc") && fscheck_wants(".pypirc"),
	    ".pypirc's content is read");
	shadow = "[distutils]\nindex-servers = internal\n[internal]\n"
	    "repository = https://pypi.example.com\nusername = alice\n"
	    "password = Xk3pQ9zLm2\n";
	fscheck_content("root/.pypirc", shadow, strlen(shadow), &f);
	is_str(rules(&f), "pypirc-password:root/.pypirc", "a .pypirc password "
	    "is a secret");
	ok(f.n == 1 && f.v[0].kind == FINDING_SECRET && f.v[0].line == 6 &&
	    strstr(f.v[0].detail, "Xk3p") == NULL, "at its line, the value "
	    "not copied: %s", f.n ? f.v[0].detail : "");
	findings_free(&f);
	shadow = "[pypi]\npassword = pypi-AgEIcHlwaS5vcmcXXXX\n"
	    "password: ${TWINE_PASSWORD}\n";
	fscheck_content("root/.pypirc", shadow, strlen(shadow), &f);
	is_str(rules(&f), "", "a token (its own rule) and a template are not");
	fscheck_free(fs);
	return done_testing();
}
