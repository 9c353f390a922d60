/*
 * Description: libpk's own descriptors (each core's ring and eventfd, an
 * ordinary thread's ring) keep out of the program's numbers (issue 14): a
 * fiber program's first open is descriptor 3, as it is without libpk
 * (json_parse, ported at --level fibers, named another in its messages),
 * and so is a thread's after its first routed call; libpk's are marked
 * its own, above the program's.
 */
#include <fcntl.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

static int lowest_free(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void *main_fiber(void *arg)
{
	char c;
	int fd;

	(void)arg;
	fd = lowest_free();
	t_ok(fd == 3, "a fiber's first open is descriptor 3 (%d)", fd);
	fd = pk_open("/dev/null", O_RDONLY);
	t_ok(fd == 3 && pk_read(fd, &c, 1) == 0 && pk_close(fd) == 0, "pk_open too, and it reads through the ring (%d)",
	     fd);
	return NULL;
}

int main(void)
{
	int before = lowest_free(), n = 0, fd;
	char c;

	setenv("PK_ROUTE", "ring", 1);	/* an ordinary thread's calls take its ring too */
	if (t_pk_start(2, 5))
		return 1;
	t_ok(before == 3, "without libpk the first open is 3 (%d)", before);
	pk_run(main_fiber, NULL, NULL);
	for (fd = 3; fd < 1 << 20 && n < 4; fd++)
		n += pk_fd_internal(fd);
	t_ok(n == 4 && fd > 64, "libpk's four descriptors (two rings, two eventfds) are its own, high up (the last %d)",
	     fd - 1);
	fd = open("/dev/null", O_RDONLY);
	t_ok(pk_read(fd, &c, 1) == 0 && lowest_free() == 4 && n + pk_fd_internal(fd + 1) == 4,
	     "a thread's ring (PK_ROUTE=ring) takes no low number either");
	close(fd);
	pk_shutdown();
	return t_done();
}
