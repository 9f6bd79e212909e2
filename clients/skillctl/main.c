/* main.c - the skillctl binary: global options (each with an environment variable) before the
 * command, as git takes them; a table of commands with their own options and generated help;
 * signals; the exit codes. Layer: clients. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clients/skillctl/skillctl.h"

#ifndef SKILLD_VERSION
#define SKILLD_VERSION "0.0.0"
#endif

#define DEFAULT_URL "http://127.0.0.1:8080"
#define WIDTH_MAX 120 /* wrap at the terminal's width, but no wider than this */
#define HELP_WIDTH 80 /* --help is wrapped here */

volatile sig_atomic_t skc_interrupted = 0;

static void on_sigint(int sig)
{
    (void)sig;
    skc_interrupted = 1;
}

/* ---- Global options ----------------------------------------------------------------------------
 * One row per option; `skillctl --help` is generated from the rows. To add one: an OPT_ value,
 * a row (with its environment variable, if any) and a case in global_set. */
enum opt_id { OPT_URL, OPT_TOKEN_FILE, OPT_PRODUCT, OPT_TIMEOUT, OPT_MCP, OPT_COLOR, OPT_QUIET };

static const struct gflag {
    const char *name;
    int id;
    const char *arg; /* metavariable, NULL for a switch */
    const char *env; /* the environment variable that sets it, or NULL */
    const char *help;
} gflags[] = {
    {"url", OPT_URL, "URL", "SKILLD_URL", "where skilld listens (default " DEFAULT_URL ")"},
    {"token-file", OPT_TOKEN_FILE, "FILE", "SKILLD_TOKEN_FILE",
     "read the bearer token from FILE (SKILLD_TOKEN holds the token itself); sent as "
     "Authorization: Bearer, never printed"},
    {"product", OPT_PRODUCT, "ID", "SKILLD_PRODUCT", "the product asked about (default ecs)"},
    {"timeout", OPT_TIMEOUT, "SECONDS", "SKILLD_TIMEOUT",
     "give up on a request after this long (default 300)"},
    {"mcp", OPT_MCP, NULL, "SKILLD_MCP",
     "ask and do go through the MCP tools (route, ecs_*) instead of /api/route"},
    {"color", OPT_COLOR, "WHEN", "SKILLD_COLOR",
     "auto (default: when stdout is a terminal and NO_COLOR is unset), always or never"},
    {"quiet", OPT_QUIET, NULL, "SKILLD_QUIET", "no progress or server log lines on stderr"},
};

/* ---- Commands
 * ------------------------------------------------------------------------------------ One row per
 * command; `skillctl help CMD` is generated from it. To add one: a row here, its skc_cmd_* in
 * cmd.c, and a case in run_command. */
enum { F_JSON = 1u << 0, F_YES = 1u << 1, F_ARGS = 1u << 2 };

static int cmd_help(struct skc_app *a, const char *args_json, char *const *words, size_t n);

