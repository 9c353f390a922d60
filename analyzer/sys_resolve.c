/*
 * Binding a binary's imports as the dynamic linker would (issue 17), and
 * the cache of library maps that makes it cheap.
 *
 * The objects a binary loads are found breadth first from its DT_NEEDED,
 * each name searched as glibc's ld.so searches it: DT_RPATH (of the
 * object asking, when it has no DT_RUNPATH, then of the executable),
 * DT_RUNPATH, /etc/ld.so.cache, then the default directories, $ORIGIN
 * expanded; LD_LIBRARY_PATH is left out, so that a scan does not depend
 * on the shell it runs in. Each path is looked up first among the members
 * of the archive being scanned (a package's private libraries), then on
 * this machine; an object of another ABI is passed over, as ld.so does.
 * An import binds to the first object of that order that defines it
 * (glibc's check_match: a versioned reference wants its version, an
 * unversioned one the default), to the set of system calls that function
 * can reach. An import nothing defines adds "unknown" (unless weak).
 *
 * A library's map (each exported function's set, its imports bound the
 * same way from its own DT_NEEDED) is made once per content: the process
 * keeps every map it made or read, by hash, and the database keeps them
 * across runs (table syscall_lib), so libc is analysed once per database.
 * A map is keyed by its library's content and the stamp of the analysis
 * (SYS_MAP_STAMP): when what a map means changes, the stamp does, and a
 * database's maps made by an older parakit are not read (nor merged over
 * new ones: db merge matches the key), the library is analysed again.
 * NEEDSWORK: the key leaves out the libraries its imports were bound to,
 * whatever the machine held then.
 *
 * Sets are interned: with indirect calls over-approximated, many functions
 * of a library reach the same set.
 */
#include "analyzer/sys.h"
#include "analyzer/sys_req.h"
#include "analyzer/elf.h"
#include "common/common.h"
#include "common/strmap.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define LD_CACHE "/etc/ld.so.cache"
#define MAX_SCOPE 512

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- interned sets ---- */

static const struct sys_set **sets;
static size_t sets_cap, sets_len;

static const struct sys_set *intern_locked(const struct sys_set *s)
{
	uint64_t h;
	size_t i;

	if (2 * (sets_len + 1) > sets_cap) {
		const struct sys_set **old = sets;
		size_t ocap = sets_cap;

		sets_cap = sets_cap ? 2 * sets_cap : 1024;
		sets = xcalloc(sets_cap, sizeof(*sets));
		for (size_t k = 0; k < ocap; k++)
			if (old[k]) {
				h = XXH3_64bits(old[k], sizeof(*old[k]));
				for (i = h & (sets_cap - 1); sets[i]; i = (i + 1) & (sets_cap - 1))
					;
				sets[i] = old[k];
			}
		free(old);
	}
	h = XXH3_64bits(s, sizeof(*s));
	for (i = h & (sets_cap - 1); sets[i]; i = (i + 1) & (sets_cap - 1))
		if (!memcmp(sets[i], s, sizeof(*s)))
			return sets[i];
	sets[i] = memcpy(xmalloc(sizeof(*s)), s, sizeof(*s));
	sets_len++;
	return sets[i];
}

const struct sys_set *sys_set_intern(const struct sys_set *s)
{
	const struct sys_set *r;

	pthread_mutex_lock(&lock);
	r = intern_locked(s);
	pthread_mutex_unlock(&lock);
	return r;
}

/* ---- maps ---- */

static struct strmap by_hash;		/* hash -> index in maps */
static struct sys_map **maps;
static size_t n_maps, cap_maps;
static struct sys_db_cache db_cache;

void sys_set_db_cache(const struct sys_db_cache *c)
{
	pthread_mutex_lock(&lock);
	db_cache = c ? *c : (struct sys_db_cache){ 0 };
	pthread_mutex_unlock(&lock);
}

static struct sys_map *cached(const char *hash)
{
	int64_t *i;
	struct sys_map *m = NULL;

	pthread_mutex_lock(&lock);
	if ((i = strmap_get(&by_hash, hash, strlen(hash))))
		m = maps[*i];
	pthread_mutex_unlock(&lock);
	return m;
}

/* Keeps m, or returns the copy another thread kept first (m freed). */
static struct sys_map *keep(struct sys_map *m)
{
	int64_t *i;
	struct sys_map *r;

