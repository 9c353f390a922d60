# Shared by the benchmarks: timing and the figure table. Sourced.
set -euo pipefail

# b_time VAR CMD...: runs CMD, stores its wall seconds in VAR and its peak
# RSS (MB) in VAR_rss; output goes to /dev/null, errors to stderr.
b_time() {
	local var=$1 out
	shift
	out=$(mktemp)
	/usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null || true
	read -r secs kb <"$out"
	rm -f "$out"
	printf -v "$var" '%s' "$secs"
	printf -v "${var}_rss" '%s' "$((kb / 1024))"
}

# b_ratio A B: A / B with three decimals.
b_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'
}

b_row() {
	printf '%-44s %10s %10s\n' "$@"
}

# b_cpu_time VAR CMD...: runs CMD (its output dropped), VAR its wall
# seconds, VAR_cpu its user + system seconds (on a shared machine the CPU
# time moves less with the load than the wall), VAR_rss its peak RSS in MB.
b_cpu_time() {
	local var=$1 out
	shift
	out=$(mktemp)
	/usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >/dev/null || true
	read -r secs user sys kb <"$out"
	rm -f "$out"
	printf -v "$var" '%s' "$secs"
	printf -v "${var}_cpu" '%s' "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
	printf -v "${var}_rss" '%s' "$((kb / 1024))"
}
