/* main.c - the skilld binary: a table of subcommands (serve, stdio, route, knowledge, sim),
 * flag parsing with generated --help, application set-up, signals and graceful stop.
 * Layer: server/app. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "cloud/sim/sim.h"
#include "server/app/app.h"
#include "server/http/http.h"
#include "knowledge/kb.h"
#include "skills/skills.h"

#ifndef SKILLD_VERSION
#define SKILLD_VERSION "0.0.0"
#endif

#define SERVE_GRACE_MS 10000       /* in-flight requests get this long after SIGTERM */
#define MAX_SESSIONS_LIMIT 100000  /* the largest --max-sessions */
#define SESSION_TTL_LIMIT 604800   /* the largest --session-ttl, in seconds (a week) */

/* ---- Flags ----------------------------------------------------------------------------------
 * One row per flag; --help is generated from the rows. To add a flag: add an OPT_ value, a
 * row (with the subcommands it applies to), a field in struct opts and a case in
 * opts_set. */

enum { FOR_SERVE = 1u << 0, FOR_STDIO = 1u << 1 };

enum opt_id {
    OPT_LISTEN = 256, OPT_BACKEND, OPT_REGION, OPT_KNOWLEDGE, OPT_MAX_BODY, OPT_MAX_SESSIONS,
    OPT_SESSION_TTL, OPT_SESSION_KEY_FILE, OPT_THREADS, OPT_ALLOW_ORIGIN, OPT_LOG_LEVEL,
    OPT_POLICY, OPT_MODE, OPT_AUDIT_LOG, OPT_CONFIRM_KEY, OPT_KEY_DIR, OPT_ECS_ENDPOINT,
    OPT_VPC_ENDPOINT, OPT_REPLICA_ID, OPT_SPENT_DIR, OPT_HELP,
};

#define ENDPOINT_MAX 255  /* bytes of HOST[:PORT] in --ecs-endpoint / --vpc-endpoint */
#define REPLICA_ID_MAX 64 /* bytes of --replica-id */

