/* cmd.c - skillctl's commands: ask (route a question), tools (list or describe), call (one
 * tool) and do (route a command and carry it out), with the flow every changing call shares:
 * show the plan, ask on the terminal (or take --yes), send the confirmation token, show the
 * outcome. Layer: clients. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clients/skillctl/skillctl.h"

/* ---- Output
 * ------------------------------------------------------------------------------------*/

/* Take the progress line off stderr before anything else is written there. */
static void progress_clear(struct skc_app *a)
{
    if (a->progress_shown) {
        fputs("\r\x1b[K", stderr);
        a->progress_shown = 0;
    }
}

static void put_out(struct skc_app *a, struct buf *b)
{
    progress_clear(a);
    if (b->len)
        fwrite(b->data, 1, b->len, stdout);
    fflush(stdout);
    buf_reset(b);
}

/* Print "skillctl: message" on stderr (cleaned) and return the exit code for it. */
static int fail(struct skc_app *a, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct skc_app *a, int code, const char *fmt, ...)
{
    struct buf raw, clean;
    buf_init(&raw, 0);
    buf_init(&clean, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&raw, fmt, ap);
    va_end(ap);
    skc_text_clean(&clean, raw.data ? raw.data : "", raw.len);
    progress_clear(a);
    fprintf(stderr, "skillctl: %s\n", clean.data ? clean.data : "");
    buf_release(&raw);
    buf_release(&clean);
    return code;
}

int skc_exit_for(err_code rc)
{
    switch (rc) {
    case ERR_OK:
        return SKC_EXIT_OK;
    case ERR_CANCELLED:
        return SKC_EXIT_INTERRUPTED;
    case ERR_INVALID:
    case ERR_NOT_FOUND:
        return SKC_EXIT_USAGE;
    default:
        return SKC_EXIT_ERROR;
    }
}

static int fail_err(struct skc_app *a, const struct err *e)
{
    if (e->code == ERR_CANCELLED)
        return fail(a, SKC_EXIT_INTERRUPTED, "interrupted");
    return fail(a, skc_exit_for(e->code), "%s", e->msg[0] ? e->msg : err_name(e->code));
}

static void print_json(struct skc_app *a, const cJSON *j)
{
    char *s = cJSON_Print(j);
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, s ? s : "null");
    buf_putc(&b, '\n');
    put_out(a, &b);
    buf_release(&b);
    free(s);
}

/* ---- Progress and log lines (stderr) ----------------------------------------------------------*/

static void on_progress(void *ctx, double p, double total, const char *message)
{
    struct skc_app *a = ctx;
    if (a->o.quiet)
        return;
    struct buf line;
    buf_init(&line, 512);
    if (total > 0)
        buf_printf(&line, "%3.0f%%", 100.0 * p / total);
    else
        buf_printf(&line, "%g", p);
    if (message) {
        buf_putc(&line, ' ');
        skc_text_clean(&line, message, strlen(message) < 400 ? strlen(message) : 400);
    }
    for (size_t i = 0; i < line.len; i++)
        if (line.data[i] == '\n' || line.data[i] == '\t')
            line.data[i] = ' ';
    if (a->err_tty) {
        fprintf(stderr, "\r\x1b[K%s", line.data);
        a->progress_shown = 1;
    } else {
        fprintf(stderr, "skillctl: progress %s\n", line.data);
    }
    fflush(stderr);
    buf_release(&line);
}

static void on_log(void *ctx, const char *level, const char *logger, const char *text)
{
    struct skc_app *a = ctx;
    if (a->o.quiet)
        return;
    struct buf line;
    buf_init(&line, 0);
    skc_text_clean(&line, level, strlen(level) < 16 ? strlen(level) : 16);
    buf_puts(&line, "] ");
    if (logger) {
        skc_text_clean(&line, logger, strlen(logger) < 64 ? strlen(logger) : 64);
        buf_puts(&line, ": ");
    }
    skc_text_clean(&line, text, strlen(text));
    progress_clear(a);
    fprintf(stderr, "skilld [%s\n", line.data);
    buf_release(&line);
}

