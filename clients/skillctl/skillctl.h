/* skillctl.h - skillctl, the terminal client of skilld: the SSE reader, the HTTP transport
 * (libcurl), the MCP client, argument typing from a tool's inputSchema, the terminal renderer
 * and the plan / confirm / execute flow. Layer: clients (base, cJSON and libcurl only; it talks
 * to skilld over HTTP and never links server code). Private to clients/skillctl and its tests. */
#ifndef SKILLD_CLIENTS_SKILLCTL_H
#define SKILLD_CLIENTS_SKILLCTL_H

#include <cjson/cJSON.h>
#include <signal.h>
#include <stddef.h>

#include "base/base.h"

/* ---- Exit codes (documented in `skillctl --help` and the README) -----------------------------*/
enum skc_exit {
    SKC_EXIT_OK = 0,
    SKC_EXIT_ERROR = 1,        /* a failure: connection, protocol, a tool that failed */
    SKC_EXIT_USAGE = 2,        /* bad command line: unknown option, tool or argument */
    SKC_EXIT_DENIED = 3,       /* the guardrails denied the call */
    SKC_EXIT_OUT_OF_SCOPE = 4, /* the question is not about the product */
    SKC_EXIT_CONFIRM = 5,      /* a plan needs confirmation that was not given */
    SKC_EXIT_INTERRUPTED = 130 /* Ctrl-C (SIGINT) */
};

/* ---- Limits: every size that comes from the server or the command line ----------------------*/
#define SKC_RESPONSE_MAX (8u << 20)    /* bytes of one JSON response body */
#define SKC_SSE_EVENT_MAX (4u << 20)   /* bytes of one SSE event (its data lines together) */
#define SKC_SSE_STREAM_MAX (64u << 20) /* bytes read from the SSE streams of one request */
#define SKC_RECONNECTS_MAX 5           /* GET + Last-Event-ID resumptions of one request */
#define SKC_RETRY_MS_MAX 10000         /* longest `retry:` wait honoured before resuming */
#define SKC_TOOL_PAGES_MAX 64          /* tools/list pages followed */
#define SKC_TOOLS_MAX 4096             /* tools kept from tools/list */
#define SKC_ARGS_MAX 256               /* key=value words of one call */
#define SKC_HEADER_MAX 1024            /* bytes of a response header value we keep */
#define SKC_URL_MAX 2048               /* bytes of --url */
#define SKC_BEARER_MAX 8192            /* bytes of SKILLD_TOKEN */
#define SKC_ANSWER_MAX 64              /* bytes of a confirmation answer read from the TTY */
#define SKC_CONNECT_TIMEOUT_MS 10000   /* TCP (and TLS) connect */
#define SKC_TIMEOUT_S_DEFAULT 300      /* a whole request, unless --timeout says otherwise */
#define SKC_TIMEOUT_S_MAX 86400
#define SKC_CANCEL_TIMEOUT_MS 3000 /* notifications/cancelled and DELETE at exit */

#define SKC_MCP_VERSION "2025-11-25" /* the protocol version skillctl asks for */

/* Set by the SIGINT handler (main.c); the transport aborts a running transfer once it is set
 * and every wait checks it. */
extern volatile sig_atomic_t skc_interrupted;

/* ---- SSE (text/event-stream) reader ---------------------------------------------------------
 * An incremental parser of the WHATWG event-stream format: feed it bytes as they arrive; every
 * complete event with data is handed to the callback. Lines end in LF, CRLF or CR; comments
 * (":...") are skipped; `id:` persists as the last event id (ids with NUL are ignored), `retry:`
 * takes digits only. One event's data (and any one line) is bounded by the max given. */
typedef struct skc_sse skc_sse;

struct skc_sse_event {
    const char *type; /* the `event:` field, "message" when absent */
    const char
        *data; /* data lines joined by LF, NUL-terminated; valid until the callback returns */
    size_t data_len;
    const char *id; /* the last event id so far ("" when none) */
};

/* Return 0 to go on, non-zero to stop: skc_sse_feed then returns ERR_CANCELLED at once. */
typedef int (*skc_sse_fn)(void *ctx, const struct skc_sse_event *ev);