static const struct flag {
    const char *name;
    int id;
    const char *arg; /* metavariable, NULL for a switch */
    unsigned applies;
    const char *help;
} flags[] = {
    {"listen", OPT_LISTEN, "HOST:PORT", FOR_SERVE,
     "address to listen on (default 127.0.0.1:8080; port 0 picks a free one, logged as "
     "'listening on http://HOST:PORT')"},
    {"backend", OPT_BACKEND, "sim|aliyun", FOR_SERVE | FOR_STDIO,
     "who answers tool calls: the embedded ECS simulator on a loopback port (default) or "
     "the real Alibaba Cloud API (credentials from the environment)"},
    {"region", OPT_REGION, "REGION", FOR_SERVE | FOR_STDIO, "default region (cn-hangzhou)"},
    {"knowledge", OPT_KNOWLEDGE, "DIR", FOR_SERVE | FOR_STDIO,
     "load the knowledge base from DIR instead of the embedded one"},
    {"max-body", OPT_MAX_BODY, "BYTES", FOR_SERVE,
     "largest request body accepted, else 413 (default 1048576)"},
    {"max-sessions", OPT_MAX_SESSIONS, "N", FOR_SERVE,
     "MCP sessions (2025-era clients) held in memory; past it one is evicted, first those "
     "that made no request after initialize (default 1024)"},
    {"session-ttl", OPT_SESSION_TTL, "SECONDS", FOR_SERVE,
     "an MCP session idle this long is dropped from memory (default 28800, 8 h); a later "
     "request with its id rebuilds it from the id"},
    {"session-key-file", OPT_SESSION_KEY_FILE, "FILE", FOR_SERVE,
     "HMAC key that signs MCP session ids and 2026-07-28 requestStates, shared by restarts "
     "and replicas (created 0600 when missing); without it the key is random per process and "
     "ids die with it"},
    {"threads", OPT_THREADS, "N", FOR_SERVE, "HTTP threads (default: the number of cores)"},
    {"allow-origin", OPT_ALLOW_ORIGIN, "ORIGIN", FOR_SERVE,
     "also accept this browser Origin (a host name, or scheme://host:port) and send it CORS "
     "headers (preflights on /mcp, /sse, /messages, /api/route); repeatable, up to 16"},
    {"log-level", OPT_LOG_LEVEL, "LEVEL", FOR_SERVE | FOR_STDIO,
     "debug, info (default), warn, error or off; logs go to stderr only"},
    {"policy", OPT_POLICY, "FILE", FOR_SERVE | FOR_STDIO,
     "guardrail policy: the aliyun CLI safety-policy grammar ({\"enabled\", \"rules\": "
     "[{\"pattern\": \"ecs:Delete*\", \"action\": \"deny\"}]}) plus skilld's settings "
     "(README: Guardrails)"},
    {"mode", OPT_MODE, "read-only|confirm|auto", FOR_SERVE | FOR_STDIO,
     "what tools may do: read-only (default with --backend aliyun), confirm (plan, then "
     "execute with a confirmation token, or on the client's yes to a confirmation question; "
     "default on the simulator), auto (tools the policy allows run at once; destructive ones "
     "still confirm)"},
    {"audit-log", OPT_AUDIT_LOG, "FILE", FOR_SERVE | FOR_STDIO,
     "append one JSON line per tool decision (planned, denied, executing, executed ...)"},
    {"confirm-key-file", OPT_CONFIRM_KEY, "FILE", FOR_SERVE | FOR_STDIO,
     "key that signs confirmation tokens, shared by replicas (created, mode 0600, if missing; "
     "default: a random key per process)"},
    {"confirm-spent-dir", OPT_SPENT_DIR, "DIR", FOR_SERVE | FOR_STDIO,
     "folder shared by replicas (with --confirm-key-file) where each confirmation token spent "
     "on an action ECS cannot deduplicate (no ClientToken: Stop, Reboot, Delete, Attach ...) is "
     "recorded, so it executes once across them; created 0700 if missing (default: per process)"},
    {"key-dir", OPT_KEY_DIR, "DIR", FOR_SERVE | FOR_STDIO,
     "where ecs_create_key_pair saves private keys (default $HOME/.skilld/keys)"},
    {"ecs-endpoint", OPT_ECS_ENDPOINT, "HOST:PORT", FOR_SERVE | FOR_STDIO,
     "with --backend aliyun: send ECS calls to this endpoint instead of "
     "ecs.<region>.aliyuncs.com (an external simulator, a proxy, a VPC endpoint); plain http "
     "for a loopback host, https otherwise (an http:// or https:// prefix says which); "
     "credentials still come from the environment or the CLI profiles"},
    {"vpc-endpoint", OPT_VPC_ENDPOINT, "HOST:PORT", FOR_SERVE | FOR_STDIO,
     "with --backend aliyun: the VPC API endpoint (default: --ecs-endpoint when that is a "
     "loopback address, which the simulator answers for both; else vpc.<region>.aliyuncs.com)"},
    {"replica-id", OPT_REPLICA_ID, "ID", FOR_SERVE | FOR_STDIO,
     "this replica's name in audit records, /healthz and the start-up log (letters, digits, "
     "'.', '_', ':', '-'; at most 64; default HOSTNAME:PID)"},
    {"help", OPT_HELP, NULL, FOR_SERVE | FOR_STDIO, "show this help"},
};

struct opts {
    char host[256];
    unsigned port;
    const char *backend;
    const char *region;
    const char *knowledge;
    long max_body;
    long max_sessions;
    long session_ttl;
    const char *session_key_file;
    long threads;
    const char *origins[HTTP_MAX_ALLOW_ORIGINS];
    size_t norigins;
    enum log_level log_level;
    const char *policy;
    enum sk_mode mode;
    const char *audit_log;
    const char *confirm_key;
    const char *key_dir;
    const char *ecs_endpoint; /* as given, scheme prefix included */
    const char *vpc_endpoint;
    const char *replica_id;
    const char *spent_dir;
};

/* An endpoint flag split into scheme and HOST[:PORT]. */
struct endpoint {
    const char *scheme; /* "http" or "https" */
    char host[ENDPOINT_MAX + 1];
    int loopback;       /* 127.0.0.0/8, localhost or [::1] */
};

/* Parse [http://|https://]HOST[:PORT]. Without a prefix a loopback host gets http (the
 * simulator speaks nothing else) and any other https; the cloud client refuses plain http to
 * anything but loopback. ERR_INVALID for an empty host, a path, or a bad port. */
