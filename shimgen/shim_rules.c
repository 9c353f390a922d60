/*
 * Which imported symbols a shim routes through libpk, which it leaves to
 * libc and why, and which would break a program under a shim.
 *
 * A symbol is routed when libpk has a POSIX twin with the same signature,
 * return and errno (pk_read...: the catalogue's pk_equivalent, the one list
 * port reads too; shim_rules_untwinned checks) and a template block
 * implements every glibc name of it (read, __read_chk). I/O that libpk lacks stays on the kernel
 * path and says so; the rest of libc (no I/O) passes through silently.
 * The table is sorted by symbol for bsearch.
 */
#include "shimgen/shim.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A routed call goes where libpk decides, per call (pk.h): the reasons say
 * how, per descriptor kind, so that v_shims tells what runs where.
 */
static const char pk_call[] =
	"libpk, per call: an ordinary thread's goes to the kernel (one io_uring_enter per call costs "
	"1.1-20x the system call: bench/pk-thread-io), through its ring under PK_SQPOLL=1; a fiber's "
	"through its core's ring";
static const char pk_fd_call[] =
	"libpk, per call: an O_NONBLOCK pipe, socket or terminal to the kernel (it cannot block); "
	"otherwise an ordinary thread's to the kernel, through its ring under PK_SQPOLL=1; a fiber's "
	"through its core's ring, except on a socket, where the kernel is asked first without waiting "
	"and the ring only waits";
static const char pk_stream[] =
	"libpk: a stream (fopencookie) whose reads and writes go where libpk decides per call, "
	"as read and write do";

#define R(sym, block, family) { sym, block, family, SHIM_ROUTED, pk_call }
#define RF(sym, block, family) { sym, block, family, SHIM_ROUTED, pk_fd_call }
#define RS(sym, block) { sym, block, "stdio", SHIM_ROUTED, pk_stream }
#define K(sym, why) { sym, NULL, NULL, SHIM_PASSED, why }
#define U(sym, why) { sym, NULL, NULL, SHIM_UNSAFE, why }

static const char no_pk[] = "kernel path: libpk has no equivalent yet";
static const char stdio_std[] =
	"kernel path: stdio on stdin/stdout/stderr (glibc-internal read/write); fopen/fdopen streams: libpk";
static const char freopen_why[] =
	"kernel path: freopen reopens a stream in place (usually stdin or stdout) as a glibc file stream";

