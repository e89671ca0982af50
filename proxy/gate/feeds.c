#include "proxy/gate/feeds.h"
#include "proxy/fleet/artifact.h"
#include "proxy/registry/fetch.h"
#include "proxy/registry/regclient.h"
#include "scan/advisory/replica.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The largest download taken (osv.dev's biggest exports: a few hundred MiB). */
#define FEEDS_MAX_DOWNLOAD	(4ULL << 30)
/* A folder feed is walked this deep, no deeper. */
#define FEEDS_MAX_DEPTH		8

struct feed {
	/* From the configuration. */
	char			 name[65];
	const char		*url, *path, *ca_file;	/* the conf's */
	uint64_t		 interval;
	time_t			 next;		/* the thread's own */
	/* Shared with the loop, under feeds.mu. */
	time_t			 checked;	/* last known current; 0 never */
	time_t			 changed;	/* last imported */
	unsigned long long	 failures, imports;
	char			 error[300];
	char			 etag[256], last_modified[128];
	long long		 mtime, size;	/* a path: what was imported */
};

struct feeds {
	const struct conf	*conf;		/* feeds: fixed until restart */
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 stop;
	char			 exe[4096];
	struct feed		*v;
	int			 n;
};

/* Load what earlier runs learned of each configured feed. */
static void
feeds_load(struct feeds *fs)
{
	char	 path[4096];
	json_t	*j, *o;
	int	 i;

	snprintf(path, sizeof(path), "%s/feeds.json", fs->conf->state_dir);
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return;
	for (i = 0; i < fs->n; i++) {
		struct feed *f = &fs->v[i];

		if ((o = json_object_get(j, f->name)) == NULL ||
		    json_is_string(json_object_get(o, "url")) != (f->url != NULL) ||
		    (f->url != NULL && strcmp(f->url, json_string_value(
		    json_object_get(o, "url"))) != 0))
			continue;	/* another source now: start afresh */
		f->checked = (time_t)json_integer_value(json_object_get(o,
		    "checked"));
		f->changed = (time_t)json_integer_value(json_object_get(o,
		    "changed"));
		f->mtime = json_integer_value(json_object_get(o, "mtime"));
		f->size = json_integer_value(json_object_get(o, "size"));
		snprintf(f->etag, sizeof(f->etag), "%s", json_string_value(
		    json_object_get(o, "etag")) ?: "");
		snprintf(f->last_modified, sizeof(f->last_modified), "%s",
		    json_string_value(json_object_get(o, "last_modified")) ?:
		    "");
	}
	json_decref(j);
}

/* Written whole, then renamed: a crash leaves the old or the new. */
static void
feeds_save(struct feeds *fs)
{
	char	 path[4096], tmp[4200];
	json_t	*j = json_object();
	int	 i;

	pthread_mutex_lock(&fs->mu);
	for (i = 0; i < fs->n; i++) {
		struct feed *f = &fs->v[i];

		json_object_set_new(j, f->name, json_pack("{s:s?, s:I, s:I, "
		    "s:I, s:I, s:s, s:s}", "url", f->url, "checked",
		    (json_int_t)f->checked, "changed", (json_int_t)f->changed,
		    "mtime", (json_int_t)f->mtime, "size", (json_int_t)f->size,
		    "etag", f->etag, "last_modified", f->last_modified));
	}
	pthread_mutex_unlock(&fs->mu);
	snprintf(path, sizeof(path), "%s/feeds.json", fs->conf->state_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(j, tmp, JSON_INDENT(1)) == -1 ||
	    rename(tmp, path) == -1)
		log_warnx("feeds: cannot write %s; validators and ages are "
		    "lost at a restart", path);
	json_decref(j);
}

/* `portcullis db import -s state_dir path`, its exit status or -1. */
static int
feeds_import(struct feeds *fs, const char *path)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[] = { fs->exe, "db", "import", "-s",
					    fs->conf->state_dir, (char *)path,
					    NULL };
	pid_t				 pid;
	int				 st, rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	/* Its summary line is for terminals; its warnings go to our log. */
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, fs->exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		log_warn("feeds: cannot run %s", fs->exe);
		return -1;
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Under mu: the look failed; the data in use stays. */
static void
feeds_failed(struct feed *f, const char *why)
{
	f->failures++;
	snprintf(f->error, sizeof(f->error), "%.290s", why);
	log_warnx("feed %s: %s; the advisory data in use stays as it was",
	    f->name, why);
}

