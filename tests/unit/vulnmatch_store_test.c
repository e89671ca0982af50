/*
 * Package-level matching through a real LMDB store: Debian
 * binary-to-source mapping and merging of advisories that name each
 * other. The records are test shapes (TEST-* ids), not advisories.
 */
#include "scan/advisory/osv.h"
#include "scan/advisory/vulnmatch.h"
#include "store/db.h"
#include "conf/log.h"
#include "tests/tap.h"

#include <stdlib.h>

static void
put(struct store *st, const char *json)
{
	struct tally s = { 0 };

	osv_import_record(st, json, strlen(json), "test", &s);
}

int
main(void)
{
	char			 dir[] = "/tmp/portcullis-vm.XXXXXX", cmd[300];
	char			 eco[4][64];
	struct store		*st;
	struct vulnmatch_pkg	 p;
	struct vulnmatch_finding *f = NULL;
	int			 n;

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL || (st = store_open(dir, 0)) == NULL)
		return 1;
	store_write_begin(st);
	/* Keyed by the source package, as Debian's records are. */
	put(st, "{\"id\":\"TEST-DSA-1\",\"aliases\":[\"CVE-TEST-1\"],"
	    "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
	    "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\"}],"
	    "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
	    "\"name\":\"openssl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
	    "\"events\":[{\"introduced\":\"0\"},{\"fixed\":"
	    "\"3.0.11-1~deb12u2\"}]}]}]}");
	/* The same CVE from another feed, rated differently. */
	put(st, "{\"id\":\"TEST-DEBIAN-CVE-1\",\"aliases\":[\"CVE-TEST-1\"],"
	    "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
	    "\"name\":\"openssl\"},\"database_specific\":{\"severity\":"
	    "\"critical\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"
	    "[{\"introduced\":\"0\"},{\"fixed\":\"3.0.11-1~deb12u2\"}]}]}]}");
	/* Another release's record must not match Debian 12. */
	put(st, "{\"id\":\"TEST-DSA-2\",\"affected\":[{\"package\":"
	    "{\"ecosystem\":\"Debian:11\",\"name\":\"openssl\"},\"ranges\":"
	    "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
	ok(store_write_commit(st) == STORE_OK, "test records stored");

	memset(&p, 0, sizeof(p));
	p.name = "libssl3";
	p.version = "3.0.11-1~deb12u1";
	p.source = "openssl";
	n = vulnmatch_package(st, "Debian:12", &p, &f);
	is_int(n, 1, "binary libssl3 found through its source, merged to one");
	if (n == 1) {
		char all[700];

		snprintf(all, sizeof(all), "%s,%s", f[0].id, f[0].aliases);
		ok(strstr(all, "CVE-TEST-1") && strstr(all, "TEST-DSA-1") &&
		    strstr(all, "TEST-DEBIAN-CVE-1"),
		    "both advisories and the CVE in one finding (%s)", all);
		is_str(f[0].severity, "CRITICAL", "worst severity wins");
		is_str(f[0].fixed, "3.0.11-1~deb12u2", "fix reported");
	}
	free(f);
	p.version = "3.0.11-1~deb12u2";
	n = vulnmatch_package(st, "Debian:12", &p, &f);
	is_int(n, 0, "fixed version is clean");
	free(f);
	/* A binNMU: binary version differs from the source version. */
	p.version = "3.0.11-1~deb12u1+b1";
	p.source_version = "3.0.11-1~deb12u1";
	n = vulnmatch_package(st, "Debian:12", &p, &f);
	is_int(n, 1, "source version used when the binary's differs");
	free(f);
	p.source = NULL;
	p.source_version = NULL;
	n = vulnmatch_package(st, "Debian:12", &p, &f);
	is_int(n, 0, "without the source mapping libssl3 matches nothing");
	free(f);

	is_int(vulnmatch_os_ecosystems("debian", "12", eco, 4), 1, "debian");
	is_str(eco[0], "Debian:12", "Debian:12");
	is_int(vulnmatch_os_ecosystems("alpine", "3.19.1", eco, 4), 1, "alpine");
	is_str(eco[0], "Alpine:v3.19", "Alpine:v3.19");
	is_int(vulnmatch_os_ecosystems("ubuntu", "22.04", eco, 4), 2, "ubuntu");
	is_str(eco[1], "Ubuntu:22.04:LTS", "Ubuntu LTS name too");
	is_int(vulnmatch_os_ecosystems("rocky", "9.3", eco, 4), 1, "rocky");
	is_str(eco[0], "Rocky Linux:9", "Rocky Linux:9");
	is_int(vulnmatch_os_ecosystems("opensuse-leap", "15.5", eco, 4), 1,
	    "opensuse-leap");
	is_str(eco[0], "openSUSE:Leap 15.5", "openSUSE:Leap 15.5");
	is_int(vulnmatch_os_ecosystems("sles", "15.5", eco, 4), 1, "sles");
	is_str(eco[0], "SUSE:Linux Enterprise Server 15 SP5", "SLES 15 SP5");
	vulnmatch_os_ecosystems("sles", "15", eco, 4);
	is_str(eco[0], "SUSE:Linux Enterprise Server 15", "SLES 15, no SP");
	is_int(vulnmatch_os_ecosystems("mageia", "9", eco, 4), 1, "mageia");
	is_str(eco[0], "Mageia:9", "Mageia:9");
	is_int(vulnmatch_os_ecosystems("plan9", "4", eco, 4), 0, "unknown os");

	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
