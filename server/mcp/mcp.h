/* mcp.h - the MCP engine: JSON-RPC 2.0, lifecycle, sessions and the registries of tools,
 * resources, prompts and completions; and the error table every server room answers errors
 * with. Layer: server/mcp (uses base and cJSON only). It knows no transport (HTTP and stdio
 * are thin adapters over mcp_engine_handle) and nothing of ECS: other modules register
 * their tools, resources and prompts into it.
 *
 * Threading: every function here may be called from any thread. mcp_engine_handle may run
 * concurrently for the same session (one thread per in-flight request), which is how a
 * `notifications/cancelled` or the client's answer to an elicitation reaches a call that
 * is still running. */
#ifndef SKILLD_SERVER_MCP_H
#define SKILLD_SERVER_MCP_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/base.h"

/* ---- Protocol constants --------------------------------------------------------------*/

/* Two eras share one engine. The legacy era (2024-11-05 ... 2025-11-25) opens a session with
 * initialize and keeps what was negotiated in it. The modern era (2026-07-28, "stateless")
 * has no initialize and no session: every request carries its protocol version, client
 * capabilities, client info and log level in params._meta, and is served from that alone.
 * A request is modern when its _meta carries MCP_META_PROTOCOL_VERSION, or (HTTP) when its
 * MCP-Protocol-Version header names a modern version; everything else is legacy and behaves
 * exactly as it did before the modern era existed. */
#define MCP_LATEST_VERSION "2025-11-25" /* the newest legacy version: initialize's fallback */
#define MCP_MODERN_VERSION "2026-07-28" /* the newest modern version */

/* _meta keys of the modern era (requests, results, notifications). */
#define MCP_META_PROTOCOL_VERSION "io.modelcontextprotocol/protocolVersion"
#define MCP_META_CLIENT_CAPABILITIES "io.modelcontextprotocol/clientCapabilities"
#define MCP_META_CLIENT_INFO "io.modelcontextprotocol/clientInfo"
#define MCP_META_LOG_LEVEL "io.modelcontextprotocol/logLevel"
#define MCP_META_SERVER_INFO "io.modelcontextprotocol/serverInfo"
#define MCP_META_SUBSCRIPTION_ID "io.modelcontextprotocol/subscriptionId"

enum mcp_error_code {
    MCP_PARSE_ERROR = -32700,
    MCP_INVALID_REQUEST = -32600,
    MCP_METHOD_NOT_FOUND = -32601,
    MCP_INVALID_PARAMS = -32602,
    MCP_INTERNAL_ERROR = -32603,
    MCP_RESOURCE_NOT_FOUND = -32002, /* legacy era; the modern era answers -32602 */
    MCP_SERVER_ERROR = -32000, /* transport-level refusals (bad session, header) */
    /* Modern era only (-32020..-32099 is the specification's range): never sent to a legacy
     * request, so that a dual-era client that probes with a modern request and gets a plain
     * error falls back to initialize. */
    MCP_HEADER_MISMATCH = -32020,      /* an HTTP header disagrees with the body, or is missing */
    MCP_MISSING_CAPABILITY = -32021,   /* data.requiredCapabilities names what is missing */
    MCP_UNSUPPORTED_VERSION = -32022,  /* data: {supported: [...], requested} */
};

/* 1 if v is a protocol version this engine speaks: the legacy 2025-11-25, 2025-06-18,
 * 2025-03-26 and 2024-11-05, or the modern 2026-07-28. */
int mcp_version_supported(const char *v);
/* 1 if v is a modern (2026-07-28 or later) version this engine speaks. */
int mcp_version_is_modern(const char *v);

/* ---- The error table ----------------------------------------------------------------------
 * One row per err_code of base/base.h: how server/ answers it, wherever it is answered.
 * /api/route and the skill pages (server/app), the HTTP front end's refusals (server/http)
 * and the engine's protocol errors and tool results read the same rows, so one bad input
 * gets one name and one message on every road. The rows and the reasons for them are in
 * srv_err.c. */