static const struct command {
    const char *name;
    skc_cmd_fn run; /* NULL: help, which needs no server */
    const char *usage;
    unsigned flags;
    const char *summary;
    const char *help;
} commands[] = {
    {"ask", skc_cmd_ask, "ask [--json] QUESTION...", F_JSON,
     "ask a question; print the routed answer",
     "Routes the question (English or Chinese) through skilld and prints the answer for a\n"
     "terminal: the skill and path it was routed to with the confidence, warnings where the\n"
     "question runs into a documented limit, then the answer. An out-of-scope question says\n"
     "so and exits 4. --json prints skilld's JSON as it came.\n\n"
     "Examples:\n"
     "  skillctl ask \"how do I attach a second ENI to my instance?\"\n"
     "  skillctl ask share image m-bp1webgolden00000000 with 15 accounts\n"
     "  skillctl --mcp ask --json \"怎么给实例绑定第二块弹性网卡\"\n"},
    {"tools", skc_cmd_tools, "tools [--json] [TOOL]", F_JSON,
     "list skilld's tools, or describe one",
     "Without TOOL: one line per tool with its kind (read-only, changes, DESTRUCTIVE,\n"
     "idempotent, open-world, from the tool's annotations) and title. With TOOL: its\n"
     "description and arguments with their types. --json prints the tools/list entries.\n\n"
     "Examples:\n"
     "  skillctl tools\n"
     "  skillctl tools get_skill\n"},
    {"call", skc_cmd_call, "call [--json] [--yes] [--args JSON] TOOL [NAME=VALUE | NAME:=JSON]...",
     F_JSON | F_YES | F_ARGS, "call one tool; plans are shown and confirmed first",
     "Calls TOOL over MCP. Each NAME=VALUE is typed by the tool's inputSchema: integer,\n"
     "number, boolean (true/false, yes/no, on/off, 1/0), array (comma-separated, \\, for a\n"
     "literal comma, a JSON array, or NAME repeated), object (JSON), string. NAME:=JSON\n"
     "sends JSON as it is; --args JSON is the object the words add to.\n\n"
     "A tool that changes something answers with a plan first: skillctl shows the action,\n"
     "the equivalent aliyun CLI line, the checks and findings, and asks on the terminal\n"
     "(a DESTRUCTIVE plan needs the word 'yes'). --yes confirms without asking, for scripts.\n"
     "Without a terminal and without --yes it stops with exit 5 and nothing is executed.\n"
     "Progress is shown while a long call runs; Ctrl-C cancels it (exit 130).\n\n"
     "Examples:\n"
     "  skillctl call route query=\"roll disk d-1 back to a snapshot\"\n"
     "  skillctl call get_skill skill=ecs-manage-images\n"
     "  skillctl call ecs_describe_instances "
     "InstanceIds=i-bp1web01000000000000,i-bp1web02000000000000\n"
     "  skillctl call --yes ecs_authorize_security_group SecurityGroupId=sg-bp1web00000000000000 "
     "\\\n"
     "      IpProtocol=tcp PortRange=443/443 SourceCidrIp=0.0.0.0/0\n"},
    {"do", skc_cmd_do, "do [--json] [--yes] COMMAND...", F_JSON | F_YES,
     "carry out a command in plain words (plan, confirm, execute)",
     "Routes COMMAND through /api/route with \"execute\": true (with --mcp: the route tool,\n"
     "then the tool it suggests) and carries it out the way `call` does: the plan is shown\n"
     "and confirmed first (--yes for scripts; exit 5 without a terminal), a denial exits 3,\n"
     "an out-of-scope request exits 4.\n\n"
     "Examples:\n"
     "  skillctl do \"open port 443 on sg-bp1web00000000000000 to the world\"\n"
     "  skillctl --mcp do --yes \"stop instance i-bp1web02000000000000\"\n"},
    {"help", NULL, "help [COMMAND]", 0, "show help for skillctl or one command",
     "Shows the overview, or the help of one command (the same as COMMAND --help).\n"},
};

static const char exit_codes[] =
    "Exit codes:\n"
    "  0    done\n"
    "  1    error (connection, protocol, a tool that failed, a command that lacks details)\n"
    "  2    usage (unknown option, command, tool or argument)\n"
    "  3    denied by skilld's guardrails\n"
    "  4    out of scope (the question is not about the product)\n"
    "  5    confirmation needed (a plan was not confirmed; nothing was executed)\n"
    "  130  interrupted (Ctrl-C; a running tool call is cancelled)\n";

