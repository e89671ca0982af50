#include "scan/image/lifecycle.h"
#include "conf/log.h"

#include <jansson.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIFECYCLE_DISTRO_INFO	"/usr/share/distro-info"
#define LIFECYCLE_SUPPORT	"/usr/share/debian-security-support"
#define LIFECYCLE_MAX_RULES	4096

/* One release: "12" or "22.04", its name, end dates (YYYY-MM-DD). */
struct lifecycle_release {
	char	os[8];		/* "debian", "ubuntu" */
	char	version[16];
	char	name[48];
	char	eol[11];	/* regular support */
	char	eol_lts[11];	/* Debian LTS; "" when none */
};

/* A line of a security-support list: a source package pattern. */
struct lifecycle_rule {
	int	 release;	/* Debian major; 0: the limited list */
	regex_t	 re;
	char	*last;		/* last version with support ("" limited) */
	char	 date[11];
	char	*note;
};

static struct {
	pthread_once_t			 once;
	struct lifecycle_release	*rel;
	size_t				 nrel;
	struct lifecycle_rule		*rules;
	size_t				 nrules;
	int				 loaded;
} lc = { PTHREAD_ONCE_INIT, NULL, 0, NULL, 0, 0 };

/* CSV field i of line (no quoting in these files) into out. */
static void
lifecycle_field(const char *line, int i, char *out, size_t len)
{
	const char	*p = line;
	size_t		 n;

	while (i-- > 0 && (p = strchr(p, ',')) != NULL)
		p++;
	out[0] = '\0';
	if (p == NULL)
		return;
	n = strcspn(p, ",\n\r");
	snprintf(out, len, "%.*s", (int)n, p);
}

static void
lifecycle_csv(const char *os)
{
	char	 path[256], line[512], eolcol[16];
	FILE	*f;
	struct lifecycle_release *nr, *r;

	snprintf(path, sizeof(path), "%s/%s.csv", LIFECYCLE_DISTRO_INFO, os);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "version,", 8) == 0 || !(line[0] >= '0' &&
		    line[0] <= '9'))
			continue;
		if ((nr = reallocarray(lc.rel, lc.nrel + 1, sizeof(*nr))) ==
		    NULL)
			break;
		lc.rel = nr;
		r = &lc.rel[lc.nrel];
		memset(r, 0, sizeof(*r));
		snprintf(r->os, sizeof(r->os), "%s", os);
		lifecycle_field(line, 0, r->version, sizeof(r->version));
		/* "22.04 LTS": the version is its first word. */
		r->version[strcspn(r->version, " ")] = '\0';
		lifecycle_field(line, 2, r->name, sizeof(r->name));
		lifecycle_field(line, 5, r->eol, sizeof(r->eol));
		/* debian.csv: eol-lts; ubuntu.csv: eol-server. */
		lifecycle_field(line, 6, eolcol, sizeof(eolcol));
		if (strcmp(os, "debian") == 0)
			snprintf(r->eol_lts, sizeof(r->eol_lts), "%.10s", eolcol);
		lc.nrel++;
	}
	fclose(f);
}

/* A security-support list: "pattern version date note" or "pattern note". */
static void
lifecycle_list(const char *file, int release)
{
	char	 path[256], line[1024], pat[256], re[300];
	FILE	*f;
	struct lifecycle_rule *nr, *r;
	char	*p, *tok, *save;

	snprintf(path, sizeof(path), "%s/%s", LIFECYCLE_SUPPORT, file);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL &&
	    lc.nrules < LIFECYCLE_MAX_RULES) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || (tok = strtok_r(line, " \t", &save)) ==
		    NULL)
			continue;
		snprintf(pat, sizeof(pat), "%s", tok);
		if ((nr = reallocarray(lc.rules, lc.nrules + 1, sizeof(*nr))) ==
		    NULL)
			break;
		lc.rules = nr;
		r = &lc.rules[lc.nrules];
		memset(r, 0, sizeof(*r));
		r->release = release;
		/* The lists' patterns are regular expressions of whole names. */
		snprintf(re, sizeof(re), "^(%s)$", pat);
		if (regcomp(&r->re, re, REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		if (release != 0) {
			r->last = strdup((tok = strtok_r(NULL, " \t", &save)) ?
			    tok : "");
			snprintf(r->date, sizeof(r->date), "%.10s",
			    (tok = strtok_r(NULL, " \t", &save)) ? tok : "");
		} else
			r->last = strdup("");
		p = save;
		while (p != NULL && (*p == ' ' || *p == '\t'))
			p++;
		r->note = strdup(p ? p : "");
		if (r->last == NULL || r->note == NULL) {
			regfree(&r->re);
			free(r->last);
			free(r->note);
			continue;
		}
		lc.nrules++;
	}
	fclose(f);
}