/* Import path for f: 0 current now, -1 not (said). Not under mu. */
static int
feeds_take(struct feeds *fs, struct feed *f, const char *path)
{
	char	why[300];
	int	rc = feeds_import(fs, path);

	pthread_mutex_lock(&fs->mu);
	if (rc == 0 || rc == 3) {
		f->checked = f->changed = time(NULL);
		f->imports++;
		f->error[0] = '\0';
		if (rc == 3)
			snprintf(f->error, sizeof(f->error), "imported, some "
			    "records rejected (see the log)");
		log_info("feed %s: imported%s", f->name, rc == 3 ?
		    ", some records rejected" : "");
	} else {
		snprintf(why, sizeof(why), "the import %s (the download is "
		    "corrupt, truncated or not advisory data)", rc == -1 ?
		    "could not run" : "failed");
		feeds_failed(f, why);
	}
	pthread_mutex_unlock(&fs->mu);
	return rc == 0 || rc == 3 ? 0 : -1;
}

/* An https feed: a conditional GET, then the import if it changed. */
static void
feeds_fetch(struct feeds *fs, struct feed *f)
{
	struct fetch_req	 r;
	char			 part[4096], dest[4200], err[300], base[96];
	char			 etag[256], lm[128];
	const char		*b;
	FILE			*out;
	int			 rv;
	size_t			 i;

	/* The import reads by extension: keep the URL's file name. */
	b = strrchr(f->url, '/');
	snprintf(base, sizeof(base), "%s", b && b[1] ? b + 1 : "export.zip");
	base[strcspn(base, "?#")] = '\0';
	for (i = 0; base[i] != '\0'; i++)
		if (!((base[i] >= 'a' && base[i] <= 'z') || (base[i] >= 'A' &&
		    base[i] <= 'Z') || (base[i] >= '0' && base[i] <= '9') ||
		    base[i] == '.' || base[i] == '-' || base[i] == '_'))
			base[i] = '_';
	snprintf(part, sizeof(part), "%s/feeds/%s.part", fs->conf->state_dir,
	    f->name);
	snprintf(dest, sizeof(dest), "%s/feeds/%s-%s", fs->conf->state_dir,
	    f->name, base);
	pthread_mutex_lock(&fs->mu);
	snprintf(etag, sizeof(etag), "%s", f->etag);
	snprintf(lm, sizeof(lm), "%s", f->last_modified);
	pthread_mutex_unlock(&fs->mu);
	if ((out = fopen(part, "w")) == NULL) {
		snprintf(err, sizeof(err), "%.200s: %s", part, strerror(errno));
		goto fail;
	}
	memset(&r, 0, sizeof(r));
	r.url = f->url;
	r.ca_file = f->ca_file;
	r.max = FEEDS_MAX_DOWNLOAD;
	r.out = out;
	r.if_none_match = etag;
	r.if_modified_since = lm;
	r.cancel = &fs->stop;
	rv = fetch_run(&r, err, sizeof(err));
	if (fclose(out) != 0 && rv == 0) {
		snprintf(err, sizeof(err), "writing the download: %s",
		    strerror(errno));
		rv = -1;
	}
	free(r.body);
	if (rv == -1)
		goto fail;
	if (r.status == 304) {
		pthread_mutex_lock(&fs->mu);
		f->checked = time(NULL);
		f->error[0] = '\0';
		pthread_mutex_unlock(&fs->mu);
		log_debug("feed %s: unchanged (304)", f->name);
		unlink(part);
		return;
	}
	if (r.status != 200) {
		snprintf(err, sizeof(err), "%.200s answered %d", f->url, r.status);
		goto fail;
	}
	if (rename(part, dest) == -1) {
		snprintf(err, sizeof(err), "%.200s: %s", dest, strerror(errno));
		goto fail;
	}
	if (feeds_take(fs, f, dest) == 0) {
		/* Only validators of data we took: a failed one is refetched. */
		pthread_mutex_lock(&fs->mu);
		snprintf(f->etag, sizeof(f->etag), "%s", r.etag);
		snprintf(f->last_modified, sizeof(f->last_modified), "%s",
		    r.last_modified);
		pthread_mutex_unlock(&fs->mu);
	}
	unlink(dest);
	return;
 fail:
	unlink(part);
	pthread_mutex_lock(&fs->mu);
	feeds_failed(f, err);
	pthread_mutex_unlock(&fs->mu);
}