static err_code endpoint_parse(const char *v, struct endpoint *ret)
{
    const char *scheme = NULL;
    if (strncmp(v, "http://", 7) == 0) {
        scheme = "http";
        v += 7;
    } else if (strncmp(v, "https://", 8) == 0) {
        scheme = "https";
        v += 8;
    }
    size_t len = strlen(v);
    if (len && v[len - 1] == '/')
        len--; /* "http://127.0.0.1:9090/" */
    if (len == 0 || len > ENDPOINT_MAX || memchr(v, '/', len))
        return ERR_INVALID;
    memcpy(ret->host, v, len);
    ret->host[len] = '\0';
    char host[ENDPOINT_MAX + 1];
    unsigned port = 0;
    const char *after_host = ret->host[0] == '[' ? strchr(ret->host, ']') : ret->host;
    int has_port = after_host && strchr(after_host, ':');
    if (http_split_host_port(ret->host, host, sizeof host, &port) != ERR_OK ||
        (has_port && port == 0))
        return ERR_INVALID;
    ret->loopback = http_host_name_is_loopback(host);
    ret->scheme = scheme ? scheme : ret->loopback ? "http" : "https";
    return ERR_OK;
}

/* Subcommand summaries for `skilld --help` (the table of handlers is further down). */
static void usage_flags(FILE *f, const char *cmd, unsigned applies)
{
    fprintf(f, "usage: skilld %s [flags]\n\nflags:\n", cmd);
    for (size_t i = 0; i < ARRAY_LEN(flags); i++) {
        if (!(flags[i].applies & applies))
            continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", flags[i].name, flags[i].arg ? " " : "",
                 flags[i].arg ? flags[i].arg : "");
        fprintf(f, "  %-26s %s\n", left, flags[i].help);
    }
}

static int bad_flag(const char *cmd, const char *what, const char *value)
{
    fprintf(stderr, "skilld %s: invalid %s '%s' (see skilld %s --help)\n", cmd, what,
            value ? value : "", cmd);
    return 2;
}

/* Apply one parsed flag; returns 0, or the exit code for a bad value. */
static int opts_set(struct opts *o, const char *cmd, int id, const char *v)
{
    switch (id) {
    case OPT_LISTEN:
        if (http_split_host_port(v, o->host, sizeof o->host, &o->port) != ERR_OK ||
            !strchr(v, ':'))
            return bad_flag(cmd, "--listen (want HOST:PORT)", v);
        return 0;
    case OPT_BACKEND:
        if (strcmp(v, "sim") != 0 && strcmp(v, "aliyun") != 0)
            return bad_flag(cmd, "--backend (want sim or aliyun)", v);
        o->backend = strcmp(v, "sim") == 0 ? "sim" : "aliyun";
        return 0;
    case OPT_REGION:
        o->region = v;
        return 0;
    case OPT_KNOWLEDGE:
        o->knowledge = v;
        return 0;
    case OPT_MAX_BODY:
        return parse_long(v, 1024, HTTP_MAX_BODY_LIMIT, &o->max_body) ? bad_flag(cmd, "--max-body", v) : 0;
    case OPT_MAX_SESSIONS:
        return parse_long(v, 1, MAX_SESSIONS_LIMIT, &o->max_sessions) ? bad_flag(cmd, "--max-sessions", v) : 0;
    case OPT_SESSION_TTL:
        return parse_long(v, 1, SESSION_TTL_LIMIT, &o->session_ttl) ? bad_flag(cmd, "--session-ttl", v) : 0;
    case OPT_SESSION_KEY_FILE:
        if (!*v)
            return bad_flag(cmd, "--session-key-file (empty)", v);
        o->session_key_file = v;
        return 0;
    case OPT_THREADS:
        return parse_long(v, 1, HTTP_MAX_THREADS, &o->threads) ? bad_flag(cmd, "--threads", v) : 0;
    case OPT_ALLOW_ORIGIN:
        if (o->norigins == HTTP_MAX_ALLOW_ORIGINS || !*v)
            return bad_flag(cmd, "--allow-origin (empty, or more than 16)", v);
        o->origins[o->norigins++] = v;
        return 0;
    case OPT_LOG_LEVEL:
        return log_parse_level(v, &o->log_level) ? bad_flag(cmd, "--log-level", v) : 0;
    case OPT_POLICY:
        o->policy = v;
        return 0;
    case OPT_MODE:
        return sk_mode_parse(v, &o->mode) || o->mode == SK_MODE_DEFAULT
                   ? bad_flag(cmd, "--mode (want read-only, confirm or auto)", v)
                   : 0;
    case OPT_AUDIT_LOG:
        o->audit_log = v;
        return 0;
    case OPT_CONFIRM_KEY:
        o->confirm_key = v;
        return 0;
    case OPT_KEY_DIR:
        o->key_dir = v;
        return 0;
    case OPT_ECS_ENDPOINT:
    case OPT_VPC_ENDPOINT: {
        struct endpoint ep;
        if (endpoint_parse(v, &ep) != ERR_OK)
            return bad_flag(cmd, id == OPT_ECS_ENDPOINT ? "--ecs-endpoint (want HOST:PORT)"
                                                        : "--vpc-endpoint (want HOST:PORT)", v);
        *(id == OPT_ECS_ENDPOINT ? &o->ecs_endpoint : &o->vpc_endpoint) = v;
        return 0;
    }
    case OPT_SPENT_DIR:
        if (!*v)
            return bad_flag(cmd, "--confirm-spent-dir (empty)", v);
        o->spent_dir = v;
        return 0;
    case OPT_REPLICA_ID:
        if (!*v || strlen(v) > REPLICA_ID_MAX ||
            strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") !=
                strlen(v))
            return bad_flag(cmd, "--replica-id (1-64 letters, digits, '.', '_', ':' or '-')", v);
        o->replica_id = v;
        return 0;
    default:
        return 2;
    }
}