	pthread_mutex_lock(&lock);
	if ((i = strmap_get(&by_hash, m->hash, strlen(m->hash)))) {
		r = maps[*i];
	} else {
		maps = xgrow(maps, &cap_maps, n_maps + 1, sizeof(*maps));
		maps[n_maps] = m;
		strmap_put(&by_hash, m->hash, strlen(m->hash), n_maps++);
		r = m;
	}
	pthread_mutex_unlock(&lock);
	if (r != m)
		sys_map_free(m);
	return r;
}

/*
 * The maps of this machine's files, by path: a library was opened, mapped
 * and hashed again for every binary that loads it (the apt cache's 4,900
 * binaries load some 40,000). A path's map is taken while the file is
 * still the one it was made from (device, inode, size, mtime).
 */
struct seen {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	const struct sys_map *map;
};
static struct strmap by_path;
static struct seen *seen;
static size_t n_seen, cap_seen;

static const struct sys_map *seen_map(const char *path, const struct stat *st)
{
	const struct sys_map *m = NULL;
	const struct seen *f;
	int64_t *i;

	pthread_mutex_lock(&lock);
	if ((i = strmap_get(&by_path, path, strlen(path)))) {
		f = &seen[*i];
		if (f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
		    f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec)
			m = f->map;
	}
	pthread_mutex_unlock(&lock);
	return m;
}

static void remember(const char *path, const struct stat *st, const struct sys_map *m)
{
	struct seen f = { st->st_dev, st->st_ino, st->st_size, st->st_mtim, m };
	int64_t *i;

	pthread_mutex_lock(&lock);
	if ((i = strmap_get(&by_path, path, strlen(path)))) {
		seen[*i] = f;
	} else {
		seen = xgrow(seen, &cap_seen, n_seen + 1, sizeof(*seen));
		seen[n_seen] = f;
		strmap_put(&by_path, path, strlen(path), n_seen++);
	}
	pthread_mutex_unlock(&lock);
}

static int cmp_fn(const void *x, const void *y)
{
	const struct sys_fn *p = x, *q = y;
	int c = strcmp(p->name, q->name);

	return c ? c : strcmp(p->version ? p->version : "", q->version ? q->version : "");
}

void sys_map_free(struct sys_map *m)
{
	if (!m)
		return;
	free(m->fn);
	free(m->needed);
	free(m->strs);
	free(m);
}

/* Copies s into the map's strings at *off; NULL stays NULL. */
static const char *put_str(struct sys_map *m, size_t *off, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strcpy(m->strs + *off, s);
	*off += strlen(s) + 1;
	return d;
}

static size_t len0(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

struct sys_map *sys_map_new(const char *hash, enum sys_abi abi, const struct sys_link *link, size_t n,
			    const char *const *names, const char *const *versions, const int *is_default,
			    const struct sys_set *sets_in, const struct sys_set *entry)
{
	struct sys_map *m = xcalloc(1, sizeof(*m));
	size_t len = 1, off = 1;

	snprintf(m->hash, sizeof(m->hash), "%s", hash);
	m->abi = abi;
	for (size_t i = 0; i < n; i++)
		len += (names[i] ? strlen(names[i]) : 0) + 1 + len0(versions[i]);
	len += len0(link->soname) + len0(link->rpath) + len0(link->runpath);
	for (size_t i = 0; i < link->n_needed; i++)
		len += len0(link->needed[i]);
	m->strs = xmalloc(len);
	m->strs[0] = 0;
	m->fn = xcalloc(n ? n : 1, sizeof(*m->fn));
	m->n = n;
	m->soname = put_str(m, &off, link->soname);
	m->rpath = put_str(m, &off, link->rpath);
	m->runpath = put_str(m, &off, link->runpath);
	m->needed = xcalloc(link->n_needed + 1, sizeof(*m->needed));
	for (size_t i = 0; i < link->n_needed; i++)
		if (link->needed[i])
			m->needed[m->n_needed++] = put_str(m, &off, link->needed[i]);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n; i++) {
		m->fn[i].name = put_str(m, &off, names[i] ? names[i] : "");
		m->fn[i].version = put_str(m, &off, versions[i]);
		m->fn[i].is_default = is_default[i];
		m->fn[i].set = intern_locked(&sets_in[i]);
		m->versioned |= !!versions[i];
	}
	if (entry) {
		m->has_entry = 1;
		m->entry = intern_locked(entry);
	}
	pthread_mutex_unlock(&lock);
	qsort(m->fn, n, sizeof(*m->fn), cmp_fn);
	return m;
}

