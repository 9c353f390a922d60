#!/bin/bash
# Description: issue 14, tinyproxy's loop.c: pk.h in a strict ISO C unit
# (-std=c89 -ansi, no feature macro) that included <pthread.h> and
# <unistd.h> first, as a ported file does: glibc then hides POSIX's
# useconds_t and struct sigaction, and pk.h cannot ask for them that late.
# It compiles without a warning (-Wall -Wextra -Werror), links against
# libpk and runs a fiber's mutex and usleep.
. "$(dirname "$0")/../lib/t.sh"
t_require cc
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(dirname "$PARAKIT")/runtime
[ -f "$lib/libpk.so" ] || t_skip_all "libpk is not built in $lib"

cat > "$T_TMP/strict.c" <<'EOF2'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <pk.h>

static pk_mutex_t lock = PK_MUTEX_INITIALIZER;

static void *sleeper(void *arg)
{
	pk_mutex_lock(&lock);
	pk_usleep(1000);
	pk_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pk_fiber_t f;
	void *ret = NULL;

	if (pk_init(NULL) < 0 || pk_spawn(&f, sleeper, &lock) < 0 || pk_join(f, &ret) < 0)
		return 1;
	printf("%s\n", ret == (void *)&lock ? "joined" : "wrong value");
	return 0;
}
EOF2
t_ok "pk.h compiles in a -std=c89 -ansi unit after <pthread.h> and <unistd.h>, no warning" \
	cc -std=c89 -ansi -Wall -Wextra -Werror -I "$root/runtime" -c -o "$T_TMP/strict.o" "$T_TMP/strict.c"
t_ok "it links against libpk" cc -o "$T_TMP/strict" "$T_TMP/strict.o" -L "$lib" -Wl,-rpath,"$lib" -lpk
t_is "$("$T_TMP/strict" 2>&1)" "joined" "a fiber takes a mutex, sleeps with pk_usleep and is joined"
t_done