/* Parse argv (argv[0] is the subcommand). Returns -1 to go on, else an exit code. */
static int opts_parse(struct opts *o, int argc, char **argv, unsigned applies)
{
    struct option longopts[ARRAY_LEN(flags) + 1];
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(flags); i++) {
        if (flags[i].applies & applies)
            longopts[n++] = (struct option){flags[i].name, flags[i].arg ? required_argument : no_argument, NULL, flags[i].id};
    }
    longopts[n] = (struct option){0};
    snprintf(o->host, sizeof o->host, "127.0.0.1");
    o->port = 8080;
    o->backend = "sim";
    o->region = "cn-hangzhou";
    o->log_level = LOG_LEVEL_INFO;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            usage_flags(stdout, argv[0], applies);
            return 0;
        }
        if (c == '?' || c == ':') {
            fprintf(stderr, "skilld %s: unknown flag or missing value: %s (see skilld %s --help)\n",
                    argv[0], argv[optind - 1], argv[0]);
            return 2;
        }
        int rc = opts_set(o, argv[0], c, optarg);
        if (rc)
            return rc;
    }
    if (optind < argc) {
        fprintf(stderr, "skilld %s: unexpected argument '%s'\n", argv[0], argv[optind]);
        return 2;
    }
    return -1;
}

/* ---- The application ----------------------------------------------------------------------*/

struct runtime {
    struct app app;
    sim_server *sim; /* the in-process simulator (backend sim), or NULL */
    struct session_key session_key; /* seals MCP session ids; outlives the engine */
};

static void runtime_release(struct runtime *rt)
{
    mcp_engine_free(rt->app.mcp);
    skillpack_release(&rt->app);
    free(rt->app.tools_ud);
    sk_registry_free(rt->app.skills);
    route_app_release(&rt->app);
    metrics_free(rt->app.metrics);
    cloud_client_free(rt->app.cloud);
    sim_stop(rt->sim);
    OPENSSL_cleanse(rt, sizeof *rt);
}

/* --ecs-endpoint and --vpc-endpoint into the client's configuration (backend aliyun). The
 * client has one scheme, so both endpoints must agree on it; a loopback ECS endpoint given
 * alone also answers VPC calls (an external simulator does). cc points into ecs and vpc,
 * which must live until cloud_client_new has copied them. */
