/* The library funcs.c dlopens: D umask and D getppid per call of funcs_dl_work(D). */
#include <sys/stat.h>
#include <unistd.h>

void funcs_dl_work(long d)
{
	for (long i = 0; i < d; i++) {
		umask(022);
		getppid();
	}
}