struct srv_err_row {
    err_code code;
    unsigned http_status; /* status of an HTTP answer with a JSON error body */
    const char *name;     /* "code" in {"error":{"code":<name>,"message":...}} */
    int rpc_code;         /* JSON-RPC code when the engine answers it as a protocol error;
                             0: no answer is sent (ERR_CANCELLED) */
    int tool_error;       /* 1: a tool handler failing with it is answered with an isError
                             result; 0: with rpc_code (0: nothing is sent) */
};

/* The row of code; an unknown code gets ERR_INTERNAL's row. Never NULL. */
const struct srv_err_row *srv_err(err_code code);
/* A new {"error":{"code":<name>,"message":msg}} object (the caller owns it); an empty or
 * NULL msg is replaced by the name. */
cJSON *srv_err_json(err_code code, const char *msg);
/* The same, printed compact: a new NUL-terminated string the caller frees with free(). */
char *srv_err_body(err_code code, const char *msg);

/* The _meta key of an isError tool result that carries the table name of the error
 * ({"_meta":{"skilld/error_code":"invalid_request"}}), so a client can tell errors apart
 * the way /api/route's {"error":{"code"}} does. */
#define MCP_META_ERROR_CODE "skilld/error_code"

/* ---- Engine ---------------------------------------------------------------------------*/

typedef struct mcp_engine mcp_engine;
typedef struct mcp_session mcp_session;
typedef struct mcp_call mcp_call;

/* ---- Session ids that survive -----------------------------------------------------------
 * With a MAC function configured, a session id is a sealed copy of what the session
 * negotiated: the protocol version, the client capabilities that change what the server
 * may send (elicitation, sampling, roots), the client's name and version (cut to
 * MCP_CLIENT_NAME_MAX / MCP_CLIENT_VERSION_MAX bytes) and the logging level, plus 16 random
 * bytes that name the session. The id is base64url(state) "." base64url(first 16 bytes of
 * mac(state)), at most MCP_SESSION_ID_MAX - 1 visible ASCII characters. A request naming a
 * session this process does not hold (expired, evicted, or issued before a restart by a
 * process with the same key) is served by rebuilding the session from its id; an id whose
 * MAC does not match is unknown. Without a MAC function ids are 32 random hex characters and
 * a session that is gone stays gone. The MAC itself (HMAC-SHA256 under a key) is the
 * caller's: this room links no crypto library. */
#define MCP_SESSION_ID_MAX 256    /* bytes of a session id, NUL included */
#define MCP_MAC_LEN 32            /* bytes a mac function writes */
#define MCP_CLIENT_NAME_MAX 64    /* bytes of clientInfo.name kept (and sealed in the id) */
#define MCP_CLIENT_VERSION_MAX 32 /* bytes of clientInfo.version kept */
#define MCP_MAX_CLOSED_IDS 4096   /* closed sessions remembered so their ids stay dead */

/* Writes MCP_MAC_LEN bytes of a keyed MAC of data into out. Called from any thread. */
typedef void (*mcp_mac_fn)(void *ud, const void *data, size_t len,
                           unsigned char out[MCP_MAC_LEN]);

/* What happened to a session, for the server's log (the engine itself never logs). */
enum mcp_session_event {
    MCP_SESSION_EXPIRED, /* idle past the TTL and nobody held it: dropped */
    MCP_SESSION_EVICTED, /* the table was full: dropped to make room */
    MCP_SESSION_REBUILT, /* a request named it and it was rebuilt from its id */
    MCP_SESSION_CLOSED,  /* the client ended it (HTTP DELETE) */
};

/* One event. Strings are valid during the callback only. */
struct mcp_session_note {
    enum mcp_session_event event;
    const char *key;            /* the first 8 hex digits of the session's random name */
    const char *reason;         /* why, in a few words ("idle 28800 s", "table full (1024)...") */
    const char *version;        /* negotiated version, or NULL */
    const char *client_name;    /* clientInfo.name ("" when unknown) */
    const char *client_version; /* clientInfo.version ("" when unknown) */
    size_t live;                /* sessions in the table after the event */
};

/* Called outside every engine lock, from whichever thread caused the event. */
typedef void (*mcp_session_event_fn)(void *ud, const struct mcp_session_note *note);

