//@ common
/*
 * Family sock: sockets through libpk (OP_SOCKET, ACCEPT, CONNECT, SEND,
 * RECV, SENDMSG, RECVMSG on its ring, or the kernel's calls: libpk
 * chooses per call, and an O_NONBLOCK socket always gets the kernel's,
 * which keeps its EAGAIN and EINPROGRESS).
 */

//@ fn socket: socket
SHIM_EXPORT int socket(int domain, int type, int protocol)
{
	SHIM_REAL(socket);
	int fd;

	if (shim_enter()) {
		fd = pk_socket(domain, type, protocol);
		shim_leave();
	} else {
		fd = real ? real(domain, type, protocol) : (int)syscall(SYS_socket, domain, type, protocol);
	}
	shim_fd_forget(fd);
	return fd;
}

//@ fn accept: accept
SHIM_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	SHIM_REAL(accept);
	int r;

	if (shim_enter()) {
		r = pk_accept(fd, addr, len);
		shim_leave();
	} else {
		r = real ? real(fd, addr, len) : (int)syscall(SYS_accept, fd, addr, len);
	}
	shim_fd_forget(r);
	return r;
}

//@ fn accept4: accept4
SHIM_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	SHIM_REAL(accept4);
	int r;

	if (shim_enter()) {
		r = pk_accept4(fd, addr, len, flags);
		shim_leave();
	} else {
		r = real ? real(fd, addr, len, flags) : (int)syscall(SYS_accept4, fd, addr, len, flags);
	}
	shim_fd_forget(r);
	return r;
}

//@ fn connect: connect
SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	SHIM_REAL(connect);

	if (shim_enter())
		SHIM_ROUTE(pk_connect(fd, addr, len));
	return real ? real(fd, addr, len) : (int)syscall(SYS_connect, fd, addr, len);
}

//@ fn send: send
SHIM_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	SHIM_REAL(send);

	if (shim_enter())
		SHIM_ROUTE(pk_send(fd, buf, n, flags));
	return real ? real(fd, buf, n, flags) : syscall(SYS_sendto, fd, buf, n, flags, NULL, 0);
}

//@ fn recv: recv __recv_chk
SHIM_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	SHIM_REAL(recv);

	if (shim_enter())
		SHIM_ROUTE(pk_recv(fd, buf, n, flags));
	return real ? real(fd, buf, n, flags) : syscall(SYS_recvfrom, fd, buf, n, flags, NULL, NULL);
}

SHIM_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		__builtin_trap();
	return recv(fd, buf, n, flags);
}

//@ fn sendto: sendto
SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			   const struct sockaddr *to, socklen_t len)
{
	SHIM_REAL(sendto);

	if (shim_enter())
		SHIM_ROUTE(pk_sendto(fd, buf, n, flags, to, len));
	return real ? real(fd, buf, n, flags, to, len) : syscall(SYS_sendto, fd, buf, n, flags, to, len);
}

//@ fn recvfrom: recvfrom __recvfrom_chk
SHIM_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
			     struct sockaddr *from, socklen_t *len)
{
	SHIM_REAL(recvfrom);

	if (shim_enter())
		SHIM_ROUTE(pk_recvfrom(fd, buf, n, flags, from, len));
	return real ? real(fd, buf, n, flags, from, len) : syscall(SYS_recvfrom, fd, buf, n, flags, from, len);
}

SHIM_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
				   struct sockaddr *from, socklen_t *len)
{
	if (n > buflen)
		__builtin_trap();
	return recvfrom(fd, buf, n, flags, from, len);
}

//@ fn sendmsg: sendmsg
SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	SHIM_REAL(sendmsg);

	if (shim_enter())
		SHIM_ROUTE(pk_sendmsg(fd, msg, flags));
	return real ? real(fd, msg, flags) : syscall(SYS_sendmsg, fd, msg, flags);
}

//@ fn recvmsg: recvmsg
SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	SHIM_REAL(recvmsg);

	if (shim_enter())
		SHIM_ROUTE(pk_recvmsg(fd, msg, flags));
	return real ? real(fd, msg, flags) : syscall(SYS_recvmsg, fd, msg, flags);
}
