/*  siltactl.c - the operator's command line: load the env file, dispatch.
 *
 *  siltactl status | consumers | dlq | trace | audit | plan | journal | keygen. Each
 *  command lives in ctl_<command>.c; this file only picks one and owns the
 *  usage text. `--version`, `--help` and `COMMAND ... --help` are answered
 *  here, before the env file is read, so asking never runs anything; `--wide`
 *  (anywhere) is taken out of argv here and turns off ctl_out's 100-column fit.
 *  Exit codes: 0 done, 1 failed (message on stderr), 2 bad arguments (what was
 *  wrong, then the usage, on stderr), 3 `status`: the hub is down or stale.
 */
#include "siltactl.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_cli.h"
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
     "status [--json] [--wide]               the hub, the journal, each consumer's queue, peers\n"
     "                                         (exit 3: the hub is down or its status is stale)"},
    {"dlq", ctl_dlq,
     "dlq list [--consumer NAME] [--json]    dead letters\n"
     "  dlq replay ID|--all [--consumer NAME]  put dead letters back on their queues\n"
     "  dlq purge ID|--all [--consumer NAME] [--yes]\n"
     "                                         give up on dead letters (logged as purged);\n"
     "                                         --all asks y/N on a terminal, else needs --yes"},
    {"consumers", ctl_consumers,
     "consumers [--json] [--wide]            durable queues: types, attached session, backlog"},
    {"trace", ctl_trace,
     "trace EVENT_ID [--json]                one event: journal row, deliveries, dead letters"},
    {"audit", ctl_audit,
     "audit verify                           check the disclosure log's hash chain\n"
     "  audit client [--since YYYY-MM-DD] [--json]\n"
     "                                         who received this client's data, when, why\n"
     "                                         (the hetu from a prompt or stdin, never argv)"},
    {"plan", ctl_plan,
     "plan [CLIENT_KEY] [--json]             a client's coordinated plan, timeline, open alerts\n"
     "                                         (no key: the hetu from a prompt or stdin)\n"
     "  plan --team [--json]                   clients in active work per responsible worker"},
    {"report", ctl_report,
     "report [--since YYYY-MM] [--json|--csv] gaps found per rule, month and area, days to action,\n"
     "                                         late decisions by agency, referrals acknowledged in\n"
     "                                         time, caseload; anonymised, cells under 5 hidden"},
    {"journal", ctl_journal,
     "journal status [--json] [--wide]       the journal's partitions: seqs, time span, rows, size\n"
     "  journal retain [--dry-run] [--json]    cut the open partition when its period is over,\n"
     "                                         drop old ones no consumer or dead letter needs\n"
     "                                         (config/retention.conf; SILTA_PG_ADMIN_URL)"},
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
    while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
        if (c == 'j')
            *json = 1;
        else if (c == 'h')
            return ctl_usage(stdout, command);
        else
            return ctl_bad_option(c, argv, command);
    }
    return -1;
}

int ctl_bad(const char *command, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "siltactl: %s%s%s\n", command ? command : "", command ? ": " : "", msg);
    return ctl_usage(stderr, command);
}

int ctl_bad_option(int c, char **argv, const char *command)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (c == ':')
        return ctl_bad(command, "option '%.64s' needs a value", arg);
    if (optopt && !(arg[0] == '-' && arg[1] == '-'))
        return ctl_bad(command, "unknown option '-%c'", optopt);
    return ctl_bad(command, "unknown option '%.64s'", arg);
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
              "and works on the hub's database directly. Text fits 100 columns; --wide prints\n"
              "every cell whole. exit: 0 done, 1 failed, 2 bad arguments, 3 (status) the hub\n"
              "is down or its status is stale. siltactl COMMAND --help: that command's usage.\n",
              out);
    return out == stderr ? CTL_USAGE : CTL_OK;
}

/* --help and --version of siltactl itself (silta_cli_standard, with the whole
 * usage as its text); -1 when argv asks for neither. */
static int s_standard(int argc, char **argv)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem) {
        ctl_usage(mem, NULL);
        fclose(mem);
    }
    int rc = silta_cli_standard(argc, argv, "siltactl", text ? text : "usage: siltactl COMMAND\n");
    free(text);
    return rc;
}

/* Take every "--wide" out of argv (argc updated); 1 when there was one. */
static int s_take_wide(int *argc, char **argv)
{
    int wide = 0, o = 0;
    for (int i = 0; i < *argc; i++) {
        if (i > 0 && strcmp(argv[i], "--wide") == 0)
            wide = 1;
        else
            argv[o++] = argv[i];
    }
    argv[o] = NULL;
    *argc = o;
    return wide;
}

int main(int argc, char **argv)
{
    silta_log_init("siltactl");
    if (argc < 2)
        return ctl_bad(NULL, "no command given");
    int rc = s_standard(argc, argv);
    if (rc >= 0)
        return rc;
    const char *name = argv[1];
    if (strcmp(name, "help") == 0)
        return ctl_usage(stdout, NULL);
    const ctl_command_t *cmd = NULL;
    for (size_t i = 0; i < S_NCOMMANDS; i++)
        if (strcmp(name, s_commands[i].name) == 0)
            cmd = &s_commands[i];
    if (!cmd)
        return ctl_bad(NULL, "unknown command '%.64s'", name);
    /* COMMAND ... --help: that command's usage, whatever else is on the line. */
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return ctl_usage(stdout, cmd->name);
    ctl_out_set_wide(s_take_wide(&argc, argv));

    silta_err_t err = {0};
    if (silta_env_load(&err) != 0)
        return ctl_fail("%s", err.msg);
    return cmd->run(argc - 1, argv + 1);
}