struct mcp_config {
    const char *name;         /* serverInfo.name, e.g. "skilld" */
    const char *title;        /* serverInfo.title (2025-06-18+) */
    const char *version;      /* serverInfo.version */
    const char *description;  /* serverInfo.description (2025-11-25) */
    const char *instructions; /* InitializeResult.instructions, or NULL */
    size_t max_sessions;      /* cap; past it a session is evicted: first those that made no
                                 request after initialize, least recently used first, then
                                 the least recently used of the others (0: 1024) */
    unsigned idle_ttl_s;      /* a session idle this long expires (0: MCP_IDLE_TTL_DEFAULT) */
    size_t page_size;         /* items per tools/list, resources/list, prompts/list page (0: 50) */
    size_t max_inflight;      /* concurrent requests per session (0: 32) */
    size_t max_batch;         /* messages in one 2025-03-26 batch (0: 64) */
    unsigned request_timeout_ms; /* server->client requests wait this long (0: 60000) */
    unsigned input_ttl_s;     /* a modern requestState is honoured this long (0: 300) */
    unsigned cache_ttl_ms;    /* ttlMs of modern cacheable results (lists, reads, discover):
                                 how long a client may reuse them (0: MCP_CACHE_TTL_DEFAULT) */
    mcp_mac_fn mac;           /* seals session ids so they can be rebuilt, or NULL */
    void *mac_ud;
    mcp_session_event_fn on_session; /* told of expiry, eviction, rebuild, close, or NULL */
    void *on_session_ud;
};

#define MCP_IDLE_TTL_DEFAULT (8u * 3600u) /* seconds: sessions are cheap to rebuild, so long */
#define MCP_CACHE_TTL_DEFAULT 300000u     /* ms: what is registered does not change while serving */

/* A new engine; cfg is copied (its strings too). Never NULL. */
mcp_engine *mcp_engine_new(const struct mcp_config *cfg);
/* Frees the engine, its sessions and registrations. Accepts NULL. No call may be running. */
void mcp_engine_free(mcp_engine *e);

/* ---- Registration ---------------------------------------------------------------------
 * Rows are copied; strings in them need only live for the duration of the call.
 * Registration happens before serving starts. A refused row changes nothing and sets e to
 * a message that names it ("tool 'x': input_schema is not valid JSON"): ERR_EXISTS for a
 * name or URI given twice, ERR_PARSE for a schema that is not JSON, ERR_INVALID for
 * anything else (a bad or missing name or URI, a missing handler, a schema that is not an
 * object schema). A server refuses to start when any of its registrations fails. */

/* Tool annotation hints (annotations.readOnlyHint, ...). */
enum {
    MCP_HINT_READ_ONLY = 1u << 0,
    MCP_HINT_DESTRUCTIVE = 1u << 1,
    MCP_HINT_IDEMPOTENT = 1u << 2,
    MCP_HINT_OPEN_WORLD = 1u << 3,
};

/* What a tool handler produces. The engine owns and frees every member after the call.
 * content: an array of content blocks; when NULL the engine makes one text block from
 *          `text`, or from `structured` printed as JSON.
 * A failure the model should see (bad argument value, cloud error) is is_error = 1 with a
 * text explaining it: that is a tool result, not a protocol error. */
struct mcp_tool_result {
    cJSON *content;    /* array of content blocks, or NULL */
    char *text;        /* text for the default content block, or NULL */
    cJSON *structured; /* structuredContent object (sent to 2025-06-18+ clients), or NULL */
    int is_error;      /* 1: isError result */
};

/* Tool flags (struct mcp_tool.flags). */
enum {
    /* Hand the handler params.arguments as sent — an object, or NULL when absent or null —
     * without the engine's own checks against input_schema (unknown, required, types): the
     * handler validates them itself (skills/ does, with its full JSON Schema validator, and
     * reports every finding). Arguments that are present but not an object are still
     * -32602, and duplicate keys or an object past MCP_MAX_ARG_KEYS members are still
     * refused (an isError result): a validator reading one of two values is no validator. */
    MCP_TOOL_RAW_ARGS = 1u << 0,
};