skc_sse *skc_sse_new(size_t event_max);
void skc_sse_free(skc_sse *p); /* accepts NULL */
/* Parse len more bytes. ERR_TOO_BIG (e says which) when an event or line passes the max;
 * ERR_CANCELLED when the callback asked to stop. */
err_code skc_sse_feed(skc_sse *p, const char *data, size_t len, skc_sse_fn fn, void *ctx,
                      struct err *e);
const char *skc_sse_last_id(const skc_sse *p); /* "" when no id was seen */
long skc_sse_retry_ms(const skc_sse *p);       /* -1 when no retry field was seen */

/* ---- HTTP transport (libcurl) ----------------------------------------------------------------
 * One connection object per process: one curl handle (keep-alive), the base URL and the bearer
 * token. No redirects are followed; only http and https are spoken. Errors name what failed and
 * where ("cannot connect to skilld at http://127.0.0.1:8080: Connection refused - is skilld
 * running at http://127.0.0.1:8080?"); the token never appears in any message. */
typedef struct skc_conn skc_conn;

struct skc_conn_config {
    const char *url;   /* base URL, http:// or https://, no query; a trailing slash is dropped */
    const char *token; /* bearer token or NULL; copied */
    long timeout_s;    /* a whole request; 0: SKC_TIMEOUT_S_DEFAULT */
};

/* ERR_INVALID naming the problem when the URL or token is unusable. */
err_code skc_conn_new(const struct skc_conn_config *cfg, skc_conn **ret, struct err *e);
void skc_conn_free(skc_conn *c);             /* accepts NULL */
const char *skc_conn_url(const skc_conn *c); /* the base URL, for messages */

struct skc_request {
    const char *method; /* "GET", "POST" or "DELETE" */
    const char *path;   /* "/api/route", "/mcp" */
    const char *body;   /* POST body (JSON) or NULL */
    size_t body_len;
    const char *accept;        /* Accept header, or NULL for application/json */
    const char *session_id;    /* Mcp-Session-Id, or NULL */
    const char *protocol;      /* MCP-Protocol-Version, or NULL */
    const char *last_event_id; /* Last-Event-ID (a resumed SSE stream), or NULL */
    long timeout_ms;           /* 0: the connection's timeout */
    int ignore_interrupt;      /* run even after Ctrl-C (the cancellation itself) */
    skc_sse_fn on_event;       /* events of a text/event-stream response go here */
    void *ctx;
};

struct skc_reply {
    long status;                        /* HTTP status, 0 before any answer */
    char content_type[128];             /* media type, lowercase, no parameters */
    char session_id[SKC_HEADER_MAX];    /* Mcp-Session-Id of the response, "" if none */
    struct buf body;                    /* a non-SSE body (at most SKC_RESPONSE_MAX) */
    int sse;                            /* the response was text/event-stream */
    int stopped;                        /* on_event asked to stop (the awaited message came) */
    char last_event_id[SKC_HEADER_MAX]; /* the stream's last event id */
    long retry_ms;                      /* the stream's retry field, -1 if none */
};

void skc_reply_init(struct skc_reply *r);
void skc_reply_release(struct skc_reply *r);

/* Send one request and read its answer. ERR_OK for any HTTP status (the caller decides);
 * ERR_IO (connection), ERR_TIMEOUT, ERR_TOO_BIG, ERR_PARSE (SSE), ERR_CANCELLED (Ctrl-C). A
 * stream the callback stopped is ERR_OK with r->stopped set. */
err_code skc_http(skc_conn *c, const struct skc_request *rq, struct skc_reply *r, struct err *e);

/* Parse a JSON body: valid UTF-8, a JSON object, nothing after it. what names the endpoint
 * for the message. Returns a tree the caller owns, or NULL with e set. */
cJSON *skc_json_parse(const char *body, size_t len, const char *what, struct err *e);

/* The message of an error body ({"error":{"code","message"}} or a JSON-RPC error), into e,
 * with the status and what failed; always returns ERR_REMOTE. */
err_code skc_http_fail(const skc_conn *c, const char *what, const struct skc_reply *r,
                       struct err *e);

