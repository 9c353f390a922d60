/*
 * The page: one self-contained index.html. Inline CSS, the charts as
 * inline SVG, no script and nothing fetched from anywhere, so it reads the
 * same with scripts disabled, offline, or mailed as one file. Everything
 * that came from the database is escaped (report_escape.h); the captions
 * hold only our words and numbers.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/report_escape.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char css[] =
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;"
	"max-width:1100px;margin:0 auto;padding:0 24px 48px;background:#fff}"
	"header{border-bottom:3px solid #1f5fa8;margin-bottom:16px}"
	"h1{font-size:28px;margin:24px 0 4px}h2{font-size:21px;margin:36px 0 8px;"
	"border-bottom:1px solid #ccc;padding-bottom:4px}h3{font-size:16px;margin:20px 0 6px}"
	".sub{color:#555;margin:0 0 12px}nav ol{columns:2;margin:8px 0}"
	"table{border-collapse:collapse;margin:8px 0 4px;font-size:13.5px}"
	"th,td{padding:3px 9px;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}"
	"th{background:#f3f5f8;border-bottom:2px solid #c9d1dc}td.n,th.n{text-align:right;"
	"font-variant-numeric:tabular-nums;white-space:nowrap}tbody tr:nth-child(even){background:#fafbfc}"
	"td{word-break:break-word;max-width:520px}"
	"figure.chart{margin:16px 0;padding:8px;border:1px solid #e3e3e3;border-radius:4px}"
	"figure.chart svg{width:100%;height:auto;display:block}"
	"figcaption{color:#444;font-size:13.5px;margin-top:6px}"
	".more,.note{color:#555;font-size:13.5px}.empty{font-size:17px;padding:12px 16px;"
	"background:#fff8e1;border-left:4px solid #f0a500}code{font-size:13px}"
	".clip{max-height:7.5em;overflow:auto}"
	"footer{margin-top:40px;border-top:1px solid #ccc;color:#555;font-size:13px}";

static void charts(FILE *f, const struct report_ctx *r, const char *section)
{
	for (size_t i = 0; i < r->ncharts; i++) {
		const struct report_chart *c = &r->charts[i];

		if (strcmp(c->section, section))
			continue;
		fprintf(f, "<figure class=chart id=\"chart-%d\">\n%s\n<figcaption>%s</figcaption></figure>\n",
			c->plot, r->plot.svg[c->plot], c->caption ? c->caption : "");
	}
}

static const char *weights_sentence(const struct report_ctx *r)
{
	switch (r->corpus.weighting) {
	case REPORT_W_EQUAL:
		return "every package weighs the same (<code>--weights equal</code>): API importance is the "
		       "share of packages importing the function";
	case REPORT_W_POPCON:
		return "packages weigh their probability of being installed, from the popularity-contest "
		       "file given with <code>--popcon</code> (installations over the largest installation "
		       "count of the file; packages it does not name weigh 0), and importance is Tsai et "
		       "al.'s probability that an installation uses the function";
	default:
		return "packages weigh their PageRank over this corpus's own dependency graph (Depends, "
		       "Pre-Depends; the PackageRank idea of openEuler's musl study: a library many "
		       "packages depend on weighs more), rescaled to sum 1 over the packages with ELF "
		       "files; importance is the weighted share of packages importing the function";
	}
}

static void section(FILE *f, const char *id, const char *title)
{
	fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
}

static void scan_body(FILE *f, struct report_ctx *r)
{
	struct report_corpus *c = &r->corpus;
	size_t top = r->top;

	section(f, "linkage", "POSIX functions by package share (Figure 1 reproduced)");
	fprintf(f, "<p>A package uses a function when one of its ELF files imports it (Atlidakis et al., "
		   "EuroSys '16); shares are over the %zu packages with ELF files. glibc's renames are "
		   "undone first (<code>__printf_chk</code> counts as <code>printf</code>).</p>\n", c->npkgs);
	charts(f, r, "linkage");
	if (r->have_pub)
		fprintf(f, "<p class=note>Compared with: ");
	if (r->have_pub) {
		report_html_s(f, r->pub.label);
		fprintf(f, ", %lld %s (from the first row's count and share). The paper states 1,096 "
			   "functions linked by at least one Ubuntu package, 306 by more than 1 %%, 47 by more "
			   "than 10 %%, 1 by more than 50 %% and 81 by none; the published column below counts "
			   "the shipped CSV against this catalogue the same way as this corpus.</p>\n",
			r->pub.total, r->pub.unit);
	}
	report_table_html(f, &r->tab[T_THRESHOLDS], 0);
	fprintf(f, "<h3>The most imported functions</h3>\n");
	report_table_html(f, &r->tab[T_FUNCTIONS], top);
	fputs("</section>\n", f);

	section(f, "categories", "Usage by category");
	charts(f, r, "categories");
	report_table_html(f, &r->tab[T_CATEGORIES], 0);
	fputs("</section>\n", f);

	section(f, "importance", "API importance");
	fprintf(f, "<p>API importance (Tsai et al., EuroSys '16): %s. The importance column of the "
		   "function table above and <a href=\"functions.csv\">functions.csv</a> give it for every "
		   "function.</p>\n", weights_sentence(r));
	if (c->weighting == REPORT_W_POPCON)
		fprintf(f, "<p class=note>%lld of the %zu packages were found in the popcon file.</p>\n",
			c->popcon_matched, c->npkgs);
	charts(f, r, "importance");
	fputs("</section>\n", f);

	section(f, "plan", "What a parakernel must implement first");
	fprintf(f, "<p>Weighted completeness of a set of functions (Tsai et al.): the weighted share of "
		   "packages all of whose POSIX imports are in the set; packages with no POSIX import count "
		   "as complete from the start. Two orders over the %zu imported functions: Tsai et al.'s, "
		   "by importance, and parakit's greedy order, which at each step takes the function with "
		   "the largest sum, over unfinished packages using it, of the package's weight divided by "
		   "the square of the number of functions it still misses.</p>\n", c->plan_len);
	charts(f, r, "plan");
	report_table_html(f, &r->tab[T_MILESTONES], 0);
	fprintf(f, "<h3>The plans, function by function</h3>\n");
	report_table_html(f, &r->tab[T_PLAN], top + 1);
	fputs("</section>\n", f);

	section(f, "nonposix", "Imported, but not POSIX");
	fprintf(f, "<p>Imported symbols that map to no POSIX function: glibc and Linux extensions "
		   "(origin <code>glibc</code>: bound to a <code>GLIBC_*</code> version), and the "
		   "interfaces of other libraries, by the number of packages importing them.</p>\n");
	report_table_html(f, &r->tab[T_NONPOSIX], top);
	fputs("</section>\n", f);

	section(f, "packages", "Per package");
	fprintf(f, "<p>Packages by the number of POSIX functions they import; weight under the report's "
		   "weights; \"complete after\": the number of functions of each plan after which all of "
		   "the package's POSIX imports are implemented (0: none needed). Each package's function "
		   "list is in <a href=\"packages.csv\">packages.csv</a>.</p>\n");
	report_table_html(f, &r->tab[T_PACKAGES], top);
	fputs("</section>\n", f);
}

/* A handful of programs is not a distribution: one line says so, and
 * their functions are listed with the share the published study gives. */
