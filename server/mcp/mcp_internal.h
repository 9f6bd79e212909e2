/* mcp_internal.h - private to the MCP engine (server/mcp/) and its unit tests: the
 * engine, session and call structures, the method handlers and the helpers they share.
 * Layer: server/mcp. Nothing outside server/mcp/ and tests/unit/server_mcp/ includes it. */
#ifndef SKILLD_SERVER_MCP_INTERNAL_H
#define SKILLD_SERVER_MCP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "server/mcp/mcp.h"

/* ---- Limits (each checked before the work it bounds) ------------------------------------*/

#define MCP_MAX_DEPTH 64          /* JSON nesting of one incoming message */
#define MCP_MAX_ID_LEN 256        /* bytes of a string request id */
#define MCP_MAX_SUBSCRIPTIONS 256 /* resources/subscribe entries per session */
#define MCP_MAX_SUB_BYTES 16384   /* bytes of subscribed URIs per session (bounds memory) */
#define MCP_NONCE_LEN 16          /* random bytes naming a session */
#define MCP_TAG_LEN 16            /* bytes of the MAC kept in a sealed id */
#define MCP_MAX_URI_LEN 2048      /* bytes of a URI in resources/read|subscribe */
#define MCP_MAX_COMPLETIONS 100   /* values in one completion/complete answer (spec cap) */
#define MCP_MAX_ARG_KEYS 256      /* members of one object inside tool arguments */
#define MCP_MAX_LOG_TEXT 2048     /* bytes of one notifications/message text (truncated) */
#define MCP_MAX_NAME_LEN 128      /* tool names (and names echoed in error messages) */
#define MCP_STATE_MAX 16384       /* bytes of a requestState, sealed (payload and answers) */
#define MCP_INPUT_KEY_MAX 64      /* bytes of an inputRequests key */
#define MCP_INPUTS_MAX 16         /* questions one request may ask in one round */
#define MCP_SPENT_MAX 4096        /* used bound requestStates remembered (replay refusal) */
#define MCP_MAX_UPDATES 64        /* resources/updated queued for one slow listener */

/* ---- Registries (read-only once serving starts) -----------------------------------------*/

struct mcp_tool_row {
    char *name, *title, *description;
    cJSON *input_schema;  /* owned, an object */
    cJSON *output_schema; /* owned, or NULL */
    unsigned hints;       /* MCP_HINT_* */
    unsigned flags;       /* MCP_TOOL_* */
    mcp_tool_fn fn;
    void *ud;
};

/* One row serves both static resources (uri) and templates (uri holds the template). */
struct mcp_resource_row {
    char *uri, *name, *title, *description, *mime_type;
    size_t prefix_len; /* templates: bytes before the first '{' */
    mcp_read_fn fn;
    void *ud;
};

struct mcp_prompt_row {
    char *name, *title, *description;
    struct mcp_prompt_arg *args; /* nargs rows; their strings are owned */
    size_t nargs;
    mcp_prompt_fn fn;
    void *ud;
};

/* A growable array of rows of one kind. */
#define MCP_VEC(T)                                                                             \
    struct {                                                                                   \
        T *v;                                                                                  \
        size_t n, cap;                                                                         \
    }

typedef uint64_t (*mcp_clock_fn)(void *ctx); /* monotonic milliseconds */

/* One file of a registered skill (owned strings). */
struct mcp_skill_file_row {
    char *path, *uri, *mime_type, *text, *digest;
    size_t size; /* bytes of text */
};

/* One registered skill. */
struct mcp_skill_row {
    char *name, *title, *description;
    char *uri;            /* skill://<name>/SKILL.md */
    cJSON *frontmatter;   /* owned object */
    struct mcp_skill_file_row *files; /* nfiles rows, SKILL.md first */
    size_t nfiles;
};

/* An open modern subscriptions/listen request (lives on its handler's stack; listed in the
 * engine's listeners under the engine mutex). */
struct mcp_listener {
    struct mcp_listener *next;
    char **uris;        /* resourceSubscriptions honoured (owned) */
    size_t nuris;
    char *updated[MCP_MAX_UPDATES]; /* resources/updated not yet sent (owned) */
    size_t nupdated;
    int dropped;        /* updates were dropped for a slow listener */
};