/*
 * The definition of name@ver (ver NULL: unversioned) in m, as glibc's
 * check_match decides, or NULL.
 */
static const struct sys_fn *map_lookup(const struct sys_map *m, const char *name, const char *ver)
{
	size_t lo = 0, hi = m->n;
	const struct sys_fn *found = NULL;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(m->fn[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->n && !strcmp(m->fn[lo].name, name); lo++) {
		const struct sys_fn *f = &m->fn[lo];

		if (ver) {
			if (!m->versioned || (f->version && !strcmp(f->version, ver)))
				return f;
			continue;
		}
		if (!f->version)
			return f;
		if (f->is_default && !found)
			found = f;
	}
	return found;
}

/* ---- finding objects ---- */

/* An object of a binary's scope: where it was found, its linkage, its map
 * (NULL for the head, whose own imports are being bound). */
struct obj {
	const struct sys_map *map;
	struct sys_link link;
	char path[PATH_MAX];
	const char *name;	/* the DT_NEEDED name it was loaded by */
};

struct ctx {
	const struct sys_members *m;
	enum sys_abi abi;
	struct sys_used *used;
};

static __thread char in_progress[16][33];
static __thread int n_in_progress;

static int is_in_progress(const char *hash)
{
	for (int i = 0; i < n_in_progress; i++)
		if (!strcmp(in_progress[i], hash))
			return 1;
	return 0;
}

static void note_used(struct ctx *c, const struct sys_map *m)
{
	if (!c->used || !m)
		return;
	for (size_t i = 0; i < c->used->n; i++)
		if (c->used->v[i] == m)
			return;
	c->used->v = xgrow(c->used->v, &c->used->cap, c->used->n + 1, sizeof(*c->used->v));
	c->used->v[c->used->n++] = m;
}

static const struct sys_map *make_map(struct ctx *c, const struct sys_info *s, const char *path, const char *hash);

static void link_of_map(struct obj *o)
{
	o->link = (struct sys_link){ o->map->soname, o->map->rpath, o->map->runpath,
				     o->map->needed, o->map->n_needed };
}

/*
 * The stamp of the analysis in every map's key. 2: function extents from
 * .eh_frame, DT_RELR, labels and lea-taken code out of the indirect
 * calls' targets, libio vtable calls confined (issue 17's precision);
 * maps of 1 (the bare identity) are never read.
 */
#define SYS_MAP_STAMP "m2"

static void map_key(const char *hash, char key[SYS_MAP_KEY])
{
	snprintf(key, SYS_MAP_KEY, "%.32s.%s", hash, SYS_MAP_STAMP);
}

/* A map known by hash already: this process's, or the database's. */
static const struct sys_map *known_map(const char *hash)
{
	char key[SYS_MAP_KEY];
	struct sys_map *m;

	map_key(hash, key);
	if (!(m = cached(key)) && db_cache.get && (m = db_cache.get(db_cache.ctx, key)))
		m = keep(m);
	return m;
}

/* The map of the machine's file on fd (size bytes), made when new. */
static const struct sys_map *file_map(struct ctx *c, int fd, size_t size, const char *path)
{
	const struct sys_map *m = NULL;
	struct sys_req_lib *rl;
	struct sys_info info;
	const char *why;
	char hash[33];
	int ret;
	void *raw;
	Elf *e;

	raw = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (raw == MAP_FAILED)
		return NULL;
	if (!(e = elf_memory(raw, size)) || elf_identify(e, hash, &why) || is_in_progress(hash))
		goto out;
	if ((m = known_map(hash))) {
		if (m->abi != c->abi)
			m = NULL;
		goto out;
	}
	/* Another machine's library (ld.so.cache names x86-64's for an
	 * AArch64 binary's DT_NEEDED) is passed over unread. */
	if (sys_elf_abi(e) != c->abi)
		goto out;
	/* Its request codes, in the same sweep (sys_requests.c). */
	rl = sys_req_lib_begin(path, fd, e, raw, size);
	ret = sys_analyze_hooked(e, raw, size, 0, &info, &why, sys_req_lib_hook(rl));
	sys_req_lib_end(rl, !ret);
	if (ret)
		goto out;
	if (info.abi == c->abi)
		m = make_map(c, &info, path, hash);
	sys_info_free(&info);
out:
	if (e)
		elf_end(e);
	munmap(raw, size);
	return m;
}

/*
 * Opens path as an object of the scope: an archive member first, then a
 * file of this machine. Fills o; returns 0, or -1 when there is none, it
 * cannot be read, or it is another ABI's.
 */
static int obj_open(struct ctx *c, const char *path, struct obj *o)
{
	const struct sys_info *mi;
	const char *mhash = NULL;
	struct stat st;
	int fd;

	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", path);
	/* A member whose identical copy is on this machine is read there. */
	if (c->m && c->m->lookup && (mi = c->m->lookup(c->m->ctx, path, &mhash)) && !mi->no_map) {
		if (mi->abi != c->abi || is_in_progress(mhash))
			return -1;
		o->map = make_map(c, mi, path, mhash);
	} else if (stat(path, &st) || !(o->map = seen_map(path, &st))) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size >= 64 &&
		    (o->map = file_map(c, fd, st.st_size, path)))
			remember(path, &st, o->map);
		close(fd);
	}
	if (!o->map || o->map->abi != c->abi)
		return -1;
	link_of_map(o);
	note_used(c, o->map);
	return 0;
}