static void programs_body(FILE *f, struct report_ctx *r)
{
	struct report_corpus *c = &r->corpus;

	section(f, "linkage", "The POSIX functions these programs use");
	fprintf(f, "<p class=note id=small-corpus>%zu package%s with ELF files: fewer than %d, too few to draw "
		   "as a distribution, so Figure 1, the categories, API importance, the plans and the "
		   "package table are not drawn (their CSV and JSON files are written).</p>\n",
		c->npkgs, c->npkgs > 1 ? "s" : "", REPORT_DISTRIBUTION_MIN);
	fprintf(f, "<p>The %zu POSIX functions %s import%s", r->used_funcs,
		c->npkgs > 1 ? "they" : "it", r->have_pub ? ", with the share of packages importing each in " : ".");
	if (r->have_pub) {
		report_html_s(f, r->pub.label);
		fputs(" (the published column).", f);
	}
	fputs("</p>\n", f);
	report_table_html(f, &r->tab[T_FUNCTIONS], r->used_funcs ? r->used_funcs : 1);
	fputs("</section>\n", f);

	section(f, "nonposix", "Imported, but not POSIX");
	report_table_html(f, &r->tab[T_NONPOSIX], r->top);
	fputs("</section>\n", f);
}

/* The system call sections; one program's (sys_small) has no chart and
 * lists every call its binaries can issue. */