/* ---- MCP client (Streamable HTTP) --------------------------------------------------------------
 * initialize -> Mcp-Session-Id; tools/list (every page); tools/call with a progress token,
 * answered as JSON or as an SSE stream (progress and log notifications shown as they come, a
 * stream that ends early resumed with GET + Last-Event-ID); Ctrl-C sends notifications/cancelled.
 * Server requests get an answer (ping: {}; anything else: method not found). DELETE at close. */
typedef struct skc_mcp skc_mcp;

struct skc_call_hooks {
    void *ctx;
    /* notifications/progress for the call: total < 0 when the server gave none */
    void (*progress)(void *ctx, double progress, double total, const char *message);
    /* notifications/message: level ("info"...), logger (or NULL), text */
    void (*log)(void *ctx, const char *level, const char *logger, const char *text);
};

/* Open a session (initialize + notifications/initialized). */
err_code skc_mcp_open(skc_conn *c, skc_mcp **ret, struct err *e);
/* End the session (DELETE, best effort) and free. Accepts NULL. */
void skc_mcp_close(skc_mcp *m);
const char *skc_mcp_version(const skc_mcp *m); /* the negotiated protocol version */
/* Every tool of the server (tools/list, all pages): an array borrowed from m. */
err_code skc_mcp_tools(skc_mcp *m, const cJSON **ret_tools, struct err *e);
/* The tool named name from skc_mcp_tools, or NULL (ERR_NOT_FOUND in e, listing near names). */
const cJSON *skc_mcp_tool(skc_mcp *m, const char *name, struct err *e);
/* tools/call. args is borrowed. *ret_result is the CallToolResult (the caller owns it).
 * A JSON-RPC error is ERR_REMOTE with its message; Ctrl-C sends notifications/cancelled for
 * the request and returns ERR_CANCELLED. */
err_code skc_mcp_call(skc_mcp *m, const char *tool, const cJSON *args,
                      const struct skc_call_hooks *hooks, cJSON **ret_result, struct err *e);

/* ---- Arguments: key=value typed by the tool's inputSchema --------------------------------------
 * Each word is NAME=VALUE or NAME:=JSON. The property's schema (a local $ref "#/$defs/X" or
 * "#/definitions/X" followed once) says the type: integer and number (whole value, finite),
 * boolean (true/false, yes/no, on/off, 1/0), array (comma-separated items typed by `items`,
 * `\,` for a literal comma, or a JSON array; a repeated NAME appends), object (JSON), string
 * (as given). Type unions take the first non-null type; `null` gives null where allowed. An
 * enum is checked. NAME:=JSON is taken as is. --args JSON (an object) is the base the words add
 * to or replace. Unknown names are refused when additionalProperties is false; required ones
 * must be present. Errors name the argument and say what was expected. */
err_code skc_args_build(const cJSON *input_schema, const char *base_json, char *const *words,
                        size_t nwords, cJSON **ret, struct err *e);

/* ---- Terminal rendering
 * -------------------------------------------------------------------------- Everything from the
 * server passes through skc_text_clean before it reaches the terminal: the output is valid UTF-8
 * and carries no control characters but LF and TAB (escape sequences in answers cannot move the
 * cursor or change colours). Colour comes only from skillctl's own SGR sequences, and only when
 * style->color is set. */
struct skc_style {
    int color; /* emit SGR colour sequences */
    int width; /* wrap paragraphs and list items at this many columns; 0: never wrap */
};

/* Append s[0..len) to out with invalid UTF-8 replaced by U+FFFD and control characters (C0 but
 * LF and TAB, DEL, C1) dropped; a CR LF pair becomes LF. */
void skc_text_clean(struct buf *out, const char *s, size_t len);
/* Columns s takes on a terminal: East Asian wide characters count 2, combining marks 0, and
 * SGR sequences (ESC [ ... m) 0. */
size_t skc_display_width(const char *s, size_t len);
/* Write text (one logical line, cleaned, possibly with our SGR sequences) wrapped at width
 * columns (0: not wrapped), first and cont being the prefixes of the first and later lines;
 * ends with LF. A word wider than the line is not broken. */