static err_code endpoints_apply(const struct opts *o, struct endpoint *ecs_out,
                                struct endpoint *vpc_out, struct cloud_config *cc, struct err *e)
{
    struct endpoint ecs = {0}, vpc = {0};
    int have_ecs = o->ecs_endpoint && endpoint_parse(o->ecs_endpoint, &ecs) == ERR_OK;
    int have_vpc = o->vpc_endpoint && endpoint_parse(o->vpc_endpoint, &vpc) == ERR_OK;
    if (have_ecs && !have_vpc && ecs.loopback) {
        vpc = ecs;
        have_vpc = 1;
    }
    if (have_ecs && have_vpc && strcmp(ecs.scheme, vpc.scheme) != 0)
        return err_set(e, ERR_INVALID, "--ecs-endpoint (%s) and --vpc-endpoint (%s) must use "
                       "the same scheme", ecs.scheme, vpc.scheme);
    *ecs_out = ecs;
    *vpc_out = vpc;
    if (have_ecs) {
        cc->ecs_endpoint = ecs_out->host;
        cc->scheme = ecs_out->scheme;
    }
    if (have_vpc) {
        cc->vpc_endpoint = vpc_out->host;
        cc->scheme = vpc_out->scheme;
    }
    if (have_ecs || have_vpc)
        log_write(LOG_LEVEL_INFO, "backend aliyun at %s://%s (ECS), %s%s%s (VPC)", cc->scheme,
                  have_ecs ? ecs.host : "ecs.<region>.aliyuncs.com", have_vpc ? cc->scheme : "",
                  have_vpc ? "://" : "", have_vpc ? vpc.host : "vpc.<region>.aliyuncs.com");
    return ERR_OK;
}

/* Point a signed OpenAPI client at the backend: the in-process simulator over loopback with
 * its local credentials, or the real ECS endpoints of the region with the default credential
 * chain. Then make one read-only call (DescribeRegions) so a wrong key, a dead endpoint or a
 * clock skew shows at start, not at the first tool call. A failed check on the real cloud is
 * logged and the server still starts (routing needs no cloud); on the simulator it is fatal,
 * since it means skilld itself is broken. */
static err_code backend_connect(struct runtime *rt, const struct opts *o, struct err *e)
{
    int sim = rt->sim != NULL;
    struct cloud_credentials creds = {0};
    char endpoint[64];
    struct cloud_config cc;
    struct endpoint ecs_ep, vpc_ep; /* cc points into them until cloud_client_new copies */
    cloud_config_defaults(&cc);
    cc.region = o->region;
    err_code rc;
    if (sim) {
        snprintf(endpoint, sizeof endpoint, "127.0.0.1:%u", sim_port(rt->sim));
        cc.ecs_endpoint = cc.vpc_endpoint = endpoint;
        cc.scheme = "http";
        rc = cloud_credentials_set(&creds, sim_default_access_key_id(),
                                   sim_default_access_key_secret(), NULL,
                                   "the embedded simulator's local credentials");
    } else {
        rc = endpoints_apply(o, &ecs_ep, &vpc_ep, &cc, e);
        if (rc == ERR_OK)
            rc = cloud_credentials_load(&creds, e);
    }
    if (rc != ERR_OK)
        goto cleanup;
    cc.credentials = &creds;
    rt->app.cloud = cloud_client_new(&cc, e);
    if (!rt->app.cloud) {
        rc = e->code;
        goto cleanup;
    }
    cJSON *resp = NULL;
    struct cloud_error ce = {0};
    if (cloud_call(rt->app.cloud, "ecs", "DescribeRegions", NULL, 0, &resp, &ce) == ERR_OK) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(resp, "Regions"), "Region");
        snprintf(rt->app.backend_status, sizeof rt->app.backend_status,
                 "ok: %d regions visible (credentials: %.180s)", cJSON_GetArraySize(list),
                 creds.source);
        log_write(LOG_LEVEL_INFO, "backend %s %s, RequestId %s", o->backend,
                  rt->app.backend_status, ce.request_id);
    } else {
        snprintf(rt->app.backend_status, sizeof rt->app.backend_status,
                 "unreachable: %.64s%s%.160s", ce.code_str, ce.code_str[0] ? ": " : "",
                 ce.message);
        if (sim) {
            rc = err_set(e, ERR_INTERNAL, "the embedded simulator did not answer: %s",
                         rt->app.backend_status);
        } else {
            log_write(LOG_LEVEL_WARN, "backend aliyun check failed (%s), RequestId %s; "
                      "routing works, cloud calls will fail until this is fixed",
                      rt->app.backend_status, ce.request_id[0] ? ce.request_id : "-");
        }
    }
    cJSON_Delete(resp);
cleanup:
    cloud_credentials_release(&creds);
    return rc;
}

/* Build everything serve and stdio share: the simulator (backend sim), the knowledge, the
 * router and the MCP engine with its registrations. */