static void syscalls_body(FILE *f, struct report_ctx *r)
{
	struct report_corpus *s = &r->sys;
	size_t used = 0, top = r->top, shown, first, with_share = 0;

	for (size_t i = 0; i < s->nfuncs; i++)
		used += s->funcs[i].packages > 0;
	for (size_t i = 0; i < s->npkgs; i++)
		with_share += s->pkgs[i].nfuncs > 0;
	section(f, "syscalls", "System calls: what the binaries can ask of the kernel");
	fprintf(f, "<p>The system calls each binary can issue, found statically by <code>parakit scan "
		   "--syscalls</code> (its own <code>syscall</code> instructions, and what the functions it "
		   "imports reach in the libraries that define them: an over-approximation, see the README). "
		   "A package can issue a system call when one of its binaries can; %zu packages have a "
		   "binary whose set was found, and their binaries can issue %zu distinct system calls. "
		   "Numbers that are not constants (<code>unknown</code>) are no system call anyone could "
		   "implement: they are counted below, and left out of the sets.</p>\n", s->npkgs, used);
	if (r->sys_small)
		fprintf(f, "<p class=note id=small-syscalls>%zu package%s with a binary whose system calls were "
			   "found: fewer than %d, too few to draw as a distribution, so the importance, the "
			   "plans and the io_uring share are not drawn (their CSV and JSON files are "
			   "written).</p>\n", s->npkgs, s->npkgs == 1 ? "" : "s", REPORT_DISTRIBUTION_MIN);
	fputs("<h3>Binaries analysed</h3>\n", f);
	report_table_html(f, &r->tab[T_SYS_BINARIES], 0);
	fputs("<h3>Beside the published figures</h3>\n<p>Tsai et al. (EuroSys '16) found 224 system calls "
	      "of API importance 100 % over Ubuntu's installations (popularity-contest weights): here, the "
	      "system calls of importance 100 % under this report's weights. B-Side (2024) gives the mean "
	      "size of the sets its static analysis finds for 557 Debian binaries, and those of the two "
	      "tools it compares with over the same binaries; here, the mean and median over this "
	      "database's binaries whose set was found (<code>unknown</code> counted as one, as "
	      "<code>bench/syscall-footprint.sh</code> counts).</p>\n", f);
	report_table_html(f, &r->tab[T_SYS_PUBLISHED], 0);
	if (r->sys_small) {
		fprintf(f, "<h3>The system calls %s can issue</h3>\n", s->npkgs > 1 ? "they" : "it");
		report_table_html(f, &r->tab[T_SYSCALLS], used ? used : 1);
		fputs("<h3>How far io_uring reaches</h3>\n", f);
		report_table_html(f, &r->tab[T_SYS_URING], 0);
		report_table_html(f, &r->tab[T_SYS_PACKAGES], 0);
		fputs("</section>\n", f);
		return;
	}
	fputs("</section>\n", f);

	section(f, "sys_importance", "System call importance");
	fprintf(f, "<p>API importance (Tsai et al.) of each system call: %s. The table gives every system "
		   "call of the scan's ABI, 0 included, with its io_uring operation.</p>\n", report_weights_words(r));
	charts(f, r, "sys_importance");
	report_table_html(f, &r->tab[T_SYSCALLS], top);
	fputs("</section>\n", f);

	section(f, "sys_plan", "Which system calls a parakernel must offer first");
	fprintf(f, "<p>Weighted completeness over system calls: the weighted share of packages all of whose "
		   "system calls are in the set. The same two orders as for the POSIX functions over the %zu "
		   "system calls some package can issue: Tsai et al.'s, by importance, and parakit's greedy "
		   "order.</p>\n", s->plan_len);
	charts(f, r, "sys_plan");
	report_table_html(f, &r->tab[T_SYS_MILESTONES], 0);
	fputs("<h3>The plans, system call by system call</h3>\n", f);
	report_table_html(f, &r->tab[T_SYS_PLAN], top + 1);
	fputs("</section>\n", f);

	section(f, "io_uring", "How far io_uring already reaches");
	fputs("<p>A package's io_uring share: of the system calls its binaries can issue, those an io_uring "
	      "operation does the work of asynchronously (<code>catalog_io_uring</code>: <code>pread64</code> "
	      "by <code>IORING_OP_READ</code>, <code>accept4</code> by <code>IORING_OP_ACCEPT</code>...). "
	      "The rest (memory maps, signals, process control...) stays on a synchronous path.</p>\n", f);
	report_table_html(f, &r->tab[T_SYS_URING], 0);
	charts(f, r, "io_uring");
	/* The first rows, and the last rows with a share that they do not
	 * show already (packages with no system call come after them). */
	shown = top < with_share ? top : with_share;
	shown = shown > 10 ? 10 : shown;
	first = with_share - shown > shown ? with_share - shown : shown;
	fprintf(f, "<h3>The packages io_uring reaches furthest</h3>\n");
	report_table_html(f, &r->tab[T_SYS_PACKAGES], shown ? shown : 1);
	if (first < with_share) {
		fprintf(f, "<h3>... and least</h3>\n");
		report_table_html_range(f, &r->tab[T_SYS_PACKAGES], "bottom", first, with_share - first);
	}
	fputs("</section>\n", f);
}