/* A tool handler. args is borrowed (an object, already checked against the tool's
 * inputSchema for required properties and basic types; with MCP_TOOL_RAW_ARGS, unchecked
 * and NULL when the call has no arguments). Returns ERR_OK with *out filled,
 * or an error code with e set: the engine answers it as the error table says, which for
 * every code but ERR_CANCELLED is an isError result with e->msg as its text and the code's
 * name under _meta[MCP_META_ERROR_CODE]. ERR_CANCELLED means the call was cancelled:
 * nothing is sent. */
typedef err_code (*mcp_tool_fn)(mcp_call *call, const cJSON *args, void *ud,
                                struct mcp_tool_result *out, struct err *e);

struct mcp_tool {
    const char *name;          /* [A-Za-z0-9_.-]{1,128} */
    const char *title;         /* human title, or NULL */
    const char *description;
    const char *input_schema;  /* JSON Schema text: an object schema ({"type":"object",...}),
                                  or NULL for {"type":"object"} */
    const char *output_schema; /* JSON Schema text (an object schema), or NULL */
    unsigned hints;            /* MCP_HINT_* */
    unsigned flags;            /* MCP_TOOL_* */
    mcp_tool_fn fn;
    void *ud;
};
err_code mcp_engine_add_tool(mcp_engine *engine, const struct mcp_tool *t, struct err *e);

/* Resource reads return a new `contents` array (the caller of the callback owns it):
 * [{"uri","mimeType","text"}] or with "blob" (base64). NULL with e set on failure;
 * ERR_NOT_FOUND becomes -32002. */
typedef cJSON *(*mcp_read_fn)(mcp_call *call, const char *uri, void *ud, struct err *e);

struct mcp_resource {
    const char *uri;         /* an absolute URI (scheme:...), at most 2048 bytes */
    const char *name;
    const char *title;       /* or NULL */
    const char *description; /* or NULL */
    const char *mime_type;   /* or NULL */
    mcp_read_fn fn;
    void *ud;
};
err_code mcp_engine_add_resource(mcp_engine *engine, const struct mcp_resource *r,
                                 struct err *e);

/* A URI template (RFC 6570 level 1, e.g. "skill://ecs/{skill}"). resources/read of a URI
 * that matches no static resource is offered to each template whose literal prefix
 * matches, in registration order, until one does not answer ERR_NOT_FOUND. */
struct mcp_resource_template {
    const char *uri_template; /* a URI with at least one {name}, at most 2048 bytes */
    const char *name;
    const char *title;
    const char *description;
    const char *mime_type;
    mcp_read_fn fn;
    void *ud;
};
err_code mcp_engine_add_resource_template(mcp_engine *engine,
                                          const struct mcp_resource_template *t, struct err *e);

struct mcp_prompt_arg {
    const char *name;
    const char *title;
    const char *description;
    int required;
};

/* Returns a new GetPromptResult object ({"description","messages":[...]}), or NULL with e
 * set (ERR_INVALID for a missing or bad argument -> -32602). args is borrowed (may be NULL). */
typedef cJSON *(*mcp_prompt_fn)(mcp_call *call, const char *name, const cJSON *args, void *ud,
                                struct err *e);

struct mcp_prompt {
    const char *name;
    const char *title;
    const char *description;
    const struct mcp_prompt_arg *args; /* array of nargs, copied */
    size_t nargs;
    mcp_prompt_fn fn;
    void *ud;
};
err_code mcp_engine_add_prompt(mcp_engine *engine, const struct mcp_prompt *p, struct err *e);

/* Completion: ref is the request's "ref" object ({"type":"ref/prompt","name"} or
 * {"type":"ref/resource","uri"}), borrowed; context_args is params.context.arguments or NULL.
 * Returns a new array of strings (the engine caps it at 100 and sets total/hasMore), or
 * NULL for "no suggestions". One completion function serves the whole engine. */
typedef cJSON *(*mcp_complete_fn)(const cJSON *ref, const char *arg_name, const char *value,
                                  const cJSON *context_args, void *ud);
void mcp_engine_set_completion(mcp_engine *e, mcp_complete_fn fn, void *ud);

