/*
 * Network namespaces for the AF_XDP test and benchmark
 * (tests/runtime/xdp-udp.c, bench/pk-udp-echo.c): a shell command built
 * like printf, and entering a namespace made with 'ip netns add'.
 */
#ifndef NETNS_H
#define NETNS_H

#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Runs the command @fmt formats with /bin/sh; returns system()'s status. */
static inline int __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Moves the calling thread into the network namespace @ns: 0 or -1. */
static inline int enter_ns(const char *ns)
{
	char path[128];
	int fd, r;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r;
}

#endif