static const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage_main(FILE *f)
{
    struct buf text_out;
    buf_init(&text_out, 0);
    fprintf(f, "usage: skillctl [OPTIONS] COMMAND [ARGS]...\n\n"
               "skillctl is the terminal client of skilld: it asks questions, lists and calls\n"
               "tools, and carries out commands over HTTP (/api/route and MCP at /mcp).\n\n"
               "Commands:\n");
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nOptions (before the command; each also read from its environment variable):\n");
    for (size_t i = 0; i < ARRAY_LEN(gflags); i++) {
        char left[64];
        snprintf(left, sizeof left, "  %s%s%s%s", "--", gflags[i].name, gflags[i].arg ? " " : "",
                 gflags[i].arg ? gflags[i].arg : "");
        struct buf first, text;
        buf_init(&first, 0);
        buf_init(&text, 0);
        buf_printf(&first, "%-22s ", left);
        buf_printf(&text, "%s", gflags[i].help);
        if (gflags[i].env)
            buf_printf(&text, " [%s]", gflags[i].env);
        skc_wrap(&text_out, text.data, text.len, HELP_WIDTH, first.data, "                       ");
        buf_release(&first);
        buf_release(&text);
    }
    fputs(text_out.data ? text_out.data : "", f);
    buf_release(&text_out);
    fprintf(f, "  %-20s %s\n  %-20s %s\n\n%s\n", "--help", "show this help", "--version",
            "show the version", exit_codes);
    fprintf(f, "`skillctl help COMMAND` describes a command.\n");
}

static void usage_command(FILE *f, const struct command *c)
{
    fprintf(f, "usage: skillctl [OPTIONS] %s\n\n%s", c->usage, c->help);
    if (c->flags) {
        fprintf(f, "\nOptions:\n");
        if (c->flags & F_JSON)
            fprintf(f, "  --json       print skilld's JSON instead of the rendered text\n");
        if (c->flags & F_YES)
            fprintf(f, "  --yes, -y    confirm plans without asking (for scripts)\n");
        if (c->flags & F_ARGS)
            fprintf(f, "  --args JSON  the arguments as a JSON object; NAME=VALUE words add to "
                       "it\n");
        fprintf(f, "  --help       show this help\n");
    }
    fprintf(f, "\n%s", exit_codes);
}

/* ---- Option values
 * ------------------------------------------------------------------------------*/

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    struct buf raw, clean;
    buf_init(&raw, 0);
    buf_init(&clean, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&raw, fmt, ap);
    va_end(ap);
    skc_text_clean(&clean, raw.data ? raw.data : "", raw.len); /* argv may hold any bytes */
    fprintf(stderr, "skillctl: %s (see skillctl --help)\n", clean.data ? clean.data : "");
    buf_release(&raw);
    buf_release(&clean);
    return SKC_EXIT_USAGE;
}

static int truthy(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
                 strcasecmp(v, "on") == 0);
}

/* Read a token file (bounded), trailing white space removed. Never echoes the content. */
static char *read_token_file(const char *path, int *ret_code)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *ret_code = usage_error("cannot read the token file '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct buf b;
    buf_init(&b, SKC_BEARER_MAX);
    char chunk[1024];
    ssize_t n;
    int too_big = 0;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        if (buf_append(&b, chunk, (size_t)n) != ERR_OK) {
            too_big = 1;
            break;
        }
    close(fd);
    if (too_big || n < 0) {
        buf_release(&b);
        *ret_code = usage_error("the token file '%s' is %s", path,
                                too_big ? "too big for a token" : "unreadable");
        return NULL;
    }
    while (b.len && strchr(" \t\r\n", b.data[b.len - 1]))
        b.data[--b.len] = '\0';
    return buf_steal(&b, NULL);
}

struct globals {
    struct skc_opts o;
    char *token_owned; /* from --token-file */
};