/* /usr-merge: /lib/x and /usr/lib/x name one file on the machine, but an
 * archive member is listed under one of them. */
static int try_path(struct ctx *c, const char *path, struct obj *o)
{
	char alt[PATH_MAX];

	if (!obj_open(c, path, o))
		return 0;
	if (!c->m || !c->m->lookup)
		return -1;
	if (!strncmp(path, "/usr/", 5))
		snprintf(alt, sizeof(alt), "%s", path + 4);
	else if (path[0] == '/')
		snprintf(alt, sizeof(alt), "/usr%s", path);
	else
		return -1;
	{
		const char *h;
		const struct sys_info *mi = c->m->lookup(c->m->ctx, alt, &h);

		if (mi && mi->no_map)
			return obj_open(c, alt, o);
		if (!mi || mi->abi != c->abi || is_in_progress(h))
			return -1;
		memset(o, 0, sizeof(*o));
		snprintf(o->path, sizeof(o->path), "%s", alt);
		if (!(o->map = make_map(c, mi, alt, h)))
			return -1;
		link_of_map(o);
		note_used(c, o->map);
		return 0;
	}
}

static int try_dirs(struct ctx *c, const char *list, const char *name, const char *origin, struct obj *o)
{
	char path[PATH_MAX];

	while (list && *list) {
		size_t len = strcspn(list, ":;");
		int n;

		if (len >= 7 && (!strncmp(list, "$ORIGIN", 7) || !strncmp(list, "${ORIGIN}", 9))) {
			size_t skip = list[1] == '{' ? 9 : 7;

			n = snprintf(path, sizeof(path), "%s%.*s/%s", origin, (int)(len - skip), list + skip, name);
		} else {
			n = snprintf(path, sizeof(path), "%.*s/%s", (int)len, list, name);
		}
		if (len && n > 0 && (size_t)n < sizeof(path) && !try_path(c, path, o))
			return 0;
		list += len + (list[len] != 0);
	}
	return -1;
}

static char *ld_cache;
static size_t ld_cache_len;
static pthread_once_t ld_cache_once = PTHREAD_ONCE_INIT;

static void load_ld_cache(void)
{
	ld_cache = util_read_file(LD_CACHE, &ld_cache_len);
	if (!ld_cache)
		ld_cache_len = 0;
}

/* /etc/ld.so.cache, glibc's format "glibc-ld.so.cache1.1": entries of 24
 * bytes (flags, key, value, osversion, hwcap) after a 48-byte header,
 * tried in order (as ld.so reads it). */
static int try_cache(struct ctx *c, const char *name, struct obj *o)
{
	uint32_t nlibs;

	pthread_once(&ld_cache_once, load_ld_cache);
	if (ld_cache_len < 48 || memcmp(ld_cache, "glibc-ld.so.cache1.1", 20))
		return -1;
	memcpy(&nlibs, ld_cache + 20, 4);
	if (nlibs > (ld_cache_len - 48) / 24)
		return -1;
	for (uint32_t i = 0; i < nlibs; i++) {
		const char *e = ld_cache + 48 + (size_t)i * 24;
		uint32_t key, value;

		memcpy(&key, e + 4, 4);
		memcpy(&value, e + 8, 4);
		if (key >= ld_cache_len || value >= ld_cache_len ||
		    !memchr(ld_cache + key, 0, ld_cache_len - key) ||
		    !memchr(ld_cache + value, 0, ld_cache_len - value) || strcmp(ld_cache + key, name))
			continue;
		if (!try_path(c, ld_cache + value, o))
			return 0;
	}
	return -1;
}