struct mcp_engine {
    struct mcp_config cfg; /* strings owned; zero limits replaced by defaults */
    MCP_VEC(struct mcp_tool_row) tools;
    MCP_VEC(struct mcp_resource_row) resources;
    MCP_VEC(struct mcp_resource_row) templates;
    MCP_VEC(struct mcp_prompt_row) prompts;
    MCP_VEC(struct mcp_skill_row) skills;
    mcp_complete_fn complete;
    void *complete_ud;

    pthread_mutex_t mu;             /* guards everything below */
    struct mcp_session **buckets;   /* hash table of live sessions by key (chained) */
    size_t nbuckets;                /* a power of two */
    /* Two LRU lists: [0] sessions that made no request after initialize (evicted first),
     * [1] the others. Heads are the most recently used. */
    struct mcp_session *lru_head[2];
    struct mcp_session *lru_tail[2];
    size_t nsessions;
    unsigned char (*closed_ids)[MCP_NONCE_LEN]; /* ring of MCP_MAX_CLOSED_IDS closed keys */
    size_t nclosed, closed_next;
    atomic_ullong next_request;     /* numbers server->client request ids "srv-<n>" */
    mcp_clock_fn clock;
    void *clock_ctx;
    unsigned char (*spent)[MCP_NONCE_LEN]; /* ring of MCP_SPENT_MAX used requestStates */
    size_t nspent, spent_next;
    struct mcp_listener *listeners; /* open subscriptions/listen requests */
    size_t nlisteners;
    pthread_cond_t listen_cond;     /* signalled on updates and at shutdown */
    int shutting_down;              /* mcp_engine_shutdown was called */
};

/* A server->client request waiting for the client's answer. Lives on the waiter's stack
 * and in its session's pending list (session mutex). */
struct mcp_pending {
    char id[32];           /* "srv-<n>" */
    cJSON *result;         /* the answer's result (taken from the message), or NULL */
    int failed;            /* 1: the client answered with a JSON-RPC error */
    char msg[ERR_MSG_MAX]; /* that error's message */
    int done;              /* 1 once answered */
    struct mcp_pending *next;
};

/* Client capabilities that change what the server may send, as bits (sealed in ids). */
enum {
    MCP_CAP_ELICIT = 1u << 0,       /* elicitation */
    MCP_CAP_ELICIT_FORM = 1u << 1,  /* elicitation.form */
    MCP_CAP_ELICIT_URL = 1u << 2,   /* elicitation.url */
    MCP_CAP_SAMPLING = 1u << 3,     /* sampling */
    MCP_CAP_SAMPLING_TOOLS = 1u << 4, /* sampling.tools */
    MCP_CAP_SAMPLING_CTX = 1u << 5, /* sampling.context */
    MCP_CAP_ROOTS = 1u << 6,        /* roots */
    MCP_CAP_ROOTS_CHANGED = 1u << 7, /* roots.listChanged */
};

/* What a sealed session id carries (mcp_token.c). */
struct mcp_session_state {
    unsigned char nonce[MCP_NONCE_LEN];
    const char *version; /* a static version string, or NULL before initialize */
    unsigned caps;       /* MCP_CAP_* */
    int log_level;       /* enum mcp_log_level, or -1 */
    char client_name[MCP_CLIENT_NAME_MAX + 1];
    char client_version[MCP_CLIENT_VERSION_MAX + 1];
};

struct mcp_session {
    char id[33]; /* the key: hex of state.nonce, never changes */

    /* Table links and use time: guarded by the engine mutex. */
    struct mcp_session *hnext, *lru_prev, *lru_next;
    uint64_t last_used_ms;
    int in_table; /* 1 while the engine's table holds it (and one reference) */
    int used;     /* made a request after initialize: LRU list [1] */

    pthread_mutex_t mu;   /* guards everything below */
    pthread_cond_t cond;  /* signalled on answers to pending requests, cancels, close */
    size_t refs;          /* the table's reference plus one per open/find */
    int closed;           /* closed, evicted or expired: calls are cancelled */
    struct mcp_session_state st; /* version, capabilities, client, log level */
    char token[MCP_SESSION_ID_MAX]; /* the id clients send: sealed st, or id */
    int initialized;      /* notifications/initialized arrived */
    char **subs;          /* subscribed URIs (owned) */
    size_t nsubs;
    size_t sub_bytes;     /* bytes of subs, bounded by MCP_MAX_SUB_BYTES */
    struct mcp_call *inflight; /* requests being served, by the threads serving them */
    size_t ninflight;
    struct mcp_pending *pending;
};

