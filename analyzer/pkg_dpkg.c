/*
 * Which installed Debian package owns a loose file: dpkg's status file
 * gives each package's version, architecture and dependencies, and
 * info/<name>[:<arch>].list the paths it installed. Loaded once, on the
 * first loose file that needs it, into a hash map of paths (about 150,000 on
 * a desktop install, a few MB), read-only after that and so shared by all
 * workers without a lock.
 *
 * Debian 12 merged /usr, but many packages still list /lib/x or /bin/x: a
 * file found at /usr/lib/x is looked up under both names, and the name dpkg
 * lists is the one recorded, so that it matches the same file's path inside
 * the package's .deb.
 */
#include "analyzer/scan.h"
#include "common/common.h"
#include "common/strmap.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct dpkg_pkg {
	char *name, *version, *arch, *depends, *pre_depends;
};

static const char *admin_dir = "/var/lib/dpkg";
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct dpkg_pkg *pkgs;
static size_t n_pkgs;
static struct strmap by_name = STRMAP_INIT;	/* "name" and "name:arch" -> index */
static struct strmap by_path = STRMAP_INIT;	/* listed path -> index */

static char *field_dup(const char *para, size_t len, const char *name)
{
	size_t n;
	const char *v = pkg_field(para, len, name, &n);

	return v ? xstrndup(v, n) : NULL;
}

static void load_status(void)
{
	char path[4096], *text;
	size_t len, cap = 0;

	snprintf(path, sizeof(path), "%s/status", admin_dir);
	if (!(text = util_read_file(path, &len)))
		return;	/* not a Debian system: loose files stay unattributed */
	for (char *p = text; p < text + len;) {
		char *end = strstr(p, "\n\n");
		size_t plen = end ? (size_t)(end - p) + 1 : (size_t)(text + len - p);
		struct dpkg_pkg d = { 0 };
		char key[512];

		d.name = field_dup(p, plen, "Package");
		if (d.name) {
			d.version = field_dup(p, plen, "Version");
			d.arch = field_dup(p, plen, "Architecture");
			d.depends = field_dup(p, plen, "Depends");
			d.pre_depends = field_dup(p, plen, "Pre-Depends");
			if (!d.version)
				d.version = xstrdup("");
			if (!d.arch)
				d.arch = xstrdup("");
			pkgs = xgrow(pkgs, &cap, n_pkgs + 1, sizeof(*pkgs));
			pkgs[n_pkgs] = d;
			strmap_put(&by_name, d.name, strlen(d.name), n_pkgs);
			snprintf(key, sizeof(key), "%s:%s", d.name, d.arch);
			strmap_put(&by_name, key, strlen(key), n_pkgs);
			n_pkgs++;
		}
		p += plen + 1;
	}
	free(text);
}

static void load_lists(void)
{
	char dir[4096], path[8192];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/info", admin_dir);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int64_t *idx;
		char *text, *save = NULL;

		if (n < 6 || strcmp(de->d_name + n - 5, ".list"))
			continue;
		if (!(idx = strmap_get(&by_name, de->d_name, n - 5)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!(text = util_read_file(path, NULL)))
			continue;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			strmap_put(&by_path, l, strlen(l), *idx);
		free(text);
	}
	closedir(d);
}

static void load(void)
{
	load_status();
	if (n_pkgs)
		load_lists();
}

void pkg_dpkg_load(const char *admindir)
{
	if (admindir)
		admin_dir = admindir;
}

int pkg_dpkg_owner(const char *path, struct pkg_dpkg_owner *out)
{
	const char *tries[2] = { path, NULL };
	int64_t *idx = NULL;

	pthread_once(&once, load);
	if (!strncmp(path, "/usr/", 5))
		tries[1] = path + 4;
	for (int i = 0; i < 2 && tries[i] && !idx; i++) {
		idx = strmap_get(&by_path, tries[i], strlen(tries[i]));
		if (idx)
			out->listed_path = tries[i];
	}
	if (!idx)
		return -1;
	out->name = pkgs[*idx].name;
	out->version = pkgs[*idx].version;
	out->arch = pkgs[*idx].arch;
	out->depends = pkgs[*idx].depends;
	out->pre_depends = pkgs[*idx].pre_depends;
	return 0;
}