static void trace_body(FILE *f, struct report_ctx *r)
{
	section(f, "traces", "Traces: where the time blocks");
	fprintf(f, "<p>%lld runs of <code>parakit trace</code>. Off-CPU time inside a syscall is time "
		   "the thread was blocked in it. The blocking share is given per thread-second: off-CPU "
		   "time inside syscalls over the run's thread time (the sum of its threads' lifetimes), "
		   "so it is at most 100 %%, and per class of syscall, since only blocking in I/O is what a "
		   "parakernel makes asynchronous: a pool of idle threads waiting in <code>futex</code> is "
		   "synchronisation, and <code>epoll_wait</code> is waiting for events. The last column, "
		   "off-CPU time summed over threads over wall time, passes 100 %% whenever threads block "
		   "at once.</p>\n", r->trace_runs);
	report_table_html(f, &r->tab[T_TRACE_RUNS], 0);
	fputs("<h3>Blocking by class of syscall</h3>\n", f);
	report_table_html(f, &r->tab[T_TRACE_CLASSES], 500);
	fputs("<h3>Syscalls observed to block</h3>\n", f);
	report_table_html(f, &r->tab[T_TRACE_BLOCKING], 500);
	charts(f, r, "traces");
	fputs("<h3>Every syscall of every run</h3>\n", f);
	report_table_html(f, &r->tab[T_TRACE_SYSCALLS], 500);
	fputs("</section>\n", f);
}

static void pairs_body(FILE *f, struct report_ctx *r)
{
	section(f, "pairs", "Before and after, per program");
	fprintf(f, "<p>The trace runs of %zu program%s side by side: plain, under a shim (a run of "
		   "<code>parakit shim --run</code>) and ported (a run of a file under a tree "
		   "<code>parakit port --apply</code> rewrote before the trace), each against the program's "
		   "latest plain run. A run's program is its <code>--label</code>, else the file its first "
		   "process ran; a label <code>NAME:VARIANT</code> names the variant the database cannot "
		   "tell. Kernel entries are syscalls; per unit of work when the run was given one "
		   "(<code>--work requests=N</code>), and the ratio is then per unit.</p>\n",
		r->pair_programs, r->pair_programs == 1 ? "" : "s");
	report_table_html(f, &r->tab[T_PAIRS], 0);
	charts(f, r, "pairs");
	fputs("<h3>I/O on io_uring, per opcode</h3>\n<p>Operations completed, and those the kernel "
	      "handed to an io-wq worker because it could not start them without blocking.</p>\n", f);
	report_table_html(f, &r->tab[T_PAIR_URING], 500);
	fputs("<h3>I/O syscalls left on the kernel path</h3>\n", f);
	report_table_html(f, &r->tab[T_PAIR_IO], 500);
	fputs("<h3>Why: the shim's and the port's decisions</h3>\n<p>For a shimmed run, "
	      "<code>v_shims</code> for its binary (routed through libpk, passed to libc, unsafe); for a "
	      "ported run, the sites of the port run that rewrote its tree (<code>v_port_sites</code>: "
	      "rewritten, or left with the reason).</p>\n", f);
	report_table_html(f, &r->tab[T_PAIR_DECISIONS], 500);
	fputs("</section>\n", f);
}

