/*
 * Charts through gnuplot's svg terminal, all of them in one gnuplot run
 * (start-up costs more than a chart). The script and the data files live
 * in a private mkdtemp directory and gnuplot runs with that directory as
 * its working directory, so the script names files by fixed relative
 * names: no path from the environment, and no name from a binary, ever
 * appears in a command (gnuplot expands `backquotes` even inside quoted
 * strings). Labels are noenhanced, so '_' and '^' in names print as they
 * are. The svg terminal without 'mouse' writes no script.
 */
#include "common/common.h"
#include "reports/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int report_plot_init(struct report_plot *p)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	memset(p, 0, sizeof(*p));
	if (asprintf(&path, "%s/parakit-report.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		return -1;
	if (!mkdtemp(path)) {
		util_err("cannot create a temporary directory '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	p->dir = path;
	if (asprintf(&path, "%s/charts.gp", p->dir) < 0)
		return -1;
	p->script = fopen(path, "w");
	if (!p->script)
		util_err("cannot write '%s': %s", path, strerror(errno));
	free(path);
	if (!p->script)
		return -1;
	fputs(
	      "set terminal svg size 760,440 dynamic noenhanced font 'sans,12' background rgb 'white'\n"
	      "set termoption noenhanced\n"
	      "set datafile separator '\\t'\n"
	      "set border 3 lc rgb '#555555'\n"
	      "set tics nomirror textcolor rgb '#333333'\n"
	      "set grid lc rgb '#dddddd'\n"
	      "set key top right box opaque\n", p->script);
	return 0;
}

int report_plot_begin(struct report_plot *p)
{
	/* Reset what the previous chart set, keeping the common settings. */
	fprintf(p->script, "\nunset logscale\nunset title\nunset xlabel\nunset ylabel\n"
		"unset xtics\nunset ytics\nset xtics\nset ytics\nset xrange [*:*]\nset yrange [*:*]\n"
		"set key top right box opaque\nset style data lines\nset style fill empty\n"
		"set format x '%% h'\nset format y '%% h'\nset xtics norotate\nunset grid\nset grid\n"
		"set output 'c%d.svg'\n", p->n);
	return p->n++;
}

FILE *report_plot_data(struct report_plot *p, const char *name)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", p->dir, name) < 0)
		return NULL;
	f = fopen(path, "w");
	if (!f)
		util_err("cannot write '%s': %s", path, strerror(errno));
	free(path);
	return f;
}

void report_plot_cmd(struct report_plot *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(p->script, fmt, ap);
	va_end(ap);
	putc('\n', p->script);
}

/* The chart's <svg> element, without gnuplot's XML prologue. */
static char *read_svg(const char *dir, int i)
{
	char *path, *s, *svg = NULL;
	size_t len;

	if (asprintf(&path, "%s/c%d.svg", dir, i) < 0)
		return NULL;
	s = util_read_file(path, &len);
	if (!s)
		util_err("gnuplot wrote no chart '%s': %s", path, strerror(errno));
	else if (!(svg = strstr(s, "<svg")))
		util_err("gnuplot's chart '%s' holds no <svg>", path);
	else
		svg = xstrdup(svg);
	free(s);
	free(path);
	return svg;
}

int report_plot_run(struct report_plot *p)
{
	int status, err = 0;
	pid_t pid;

	if (fclose(p->script)) {
		p->script = NULL;
		util_err("cannot write the chart script: %s", strerror(errno));
		return -1;
	}
	p->script = NULL;
	if (!p->n)
		return 0;
	pid = fork();
	if (pid < 0) {
		util_err("cannot start gnuplot: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			dup2(fd, 0);
		if (chdir(p->dir) == 0)
			execlp(getenv("PARAKIT_GNUPLOT") ? getenv("PARAKIT_GNUPLOT") : "gnuplot",
			       "gnuplot", "charts.gp", (char *)NULL);
		fprintf(stderr, "parakit report: cannot run gnuplot: %s\n", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			util_err("waiting for gnuplot: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		util_err("gnuplot failed (%s %d); is gnuplot (gnuplot-nox) installed?",
		         WIFEXITED(status) ? "exit status" : "signal",
		         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	p->svg = xcalloc(p->n, sizeof(*p->svg));
	for (int i = 0; i < p->n; i++)
		if (!(p->svg[i] = read_svg(p->dir, i)))
			err = -1;
	return err;
}

void report_plot_release(struct report_plot *p)
{
	DIR *d;
	struct dirent *e;

	if (p->script)
		fclose(p->script);
	if (p->svg)
		for (int i = 0; i < p->n; i++)
			free(p->svg[i]);
	free(p->svg);
	if (p->dir && (d = opendir(p->dir))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
		rmdir(p->dir);
	}
	free(p->dir);
	memset(p, 0, sizeof(*p));
}
