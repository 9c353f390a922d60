/*
 * The subcommands, one per part. Each lives in its part (cmd_scan in
 * analyzer/cmd_scan.c), parses its own options and returns the process's
 * exit status: 0 success, 1 failure, 2 bad usage.
 */
#ifndef PARAKIT_H
#define PARAKIT_H

int cmd_db(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_shim(int argc, char **argv);
int cmd_src(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif
