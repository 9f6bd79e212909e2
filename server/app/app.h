/* app.h - private to server/app/ (and its unit tests and fuzz target): the application
 * object that main builds and the entry points each file of server/app offers to the others.
 * Layer: server/app. Contract between main.c, the endpoints the HTTP front end serves
 * (endpoints.c), the routing glue (route_*.c) and the backends. */
#ifndef SKILLD_SERVER_APP_H
#define SKILLD_SERVER_APP_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/base.h"
#include "server/http/http.h"
#include "server/mcp/mcp.h"

struct kb;
struct kb_product;
typedef struct rt_router rt_router;
typedef struct cloud_client cloud_client;
typedef struct sk_registry sk_registry;

#define SKILLPACK_ROUTES_MAX 24 /* skill folders served over HTTP (endpoint rows) */

/* Everything a running skilld holds. Built by main, read-only while serving. */
struct app {
    struct kb *kb;            /* loaded knowledge (owned; route_app_load fills it) */
    rt_router *router;        /* router over kb (owned; route_app_load fills it) */
    mcp_engine *mcp;          /* the MCP engine with every tool, resource and prompt */
    const char *backend;      /* "sim" or "aliyun": which backend answers tool calls */
    const char *region;       /* default region id */
    cloud_client *cloud;      /* signed OpenAPI client pointed at the backend (owned) */
    char backend_status[256]; /* what the startup check found, for /healthz and logs */
    metrics *metrics;         /* what the HTTP front end records, for /metrics (owned) */
    sk_registry *skills;      /* the ECS tools behind their guardrails (owned) */
    void *tools_ud;           /* what tools_register_mcp gave each tool's handler (owned) */
    const char *version;      /* skilld's version, for /healthz */
    char *skill_routes[SKILLPACK_ROUTES_MAX]; /* "/skills/<product>/<id>/" rows (owned) */
    size_t nskill_routes;
    char replica[256];        /* --replica-id, or HOSTNAME:PID: audit records and /healthz */
};

/* ---- Session ids (server/app/session_key.c) ---------------------------------------------*/

/* The HMAC-SHA256 key that seals MCP session ids (see mcp.h, "Session ids that survive"). */
struct session_key {
    unsigned char key[32];
};

/* A key for this process only: ids die with it. */
void session_key_random(struct session_key *k);
/* The key from a key file shared by restarts and replicas; a missing file is created (mode
 * 0600, 32 random bytes as hex) and *ret_created set. ERR_IO when it cannot be read or
 * created, ERR_INVALID when it holds fewer than 32 bytes or more than 4096. A file others can
 * read is logged as a warning. */
err_code session_key_load(const char *path, struct session_key *k, int *ret_created,
                          struct err *e);
/* mcp_mac_fn over a struct session_key (ud): HMAC-SHA256. */
void session_key_mac(void *ud, const void *data, size_t len, unsigned char out[MCP_MAC_LEN]);
/* mcp_session_event_fn: one log line per session event, with its reason. */
void session_event_log(void *ud, const struct mcp_session_note *n);

/* ---- HTTP endpoints (server/app/endpoints.c) ---------------------------------------------*/

/* skilld's plain HTTP endpoints, one row each: /healthz, /metrics, /api/route and /skills/
 * pages. Copies the rows into rows (at most cap, each with ud = a) and returns how many
 * there are; a must outlive the server they are given to. */
size_t app_endpoints(struct app *a, struct http_endpoint *rows, size_t cap);

/* ---- Skills as Agent Skills (server/app/skillpack.c) ---------------------------------------
 * Each skill of the knowledge as skill://<id>/SKILL.md with its reference files (the MCP
 * skills extension), and as a folder over HTTP: GET /skills/<product>/<id>/SKILL.md, the
 * reference files beside it, and /skills/<product>/<id>/ for a JSON manifest of paths, sizes
 * and sha256 digests. */

/* Register every skill of a->kb into a->mcp. Stops at the first the engine refuses. */
err_code skillpack_register_mcp(struct app *a, struct err *e);
/* One endpoint row per skill folder (path owned by a until skillpack_release), at most cap;
 * returns how many. */