#define CROSS_ROOT_AARCH64 "/usr/aarch64-linux-gnu"

/* Where Debian's cross packages put another ABI's libraries, as
 * qemu-user's -L takes it: the root the dynamic loader's path is read
 * under when the machine has none of its own. NULL: none. */
static const char *cross_root(enum sys_abi abi)
{
	return abi == SYS_ABI_AARCH64 && sys_native_abi() != SYS_ABI_AARCH64 ? CROSS_ROOT_AARCH64 : NULL;
}

static const char *default_dirs(enum sys_abi abi)
{
	switch (abi) {
	case SYS_ABI_X86_64: return "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib";
	case SYS_ABI_I386: return "/lib/i386-linux-gnu:/usr/lib/i386-linux-gnu:/lib32:/usr/lib32:/lib:/usr/lib";
	/* Debian's cross packages (libc6-arm64-cross) install an AArch64
	 * libc on an x86-64 machine under /usr/aarch64-linux-gnu. */
	case SYS_ABI_AARCH64:
		return "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:" CROSS_ROOT_AARCH64 "/lib:/lib:/usr/lib";
	default: return "/lib:/usr/lib";
	}
}

static void dir_of(const char *path, char *out, size_t size)
{
	char *slash;

	snprintf(out, size, "%s", path);
	if ((slash = strrchr(out, '/')))
		*slash = 0;
}

/* Finds DT_NEEDED name asked for by from (exe: the head of the scope, for
 * its DT_RPATH). */
static int find_needed(struct ctx *c, const char *name, const struct obj *from, const struct obj *exe,
		       struct obj *o)
{
	const struct sys_link *f = &from->link, *x = &exe->link;
	char origin[PATH_MAX], xorigin[PATH_MAX];

	if (strchr(name, '/'))
		return try_path(c, name, o);
	dir_of(from->path, origin, sizeof(origin));
	dir_of(exe->path, xorigin, sizeof(xorigin));
	if (!f->runpath && f->rpath && !try_dirs(c, f->rpath, name, origin, o))
		return 0;
	if (!f->runpath && from != exe && !x->runpath && x->rpath && !try_dirs(c, x->rpath, name, xorigin, o))
		return 0;
	if (f->runpath && !try_dirs(c, f->runpath, name, origin, o))
		return 0;
	if (!try_cache(c, name, o))
		return 0;
	return try_dirs(c, default_dirs(c->abi), name, origin, o);
}

/* The dynamic loader at path, or under the ABI's cross root (an AArch64
 * binary's /lib/ld-linux-aarch64.so.1 on an x86-64 machine). */
static int find_interp(struct ctx *c, const char *path, struct obj *o)
{
	const char *root = cross_root(c->abi);
	char alt[PATH_MAX];

	if (!try_path(c, path, o))
		return 0;
	if (!root || path[0] != '/' || snprintf(alt, sizeof(alt), "%s%s", root, path) >= (int)sizeof(alt))
		return -1;
	return try_path(c, alt, o);
}

/* The scope of objs[0] (its DT_NEEDED, breadth first) in objs[1..].
 * Returns the number of objects. */
static size_t load_scope(struct ctx *c, struct obj *objs, size_t max)
{
	size_t n = 1;

	for (size_t i = 0; i < n; i++) {
		const struct sys_link *l = &objs[i].link;

		for (size_t k = 0; k < l->n_needed && n < max; k++) {
			const char *name = l->needed[k];
			int seen = 0;

			for (size_t j = 1; j < n && !seen; j++)
				seen = !strcmp(objs[j].name, name) ||
				       (objs[j].map->soname && !strcmp(objs[j].map->soname, name));
			if (seen || find_needed(c, name, &objs[i], &objs[0], &objs[n]))
				continue;
			objs[n++].name = name;
		}
	}
	return n;
}