/* ---- Sessions and /api/route
 * --------------------------------------------------------------------*/

err_code skc_app_mcp(struct skc_app *a, skc_mcp **ret, struct err *e)
{
    if (!a->mcp) {
        err_code rc = skc_mcp_open(a->conn, &a->mcp, e);
        if (rc)
            return rc;
    }
    *ret = a->mcp;
    return ERR_OK;
}

/* POST /api/route; token NULL unless confirming. *ret is the answer (the caller owns it). */
static err_code api_route(struct skc_app *a, const char *query, int execute, const char *token,
                          cJSON **ret, struct err *e)
{
    *ret = NULL;
    cJSON *rq = cJSON_CreateObject();
    cJSON_AddStringToObject(rq, "query", query);
    cJSON_AddStringToObject(rq, "product", a->o.product);
    if (execute)
        cJSON_AddBoolToObject(rq, "execute", 1);
    if (token)
        cJSON_AddStringToObject(rq, "confirmation_token", token);
    char *body = cJSON_PrintUnformatted(rq);
    cJSON_Delete(rq);
    struct skc_request r = {
        .method = "POST", .path = "/api/route", .body = body, .body_len = strlen(body)};
    struct skc_reply rp;
    skc_reply_init(&rp);
    err_code rc = skc_http(a->conn, &r, &rp, e);
    free(body);
    if (rc == ERR_OK && rp.status != 200)
        rc = skc_http_fail(a->conn, "/api/route", &rp, e);
    if (rc == ERR_OK &&
        !(*ret = skc_json_parse(rp.body.data, rp.body.len, "skilld's /api/route", e)))
        rc = ERR_PARSE;
    skc_reply_release(&rp);
    return rc;
}

/* The route tool over MCP: its structuredContent (the caller owns it). */
static err_code mcp_route(struct skc_app *a, const char *query, cJSON **ret, struct err *e)
{
    *ret = NULL;
    skc_mcp *m = NULL;
    err_code rc = skc_app_mcp(a, &m, e);
    if (rc)
        return rc;
    cJSON *args = cJSON_CreateObject();
    cJSON_AddStringToObject(args, "query", query);
    cJSON_AddStringToObject(args, "product", a->o.product);
    struct skc_call_hooks hooks = {.ctx = a, .progress = on_progress, .log = on_log};
    cJSON *result = NULL;
    rc = skc_mcp_call(m, "route", args, &hooks, &result, e);
    cJSON_Delete(args);
    if (rc)
        return rc;
    cJSON *sc = cJSON_DetachItemFromObjectCaseSensitive(result, "structuredContent");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "isError")) || !cJSON_IsObject(sc)) {
        struct buf t;
        buf_init(&t, 0);
        const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(result, "content"), 0);
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(c, "text");
        if (cJSON_IsString(text))
            skc_text_clean(&t, text->valuestring, strlen(text->valuestring));
        rc = err_set(e, ERR_REMOTE, "the route tool failed: %s",
                     t.len ? t.data : "no structuredContent in its result");
        buf_release(&t);
        cJSON_Delete(sc);
        cJSON_Delete(result);
        return rc;
    }
    cJSON_Delete(result);
    *ret = sc;
    return ERR_OK;
}

/* Join words with spaces into one query; NULL when there are none. */
static char *join(char *const *words, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? " " : "", words[i]);
    if (!b.len) {
        buf_release(&b);
        return NULL;
    }
    return buf_steal(&b, NULL);
}

/* ---- ask
 * ----------------------------------------------------------------------------------------*/