/* The outlet of one mcp_engine_handle call. Only that call's thread (the handler's) sends. */
struct mcp_out {
    const struct mcp_sink *sink;
    int gone; /* the peer went away: stop sending */
};

/* A request being served. Lives on the stack of the thread running mcp_engine_handle. */
struct mcp_call {
    mcp_engine *engine;
    mcp_session *session;         /* NULL for sessionless messages */
    struct mcp_out *out;
    const cJSON *id;              /* the request id, borrowed from the parsed message */
    char key[MCP_MAX_ID_LEN + 8]; /* in-flight table key ("s:..." or "n:..."), "" if none */
    const cJSON *progress_token;  /* borrowed, or NULL */
    double last_progress;
    int sent_progress;            /* 1 once a progress notification went out */
    atomic_int cancelled;
    struct mcp_call *next;        /* session in-flight list */

    /* Modern requests: what the request's _meta says (legacy requests read the session). */
    int modern;                   /* 1: a modern request */
    const char *version;          /* modern: the request's version (a static string) */
    unsigned caps;                /* modern: MCP_CAP_* from clientCapabilities */
    int log_level;                /* modern: _meta logLevel, or -1 (no log messages) */
    const char *method;           /* the request's method (borrowed) */
    const cJSON *params;          /* the request's params (borrowed), or NULL */

    /* Multi round-trip requests (mcp_input.c). */
    const cJSON *responses;       /* params.inputResponses (an object), or NULL */
    cJSON *state;                 /* the verified requestState payload (owned), or NULL */
    int state_used;               /* a bound answer was taken from state: spend it */
    cJSON *asked;                 /* questions asked and not answered: {key:{method,params}} */
    cJSON *answers;               /* answers taken this round, by key: carried forward */
    unsigned nauto;               /* keys "input-<n>" handed out by mcp_call_request */
    unsigned missing_caps;        /* MCP_CAP_* a question needed and the client lacks */
    char *app_state;              /* mcp_call_set_state (owned), or NULL */
};

/* What a method handler answers: a result, an error, or nothing (cancelled). */
struct mcp_answer {
    cJSON *result;         /* owned result object, or NULL for an error */
    int code;              /* JSON-RPC error code when result is NULL */
    char msg[ERR_MSG_MAX]; /* its message */
    cJSON *data;           /* owned error data, or NULL */
    int silent;            /* 1: send nothing (the call was cancelled) */
};

typedef void (*mcp_method_fn)(mcp_call *c, const cJSON *params, struct mcp_answer *a);

/* ---- mcp_jsonrpc.c ------------------------------------------------------------------------*/