static const struct shim_rule rules[] = {
	K("__fprintf_chk", stdio_std),
	K("__getdelim", stdio_std),
	K("__isoc99_fscanf", stdio_std),
	K("__isoc99_scanf", stdio_std),
	R("__open64_2", "open", "open"),
	R("__open_2", "open", "open"),
	R("__openat64_2", "openat", "open"),
	R("__openat_2", "openat", "open"),
	K("__overflow", stdio_std),
	R("__poll_chk", "poll", "poll"),
	RF("__pread64_chk", "pread", "io"),
	RF("__pread_chk", "pread", "io"),
	K("__printf_chk", stdio_std),
	RF("__read_chk", "read", "io"),
	RF("__recv_chk", "recv", "sock"),
	RF("__recvfrom_chk", "recvfrom", "sock"),
	K("__uflow", stdio_std),
	K("__vfprintf_chk", stdio_std),
	K("__vprintf_chk", stdio_std),
	RF("accept", "accept", "sock"),
	RF("accept4", "accept4", "sock"),
	U("clone", "a task sharing the caller's memory and TLS would share its io_uring"),
	R("close", "close", "fd"),
	K("close_range", "passed; the shim keeps libpk's own descriptors out of the range"),
	K("closefrom", "passed; the shim keeps libpk's own descriptors out of the range"),
	RF("connect", "connect", "sock"),
	K("copy_file_range", no_pk),
	R("creat", "creat", "open"),
	R("creat64", "creat", "open"),
	K("dup", "passed; the shim tells libpk the numbers it returns are new (pk_fd_forget)"),
	K("dup2", "passed; the shim tells libpk the numbers it returns are new (pk_fd_forget)"),
	K("dup3", "passed; the shim tells libpk the numbers it returns are new (pk_fd_forget)"),
	K("epoll_pwait", no_pk),
	K("epoll_wait", no_pk),
	K("fallocate", no_pk),
	K("fallocate64", no_pk),
	K("fclose", "passed; the shim watches it (descriptor reuse); a stream the shim opened closes through libpk"),
	K("fcntl", "passed; the shim tells libpk of F_SETFL (O_NONBLOCK)"),
	K("fcntl64", "passed; the shim tells libpk of F_SETFL (O_NONBLOCK)"),
	R("fdatasync", "fdatasync", "sync"),
	RS("fdopen", "fdopen"),
	K("fflush", stdio_std),
	K("fflush_unlocked", stdio_std),
	K("fgetc", stdio_std),
	K("fgets", stdio_std),
	K("fgets_unlocked", stdio_std),
	RS("fopen", "fopen"),
	RS("fopen64", "fopen"),
	K("fprintf", stdio_std),
	K("fputc", stdio_std),
	K("fputc_unlocked", stdio_std),
	K("fputs", stdio_std),
	K("fputs_unlocked", stdio_std),
	K("fread", stdio_std),
	K("freopen", freopen_why),
	K("freopen64", freopen_why),
	K("fscanf", stdio_std),
	K("fstat", no_pk),
	K("fstat64", no_pk),
	K("fstatat", no_pk),
	K("fstatat64", no_pk),
	R("fsync", "fsync", "sync"),
	K("ftruncate", no_pk),
	K("ftruncate64", no_pk),
	K("fwrite", stdio_std),
	K("fwrite_unlocked", stdio_std),
	K("getc", stdio_std),
	K("getc_unlocked", stdio_std),
	K("getchar", stdio_std),
	K("getdelim", stdio_std),
	K("getline", stdio_std),
	K("ioctl", "passed; the shim tells libpk of FIONBIO (O_NONBLOCK)"),
	K("lseek", no_pk),
	K("lseek64", no_pk),
	K("mmap", "memory, not a call: page faults stay with the kernel"),
	K("mmap64", "memory, not a call: page faults stay with the kernel"),
	R("nanosleep", "nanosleep", "sleep"),
	R("open", "open", "open"),
	R("open64", "open", "open"),
	R("openat", "openat", "open"),
	R("openat64", "openat", "open"),
	K("pipe", "passed; the shim tells libpk the numbers it returns are new (pk_fd_forget)"),
	K("pipe2", "passed; the shim tells libpk the numbers it returns are new (pk_fd_forget)"),
	R("poll", "poll", "poll"),
	K("posix_fadvise", no_pk),
	K("posix_fadvise64", no_pk),
	K("ppoll", no_pk),
	RF("pread", "pread", "io"),
	RF("pread64", "pread", "io"),
	K("preadv", no_pk),
	K("preadv2", no_pk),
	K("printf", stdio_std),
	K("pselect", no_pk),
	K("putc", stdio_std),
	K("putc_unlocked", stdio_std),
	K("putchar", stdio_std),
	K("puts", stdio_std),
	RF("pwrite", "pwrite", "io"),
	RF("pwrite64", "pwrite", "io"),
	K("pwritev", no_pk),
	K("pwritev2", no_pk),
	RF("read", "read", "io"),
	RF("readv", "readv", "io"),
	RF("recv", "recv", "sock"),
	RF("recvfrom", "recvfrom", "sock"),
	RF("recvmsg", "recvmsg", "sock"),
	K("scanf", stdio_std),
	R("select", "select", "poll"),
	RF("send", "send", "sock"),
	K("sendfile", no_pk),
	K("sendfile64", no_pk),
	RF("sendmsg", "sendmsg", "sock"),
	RF("sendto", "sendto", "sock"),
	K("sigaction", "passed: libpk reads each handler's SA_RESTART with sigaction when a signal interrupts a routed call"),
	K("signal", "passed: libpk reads each handler's SA_RESTART with sigaction when a signal interrupts a routed call"),
	R("sleep", "sleep", "sleep"),
	RF("socket", "socket", "sock"),
	K("socketpair", "passed; the shim tells libpk the numbers it returns are new (pk_fd_forget)"),
	K("splice", no_pk),
	K("tee", no_pk),
	R("usleep", "usleep", "sleep"),
	K("vfprintf", stdio_std),
	K("vmsplice", no_pk),
	K("vprintf", stdio_std),
	K("wait", no_pk),
	K("waitpid", "kernel path: libpk's waitpid needs IORING_OP_WAITID (Linux 6.7), left to libc"),
	RF("write", "write", "io"),
	RF("writev", "writev", "io"),
};

static int cmp_rule(const void *k, const void *e)
{
	return strcmp(k, ((const struct shim_rule *)e)->symbol);
}

const struct shim_rule *shim_rule_find(const char *symbol, const char *posix_name,
				       struct shim_rule *buf)
{
	const struct shim_rule *r = bsearch(symbol, rules, sizeof(rules) / sizeof(rules[0]),
					    sizeof(rules[0]), cmp_rule);

	if (r)
		return r;
	memset(buf, 0, sizeof(*buf));
	buf->symbol = symbol;
	buf->decision = SHIM_PASSED;
	buf->reason = posix_name ? "libc: no I/O routed for it" : "libc: not a POSIX function";
	return buf;
}

const char *shim_decision_name(enum shim_decision d)
{
	switch (d) {
	case SHIM_ROUTED: return "routed";
	case SHIM_UNSAFE: return "unsafe";
	default: return "passed";
	}
}

/*
 * The first routed rule whose POSIX function the catalogue gives no libpk
 * twin (db_catalog_twin: the one list, which port reads too), or NULL. A
 * stream's twins are those of read and write, which do its I/O.
 */
const char *shim_rules_untwinned(void)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct shim_rule *r = &rules[i];

		if (r->decision != SHIM_ROUTED)
			continue;
		if (!strcmp(r->family, "stdio") ? !db_catalog_twin("read") || !db_catalog_twin("write")
						: !db_catalog_twin(r->block))
			return r->symbol;
	}
	return NULL;
}

int shim_rules_sorted(void)
{
	for (size_t i = 1; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i - 1].symbol, rules[i].symbol) >= 0)
			return 0;
	return 1;
}
