/*  silta_cli.h - the options every Silta program answers before it starts
 *  anything: --help (-h) and --version.
 *
 *  A program calls silta_cli_standard first thing in main, before it reads
 *  its environment, opens a socket or writes a file, so that asking a program
 *  what it is never runs it.
 */
#ifndef SILTA_CLI_H
#define SILTA_CLI_H

/* The release this tree is (docs/operations.md on upgrades). */
#define SILTA_VERSION "0.13.0"

/* argv[1] "--help" or "-h": usage (a text starting "usage: PROG") on stdout,
 * returns 0; "--version": "PROG SILTA_VERSION" on stdout, returns 0; anything
 * else (or no argument): returns -1 and the program goes on. The caller exits
 * with what it returned when it is >= 0. */
int silta_cli_standard(int argc, char **argv, const char *prog, const char *usage);

#endif