/*
 * An oci://REPOSITORY:TAG feed: advisory data `db push` put in the
 * registry the proxy fronts, read with the scanner account. The tag's
 * manifest digest is the validator (kept as the etag): the data is
 * downloaded and imported only when it names other content. Every
 * instance following the tag ends up with the same data and version.
 */
static void
feeds_oci(struct feeds *fs, struct feed *f)
{
	struct regclient	 rc;
	char			 repo[256], dest[4200], err[512] = "";
	char			 mdg[72], etag[256], *body = NULL;
	const char		*r = f->url + 6, *colon = strrchr(r, ':');
	const char		*dg;
	json_t			*m = NULL, *l, *ann;
	struct artifact_key	 key;
	size_t			 len;
	int			 ok;

	memset(&rc, 0, sizeof(rc));
	snprintf(repo, sizeof(repo), "%.*s", (int)(colon - r), r);
	snprintf(dest, sizeof(dest), "%s/feeds/%s.advisories",
	    fs->conf->state_dir, f->name);
	pthread_mutex_lock(&fs->mu);
	snprintf(etag, sizeof(etag), "%s", f->etag);
	pthread_mutex_unlock(&fs->mu);
	if (regclient_upstream(&rc, fs->conf, 1, err, sizeof(err)) == -1)
		goto fail;
	rc.cancel = &fs->stop;
	if (regclient_manifest(&rc, repo, colon + 1, 1u << 20, &body, &len,
	    mdg, err, sizeof(err)) == -1)
		goto fail;
	if (strcmp(mdg, etag) == 0) {
		pthread_mutex_lock(&fs->mu);
		f->checked = time(NULL);
		f->error[0] = '\0';
		pthread_mutex_unlock(&fs->mu);
		log_debug("feed %s: unchanged (%s)", f->name, mdg);
		goto done;
	}
	if ((m = json_loadb(body, len, 0, NULL)) == NULL ||
	    (l = json_array_get(json_object_get(m, "layers"), 0)) == NULL ||
	    json_array_size(json_object_get(m, "layers")) != 1 ||
	    (dg = json_string_value(json_object_get(l, "digest"))) == NULL ||
	    json_string_value(json_object_get(l, "mediaType")) == NULL ||
	    strcmp(json_string_value(json_object_get(l, "mediaType")),
	    REPLICA_MEDIA_TYPE) != 0) {
		snprintf(err, sizeof(err), "%.200s is not advisory data that "
		    "db push made", f->url);
		goto fail;
	}
	/* Signed by a holder of the fleet's key, or not taken at all. */
	ann = json_object_get(m, "annotations");
	if (artifact_key_load(&key, fs->conf->fleet.key_file, err,
	    sizeof(err)) == -1)
		goto fail;
	ok = artifact_data_ok(&key, dg, (size_t)json_integer_value(
	    json_object_get(l, "size")), json_string_value(json_object_get(ann,
	    "io.portcullis.data.version")) ?: "", json_string_value(
	    json_object_get(ann, ARTIFACT_ANN_DATA_MAC)));
	explicit_bzero(&key, sizeof(key));
	if (!ok) {
		snprintf(err, sizeof(err), "%.200s is not signed with "
		    "fleet.key_file (pushed by someone else, or another "
		    "fleet's): not imported", f->url);
		goto fail;
	}
	if (regclient_blob(&rc, repo, dg, dest, FEEDS_MAX_DOWNLOAD, err,
	    sizeof(err)) == -1)
		goto fail;
	if (feeds_take(fs, f, dest) == 0) {
		pthread_mutex_lock(&fs->mu);
		snprintf(f->etag, sizeof(f->etag), "%s", mdg);
		pthread_mutex_unlock(&fs->mu);
	}
	goto done;
 fail:
	pthread_mutex_lock(&fs->mu);
	feeds_failed(f, err[0] ? err : "out of memory");
	pthread_mutex_unlock(&fs->mu);
 done:
	unlink(dest);
	free(body);
	json_decref(m);
	regclient_free(&rc);
}