int skc_cmd_ask(struct skc_app *a, const char *args_json, char *const *words, size_t n)
{
    char *query = join(words, n);
    if (!query)
        return fail(a, SKC_EXIT_USAGE, "ask needs a question: skillctl ask \"QUESTION\"");
    struct err e;
    err_clear(&e);
    cJSON *route = NULL;
    err_code rc =
        a->o.mcp ? mcp_route(a, query, &route, &e) : api_route(a, query, 0, NULL, &route, &e);
    free(query);
    if (rc)
        return fail_err(a, &e);
    int oos = skc_route_out_of_scope(route);
    if (a->o.json) {
        print_json(a, route);
    } else {
        struct buf b;
        buf_init(&b, 0);
        skc_route_render(&b, route, &a->out);
        put_out(a, &b);
        buf_release(&b);
    }
    cJSON_Delete(route);
    return oos ? SKC_EXIT_OUT_OF_SCOPE : SKC_EXIT_OK;
}

/* ---- tools
 * --------------------------------------------------------------------------------------*/

int skc_cmd_tools(struct skc_app *a, const char *args_json, char *const *words, size_t n)
{
    if (n > 1)
        return fail(a, SKC_EXIT_USAGE, "tools takes at most one tool name");
    struct err e;
    err_clear(&e);
    skc_mcp *m = NULL;
    const cJSON *tools = NULL, *one = NULL;
    if (skc_app_mcp(a, &m, &e) || skc_mcp_tools(m, &tools, &e) ||
        (n == 1 && !(one = skc_mcp_tool(m, words[0], &e))))
        return fail_err(a, &e);
    struct buf b;
    buf_init(&b, 0);
    if (a->o.json)
        print_json(a, one ? one : tools);
    else if (one)
        skc_tool_render(&b, one, &a->out);
    else
        skc_tools_render(&b, tools, &a->out);
    put_out(a, &b);
    buf_release(&b);
    return SKC_EXIT_OK;
}

/* ---- The plan / confirm / execute flow
 * ----------------------------------------------------------*/

int skc_confirm(int destructive)
{
    if (!isatty(STDIN_FILENO))
        return -1;
    fputs(destructive ? "This plan is DESTRUCTIVE. Type 'yes' to execute it: "
                      : "Execute this plan? [y/N] ",
          stderr);
    fflush(stderr);
    char answer[SKC_ANSWER_MAX];
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t got = read(STDIN_FILENO, &c, 1);
        if (got < 0 && errno == EINTR && !skc_interrupted)
            continue;
        if (got < 0 && errno == EINTR) {
            fputc('\n', stderr);
            return -2;
        }
        if (got <= 0 || c == '\n')
            break;
        if (n < sizeof answer - 1)
            answer[n++] = c;
    }
    answer[n] = '\0';
    char *s = answer;
    while (*s == ' ')
        s++;
    for (size_t k = strlen(s); k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\r'); k--)
        s[k - 1] = '\0';
    if (destructive)
        return strcmp(s, "yes") == 0;
    return strcasecmp(s, "y") == 0 || strcasecmp(s, "yes") == 0;
}

