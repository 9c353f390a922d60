//@ common
/*
 * Family sleep: sleeps as io_uring TIMEOUT operations. A signal cuts them
 * short as POSIX says (EINTR, the time left in *rem).
 */

//@ fn nanosleep: nanosleep
SHIM_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	SHIM_REAL(nanosleep);

	if (shim_enter())
		SHIM_ROUTE(pk_nanosleep(req, rem));
	return real ? real(req, rem) : (int)syscall(SYS_nanosleep, req, rem);
}

//@ fn sleep: sleep
SHIM_EXPORT unsigned int sleep(unsigned int s)
{
	SHIM_REAL(sleep);

	if (shim_enter())
		SHIM_ROUTE(pk_sleep(s));
	return real ? real(s) : 0;
}

//@ fn usleep: usleep
SHIM_EXPORT int usleep(useconds_t us)
{
	SHIM_REAL(usleep);

	if (shim_enter())
		SHIM_ROUTE(pk_usleep(us));
	return real ? real(us) : 0;
}
