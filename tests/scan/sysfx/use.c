/* Calls lib.c's fx_entry (tests/scan/syscalls-fixtures.sh, -aarch64.sh). */
long fx_entry(long x);

int main(int argc, char **argv)
{
	(void)argv;
	return fx_entry(argc) == 3;
}