static err_code runtime_build(struct runtime *rt, const struct opts *o, struct err *e)
{
    memset(rt, 0, sizeof *rt);
    rt->app.backend = o->backend;
    rt->app.region = o->region;
    rt->app.version = SKILLD_VERSION;
    if (o->replica_id) {
        snprintf(rt->app.replica, sizeof rt->app.replica, "%s", o->replica_id);
    } else {
        char host[256] = "";
        if (gethostname(host, sizeof host - 1) != 0 || !*host)
            snprintf(host, sizeof host, "localhost");
        snprintf(rt->app.replica, sizeof rt->app.replica, "%.200s:%ld", host, (long)getpid());
    }
    log_write(LOG_LEVEL_INFO, "replica %s", rt->app.replica);
    rt->app.metrics = metrics_new();
    if (strcmp(o->backend, "sim") == 0 && (o->ecs_endpoint || o->vpc_endpoint))
        return err_set(e, ERR_INVALID, "--ecs-endpoint and --vpc-endpoint apply to --backend "
                       "aliyun (the embedded simulator has an endpoint of its own)");
    if (strcmp(o->backend, "sim") == 0) {
        struct sim_config sc = {.host = "127.0.0.1", .port = 0};
        rt->sim = sim_start(&sc, e);
        if (!rt->sim)
            return e->code;
        log_write(LOG_LEVEL_INFO, "ECS simulator started at http://127.0.0.1:%u",
                  sim_port(rt->sim));
    }
    err_code brc = backend_connect(rt, o, e);
    if (brc != ERR_OK)
        return brc;
    if (o->session_key_file) {
        int created = 0;
        brc = session_key_load(o->session_key_file, &rt->session_key, &created, e);
        if (brc != ERR_OK)
            return brc;
        log_write(LOG_LEVEL_INFO, "MCP session ids signed with the key in %s%s",
                  o->session_key_file, created ? " (created)" : "");
    } else {
        session_key_random(&rt->session_key);
    }
    struct mcp_config mc = {
        .name = "skilld",
        .title = "skilld: Alibaba Cloud ECS skills",
        .version = SKILLD_VERSION,
        .description = "Routes ECS questions to the right skill and runs ECS tools behind "
                       "guardrails",
        .max_sessions = (size_t)o->max_sessions,
        .idle_ttl_s = (unsigned)o->session_ttl,
        .mac = session_key_mac,
        .mac_ud = &rt->session_key,
        .on_session = session_event_log,
    };
    rt->app.mcp = mcp_engine_new(&mc);
    err_code rc = route_app_load(&rt->app, o->knowledge, e);
    if (rc != ERR_OK)
        return rc;
    struct sk_config sc = {
        .product = kb_product_find(rt->app.kb, "ecs"),
        .cloud = rt->app.cloud,
        .backend = o->backend,
        .region = o->region,
        .policy_file = o->policy,
        .mode = o->mode,
        .audit_file = o->audit_log,
        .key_file = o->confirm_key,
        .spent_dir = o->spent_dir,
        .key_dir = o->key_dir,
        .replica_id = rt->app.replica,
    };
    if (sc.product) {
        rt->app.skills = sk_registry_new(&sc, e);
        if (!rt->app.skills)
            return e->code ? e->code : ERR_INVALID;
        log_write(LOG_LEVEL_INFO, "tools: %zu ECS tools, guardrails in %s mode, policy: %s%s%s",
                  sk_tool_count(rt->app.skills), sk_mode_name(sk_registry_mode(rt->app.skills)),
                  sk_registry_policy_source(rt->app.skills), o->audit_log ? ", audit log " : "",
                  o->audit_log ? o->audit_log : "");
    } else {
        log_write(LOG_LEVEL_WARN, "the knowledge has no ecs product: no ECS tools are served");
    }
    rc = route_register_mcp(&rt->app, e);
    if (rc == ERR_OK)
        rc = skillpack_register_mcp(&rt->app, e);
    if (rc != ERR_OK || !rt->app.skills)
        return rc;
    return tools_register_mcp(&rt->app, e);
}

/* ---- Subcommands ----------------------------------------------------------------------------*/