static void functions_body(FILE *f, struct report_ctx *r)
{
	section(f, "functions", "Functions linked and called");
	fprintf(f, "<p>%zu program%s traced by <code>parakit trace --functions</code>: per program, the "
		   "POSIX functions it links (its imports, when <code>parakit scan</code> saw the binary), "
		   "how many of them it called, those it links and never called, and those it called "
		   "through a path the scan did not see in it (a library it loaded with "
		   "<code>dlopen</code>). Beside each function, the share of the distribution's packages "
		   "that link it (this database's scan when it holds a distribution, else the published "
		   "data, as the last column says): a function a program calls often but few packages "
		   "link is one a compatibility layer cannot leave out for that program.</p>\n",
		r->fn_programs, r->fn_programs == 1 ? "" : "s");
	report_table_html(f, &r->tab[T_FN_PROGRAMS], 0);
	fputs("<h3>Hottest calls, then the functions linked and never called</h3>\n<p>Per program, the "
	      "functions it called, most calls first (time with <code>--latency</code>), then the "
	      "functions it links and never called. Calls from the executable are those a call "
	      "tracer on the program's own PLT (<code>ltrace</code>) would see.</p>\n", f);
	report_table_html(f, &r->tab[T_FN_CALLS], 1000);
	fputs("</section>\n", f);
}

static void src_body(FILE *f, struct report_ctx *r)
{
	section(f, "source", "Source: where the calls are");
	fprintf(f, "<p>%lld call sites of POSIX functions in C trees analysed by <code>parakit src</code> "
		   "(libclang): the places a port to a parakernel edits. Blocking functions are those the "
		   "catalogue marks so (I/O, sleeps, waits, locks).</p>\n", r->src_sites);
	fputs("<h3>Files by blocking call sites</h3>\n", f);
	report_table_html(f, &r->tab[T_SRC_FILES], 200);
	fputs("<h3>POSIX functions called, per tree</h3>\n", f);
	report_table_html(f, &r->tab[T_SRC_FUNCTIONS], 500);
	fputs("</section>\n", f);
}

static void sys_nav(FILE *f, const struct report_ctx *r)
{
	if (!r->have_sys)
		return;
	fputs("<li><a href=\"#syscalls\">System calls</a>", f);
	if (!r->sys_small)
		fputs("<li><a href=\"#sys_importance\">System call importance</a><li><a href=\"#sys_plan\">"
		      "System calls first</a><li><a href=\"#io_uring\">io_uring's reach</a>", f);
}