/* Apply one global option (from argv or the environment); 0 or an exit code. */
static int global_set(struct globals *g, int id, const char *v, const char *from)
{
    long n;
    switch (id) {
    case OPT_URL:
        g->o.url = v;
        return 0;
    case OPT_TOKEN_FILE: {
        int code = 0;
        free(g->token_owned);
        g->token_owned = read_token_file(v, &code);
        g->o.token = g->token_owned;
        return code;
    }
    case OPT_PRODUCT:
        if (!*v)
            return usage_error("%s is empty", from);
        g->o.product = v;
        return 0;
    case OPT_TIMEOUT:
        if (parse_long(v, 1, SKC_TIMEOUT_S_MAX, &n) != ERR_OK)
            return usage_error("%s must be a number of seconds from 1 to %d, not '%s'", from,
                               SKC_TIMEOUT_S_MAX, v);
        g->o.timeout_s = n;
        return 0;
    case OPT_MCP:
        g->o.mcp = v ? truthy(v) : 1;
        return 0;
    case OPT_QUIET:
        g->o.quiet = v ? truthy(v) : 1;
        return 0;
    case OPT_COLOR: {
        static const struct {
            const char *word;
            enum skc_color_mode mode;
        } modes[] = {
            {"auto", SKC_COLOR_AUTO}, {"always", SKC_COLOR_ALWAYS}, {"never", SKC_COLOR_NEVER}};
        for (size_t i = 0; i < ARRAY_LEN(modes); i++)
            if (strcmp(v, modes[i].word) == 0) {
                g->o.color = modes[i].mode;
                return 0;
            }
        return usage_error("%s must be auto, always or never, not '%s'", from, v);
    }
    default:
        return usage_error("unknown option");
    }
}

static const struct gflag *gflag_find(const char *name, size_t n)
{
    for (size_t i = 0; i < ARRAY_LEN(gflags); i++)
        if (strlen(gflags[i].name) == n && strncmp(gflags[i].name, name, n) == 0)
            return &gflags[i];
    return NULL;
}

/* ---- Running
 * ------------------------------------------------------------------------------------*/

static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col < WIDTH_MAX ? ws.ws_col : WIDTH_MAX;
    return 80;
}

/* Parse a command's own options; the rest are its words (in place, in argv order). */
static int command_args(const struct command *c, struct skc_app *a, int argc, char **argv,
                        const char **ret_args_json, char **words, size_t *ret_n, int *ret_help)
{
    size_t n = 0;
    int options = 1;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (options && strcmp(w, "--") == 0) {
            options = 0;
        } else if (options && (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0)) {
            *ret_help = 1;
        } else if (options && (c->flags & F_JSON) && strcmp(w, "--json") == 0) {
            a->o.json = 1;
        } else if (options && (c->flags & F_YES) &&
                   (strcmp(w, "--yes") == 0 || strcmp(w, "-y") == 0)) {
            a->o.yes = 1;
        } else if (options && (c->flags & F_ARGS) && strncmp(w, "--args", 6) == 0 &&
                   (w[6] == '=' || w[6] == '\0')) {
            if (w[6] == '=')
                *ret_args_json = w + 7;
            else if (i + 1 < argc)
                *ret_args_json = argv[++i];
            else
                return usage_error("--args needs a JSON object");
        } else if (options && w[0] == '-' && w[1] != '\0' &&
                   !(c->flags & F_ARGS && strchr(w, '='))) {
            const char *name = w + strspn(w, "-");
            if (w[1] == '-' && gflag_find(name, strcspn(name, "=")))
                return usage_error("%s is a global option: put it before the command "
                                   "(skillctl %s %s ...)",
                                   w, w, c->name);
            return usage_error("%s does not take the option '%s'", c->name, w);
        } else {
            words[n++] = argv[i];
        }
    }
    *ret_n = n;
    return 0;
}

static int cmd_help(struct skc_app *a, const char *args_json, char *const *words, size_t n)
{
    if (n == 0) {
        usage_main(stdout);
        return SKC_EXIT_OK;
    }
    const struct command *about = command_find(words[0]);
    if (!about)
        return usage_error("no command '%s'", words[0]);
    usage_command(stdout, about);
    return SKC_EXIT_OK;
}

static int run_command(const struct command *c, struct skc_app *a, int argc, char **argv)
{
    const char *args_json = NULL;
    char **words = xcalloc((size_t)argc + 1, sizeof *words);
    size_t n = 0;
    int help = 0, code = command_args(c, a, argc, argv, &args_json, words, &n, &help);
    if (code == 0 && help)
        usage_command(stdout, c);
    else if (code == 0)
        code = (c->run ? c->run : cmd_help)(a, args_json, words, n);
    free(words);
    return code;
}