static int cmd_serve(int argc, char **argv)
{
    struct opts o = {0};
    int rc = opts_parse(&o, argc, argv, FOR_SERVE);
    if (rc >= 0)
        return rc;
    log_set_level(o.log_level);
    struct runtime rt = {0};
    struct err e = {0};
    http_server *srv = NULL;
    int status = 1;
    if (http_signals_install(&e) != ERR_OK) {
        fprintf(stderr, "skilld serve: %s\n", e.msg);
        return 1;
    }
    if (runtime_build(&rt, &o, &e) != ERR_OK) {
        fprintf(stderr, "skilld serve: %s\n", e.msg);
        goto cleanup;
    }
    struct http_options ho = {
        .host = o.host,
        .port = o.port,
        .max_body = (size_t)o.max_body,
        .threads = (unsigned)o.threads,
        .allow_origins = o.origins,
        .nallow_origins = o.norigins,
        .metrics = rt.app.metrics,
    };
    struct http_endpoint rows[HTTP_MAX_ENDPOINTS];
    size_t nrows = app_endpoints(&rt.app, rows, ARRAY_LEN(rows));
    srv = http_start(&ho, rt.app.mcp, rows, nrows, &e);
    if (!srv) {
        fprintf(stderr, "skilld serve: %s\n", e.msg);
        goto cleanup;
    }
    int v6 = strchr(o.host, ':') != NULL;
    log_write(LOG_LEVEL_INFO, "listening on http://%s%s%s:%u (backend %s)", v6 ? "[" : "",
              o.host, v6 ? "]" : "", http_port(srv), rt.app.backend);
    if (strncmp(o.host, "127.", 4) != 0 && strcmp(o.host, "::1") != 0 &&
        strcmp(o.host, "localhost") != 0)
        log_write(LOG_LEVEL_WARN, "%s is not a loopback address: /mcp and /api/route have no "
                  "authentication of their own, so anyone who can reach this port can use them "
                  "(and the tools of the %s backend)", o.host, rt.app.backend);
    /* Make the line above visible even with --log-level off: tests and scripts parse it. */
    if (!log_enabled(LOG_LEVEL_INFO))
        fprintf(stderr, "listening on http://%s%s%s:%u\n", v6 ? "[" : "", o.host, v6 ? "]" : "",
                http_port(srv));
    int sig = http_signals_wait();
    log_write(LOG_LEVEL_INFO, "shutting down (signal %d): finishing in-flight requests", sig);
    http_stop(srv, SERVE_GRACE_MS);
    srv = NULL;
    log_write(LOG_LEVEL_INFO, "stopped");
    status = 0;
cleanup:
    http_stop(srv, 0);
    runtime_release(&rt);
    return status;
}

static int cmd_stdio(int argc, char **argv)
{
    struct opts o = {0};
    int rc = opts_parse(&o, argc, argv, FOR_STDIO);
    if (rc >= 0)
        return rc;
    log_set_level(o.log_level);
    struct runtime rt;
    struct err e = {0};
    int status = 1;
    if (runtime_build(&rt, &o, &e) != ERR_OK) {
        fprintf(stderr, "skilld stdio: %s\n", e.msg);
        goto cleanup;
    }
    log_write(LOG_LEVEL_INFO, "serving MCP on stdio (backend %s)", rt.app.backend);
    status = stdio_serve(rt.app.mcp, STDIN_FILENO, STDOUT_FILENO);
cleanup:
    runtime_release(&rt);
    return status;
}

/* One row per subcommand. To add one: write `int fn(int argc, char **argv)` (argv[0] is
 * the subcommand name, it handles its own --help) and add a row. */
static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"serve", cmd_serve, "serve HTTP: MCP on /mcp (2026-07-28 stateless and 2024-11-05 to "
                         "2025-11-25 with sessions; /sse for 2024-11-05 clients), POST/GET "
                         "/api/route, skill pages and Agent Skills folders under /skills/, "
                         "/healthz, /metrics"},
    {"stdio", cmd_stdio, "serve MCP on stdin/stdout (for clients that spawn the server; "
                         "2026-07-28 and older clients alike)"},
    {"route", route_cli_main, "route one question from the command line and print the answer"},
    {"knowledge", knowledge_cli_main, "check a knowledge directory (knowledge check [DIR])"},
    {"sim", sim_cli_main, "run the ECS simulator alone on a loopback port"},
};

static void usage(FILE *f)
{
    fprintf(f, "skilld %s - MCP and skill-routing server for Alibaba Cloud ECS\n\n"
               "usage: skilld COMMAND [flags]    (skilld COMMAND --help lists its flags)\n"
               "       skilld --version\n\ncommands:\n", SKILLD_VERSION);
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("skilld %s\n", SKILLD_VERSION);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "skilld: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