/* A path's size and newest modification, folders walked. -1: unreadable. */
static int
feeds_stat(const char *path, int depth, long long *mtime, long long *size)
{
	struct stat	 sb;
	DIR		*d;
	struct dirent	*de;
	char		 sub[4096];
	int		 rv = 0;

	if (stat(path, &sb) == -1)
		return -1;
	if (sb.st_mtime > *mtime)
		*mtime = sb.st_mtime;
	if (!S_ISDIR(sb.st_mode)) {
		*size += sb.st_size;
		return 0;
	}
	if (depth > FEEDS_MAX_DEPTH || (d = opendir(path)) == NULL)
		return depth > FEEDS_MAX_DEPTH ? 0 : -1;
	while (rv == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rv = feeds_stat(sub, depth + 1, mtime, size);
	}
	closedir(d);
	return rv;
}

/* A local feed: imported when it changed since the last import. */
static void
feeds_local(struct feeds *fs, struct feed *f)
{
	long long	mtime = 0, size = 0;
	char		err[300];
	int		same;

	if (feeds_stat(f->path, 0, &mtime, &size) == -1) {
		snprintf(err, sizeof(err), "%.200s: %s", f->path, strerror(errno));
		pthread_mutex_lock(&fs->mu);
		feeds_failed(f, err);
		pthread_mutex_unlock(&fs->mu);
		return;
	}
	pthread_mutex_lock(&fs->mu);
	same = f->changed != 0 && f->mtime == mtime && f->size == size;
	if (same) {
		f->checked = time(NULL);
		f->error[0] = '\0';
	}
	pthread_mutex_unlock(&fs->mu);
	if (same || feeds_take(fs, f, f->path) == -1)
		return;
	pthread_mutex_lock(&fs->mu);
	f->mtime = mtime;
	f->size = size;
	pthread_mutex_unlock(&fs->mu);
}

static void *
feeds_thread(void *arg)
{
	struct feeds	*fs = arg;
	struct timespec	 until;
	time_t		 now, soonest;
	int		 i;

	pthread_mutex_lock(&fs->mu);
	while (!fs->stop) {
		pthread_mutex_unlock(&fs->mu);
		now = time(NULL);
		soonest = now + 3600;
		for (i = 0; i < fs->n && !fs->stop; i++) {
			struct feed *f = &fs->v[i];

			if (f->next <= now) {
				if (f->url != NULL && strncmp(f->url, "oci://",
				    6) == 0)
					feeds_oci(fs, f);
				else if (f->url != NULL)
					feeds_fetch(fs, f);
				else
					feeds_local(fs, f);
				feeds_save(fs);
				f->next = time(NULL) + (time_t)f->interval;
			}
			if (f->next < soonest)
				soonest = f->next;
		}
		pthread_mutex_lock(&fs->mu);
		until.tv_sec = soonest;
		until.tv_nsec = 0;
		if (!fs->stop)
			pthread_cond_timedwait(&fs->cv, &fs->mu, &until);
	}
	pthread_mutex_unlock(&fs->mu);
	return NULL;
}

struct feeds *
feeds_start(const struct conf *c)
{
	struct feeds	*fs;
	char		 dir[4096];
	ssize_t		 n;
	int		 i;

	if (c->nfeeds == 0)
		return NULL;
	if ((fs = calloc(1, sizeof(*fs))) == NULL ||
	    (fs->v = calloc((size_t)c->nfeeds, sizeof(*fs->v))) == NULL) {
		log_warn("%s", __func__);
		free(fs);
		return NULL;
	}
	fs->conf = c;
	fs->n = c->nfeeds;
	pthread_mutex_init(&fs->mu, NULL);
	pthread_cond_init(&fs->cv, NULL);
	for (i = 0; i < fs->n; i++) {
		snprintf(fs->v[i].name, sizeof(fs->v[i].name), "%s",
		    c->feeds[i].name);
		fs->v[i].url = c->feeds[i].url;
		fs->v[i].path = c->feeds[i].path;
		fs->v[i].ca_file = c->feeds[i].ca_file;
		fs->v[i].interval = c->feeds[i].interval;
	}
	/* The importer is this very program. */
	if ((n = readlink("/proc/self/exe", fs->exe, sizeof(fs->exe) - 1)) <= 0)
		goto fail;
	fs->exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s/feeds", c->state_dir);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_warn("feeds: %s", dir);
		goto fail;
	}
	feeds_load(fs);
	if (pthread_create(&fs->thread, NULL, feeds_thread, fs) != 0)
		goto fail;
	log_info("feeds: %d advisory feed(s) kept current", fs->n);
	return fs;
 fail:
	log_warnx("feeds: cannot start; advisory data is only what `portcullis "
	    "db import` brings");
	pthread_mutex_destroy(&fs->mu);
	pthread_cond_destroy(&fs->cv);
	free(fs->v);
	free(fs);
	return NULL;
}