/* The envelope of a tool result, or NULL when the tool returns none (route, get_skill...). */
static const cJSON *envelope(const cJSON *result)
{
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(sc, "status");
    return cJSON_IsObject(sc) && cJSON_IsString(status) &&
                   cJSON_GetObjectItemCaseSensitive(sc, "tool")
               ? sc
               : NULL;
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Decide on a plan: 1 go ahead, or the exit code to stop with (after saying why). how is the
 * advice printed when confirmation is needed. */
static int decide(struct skc_app *a, const cJSON *env, int destructive, const char *how)
{
    if (a->o.yes)
        return 1;
    progress_clear(a);
    int answer = skc_confirm(destructive);
    if (answer == 1)
        return 1;
    if (answer == -2)
        return fail(a, SKC_EXIT_INTERRUPTED, "interrupted; nothing was executed");
    if (answer == 0)
        return fail(a, SKC_EXIT_CONFIRM, "not confirmed; nothing was executed");
    return fail(a, SKC_EXIT_CONFIRM,
                "confirmation needed: this %s was planned, not executed (no terminal to ask on). "
                "Review the plan, then %s",
                destructive ? "DESTRUCTIVE call" : "call", how);
}

/* The exit code a status means. To add a status: a row. */
static int status_code(const char *status, int is_error)
{
    static const struct {
        const char *status;
        int code;
    } codes[] = {
        {"ok", SKC_EXIT_OK},        {"executed", SKC_EXIT_OK},      {"denied", SKC_EXIT_DENIED},
        {"failed", SKC_EXIT_ERROR}, {"incomplete", SKC_EXIT_ERROR}, {"planned", SKC_EXIT_CONFIRM},
    };
    for (size_t i = 0; status && i < ARRAY_LEN(codes); i++)
        if (strcmp(codes[i].status, status) == 0)
            return codes[i].code;
    return is_error ? SKC_EXIT_ERROR : SKC_EXIT_OK;
}

/* Print an envelope: rendered, or as JSON (json, the whole answer it came in, when given). */
static void show_outcome(struct skc_app *a, const cJSON *env, const cJSON *json)
{
    if (a->o.json) {
        print_json(a, json ? json : env);
        return;
    }
    struct buf b;
    buf_init(&b, 0);
    skc_outcome_render(&b, env, &a->out);
    put_out(a, &b);
    buf_release(&b);
}

/* Show a plan for a person: on stdout, or on stderr when stdout carries --json. */
static void show_plan(struct skc_app *a, const cJSON *env)
{
    struct buf b;
    buf_init(&b, 0);
    if (a->o.json) {
        struct skc_style plain = {.color = 0, .width = 0};
        skc_outcome_render(&b, env, &plain);
        progress_clear(a);
        fwrite(b.data, 1, b.len, stderr);
    } else {
        skc_outcome_render(&b, env, &a->out);
        put_out(a, &b);
    }
    buf_release(&b);
}

/* Call a tool and carry a plan through: the shared flow of `call` and `do --mcp`. */
static int run_tool(struct skc_app *a, const cJSON *tool, const cJSON *args)
{
    skc_mcp *m = a->mcp;
    const char *name = str(tool, "name");
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(tool, "annotations");
    /* MCP's defaults when a hint is absent: not read-only, destructive. */
    int hint_destructive =
        !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ann, "destructiveHint")) &&
        !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ann, "readOnlyHint"));
    struct skc_call_hooks hooks = {.ctx = a, .progress = on_progress, .log = on_log};
    struct err e;
    err_clear(&e);
    cJSON *result = NULL, *with_token = NULL;
    int code = SKC_EXIT_OK;
    if (skc_mcp_call(m, name, args, &hooks, &result, &e)) {
        code = fail_err(a, &e);
        goto done;
    }
    for (int round = 0;; round++) {
        int is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "isError"));
        const cJSON *env = envelope(result);
        if (!env) {
            if (a->o.json) {
                print_json(a, result);
            } else if (is_error) {
                struct buf b;
                struct skc_style plain = {0};
                buf_init(&b, 0);
                skc_result_render(&b, result, &plain);
                while (b.len && b.data[b.len - 1] == '\n')
                    b.data[--b.len] = '\0';
                fail(a, 0, "%s failed: %s", name, b.len ? b.data : "(no message)");
                buf_release(&b);
            } else {
                struct buf b;
                buf_init(&b, 0);
                skc_result_render(&b, result, &a->out);
                put_out(a, &b);
                buf_release(&b);
            }
            code = is_error ? SKC_EXIT_ERROR : SKC_EXIT_OK;
            break;
        }
        const char *status = str(env, "status");
        if (strcmp(status, "planned") != 0) {
            show_outcome(a, env, NULL);
            code = status_code(status, is_error);
            break;
        }
        if (round > 0) {
            show_outcome(a, env, NULL);
            code = fail(a, SKC_EXIT_ERROR,
                        "skilld planned the call again instead of executing "
                        "it with the confirmation token");
            break;
        }
        const char *token = str(env, "confirmation_token");
        const cJSON *plan = cJSON_GetObjectItemCaseSensitive(env, "plan");
        const char *effect = str(plan, "effect");
        int destructive = effect ? strcmp(effect, "destructive") == 0 : hint_destructive;
        show_plan(a, env);
        if (!token) {
            code = fail(a, SKC_EXIT_ERROR,
                        "skilld planned the call but sent no "
                        "confirmation_token to execute it with");
            break;
        }
        int go = decide(a, env, destructive,
                        "run the same command again with --yes to execute it "
                        "(skilld checks everything again before it runs)");
        if (go != 1) {
            if (a->o.json && go == SKC_EXIT_CONFIRM)
                print_json(a, env);
            code = go;
            break;
        }
        if (!a->o.json)
            fputs("\n", stdout);
        with_token = cJSON_Duplicate(args, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(with_token, "confirmation_token");
        cJSON_AddStringToObject(with_token, "confirmation_token", token);
        cJSON_Delete(result);
        result = NULL;
        if (skc_mcp_call(m, name, with_token, &hooks, &result, &e)) {
            code = fail_err(a, &e);
            if (e.code == ERR_CANCELLED)
                fail(a, code,
                     "cancellation sent to skilld; the call may still have taken "
                     "effect (check before running it again)");
            break;
        }
    }