/* ---- Skills (the io.modelcontextprotocol/skills extension, SEP-2640) ----------------------
 * A skill is a directory of files served as Agent Skills: skill://<name>/SKILL.md (YAML
 * frontmatter with at least name and description, then Markdown) and the files beside it.
 * With at least one skill registered the engine declares the extension
 * (capabilities.extensions["io.modelcontextprotocol/skills"] = {"directoryRead": true}) and
 * serves skills/list, skills/get and resources/directory/read; resources/read answers every
 * file of a skill, and resources/list lists each SKILL.md (name and description from the
 * frontmatter). Files are held by the engine (copied at registration). */

#define MCP_SKILL_FILES_MAX 64      /* files in one skill (the extension allows 512) */
#define MCP_SKILL_BYTES_MAX (4L << 20) /* bytes of one skill's files together (allowed: 16 MiB) */

/* One file of a skill. */
struct mcp_skill_file {
    const char *path;      /* inside the skill directory: "SKILL.md", "references/faq.md";
                              segments of [A-Za-z0-9._-], no "." or ".." segment */
    const char *mime_type; /* e.g. "text/markdown" */
    const char *text;      /* the file's bytes, UTF-8, NUL-terminated */
    const char *digest;    /* "sha256:" + 64 lowercase hex digits of text's bytes (the engine
                              links no crypto: the caller hashes) */
};

struct mcp_skill {
    const char *name;        /* Agent Skills name: 1..64 of [a-z0-9-], no leading, trailing or
                                double hyphen; the skill is skill://<name>/ */
    const char *title;       /* human title of the SKILL.md resource, or NULL */
    const char *description; /* the frontmatter's description */
    const char *frontmatter; /* JSON object text, identical in content to SKILL.md's YAML
                                frontmatter: name and description at least */
    const struct mcp_skill_file *files; /* nfiles rows; one of them is "SKILL.md" */
    size_t nfiles;
};
err_code mcp_engine_add_skill(mcp_engine *engine, const struct mcp_skill *s, struct err *e);

/* ---- Change notifications (modern subscriptions/listen) ---------------------------------
 * A modern client opens a subscriptions/listen request: the engine acknowledges it
 * (notifications/subscriptions/acknowledged with the filter it honours) and keeps the
 * request open, delivering notifications/resources/updated for the URIs it subscribed to
 * (what the application reports here), each tagged with the request's id, until the client
 * cancels (HTTP: closes the stream; stdio: notifications/cancelled) or the engine shuts
 * down. Legacy sessions keep resources/subscribe (they have no stream to deliver on). */
#define MCP_MAX_LISTENERS 256 /* open subscriptions/listen requests */

/* Tell listeners subscribed to uri that the resource changed. Any thread. */
void mcp_engine_resource_updated(mcp_engine *e, const char *uri);
/* End every open subscriptions/listen request gracefully (each answers its final result and
 * returns) and refuse new ones. Called when serving stops, before waiting for requests. */
void mcp_engine_shutdown(mcp_engine *e);

/* ---- Inside a call ----------------------------------------------------------------------
 * A handler's view of the request it serves. All of these are safe to call from the
 * handler's thread; they send through the transport's sink at once. */

/* 1 once the client cancelled this request (notifications/cancelled). Handlers that take
 * long poll it and return ERR_CANCELLED. */
int mcp_call_cancelled(const mcp_call *c);

/* notifications/progress, only if the request carried _meta.progressToken (else a no-op).
 * total < 0 means unknown; message may be NULL. */
void mcp_call_progress(mcp_call *c, double progress, double total, const char *message);

enum mcp_log_level {
    MCP_LOG_DEBUG, MCP_LOG_INFO, MCP_LOG_NOTICE, MCP_LOG_WARNING,
    MCP_LOG_ERROR, MCP_LOG_CRITICAL, MCP_LOG_ALERT, MCP_LOG_EMERGENCY,
};
/* notifications/message, if level >= the session's logging/setLevel level (before any
 * setLevel every level is sent; the conformance suite's logging fixture relies on it). On a
 * modern request the level is the request's _meta logLevel, and without one nothing is sent. */