size_t skillpack_endpoints(struct app *a, struct http_endpoint *rows, size_t cap);
void skillpack_release(struct app *a);

/* ---- Tools (server/app/tools_mcp.c) -----------------------------------------------------*/

/* Register every tool of a->skills into a->mcp (arguments unchecked by the engine: the
 * guardrails validate them with the full schema). Stops at the first row the engine refuses. */
err_code tools_register_mcp(struct app *a, struct err *e);

/* ---- Route and act (server/app/route_act.c) ----------------------------------------------*/

/* The `action` object for a routed query: its first suggested tool with the arguments the
 * query stated, through the guardrails as caller (token: a confirmation_token from an earlier
 * plan, or NULL). {tool, arguments, status (ok, planned, executed, denied, failed or
 * incomplete), action, plan, confirmation_token, expires_at, reasons, findings, missing,
 * request_id, result, error, backend, summary}. New object. */
struct rt_result;
cJSON *route_act(const struct app *a, const struct rt_result *res, const char *token,
                 const char *caller);

/* ---- Routing glue (server/route_*.c) ---------------------------------------------------*/

/* Load the knowledge (embedded when dir is NULL, else from dir) and build the router into
 * a->kb and a->router. */
err_code route_app_load(struct app *a, const char *dir, struct err *e);
/* Free what route_app_load built. Accepts a half-built app. */
void route_app_release(struct app *a);

/* Register the MCP tools `route` and `get_skill`, the resources skill://<product>/<id>
 * (Markdown) and skill://<product>/limits (JSON), a prompt, and completion of skill ids
 * into a->mcp. Stops at the first row the engine refuses and returns its error (e names
 * the row); serve and stdio then refuse to start. */
err_code route_register_mcp(struct app *a, struct err *e);

/* The checks /api/route and the MCP tool `route` share, so that one bad input gets one
 * error (code and message) on both roads. route_fields_from_json reads the fields of an
 * object (a POST body, or the tool's arguments; NULL reads as {}): ERR_INVALID for a missing
 * query ("missing field 'query'") or a field of the wrong type ("field 'query' must be a
 * string"); on success *ret_query and *ret_product (NULL when absent or null) point into
 * fields. route_fields_check checks the values: ERR_INVALID for an empty or blank query,
 * ERR_TOO_BIG past RT_QUERY_MAX characters, ERR_NOT_FOUND for an unknown product (the message
 * lists the known ones); an absent or empty *product becomes "ecs". */
err_code route_fields_from_json(const cJSON *fields, const char **ret_query,
                                const char **ret_product, struct err *e);
err_code route_fields_check(const struct app *a, const char *query, size_t qlen,
                            const char **product, struct err *e);
/* The product with this id into *ret, or ERR_NOT_FOUND naming it and the known ones. */
err_code route_product_find(const struct app *a, const char *id,
                            const struct kb_product **ret, struct err *e);

/* One /api/route request, transport-free. method is "GET" or "POST"; for GET, q and product
 * come from the query string (NULL when absent); for POST, body/len/content_type are the
 * request's. Writes the HTTP status and a new JSON body (caller frees) — a route result, or
 * {"error":{"code","message"}} naming the problem (400 missing/empty query, 413 query over
 * 4096 characters, 404 unknown product listing the known ones, 415 non-JSON body). */
void route_api_handle(const struct app *a, const char *method, const char *q,
                      const char *product, const char *body, size_t len,
                      const char *content_type, int *ret_status, char **ret_json);

/* GET /skills/<product>/ (index, Markdown), /skills/<product>/<skill-id> (the skill page,
 * Markdown), /skills/<product>/<skill-id>.json and /skills/<product>/limits.json. Writes the
 * status, a static content type and a new body (caller frees); unknown pages get 404 JSON. */
void route_page_handle(const struct app *a, const char *url, int *ret_status,
                       const char **ret_content_type, char **ret_body);

/* Subcommands `skilld route ...` and `skilld knowledge check [DIR]`: argv[0] is the
 * subcommand name. Return the process exit code. */
int route_cli_main(int argc, char **argv);
int knowledge_cli_main(int argc, char **argv);

#endif