done:
    cJSON_Delete(result);
    cJSON_Delete(with_token);
    return code;
}

/* ---- call
 * ---------------------------------------------------------------------------------------*/

int skc_cmd_call(struct skc_app *a, const char *args_json, char *const *words, size_t n)
{
    if (n == 0)
        return fail(a, SKC_EXIT_USAGE,
                    "call needs a tool name: skillctl call TOOL [NAME=VALUE]...");
    const char *name = words[0];
    words++;
    n--;
    struct err e;
    err_clear(&e);
    skc_mcp *m = NULL;
    const cJSON *tool = NULL;
    if (skc_app_mcp(a, &m, &e) || !(tool = skc_mcp_tool(m, name, &e)))
        return fail_err(a, &e);
    cJSON *args = NULL;
    if (skc_args_build(cJSON_GetObjectItemCaseSensitive(tool, "inputSchema"), args_json, words, n,
                       &args, &e))
        return fail(a, SKC_EXIT_USAGE, "%s: %s (`skillctl tools %s` shows what it takes)", name,
                    e.msg, name);
    int code = run_tool(a, tool, args);
    cJSON_Delete(args);
    return code;
}

/* ---- do
 * -----------------------------------------------------------------------------------------*/

/* The routing lines of a command (skill, path, confidence, warnings), without the answer. */
static void show_routing(struct skc_app *a, const cJSON *route)
{
    if (a->o.json)
        return;
    cJSON *brief = cJSON_Duplicate(route, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(brief, "answer");
    struct buf b;
    buf_init(&b, 0);
    skc_route_render(&b, brief, &a->out);
    buf_putc(&b, '\n');
    put_out(a, &b);
    buf_release(&b);
    cJSON_Delete(brief);
}

/* `do` over MCP: route, then call tools[0] through run_tool. */
static int do_mcp(struct skc_app *a, const char *query)
{
    struct err e;
    err_clear(&e);
    cJSON *route = NULL;
    if (mcp_route(a, query, &route, &e))
        return fail_err(a, &e);
    int code;
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(route, "tools"), 0);
    const char *name = str(first, "name");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(first, "arguments");
    const cJSON *tool = NULL;
    if (skc_route_out_of_scope(route)) {
        a->o.json ? print_json(a, route) : show_routing(a, route);
        code = SKC_EXIT_OUT_OF_SCOPE;
    } else if (!name) {
        show_routing(a, route);
        code = fail(a, SKC_EXIT_ERROR,
                    "skilld found no command to carry out in that request "
                    "(`skillctl ask` answers questions)");
    } else if (!(tool = skc_mcp_tool(a->mcp, name, &e))) {
        show_routing(a, route);
        code = fail(a, SKC_EXIT_ERROR,
                    "skilld suggests the tool '%s' but does not offer it over "
                    "MCP (this skilld has no ECS tools yet?)",
                    name);
    } else {
        show_routing(a, route);
        code = run_tool(a, tool, cJSON_IsObject(args) ? args : NULL);
    }
    cJSON_Delete(route);
    return code;
}

