/*
 * The `swaplimit` command (check / eval), as a library so that unit tests
 * can drive it with an argv array and capture its output. main.c only
 * calls sl_cli_main(argc, argv, stdout, stderr).
 */
#ifndef SWAPLIMIT_CLI_H
#define SWAPLIMIT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes. */
#define SL_EXIT_OK     0
#define SL_EXIT_RULES  1   /* invalid rules, unreadable rules/plugstack file */
#define SL_EXIT_OVER   1   /* check: a term can promise more swap than a
			    * node has (the rule set is not acceptable) */
#define SL_EXIT_USAGE  2   /* bad command line; check: nodes or swap that
			    * cannot be read */

/*
 * Run the command. argv[0] is the program name, argv[1] the command
 * ("check", "eval", "--help", "--version"). Normal output goes to `out`,
 * errors to `err`. Returns the exit code. Reentrant with respect to
 * getopt (it resets optind), so it can be called many times in a process.
 */
int sl_cli_main(int argc, char *argv[], FILE *out, FILE *err);

/* Write s as a JSON string literal (quotes included), escaping what JSON
 * requires; bytes that are not valid UTF-8 become U+FFFD. NULL -> null. */
void sl_cli_json_string(FILE *f, const char *s);

#endif
