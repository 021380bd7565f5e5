/*  siltactl.c - the operator's command line: load the env file, dispatch.
 *
 *  siltactl status | dlq list | dlq replay | trace | keygen. Each command
 *  lives in ctl_<command>.c; this file only picks one and owns the usage text.
 *  Exit codes: 0 done, 1 failed (message on stderr), 2 bad arguments.
 */
#include "siltactl.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "silta_env.h"
#include "silta_log.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} ctl_command_t;

int ctl_plan(int argc, char **argv);   /* ctl_plan.c (issue 5) */
int ctl_report(int argc, char **argv); /* ctl_report.c (issue 15) */

static const ctl_command_t s_commands[] = {
    {"status", ctl_status,
     "status [--json]                        the hub, the journal, each consumer's queue, peers"},
    {"dlq", ctl_dlq,
     "dlq list [--consumer NAME] [--json]    dead letters\n"
     "  dlq replay ID|--all [--consumer NAME]  put dead letters back on their queues\n"
     "  dlq purge ID|--all [--consumer NAME]   give up on dead letters (logged as purged)"},
    {"consumers", ctl_consumers,
     "consumers [--json]                     durable queues: types, attached session, backlog"},
    {"trace", ctl_trace,
     "trace EVENT_ID [--json]                one event: journal row, deliveries, dead letters"},
    {"audit", ctl_audit,
     "audit verify                           check the disclosure log's hash chain\n"
     "  audit client [--since DATE] [--json]   who received this client's data, when, why\n"
     "                                         (the hetu from a prompt or stdin, never argv)"},
    {"plan", ctl_plan,
     "plan [CLIENT_KEY] [--json]             a client's coordinated plan, timeline, open alerts\n"
     "                                         (no key: the hetu from a prompt or stdin)\n"
     "  plan --team [--json]                   clients in active work per responsible worker"},
    {"report", ctl_report,
     "report [--since YYYY-MM] [--json|--csv] gaps found per rule, month and area, days to action,\n"
     "                                         caseload; anonymised, cells under 5 clients hidden"},
    {"keygen", ctl_keygen,
     "keygen NAME [--dir DIR]                a CURVE keypair: DIR/NAME.key (0600), DIR/NAME.pub"},
};
#define S_NCOMMANDS (sizeof s_commands / sizeof s_commands[0])

int ctl_json_opts(int argc, char **argv, const char *command, int *json)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int c;
    *json = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (c == 'j')
            *json = 1;
        else if (c == 'h')
            return ctl_usage(stdout, command);
        else
            return ctl_usage(stderr, command);
    }
    return -1;
}

int ctl_fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "siltactl: %s\n", msg);
    return CTL_FAIL;
}

int ctl_usage(FILE *out, const char *command)
{
    fputs("usage: siltactl COMMAND [ARGS]\n\n", out);
    for (size_t i = 0; i < S_NCOMMANDS; i++)
        if (!command || strcmp(command, s_commands[i].name) == 0)
            fprintf(out, "  %s\n", s_commands[i].usage);
    if (!command)
        fputs("\nsiltactl reads $SILTA_HOME/env (SILTA_PG_URL, SILTA_KEYS_DIR; see ops/README.md)\n"
              "and works on the hub's database directly. exit: 0 done, 1 failed, 2 bad "
              "arguments.\n",
              out);
    return out == stderr ? CTL_USAGE : CTL_OK;
}

int main(int argc, char **argv)
{
    silta_log_init("siltactl");
    if (argc < 2)
        return ctl_usage(stderr, NULL);
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        return ctl_usage(stdout, NULL);

    silta_err_t err = {0};
    if (silta_env_load(&err) != 0)
        return ctl_fail("%s", err.msg);

    for (size_t i = 0; i < S_NCOMMANDS; i++)
        if (strcmp(name, s_commands[i].name) == 0)
            return s_commands[i].run(argc - 1, argv + 1);
    ctl_fail("unknown command '%.64s'", name);
    return ctl_usage(stderr, NULL);
}