/* `do` over /api/route with "execute": true. */
static int do_api(struct skc_app *a, const char *query)
{
    struct err e;
    err_clear(&e);
    cJSON *route = NULL;
    if (api_route(a, query, 1, NULL, &route, &e))
        return fail_err(a, &e);
    int code = SKC_EXIT_OK;
    for (int round = 0;; round++) {
        const cJSON *action = cJSON_GetObjectItemCaseSensitive(route, "action");
        if (skc_route_out_of_scope(route)) {
            a->o.json ? print_json(a, route) : show_routing(a, route);
            code = SKC_EXIT_OUT_OF_SCOPE;
            break;
        }
        if (round == 0)
            show_routing(a, route);
        if (!action) {
            code = fail(a, SKC_EXIT_ERROR,
                        "skilld at %s does not carry out commands from "
                        "/api/route (its answer has no 'action'); it needs "
                        "ECS tools, which this skilld does not have yet",
                        skc_conn_url(a->conn));
            break;
        }
        if (!cJSON_IsObject(action) || !str(action, "status")) {
            code = fail(a, SKC_EXIT_ERROR,
                        "skilld found no command to carry out in that request "
                        "(`skillctl ask` answers questions)");
            break;
        }
        const char *status = str(action, "status");
        if (strcmp(status, "planned") != 0 || round > 0) {
            show_outcome(a, action, route);
            code = status_code(status, 0);
            if (round > 0 && strcmp(status, "planned") == 0)
                code = fail(a, SKC_EXIT_ERROR,
                            "skilld planned the command again instead of "
                            "executing it with the confirmation token");
            else if (strcmp(status, "incomplete") == 0)
                fail(a, code,
                     "the request does not say everything the command needs; add what "
                     "is missing to it");
            break;
        }
        const cJSON *plan = cJSON_GetObjectItemCaseSensitive(action, "plan");
        const char *effect = str(plan, "effect");
        int destructive = effect && strcmp(effect, "destructive") == 0;
        const char *token = str(action, "confirmation_token");
        show_plan(a, action);
        if (!token) {
            code = fail(a, SKC_EXIT_ERROR,
                        "skilld planned the command but sent no "
                        "confirmation_token to execute it with");
            break;
        }
        int go = decide(a, action, destructive,
                        "run the same command again with --yes to execute it (skilld routes and "
                        "checks it again before it runs)");
        if (go != 1) {
            if (a->o.json && go == SKC_EXIT_CONFIRM)
                print_json(a, route);
            code = go;
            break;
        }
        if (!a->o.json)
            fputs("\n", stdout);
        char *tok = xstrdup(token);
        cJSON_Delete(route);
        route = NULL;
        err_code rc = api_route(a, query, 1, tok, &route, &e);
        free(tok);
        if (rc) {
            code = fail_err(a, &e);
            break;
        }
    }
    cJSON_Delete(route);
    return code;
}

int skc_cmd_do(struct skc_app *a, const char *args_json, char *const *words, size_t n)
{
    char *query = join(words, n);
    if (!query)
        return fail(a, SKC_EXIT_USAGE, "do needs a command: skillctl do \"COMMAND\"");
    int code = a->o.mcp ? do_mcp(a, query) : do_api(a, query);
    free(query);
    return code;
}