int main(int argc, char **argv)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    struct globals g = {.o = {.url = DEFAULT_URL, .product = "ecs"}};
    int code = 0;

    /* The environment first, then the command line over it. */
    for (size_t i = 0; i < ARRAY_LEN(gflags) && !code; i++) {
        const char *v = gflags[i].env ? getenv(gflags[i].env) : NULL;
        if (v && *v)
            code = global_set(&g, gflags[i].id, v, gflags[i].env);
    }
    const char *env_token = getenv("SKILLD_TOKEN");
    if (env_token && *env_token && !g.o.token)
        g.o.token = env_token;
    int i = 1;
    for (; i < argc && !code && argv[i][0] == '-'; i++) {
        const char *w = argv[i];
        if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) {
            usage_main(stdout);
            free(g.token_owned);
            return SKC_EXIT_OK;
        }
        if (strcmp(w, "--version") == 0) {
            printf("skillctl %s\n", SKILLD_VERSION);
            free(g.token_owned);
            return SKC_EXIT_OK;
        }
        const char *name = w + (w[1] == '-' ? 2 : 1);
        size_t nlen = strcspn(name, "=");
        const struct gflag *f = w[1] == '-' ? gflag_find(name, nlen) : NULL;
        if (!f) {
            code = usage_error("unknown option '%s'", w);
            break;
        }
        const char *v = name[nlen] == '=' ? name + nlen + 1 : NULL;
        if (f->arg && !v) {
            if (i + 1 >= argc) {
                code = usage_error("--%s needs %s", f->name, f->arg);
                break;
            }
            v = argv[++i];
        } else if (!f->arg && v) {
            code = usage_error("--%s takes no value", f->name);
            break;
        }
        char from[48];
        snprintf(from, sizeof from, "--%s", f->name);
        code = global_set(&g, f->id, v, from);
    }
    if (code) {
        free(g.token_owned);
        return code;
    }
    if (i >= argc) {
        usage_main(stderr);
        free(g.token_owned);
        return SKC_EXIT_USAGE;
    }
    const struct command *c = command_find(argv[i]);
    if (!c) {
        free(g.token_owned);
        return usage_error("no command '%s'", argv[i]);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND; /* no SA_RESTART: a read on the terminal returns at once; a
                                 * second Ctrl-C ends the process the default way */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct skc_app a = {.o = g.o};
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    int tty = isatty(STDOUT_FILENO);
    a.out.color = a.o.color == SKC_COLOR_ALWAYS ||
                  (a.o.color == SKC_COLOR_AUTO && tty && !(no_color && *no_color) &&
                   !(term && strcmp(term, "dumb") == 0));
    a.out.width = tty ? terminal_width() : 0;
    a.err_tty = isatty(STDERR_FILENO);

    if (c->run) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            fputs("skillctl: libcurl could not be initialised\n", stderr);
            free(g.token_owned);
            return SKC_EXIT_ERROR;
        }
        struct err e;
        err_clear(&e);
        struct skc_conn_config cc = {
            .url = a.o.url, .token = a.o.token, .timeout_s = a.o.timeout_s};
        if (skc_conn_new(&cc, &a.conn, &e) != ERR_OK) {
            fprintf(stderr, "skillctl: %s\n", e.msg);
            free(g.token_owned);
            curl_global_cleanup();
            return SKC_EXIT_USAGE;
        }
    }
    code = run_command(c, &a, argc - i - 1, argv + i + 1);
    skc_mcp_close(a.mcp);
    skc_conn_free(a.conn);
    if (c->run)
        curl_global_cleanup();
    if (g.token_owned) {
        memset(g.token_owned, 0, strlen(g.token_owned));
        free(g.token_owned);
    }
    if (fflush(stdout) != 0 && code == SKC_EXIT_OK)
        code = SKC_EXIT_ERROR; /* stdout went away (a closed pipe): say so by the exit code */
    return code;
}