void
feeds_stop(struct feeds *fs)
{
	if (fs == NULL)
		return;
	pthread_mutex_lock(&fs->mu);
	fs->stop = 1;
	pthread_cond_signal(&fs->cv);
	pthread_mutex_unlock(&fs->mu);
	/* A download in progress sees stop within 100 ms (fetch's poll). */
	pthread_join(fs->thread, NULL);
	pthread_mutex_destroy(&fs->mu);
	pthread_cond_destroy(&fs->cv);
	free(fs->v);
	free(fs);
}

int
feeds_stale(struct feeds *fs, unsigned long long max_age, time_t now,
    char *name, size_t len, long long *age)
{
	long long	worst = 0, a;
	int		i, stale = 0;

	if (fs == NULL || max_age == 0)
		return 0;
	pthread_mutex_lock(&fs->mu);
	for (i = 0; i < fs->n; i++) {
		a = fs->v[i].checked ? (long long)(now - fs->v[i].checked) : -1;
		if (a >= 0 && (unsigned long long)a <= max_age)
			continue;
		/* Never current counts as the worst; the first such is named. */
		if (!stale || (a == -1 && worst != -1) ||
		    (worst != -1 && a > worst)) {
			worst = a;
			snprintf(name, len, "%s", fs->v[i].name);
		}
		stale = 1;
	}
	pthread_mutex_unlock(&fs->mu);
	*age = worst;
	return stale;
}

void
feeds_metrics(struct feeds *fs, struct evbuffer *out)
{
	time_t	now = time(NULL);
	int	i;

	if (fs == NULL)
		return;
	evbuffer_add_printf(out, "# TYPE portcullis_feed_age_seconds gauge\n"
	    "# TYPE portcullis_feed_imports_total counter\n"
	    "# TYPE portcullis_feed_failures_total counter\n");
	pthread_mutex_lock(&fs->mu);
	for (i = 0; i < fs->n; i++) {
		const struct feed *f = &fs->v[i];

		evbuffer_add_printf(out,
		    "portcullis_feed_age_seconds{feed=\"%s\"} %lld\n"
		    "portcullis_feed_imports_total{feed=\"%s\"} %llu\n"
		    "portcullis_feed_failures_total{feed=\"%s\"} %llu\n",
		    f->name, f->checked ? (long long)(now - f->checked) : -1LL,
		    f->name, f->imports, f->name, f->failures);
	}
	pthread_mutex_unlock(&fs->mu);
}

void
feeds_annotate(struct feeds *fs, json_t *ann)
{
	time_t		 now = time(NULL);
	char		 key[128], val[64];
	struct tm	 tm;
	int		 i;

	if (fs == NULL)
		return;
	pthread_mutex_lock(&fs->mu);
	for (i = 0; i < fs->n; i++) {
		const struct feed *f = &fs->v[i];

		snprintf(key, sizeof(key), "dev.portcullis.feed.%s.checked-at",
		    f->name);
		val[0] = '\0';
		if (f->checked != 0 && gmtime_r(&f->checked, &tm) != NULL)
			strftime(val, sizeof(val), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_set_new(ann, key, json_string(val));
		snprintf(key, sizeof(key), "dev.portcullis.feed.%s.age-seconds",
		    f->name);
		snprintf(val, sizeof(val), "%lld", f->checked ?
		    (long long)(now - f->checked) : -1LL);
		json_object_set_new(ann, key, json_string(val));
	}
	pthread_mutex_unlock(&fs->mu);
}