void mcp_call_log(mcp_call *c, enum mcp_log_level level, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 1 if the client declared the capability ("elicitation", "sampling", "roots";
 * "elicitation.url" for URL-mode elicitation): at initialize, or on a modern request in
 * its _meta. */
int mcp_call_client_supports(const mcp_call *c, const char *capability);

/* Send a server->client request (e.g. "elicitation/create", "sampling/createMessage") on
 * this call's stream and wait for the client's answer. params is taken (freed by the
 * engine). Returns the new result object, or NULL with e set: ERR_UNSUPPORTED if the
 * client lacks the capability, ERR_REMOTE for a JSON-RPC error answer (message copied),
 * ERR_TIMEOUT, ERR_CANCELLED. On a modern request, where there are no server->client
 * requests, this is mcp_call_input with MCP_INPUT_BOUND and the keys "input-1", "input-2",
 * ... in the order the handler asks (a handler that asks the same questions in the same
 * order on every round works in both eras unchanged). */
cJSON *mcp_call_request(mcp_call *c, const char *method, cJSON *params, struct err *e);

/* ---- Input from the client on modern requests (multi round-trip requests) ----------------
 * A modern request cannot be answered with a request to the client (elicitation, sampling,
 * roots). The handler asks by key instead: mcp_call_input records the question and returns
 * NULL; the handler gives up (any error) and the engine answers the request with an
 * InputRequiredResult holding every question asked ({"resultType":"input_required",
 * "inputRequests":{key:{method,params}}, "requestState"}). The client retries the same
 * request with the answers (params.inputResponses, by key) and the requestState echoed; the
 * handler runs again from the start and this time mcp_call_input returns the answer. Answers
 * of earlier rounds travel in the requestState, so a handler may ask in several rounds.
 *
 * The requestState is sealed with the engine's MAC (mcp_config.mac): it names the method, the
 * tool, prompt or resource and a digest of the arguments, expires after input_ttl_s, and is
 * refused (-32602) when it was altered, has expired or belongs to another request. Without a
 * MAC function no requestState is issued.
 *
 * A question asked with MCP_INPUT_BOUND (a confirmation: "run exactly this?") accepts an
 * answer only from a retry carrying a verified requestState that asked it, for the same
 * arguments; such a requestState is good for one use in this process (a replay is -32602).
 * Without a MAC function bound questions cannot be asked (ERR_UNSUPPORTED). Unbound
 * questions also take answers given without a requestState (a form the client may fill in
 * ahead).
 *
 * Answers are checked for shape: an elicitation answer is an object with action accept,
 * decline or cancel; a sampling answer has role and content; a roots answer has roots. An
 * answer of the wrong shape counts as no answer (the question is asked again). */
enum {
    MCP_INPUT_BOUND = 1u << 0, /* answerable only through a verified, unused requestState */
};

/* Ask the client: method is "elicitation/create", "sampling/createMessage" or "roots/list",
 * params (taken) its params, key (1..64 of [A-Za-z0-9_.-]) names the question within this
 * request. Returns the answer (a new object the caller owns), or NULL with e set:
 * - ERR_WRONG_STATE: not answered yet; the question goes out with the engine's answer to
 *   this request (mcp_call_input_pending is 1). The handler returns (any error code).
 * - ERR_UNSUPPORTED: the client did not declare the capability the method needs (for
 *   modern requests it is recorded: a handler that then fails with ERR_UNSUPPORTED is
 *   answered with -32021 naming it), or a bound question without a MAC function.
 * On a legacy request this is mcp_call_request (key and flags are ignored). */
cJSON *mcp_call_input(mcp_call *c, const char *key, const char *method, cJSON *params,
                      unsigned flags, struct err *e);
/* 1 once this call asked the client a question that is not answered yet. */
int mcp_call_input_pending(const mcp_call *c);
/* The handler's own state from a verified requestState (what mcp_call_set_state stored in
 * an earlier round), or NULL. Valid for the whole call. */
const char *mcp_call_state(const mcp_call *c);
/* Store s (copied, at most MCP_STATE_TEXT_MAX bytes) in the requestState of this call's
 * InputRequiredResult, for mcp_call_state in the next round. */
void mcp_call_set_state(mcp_call *c, const char *s);
#define MCP_STATE_TEXT_MAX 1024

/* 1 if the call is a modern (2026-07-28) request, served without a session. */
int mcp_call_is_modern(const mcp_call *c);

/* The call's protocol version: the request's own on a modern request, else the session's
 * negotiated version. */
const char *mcp_call_protocol_version(const mcp_call *c);

/* The id of the session this call belongs to (as mcp_session_id), valid for the whole call;
 * NULL for a call without a session. Legacy tool, resource and prompt calls always have one:
 * the HTTP front end serves them only inside a session, and stdio opens one session per
 * process before its first line, so every stdio call has that session's id. A modern request
 * over HTTP has none (the protocol is stateless); on stdio it has the process's session. */
const char *mcp_call_session_id(const mcp_call *c);

/* Ask the transport to close this call's SSE stream now (see mcp_sink.close_stream);
 * later progress, logs and the result are delivered when the client resumes. A no-op on
 * transports without streams (stdio) or when the call is answered with plain JSON. */
void mcp_call_close_stream(mcp_call *c, unsigned retry_ms);

/* ---- Sessions --------------------------------------------------------------------------*/

/* A new session outside the table, with one reference held by the caller: HTTP runs
 * initialize on it and publishes it only if that succeeds, so a failed initialize creates
 * no session and evicts nobody. A session never published is never found by id. */
mcp_session *mcp_session_new(mcp_engine *e);
/* Enter s into the table (expiring idle sessions and evicting one past the cap). The
 * caller keeps its reference. */
void mcp_session_publish(mcp_engine *e, mcp_session *s);
/* mcp_session_new and mcp_session_publish in one (stdio, tests). */
mcp_session *mcp_session_open(mcp_engine *e);
/* Find a session by the id a client sent (mcp_session_token) and take a reference (also
 * marks it used). A session this process no longer holds is rebuilt from a valid sealed id
 * (see "Session ids that survive"), unless it was closed by the client. NULL if the id is
 * malformed, forged, closed, or unknown without a MAC function. */
mcp_session *mcp_session_find(mcp_engine *e, const char *id);
/* Take another reference to s (a transport keeping it past the call that found it). */
void mcp_session_retain(mcp_session *s);
/* Drop a reference taken by new, open, find or retain. Accepts NULL. */
void mcp_session_release(mcp_session *s);
/* End a session by the id a client sent (HTTP DELETE): ERR_NOT_FOUND if the id is unknown
 * or forged. In-flight calls are cancelled, and the id is remembered (the last
 * MCP_MAX_CLOSED_IDS of them, in this process) so it is not rebuilt. */
err_code mcp_session_close(mcp_engine *e, const char *id);
/* End a session the caller holds (stdio at EOF, a legacy SSE stream that went away): it
 * leaves the table if it is there and its calls are cancelled. The caller's reference is
 * not dropped. */
void mcp_session_end(mcp_engine *e, mcp_session *s);
/* The session's stable name inside this engine: 32 hex characters from a CSPRNG. Without a
 * MAC function it is also the id clients send. */
const char *mcp_session_id(const mcp_session *s);
/* The stable name (as mcp_session_id) of the session a client's id names, into out (cap >=
 * 33): 0, or -1 for a malformed or forged id. Does not look the session up. */
int mcp_session_key(const mcp_engine *e, const char *id, char *out, size_t cap);
/* Copy the id clients send (the sealed id, which changes when the session's sealed state
 * does: initialize, logging/setLevel) into out (cap >= MCP_SESSION_ID_MAX). */
void mcp_session_token(const mcp_session *s, char *out, size_t cap);
/* The negotiated version, or NULL before initialize. */
const char *mcp_session_version(const mcp_session *s);
/* Live sessions now (expires idle ones first). */
size_t mcp_engine_session_count(mcp_engine *e);

/* ---- Messages ---------------------------------------------------------------------------*/

/* The transport's outlet for what one incoming message produces. send() is called once per
 * outgoing JSON-RPC message (compact JSON, NUL-terminated), in order, possibly from the
 * handler's thread; final = 1 marks the last message for this incoming message (the
 * response, or the batch's response array). Returns 0, or -1 when the peer is gone (the
 * engine then stops sending but lets the call finish). */
struct mcp_sink {
    void *ctx;
    int (*send)(void *ctx, const char *json, size_t len, int final);
    /* Optional (may be NULL): the handler asked to end the HTTP stream now (SSE polling,
     * 2025-11-25): the transport sends `retry: retry_ms`, closes the connection, and keeps
     * later messages of this request for the client's GET with Last-Event-ID. */
    void (*close_stream)(void *ctx, unsigned retry_ms);
    /* Optional: 0 once nobody will read this message's answer (the HTTP response stream was
     * closed). A modern request treats that as its cancellation (2026-07-28: closing the
     * stream is how HTTP clients cancel); legacy requests never ask. Any thread. */
    int (*alive)(void *ctx);
};

/* What the incoming message was, for the transport to choose a status. */
enum mcp_outcome {
    MCP_OUT_RESPONSE,  /* request(s): messages were sent, the last with final = 1 (HTTP 200) */
    MCP_OUT_ACCEPTED,  /* only notifications / responses: nothing sent (HTTP 202) */
    MCP_OUT_REJECTED,  /* not JSON or not JSON-RPC, or a modern request refused before its
                          handler ran (bad _meta, header mismatch, unsupported version,
                          missing client capability): one error response sent (HTTP 400) */
    MCP_OUT_CANCELLED, /* the request was cancelled: no response is due (HTTP: end stream) */
    MCP_OUT_NO_METHOD, /* a modern request for a method this engine does not serve: one
                          -32601 error sent (HTTP 404) */
};

/* Handle one incoming message: a JSON-RPC object or, for 2025-03-26 sessions, a batch
 * array. Blocks until every request in it is answered. s may be NULL only for a message
 * that needs no session (the transport checks that first). */
enum mcp_outcome mcp_engine_handle(mcp_engine *e, mcp_session *s, const char *msg, size_t len,
                                   const struct mcp_sink *sink);

/* What the headers of an HTTP POST said of its message, for the modern era's rules (each
 * NULL when absent; borrowed for the call). */
#define MCP_HTTP_PARAMS_MAX 32 /* Mcp-Param-* headers looked at */
struct mcp_http_headers {
    const char *protocol_version; /* MCP-Protocol-Version */
    const char *method;           /* Mcp-Method */
    const char *name;             /* Mcp-Name (plain, or "=?base64?...?=") */
    const char *params[2 * MCP_HTTP_PARAMS_MAX]; /* Mcp-Param-<Name>: name (without the
                                                    prefix), value pairs */
    size_t nparams;
};

/* mcp_engine_handle for a message that came over HTTP with these headers. A request whose
 * MCP-Protocol-Version names a modern version is served as modern even when its body lacks
 * the _meta claim (and is then refused -32602, HTTP 400). On modern requests the headers
 * must agree with the body (else -32020, HTTP 400): MCP-Protocol-Version with
 * _meta.protocolVersion, Mcp-Method with method, Mcp-Name with params.name (tools/call,
 * prompts/get) or params.uri (resources/read), and for tools/call each argument whose
 * inputSchema property carries "x-mcp-header": "<Name>" with Mcp-Param-<Name>. */
enum mcp_outcome mcp_engine_handle_http(mcp_engine *e, mcp_session *s, const char *msg,
                                        size_t len, const struct mcp_http_headers *h,
                                        const struct mcp_sink *sink);

/* Classify a message before handling it, so the transport can apply session rules. */
enum mcp_kind {
    MCP_KIND_INVALID,    /* not JSON, or not a JSON-RPC message */
    MCP_KIND_INITIALIZE, /* an initialize request (single message) */
    MCP_KIND_REQUEST,    /* contains at least one request */
    MCP_KIND_NOTIFY,     /* only notifications and/or responses */
    MCP_KIND_MODERN,     /* a single request whose _meta claims a protocol version (the
                            modern era): served without a session */
};
enum mcp_kind mcp_classify(const char *msg, size_t len);

#endif
