/*
 * Bash completion from the option tables: a function _parakit_<cmd> per
 * command (its options, the values of those that take a fixed set, files
 * and directories where an option or the arguments name one) and
 * _parakit, which completes the command's name and calls its function.
 *
 * A command's function walks the words before the cursor as its parser
 * would: an option that takes an argument skips it, "--" ends the
 * options, and for a command that runs another one (UTIL_ARGS_COMMAND:
 * trace, shim --run) so does the first argument. Bash's COMP_WORDBREAKS
 * splits "--level=fibers" at '=': only "--level fibers" is completed.
 */
#include "common/common.h"
#include "common/options.h"

#include <string.h>

/* Whether the option's argument is completed, and how (compgen's flags). */
static const char *value_action(const struct util_option *o)
{
	if (o->flags & UTIL_OPT_DIR)
		return "-d";
	if (o->flags & UTIL_OPT_FILE)
		return "-f";
	return NULL;
}

static void words(FILE *f, const char *const *v)
{
	fputs(" -W '", f);
	for (size_t i = 0; v[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", v[i]);
	fputc('\'', f);
}

/* "-d|--db" */
static void pattern(FILE *f, const struct util_option *o)
{
	if (o->short_name)
		fprintf(f, "-%c%s", o->short_name, o->long_name ? "|" : "");
	if (o->long_name)
		fprintf(f, "--%s", o->long_name);
}

static int takes_value(const struct util_option *o)
{
	return o->kind == UTIL_OPT_INT || o->kind == UTIL_OPT_STRING || o->kind == UTIL_OPT_ENUM ||
	       (o->kind == UTIL_OPT_CALLBACK && !(o->flags & UTIL_OPT_NOARG));
}

void util_opt_complete(FILE *f, const struct util_option *opts, const struct util_usage *u)
{
	const struct util_option *o;
	int any = 0, stop = u->args == UTIL_ARGS_COMMAND;

	fprintf(f, "\n_parakit_%s()\n{\n"
		   "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} i n=0 rest=0\n\n"
		   "\tfor ((i = $1 + 1; i < COMP_CWORD; i++)); do\n"
		   "\t\tif ((rest)); then\n\t\t\t((n++))\n\t\t\tcontinue\n\t\tfi\n"
		   "\t\tcase ${COMP_WORDS[i]} in\n"
		   "\t\t--) rest=1 n=0 ;;\n", util_cmd_name);
	for (o = opts; o->kind != UTIL_OPT_END; o++)
		if (takes_value(o)) {
			fputs(any++ ? "|" : "\t\t", f);
			pattern(f, o);
		}
	if (any)
		fputs(") ((i++)) ;;\n", f);
	fprintf(f, "\t\t-*) ;;\n\t\t*) ((n++))%s ;;\n\t\tesac\n\tdone\n", stop ? "; rest=1" : "");

	fputs("\tif ((!rest)); then\n\t\tcase $prev in\n", f);
	for (o = opts; o->kind != UTIL_OPT_END; o++) {
		const char *action = value_action(o);

		if (!takes_value(o))
			continue;
		fputs("\t\t", f);
		pattern(f, o);
		fputs(")", f);
		if (action || o->values) {
			fprintf(f, " _parakit_reply \"$cur\"%s%s", action ? " " : "", action ? action : "");
			if (o->values)
				words(f, o->values);
			fputc(';', f);
		}
		fputs(" return ;;\n", f);
	}
	fputs("\t\tesac\n\t\tcase $cur in\n\t\t-*)\n\t\t\t_parakit_reply \"$cur\" -W '", f);
	for (o = opts; o->kind != UTIL_OPT_END; o++)
		if (o->kind != UTIL_OPT_SUBCOMMAND && o->long_name)
			fprintf(f, "--%s ", o->long_name);
	fprintf(f, "--%s'\n\t\t\treturn ;;\n\t\tesac\n", util_opt_help.long_name);
	any = 0;
	for (o = opts; o->kind != UTIL_OPT_END; o++)
		if (o->kind == UTIL_OPT_SUBCOMMAND)
			fprintf(f, "%s%s", any++ ? " " : "\t\tif ((n == 0)); then\n\t\t\t_parakit_reply \"$cur\" -W '",
				o->long_name);
	if (any)
		fputs("'\n\t\t\treturn\n\t\tfi\n", f);
	fputs("\tfi\n", f);
	switch (u->args) {
	case UTIL_ARGS_NONE:
		break;
	case UTIL_ARGS_FILES:
		fputs("\t_parakit_reply \"$cur\" -f\n", f);
		break;
	case UTIL_ARGS_DIRS:
		fputs("\tif ((rest)); then\n\t\t_parakit_reply \"$cur\" -f\n"
		      "\telse\n\t\t_parakit_reply \"$cur\" -d\n\tfi\n", f);
		break;
	case UTIL_ARGS_COMMAND:
		fputs("\tif ((n == 0)); then\n\t\t_parakit_reply \"$cur\" -c\n"
		      "\telse\n\t\t_parakit_reply \"$cur\" -f\n\tfi\n", f);
		break;
	}
	fputs("}\n", f);
}

void util_complete_main(FILE *f, const char *const *cmds, size_t n)
{
	fputs("# bash completion for parakit, written by 'parakit --completion' from its\n"
	      "# commands' option tables: what parakit CMD --help says is what completes.\n\n"
	      "# _parakit_reply CUR [-f|-d|-c] [-W WORDS]: the words compgen gives for CUR,\n"
	      "# one per line (file names may hold spaces).\n"
	      "_parakit_reply()\n{\n"
	      "\tlocal cur=$1\n\n\tshift\n"
	      "\tcase $1 in\n\t-f|-d) compopt -o filenames 2>/dev/null ;;\n\tesac\n"
	      "\tmapfile -t COMPREPLY < <(compgen \"$@\" -- \"$cur\")\n}\n\n"
	      "_parakit()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} i cmds='", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", cmds[i]);
	fputs("'\n\n\tCOMPREPLY=()\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n"
	      "\t\t-*) ;;\n"
	      "\t\thelp)\n"
	      "\t\t\t((COMP_CWORD == i + 1)) && _parakit_reply \"$cur\" -W \"$cmds\"\n"
	      "\t\t\treturn ;;\n"
	      "\t\t*)\n"
	      "\t\t\tdeclare -F \"_parakit_${COMP_WORDS[i]}\" >/dev/null && \"_parakit_${COMP_WORDS[i]}\" \"$i\"\n"
	      "\t\t\treturn ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tcase $cur in\n"
	      "\t-*) _parakit_reply \"$cur\" -W '--help --version' ;;\n"
	      "\t*) _parakit_reply \"$cur\" -W \"help $cmds\" ;;\n"
	      "\tesac\n}\n\n"
	      "complete -F _parakit parakit\n", f);
}