void skc_wrap(struct buf *out, const char *text, size_t n, int width, const char *first,
              const char *cont);
/* Render Markdown for a terminal: headings, bullet and numbered lists, block quotes, fenced
 * code, rules, **bold**, *italic*, `code`, [links](url); paragraphs wrapped at style->width. */
void skc_md_render(struct buf *out, const char *md, size_t len, const struct skc_style *st);

/* A /api/route result (or the route tool's structuredContent). */
void skc_route_render(struct buf *out, const cJSON *route, const struct skc_style *st);
/* 1 when a route result says the question is out of scope (skill null). */
int skc_route_out_of_scope(const cJSON *route);
/* The tools of tools/list, one line each, with their annotations. */
void skc_tools_render(struct buf *out, const cJSON *tools, const struct skc_style *st);
/* One tool: title, annotations, description, arguments with types, an example call. */
void skc_tool_render(struct buf *out, const cJSON *tool, const struct skc_style *st);
/* The annotations of a tool as words ("read-only, idempotent", "DESTRUCTIVE, open-world"),
 * MCP's defaults applied to absent hints. */
void skc_tool_kind(struct buf *out, const cJSON *tool);
/* An ECS envelope ({status, backend, tool, action, arguments, plan, findings, reasons,
 * request_id, result, error}) for a person: the plan with its CLI line, checks and findings;
 * the result; the reasons of a denial. Confirmation tokens are never shown. */
void skc_outcome_render(struct buf *out, const cJSON *env, const struct skc_style *st);
/* A CallToolResult without an envelope: its text blocks as Markdown, other blocks named. */
void skc_result_render(struct buf *out, const cJSON *result, const struct skc_style *st);

/* ---- Commands
 * -------------------------------------------------------------------------------------*/
enum skc_color_mode { SKC_COLOR_AUTO, SKC_COLOR_ALWAYS, SKC_COLOR_NEVER };

/* The global options and what the commands share. */
struct skc_opts {
    const char *url;     /* --url / SKILLD_URL */
    const char *token;   /* SKILLD_TOKEN (or --token-file's content), never printed */
    const char *product; /* --product / SKILLD_PRODUCT */
    long timeout_s;      /* --timeout / SKILLD_TIMEOUT */
    int mcp;             /* --mcp / SKILLD_MCP: ask and do go through MCP tools */
    int quiet;           /* --quiet: no progress or log lines */
    enum skc_color_mode color;
    /* per command */
    int json; /* --json: print the raw JSON */
    int yes;  /* --yes: confirm plans without asking */
};

struct skc_app {
    struct skc_opts o;
    skc_conn *conn;
    skc_mcp *mcp;         /* opened on first use */
    struct skc_style out; /* stdout's style */
    int err_tty;          /* stderr is a terminal (progress redraws one line) */
    int progress_shown;   /* a progress line is on stderr and must be cleared */
};

/* The MCP session, opened on first use. */
err_code skc_app_mcp(struct skc_app *a, skc_mcp **ret, struct err *e);

/* Map an error from the layers below to an exit code (ERR_CANCELLED -> 130 ...). */
int skc_exit_for(err_code rc);

/* The commands. words are what follows the command's own options (for call: the tool, then
 * its NAME=VALUE words); args_json is call's --args (NULL otherwise). Each returns an exit code
 * and prints its own output and errors. */
typedef int (*skc_cmd_fn)(struct skc_app *a, const char *args_json, char *const *words, size_t n);
int skc_cmd_ask(struct skc_app *a, const char *args_json, char *const *words, size_t n);
int skc_cmd_tools(struct skc_app *a, const char *args_json, char *const *words, size_t n);
int skc_cmd_call(struct skc_app *a, const char *args_json, char *const *words, size_t n);
int skc_cmd_do(struct skc_app *a, const char *args_json, char *const *words, size_t n);

/* Ask the person on the terminal whether to execute a plan. Returns 1 yes, 0 no, -1 when
 * stdin is not a terminal, -2 when interrupted. A destructive plan needs the word "yes". */
int skc_confirm(int destructive);

#endif