static void write_page(FILE *f, struct report_ctx *r)
{
	struct report_corpus *c = &r->corpus;
	char now[32];

	fputs("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
	      "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n<title>", f);
	report_html_s(f, r->title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
	report_html_s(f, r->title);
	fputs("</h1>\n<p class=sub>Database <code>", f);
	report_html_s(f, r->db_path);
	fprintf(f, "</code>; written %s by parakit %s; package weights: %s.</p>\n</header>\n",
		util_utc_now(now, sizeof(now)), PARAKIT_VERSION, report_weights_name(c->weighting));

	if (r->small) {
		fputs("<nav><ol><li><a href=\"#corpus\">The corpus</a><li><a href=\"#linkage\">Functions used</a>"
		      "<li><a href=\"#nonposix\">Not POSIX</a>", f);
		sys_nav(f, r);
		if (r->trace_runs)
			fputs("<li><a href=\"#pairs\">Before and after</a><li><a href=\"#traces\">Traces</a>", f);
		if (r->fn_programs)
			fputs("<li><a href=\"#functions\">Functions called</a>", f);
		if (r->src_sites)
			fputs("<li><a href=\"#source\">Source</a>", f);
		fputs("</ol></nav>\n", f);
	} else if (c->npkgs) {
		fputs("<nav><ol><li><a href=\"#corpus\">The corpus</a><li><a href=\"#linkage\">Functions by "
		      "package share</a><li><a href=\"#categories\">By category</a><li><a href=\"#importance\">"
		      "API importance</a><li><a href=\"#plan\">What to implement first</a><li><a "
		      "href=\"#nonposix\">Not POSIX</a><li><a href=\"#packages\">Per package</a>", f);
		sys_nav(f, r);
		if (r->trace_runs)
			fputs("<li><a href=\"#pairs\">Before and after</a><li><a href=\"#traces\">Traces</a>", f);
		if (r->fn_programs)
			fputs("<li><a href=\"#functions\">Functions called</a>", f);
		if (r->src_sites)
			fputs("<li><a href=\"#source\">Source</a>", f);
		fputs("</ol></nav>\n", f);
	}
	section(f, "corpus", "The corpus");
	if (!c->npkgs)
		fprintf(f, "<p class=empty id=empty>This database holds no scanned package with ELF files "
			   "(%lld packages, %lld binaries, %lld scan errors)%s. Fill it with "
			   "<code>parakit scan --db FILE PATH...</code> and run the report again.</p>\n",
			c->packages_all, c->binaries, c->errors,
			r->trace_runs ? "; its traces are below" : ", and no traces");
	else
		fprintf(f, "<p>%zu packages with ELF files (of %lld packages), %lld distinct ELF binaries, "
			   "%lld imports; %lld inputs could not be read and are listed with their reasons.</p>\n",
			c->npkgs, c->packages_all, c->binaries, c->imports, c->errors);
	report_table_html(f, &r->tab[T_CORPUS], 0);
	fputs("<h3>How the database was made</h3>\n", f);
	report_table_html(f, &r->tab[T_SCAN_RUNS], 0);
	if (r->tab[T_SCAN_ERRORS].nrows) {
		fputs("<h3>Inputs that could not be read</h3>\n", f);
		report_table_html(f, &r->tab[T_SCAN_ERRORS], 1000);
	}
	fputs("</section>\n", f);
	if (r->small)
		programs_body(f, r);
	else if (c->npkgs)
		scan_body(f, r);
	if (r->have_sys)
		syscalls_body(f, r);
	if (r->trace_runs) {
		pairs_body(f, r);
		trace_body(f, r);
	}
	if (r->fn_programs)
		functions_body(f, r);
	if (r->src_sites)
		src_body(f, r);
	fprintf(f, "<footer><p>Made by <code>parakit report</code> from the database's stable views and "
		   "scan tables. Every table is also in <code>NAME.csv</code> and <code>NAME.json</code> "
		   "next to this page. Names from binaries are shown as they are, escaped; control "
		   "characters and bytes that are not UTF-8 appear as <code>\\xHH</code>. In the JSON files "
		   "such bytes are <code>\\udcHH</code> (Python's surrogateescape); CSV cells beginning "
		   "with = + - @ get a leading apostrophe. Sources: Atlidakis et al., \"POSIX abstractions "
		   "in modern operating systems: the old, the new, and the missing\", EuroSys '16; Tsai et "
		   "al., \"A study of modern Linux API usage and compatibility\", EuroSys '16.</p></footer>\n"
		   "</body>\n</html>\n");
}

int report_html_write(struct report_ctx *r)
{
	char *path, *tmp;
	FILE *f;
	int ret = -1;

	if (asprintf(&path, "%s/index.html", r->dir) < 0)
		return -1;
	if (asprintf(&tmp, "%s/.index.html.tmp", r->dir) < 0) {
		free(path);
		return -1;
	}
	if (!(f = fopen(tmp, "w"))) {
		util_err("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	write_page(f, r);
	if (ferror(f) | fclose(f)) {
		util_err("cannot write '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path)) {
		util_err("cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(path);
	free(tmp);
	return ret;
}