static void
lifecycle_load(void)
{
	char	file[64];
	int	v;

	lifecycle_csv("debian");
	lifecycle_csv("ubuntu");
	for (v = 7; v <= 20; v++) {
		snprintf(file, sizeof(file), "security-support-ended.deb%d", v);
		lifecycle_list(file, v);
	}
	lifecycle_list("security-support-limited", 0);
	lc.loaded = lc.nrel > 0;
	if (!lc.loaded)
		log_info("lifecycle: no %s/debian.csv (package distro-info-data):"
		    " end of life is not checked", LIFECYCLE_DISTRO_INFO);
}

static const struct lifecycle_release *
lifecycle_release(const char *os_id, const char *version_id)
{
	char	v[16];
	size_t	i;

	if (os_id == NULL || version_id == NULL)
		return NULL;
	snprintf(v, sizeof(v), "%s", version_id);
	/* Debian's VERSION_ID is the major release ("12"). */
	if (strcmp(os_id, "debian") == 0)
		v[strcspn(v, ".")] = '\0';
	for (i = 0; i < lc.nrel; i++)
		if (strcmp(lc.rel[i].os, os_id) == 0 &&
		    strcmp(lc.rel[i].version, v) == 0)
			return &lc.rel[i];
	return NULL;
}

json_t *
lifecycle_of(const char *os_id, const char *version_id, json_t *packages)
{
	const struct lifecycle_release	*r;
	json_t				*out, *pk, *p;
	size_t				 i, k;
	int				 major;
	char				 name[96];

	pthread_once(&lc.once, lifecycle_load);
	if (!lc.loaded || (r = lifecycle_release(os_id, version_id)) == NULL)
		return NULL;
	snprintf(name, sizeof(name), "%s %s (%s)", strcmp(r->os, "debian") ==
	    0 ? "Debian" : "Ubuntu", r->version, r->name);
	/* The end of all free support: Debian's LTS when there is one. */
	out = json_pack("{s:s, s:{s:s, s:s?, s:s?}, s:[]}", "data",
	    "distro-info-data, debian-security-support", "os", "name", name,
	    "eol", r->eol_lts[0] ? r->eol_lts : r->eol[0] ? r->eol : NULL,
	    "eol_regular", r->eol_lts[0] && r->eol[0] ? r->eol : NULL,
	    "packages");
	if (out == NULL || strcmp(r->os, "debian") != 0)
		return out;
	pk = json_object_get(out, "packages");
	major = atoi(r->version);
	json_array_foreach(packages, i, p) {
		const char *type = json_string_value(json_object_get(p, "type"));
		const char *bin = json_string_value(json_object_get(p, "name"));
		const char *src = json_string_value(json_object_get(p, "source"));

		if (type == NULL || strcmp(type, "deb") != 0 || bin == NULL)
			continue;
		if (src == NULL)
			src = bin;
		for (k = 0; k < lc.nrules; k++) {
			const struct lifecycle_rule *u = &lc.rules[k];

			if ((u->release != 0 && u->release != major) ||
			    regexec(&u->re, src, 0, NULL, 0) != 0)
				continue;
			json_array_append_new(pk, json_pack("{s:s, s:s, s:s, "
			    "s:s?, s:s?, s:s}", "name", bin, "source", src,
			    "support", u->release ? "ended" : "limited", "date",
			    u->date[0] ? u->date : NULL, "last_supported",
			    u->last[0] ? u->last : NULL, "note", u->note));
			break;
		}
	}
	return out;
}
