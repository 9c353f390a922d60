#include <stdio.h>
#include <string.h>

void say(const char *s)
{
	printf("%s %zu\n", s, strlen(s));
}