/* Set a's error (first one wins, like struct err). */
void mcp_answer_error(struct mcp_answer *a, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set a's error for a failure of kind code: the error table's JSON-RPC code (-32603 for a
 * row without one) and msg, or the row's name when msg is empty. */
void mcp_answer_from_err(struct mcp_answer *a, err_code code, const char *msg);
/* Send msg (taken) through out unless the peer is gone. */
void mcp_send(struct mcp_out *out, cJSON *msg, int final);
/* A copy of a request id or progress token that prints exactly as it was received. */
cJSON *mcp_id_copy(const cJSON *id);
/* A new notification message {"jsonrpc","method","params"}; params is taken. */
cJSON *mcp_notification(const char *method, cJSON *params);

/* ---- mcp_session.c ------------------------------------------------------------------------*/

uint64_t mcp_now_ms(mcp_engine *e);
/* Mark s used now (moves it to the head of its LRU list; request = 1 moves it to the list
 * of sessions that made a request after initialize). */
void mcp_session_touch(mcp_engine *e, mcp_session *s, int request);
/* Start the session over with a negotiated version and what initialize's params say of
 * the client (capabilities, clientInfo), and seal its id anew. */
void mcp_session_reset(mcp_engine *e, mcp_session *s, const char *version, const cJSON *params);
/* 1 if the session's client declared every capability in bits (MCP_CAP_*). */
int mcp_session_has_caps(mcp_session *s, unsigned bits);
/* Register c under its key; ERR_EXISTS for a duplicate id, ERR_RATE_LIMITED past
 * max_inflight, ERR_WRONG_STATE when the session is closed. */
err_code mcp_session_add_call(mcp_session *s, mcp_call *c, size_t max_inflight);
void mcp_session_remove_call(mcp_session *s, mcp_call *c);
/* Cancel the in-flight request with this key (unknown keys are ignored). */
void mcp_session_cancel_key(mcp_session *s, const char *key);
/* Hand a client's response to the server->client request with this id; the result (if
 * any) is detached from msg. Unknown ids are ignored. */
void mcp_session_deliver(mcp_session *s, const char *id, cJSON *msg);
err_code mcp_session_subscribe(mcp_session *s, const char *uri, int on);
/* 1 if the session holds a subscription to uri. */
int mcp_session_subscribed(mcp_session *s, const char *uri);
int mcp_session_log_level(mcp_session *s);
/* Set the level and seal the id anew (the HTTP transport echoes the new id). */
void mcp_session_set_log_level(mcp_engine *e, mcp_session *s, int level);

/* ---- mcp_token.c --------------------------------------------------------------------------*/

/* The capability bit of a dotted path ("elicitation.url"), or 0 for one not tracked. */
unsigned mcp_cap_bit(const char *path);
/* The bits a capabilities object declares. */
unsigned mcp_caps_from_json(const cJSON *caps);
/* Write the id clients send for st into out (cap >= MCP_SESSION_ID_MAX): sealed with the
 * engine's MAC, or the hex nonce without one. */
void mcp_token_make(const mcp_engine *e, const struct mcp_session_state *st, char *out,
                    size_t cap);
/* Read an id a client sent: 0 with *ret filled (with a MAC: the whole sealed state; without:
 * only the nonce, and *ret_sealed = 0), or -1 if it is malformed or its MAC does not match. */
int mcp_token_read(const mcp_engine *e, const char *id, struct mcp_session_state *ret,
                   int *ret_sealed);
/* Append base64url(b[0..n)) without padding at out[*pos], keeping room for the NUL; 0, or
 * -1 when it would not fit. */
int mcp_b64url_put(const unsigned char *b, size_t n, char *out, size_t cap, size_t *pos);
/* Decode n characters of base64url into out (room for cap bytes): the byte count, or -1
 * (bad character, impossible length, non-zero leftover bits, too long). */
long mcp_b64url_get(const char *s, size_t n, unsigned char *out, size_t cap);
/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void mcp_hex(const unsigned char *b, size_t n, char *out);
/* Close everything and drop the table references (engine teardown). */
void mcp_sessions_free_all(mcp_engine *e);

/* ---- mcp_modern.c ---------------------------------------------------------------------------*/

/* The outcome of serving one message (mcp_jsonrpc.c and mcp_modern.c). */
enum one_result {
    ONE_ANSWERED,  /* *ret_reply is a response to send */
    ONE_REJECTED,  /* *ret_reply is an error for a message refused before any handler (400) */
    ONE_SILENT,    /* notification or response: nothing to send */
    ONE_CANCELLED, /* a request that was cancelled: nothing to send */
    ONE_NO_METHOD, /* *ret_reply is -32601 for a modern request (404) */
};

/* 1 if params (an object or NULL) carry the modern claim: _meta with the protocol version
 * key (whatever its value). */
int mcp_modern_claim(const cJSON *params);
/* Serve one modern request m: envelope, headers (h may be NULL: stdio), version, method,
 * handler, decorated result. s (may be NULL) only holds the in-flight table for stdio
 * cancellation. */
enum one_result mcp_serve_modern(mcp_engine *e, mcp_session *s, const cJSON *m,
                                 struct mcp_out *out, const struct mcp_http_headers *h,
                                 int in_batch, cJSON **ret_reply);
/* A response message for id (NULL: omitted); takes a's result and data (mcp_jsonrpc.c). */
cJSON *mcp_response_for(const cJSON *id, struct mcp_answer *a);
/* The in-flight table key of a valid id (mcp_jsonrpc.c). */
void mcp_id_key(const cJSON *id, char *out, size_t n);
/* The server's capabilities object for version (legacy initialize, modern discover). */
cJSON *mcp_server_capabilities(const mcp_engine *e, const char *version);
/* {"name","version"[,"title","description"]} of the server, for version. */
cJSON *mcp_server_info(const mcp_engine *e, const char *version);

/* ---- mcp_input.c ----------------------------------------------------------------------------*/

/* Read params.inputResponses and verify params.requestState into c before the handler runs;
 * 0, or -1 with a's -32602 error set (tampered, expired, foreign or used state; responses
 * that are not an object). */
int mcp_input_begin(mcp_call *c, struct mcp_answer *a);
/* After the handler: when the call asked questions, replace the answer with an
 * InputRequiredResult (new result, sealed state); spend a used bound state. Frees the
 * call's MRTR state either way. */
void mcp_input_end(mcp_call *c, struct mcp_answer *a);
/* Compact JSON of v with object members sorted by key, appended to out (digests). */
void mcp_canonical_json(const cJSON *v, struct buf *out);

/* ---- mcp_listen.c ---------------------------------------------------------------------------*/

void mcp_m_listen(mcp_call *c, const cJSON *params, struct mcp_answer *a);

/* ---- mcp_skills.c ---------------------------------------------------------------------------*/

void mcp_m_skills_list(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_skills_get(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_directory_read(mcp_call *c, const cJSON *params, struct mcp_answer *a);
/* Answer resources/read of a skill file into a; 0 if uri is not one. */
int mcp_skills_read(mcp_call *c, const char *uri, struct mcp_answer *a);
/* Skill i's SKILL.md as a resources/list item. */
cJSON *mcp_skill_resource(const mcp_call *c, size_t i);
void mcp_skills_free(mcp_engine *e);

/* ---- mcp_engine.c -------------------------------------------------------------------------*/

/* Replace the clock used for idle expiry (tests). NULL restores the monotonic clock. */
void mcp_engine_set_clock(mcp_engine *e, mcp_clock_fn fn, void *ctx);
/* The static string for a supported version, or NULL. */
const char *mcp_version_canonical(const char *v);
const struct mcp_resource_row *mcp_find_resource(const mcp_engine *e, const char *uri);
const struct mcp_resource_row *mcp_find_template(const mcp_engine *e, const char *uri);
const struct mcp_prompt_row *mcp_find_prompt(const mcp_engine *e, const char *name);
const struct mcp_tool_row *mcp_find_tool(const mcp_engine *e, const char *name);

/* ---- mcp_call.c ---------------------------------------------------------------------------*/

/* The version output is shaped for: the session's, else the latest. */
const char *mcp_call_version(const mcp_call *c);
/* 1 if the call's version is at least v. */
int mcp_call_at_least(const mcp_call *c, const char *v);
/* 1 if the call's client declared every capability in bits (MCP_CAP_*). */
int mcp_call_has_caps(const mcp_call *c, unsigned bits);
/* The capability path a server->client method needs ("elicitation", "elicitation.url",
 * "sampling", "roots"), or NULL for a method the engine does not know. */
const char *mcp_capability_for(const char *method, const cJSON *params);
/* Level names by enum mcp_log_level; returns -1 for an unknown name. */
int mcp_log_level_parse(const char *name);

/* ---- Method handlers (mcp_lifecycle.c, mcp_tools.c, mcp_catalog.c) ------------------------*/

void mcp_m_initialize(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_ping(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_set_level(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_tools_list(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_tools_call(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_resources_list(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_templates_list(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_resources_read(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_subscribe(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_unsubscribe(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_prompts_list(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_prompts_get(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_complete(mcp_call *c, const cJSON *params, struct mcp_answer *a);
void mcp_m_discover(mcp_call *c, const cJSON *params, struct mcp_answer *a);

/* Pagination shared by the list methods: reads params.cursor for a list of n items of
 * kind ('t','r','u','p'); 0 with *ret_start set, or -1 with a's -32602 error set. */
int mcp_page_start(const cJSON *params, char kind, size_t n, struct mcp_answer *a,
                   size_t *ret_start);
/* Adds nextCursor to result when items remain after end. */
void mcp_page_finish(cJSON *result, char kind, size_t end, size_t n);
/* Adds key: string to obj when s is not NULL. */
void mcp_add_opt_string(cJSON *obj, const char *key, const char *s);

#endif
