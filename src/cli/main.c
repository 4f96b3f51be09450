/* The swaplimit command: everything but main() lives in cli.c so that unit
 * tests can drive it. */
#include <stdio.h>

#include "cli.h"

int main(int argc, char *argv[])
{
	return sl_cli_main(argc, argv, stdout, stderr);
}