/* The head object of a scope: the file being bound, from its analysis. */
static void head_init(struct obj *o, const struct sys_info *s, const char *path, const char **needed)
{
	for (size_t i = 0; i < s->n_needed; i++)
		needed[i] = sys_str(s, s->needed[i]);
	o->link = (struct sys_link){ s->soname ? sys_str(s, s->soname) : NULL,
				     s->rpath ? sys_str(s, s->rpath) : NULL,
				     s->runpath ? sys_str(s, s->runpath) : NULL, needed, s->n_needed };
	snprintf(o->path, sizeof(o->path), "%s", path);
}

static const struct sys_set unknown_set = { .w = { [SYS_UNKNOWN / 64] = 1ull << (SYS_UNKNOWN % 64) } };
static const struct sys_set empty_set;

/* The set each import of s binds to in the scope objs[1..n); an import
 * nothing defines is unknown (nothing when weak). */
static void bind_all(const struct obj *objs, size_t n, const struct sys_info *s, const struct sys_set **out)
{
	for (size_t i = 0; i < s->n_imports; i++) {
		const char *name = sys_str(s, s->imports[i].name);
		const char *ver = s->imports[i].version ? sys_str(s, s->imports[i].version) : NULL;

		out[i] = NULL;
		for (size_t k = 1; k < n && !out[i]; k++) {
			const struct sys_fn *f = map_lookup(objs[k].map, name, ver);

			if (f)
				out[i] = f->set;
		}
		if (!out[i])
			out[i] = s->imports[i].weak ? &empty_set : &unknown_set;
	}
}

/* The scope of s at path, bound: objs (MAX_SCOPE) and bound (one per
 * import), for the caller to free with scope_release(). */
struct scope {
	struct obj *objs;
	size_t n;
	const char **needed;
	const struct sys_set **bound;
};

static void scope_load(struct ctx *c, const struct sys_info *s, const char *path, struct scope *sc)
{
	sc->objs = xcalloc(MAX_SCOPE, sizeof(*sc->objs));
	sc->needed = xcalloc(s->n_needed + 1, sizeof(*sc->needed));
	head_init(&sc->objs[0], s, path, sc->needed);
	sc->n = load_scope(c, sc->objs, MAX_SCOPE);
	sc->bound = xcalloc(s->n_imports + 1, sizeof(*sc->bound));
	bind_all(sc->objs, sc->n, s, sc->bound);
}

static void scope_release(struct scope *sc)
{
	free(sc->objs);
	free(sc->needed);
	free(sc->bound);
}

/* A library's map: each export's set with its imports bound. */
static const struct sys_map *make_map(struct ctx *c, const struct sys_info *s, const char *path, const char *hash)
{
	const char **names, **vers;
	char key[SYS_MAP_KEY];
	struct sys_set *fsets, *lsets, entry;
	uint8_t *ldone;
	struct sys_map *m;
	struct scope sc;
	int *defs;

	if ((m = (struct sys_map *)known_map(hash)))
		return m;
	if (n_in_progress >= (int)ARRAY_SIZE(in_progress))
		return NULL;
	snprintf(in_progress[n_in_progress++], 33, "%s", hash);
	scope_load(c, s, path, &sc);
	names = xcalloc(s->n_exports + 2, sizeof(*names));
	vers = xcalloc(s->n_exports + 2, sizeof(*vers));
	defs = xcalloc(s->n_exports + 2, sizeof(*defs));
	fsets = xcalloc(s->n_exports + 2, sizeof(*fsets));
	/* What each shared import list binds to, once: libLLVM's 52,000
	 * exports share a few hundred lists of hundreds of imports. */
	lsets = xcalloc(s->n_lists + 1, sizeof(*lsets));
	ldone = xcalloc(s->n_lists + 1, 1);
	for (size_t i = 0; i < s->n_exports; i++) {
		const struct sys_export *x = &s->exports[i];
		struct sys_set *l = x->list && x->list <= s->n_lists ? &lsets[x->list - 1] : NULL;

		names[i] = sys_str(s, x->name);
		vers[i] = x->version ? sys_str(s, x->version) : NULL;
		defs[i] = x->is_default;
		fsets[i] = x->set;
		if (l && !ldone[x->list - 1]) {
			for (uint32_t k = 0; k < x->n_imports; k++)
				sys_set_or(l, sc.bound[x->imports[k]]);
			ldone[x->list - 1] = 1;
		}
		if (l)
			sys_set_or(&fsets[i], l);
		else
			for (uint32_t k = 0; k < x->n_imports; k++)
				sys_set_or(&fsets[i], sc.bound[x->imports[k]]);
	}
	free(lsets);
	free(ldone);
	if (s->has_entry) {
		entry = s->entry;
		for (uint32_t k = 0; k < s->n_entry_imports; k++)
			sys_set_or(&entry, sc.bound[s->entry_imports[k]]);
	}
	/* The initialisers, as the function "". */
	names[s->n_exports] = SYS_INIT_FN;
	fsets[s->n_exports] = s->init;
	for (uint32_t k = 0; k < s->n_init_imports; k++)
		sys_set_or(&fsets[s->n_exports], sc.bound[s->init_imports[k]]);
	map_key(hash, key);
	m = keep(sys_map_new(key, s->abi, &sc.objs[0].link, s->n_exports + 1, names, vers, defs, fsets,
			     s->has_entry ? &entry : NULL));
	scope_release(&sc);
	free(names);
	free(vers);
	free(defs);
	free(fsets);
	n_in_progress--;
	return m;
}

