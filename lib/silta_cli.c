/*  silta_cli.c - --help and --version for every program (silta_cli.h). */
#include "silta_cli.h"

#include <stdio.h>
#include <string.h>

int silta_cli_standard(int argc, char **argv, const char *prog, const char *usage)
{
    if (argc < 2)
        return -1;
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", prog, SILTA_VERSION);
        return 0;
    }
    return -1;
}