/* ---- a binary's set ---- */

static void add_row(struct sys_rows *rows, const char *syscall, const char *via)
{
	rows->v = xgrow(rows->v, &rows->cap, rows->n + 1, sizeof(*rows->v));
	rows->v[rows->n].syscall = syscall;
	rows->v[rows->n].via = xstrdup(via);
	rows->n++;
}

void sys_resolve(const struct sys_info *s, const char *path, const char *hash, const struct sys_members *m,
		 struct sys_rows *rows, const struct sys_map **map, struct sys_used *used)
{
	struct ctx c = { .m = m, .abi = s->abi, .used = used };
	const struct sys_set *loader = NULL;
	struct obj interp = { 0 };
	struct sys_set all;
	struct scope sc;
	const struct sys_set **inits;
	int *counts;

	if (map)
		*map = NULL;
	if (s->is_static) {
		all = s->has_entry ? s->entry : s->direct;
		for (unsigned nr = 0; nr < SYS_MAX; nr++)
			if (sys_set_has(&all, nr))
				add_row(rows, sys_name(s->abi, nr), "direct");
		return;
	}
	if (s->soname && s->n_exports && !s->no_map) {
		const struct sys_map *mm = make_map(&c, s, path, hash);

		note_used(&c, mm);
		if (map)
			*map = mm;
	}
	scope_load(&c, s, path, &sc);
	if (s->interp && !find_interp(&c, sys_str(s, s->interp), &interp) && interp.map->has_entry)
		loader = interp.map->entry;
	/* What the libraries' initialisers and finalisers reach, by the
	 * library's name. */
	inits = xcalloc(sc.n + 1, sizeof(*inits));
	for (size_t k = 1; k < sc.n; k++) {
		const struct sys_fn *f = map_lookup(sc.objs[k].map, SYS_INIT_FN, NULL);

		inits[k] = f ? f->set : NULL;
	}
	/* Each syscall once, by the most telling way: direct, else the
	 * import with the smallest set that reaches it, else the loader. */
	counts = xcalloc(s->n_imports + 1, sizeof(*counts));
	for (size_t i = 0; i < s->n_imports; i++)
		counts[i] = strcmp(sys_str(s, s->imports[i].name), "syscall") ? sys_set_count(sc.bound[i]) : 0;
	for (unsigned nr = 0; nr < SYS_MAX; nr++) {
		const char *via = NULL;
		int best = SYS_MAX + 1;

		if (sys_set_has(&s->direct, nr)) {
			via = "direct";
		} else {
			for (size_t i = 0; i < s->n_imports; i++) {
				int k;

				/* syscall() was counted at its call sites. */
				if (!counts[i] || !sys_set_has(sc.bound[i], nr))
					continue;
				k = counts[i];
				if (k < best) {
					best = k;
					via = sys_str(s, s->imports[i].name);
				}
			}
			for (size_t k = 1; !via && k < sc.n; k++)
				if (inits[k] && sys_set_has(inits[k], nr))
					via = sc.objs[k].map->soname ? sc.objs[k].map->soname : sc.objs[k].name;
			if (!via && loader && sys_set_has(loader, nr))
				via = sys_str(s, s->interp);
		}
		if (via)
			add_row(rows, sys_name(s->abi, nr), via);
	}
	free(counts);
	free(inits);
	scope_release(&sc);
}
