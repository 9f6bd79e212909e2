/* mcp_input.c - multi round-trip requests (2026-07-28): questions a handler asks the client
 * by key, the InputRequiredResult that carries them, and the sealed requestState that
 * carries what earlier rounds answered. Layer: server/mcp.
 *
 * A requestState is base64url(payload) "." base64url(first MCP_TAG_LEN bytes of
 * mac("mcp-request-state\0" payload)), where payload is compact JSON:
 *   {"v":1, "n": nonce (32 hex), "x": expiry (Unix seconds), "m": method, "k": tool or
 *    prompt name or resource URI, "d": digest of the arguments (32 hex, a MAC of their
 *    canonical JSON), "q": [keys asked in that round], "r": {key: answer taken in an
 *    earlier round}, "s": the handler's own state}
 * Nothing in it is secret from the client (it holds what the client answered); the MAC
 * makes it unforgeable, the digest ties it to one request's arguments, the expiry and the
 * spent ring bound its replay. */
#include "server/mcp/mcp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATE_FORMAT 1
#define STATE_DOMAIN "mcp-request-state" /* MAC domain: never a session id's bytes */
#define DIGEST_DOMAIN "mcp-request-args"

/* ---- Canonical JSON (digests) -------------------------------------------------------------*/

static int key_cmp(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

void mcp_canonical_json(const cJSON *v, struct buf *out)
{
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        int object = cJSON_IsObject(v);
        size_t n = 0;
        for (const cJSON *ch = v->child; ch; ch = ch->next)
            n++;
        const cJSON **kids = xcalloc(n ? n : 1, sizeof *kids);
        n = 0;
        for (const cJSON *ch = v->child; ch; ch = ch->next)
            kids[n++] = ch;
        if (object)
            qsort(kids, n, sizeof *kids, key_cmp);
        buf_puts(out, object ? "{" : "[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_puts(out, ",");
            if (object) {
                cJSON *k = cJSON_CreateString(kids[i]->string);
                char *text = cJSON_PrintUnformatted(k);
                buf_printf(out, "%s:", text);
                cJSON_free(text);
                cJSON_Delete(k);
            }
            mcp_canonical_json(kids[i], out);
        }
        buf_puts(out, object ? "}" : "]");
        free(kids);
        return;
    }
    char *text = cJSON_PrintUnformatted(v);
    buf_puts(out, text ? text : "null");
    cJSON_free(text);
}

/* ---- What a request is, for binding ----------------------------------------------------------*/

/* The name a state binds to: params.name (tools/call, prompts/get) or params.uri. */
static const char *bound_name(const mcp_call *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->params, "name");
    if (!cJSON_IsString(v))
        v = cJSON_GetObjectItemCaseSensitive(c->params, "uri");
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* 32 hex digits: a MAC of the request's method, name and canonical arguments. */
static void args_digest(const mcp_call *c, char out[2 * MCP_TAG_LEN + 1])
{
    struct buf b;
    unsigned char mac[MCP_MAC_LEN];
    buf_init(&b, 0);
    buf_printf(&b, "%s%c%s%c%s%c", DIGEST_DOMAIN, 0, c->method, 0, bound_name(c), 0);
    mcp_canonical_json(cJSON_GetObjectItemCaseSensitive(c->params, "arguments"), &b);
    c->engine->cfg.mac(c->engine->cfg.mac_ud, b.data, b.len, mac);
    mcp_hex(mac, MCP_TAG_LEN, out);
    buf_release(&b);
}

static void state_mac(const mcp_engine *e, const char *payload, size_t n,
                      unsigned char mac[MCP_MAC_LEN])
{
    struct buf b;
    buf_init(&b, 0);
    buf_append(&b, STATE_DOMAIN, sizeof STATE_DOMAIN); /* with its NUL */
    buf_append(&b, payload, n);
    e->cfg.mac(e->cfg.mac_ud, b.data, b.len, mac);
    buf_release(&b);
}

/* ---- The spent ring --------------------------------------------------------------------------*/

static int hex_nonce(const char *hex, unsigned char out[MCP_NONCE_LEN])
{
    if (!hex || strlen(hex) != 2 * MCP_NONCE_LEN)
        return -1;
    for (size_t i = 0; i < MCP_NONCE_LEN; i++) {
        unsigned v = 0;
        for (size_t j = 0; j < 2; j++) {
            char ch = hex[2 * i + j];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0)
                return -1;
            v = v * 16 + (unsigned)d;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

static int spent_locked(const mcp_engine *e, const unsigned char *nonce)
{
    for (size_t i = 0; i < e->nspent; i++)
        if (memcmp(e->spent[i], nonce, MCP_NONCE_LEN) == 0)
            return 1;
    return 0;
}

/* ---- Before the handler ----------------------------------------------------------------------*/

/* The payload of a sealed state when its MAC matches, else NULL (caller deletes). */
static cJSON *unseal(const mcp_engine *e, const char *sealed)
{
    size_t n = strlen(sealed);
    const char *dot = strchr(sealed, '.');
    unsigned char *payload = NULL, tag[MCP_TAG_LEN + 1], mac[MCP_MAC_LEN];
    cJSON *j = NULL;
    if (!dot || n > MCP_STATE_MAX)
        goto cleanup;
    payload = xmalloc(n + 1);
    long pn = mcp_b64url_get(sealed, (size_t)(dot - sealed), payload, n);
    long tn = mcp_b64url_get(dot + 1, strlen(dot + 1), tag, sizeof tag - 1);
    if (pn <= 0 || tn != MCP_TAG_LEN)
        goto cleanup;
    state_mac(e, (const char *)payload, (size_t)pn, mac);
    if (ct_memcmp(mac, tag, MCP_TAG_LEN) != 0)
        goto cleanup;
    j = cJSON_ParseWithLengthOpts((const char *)payload, (size_t)pn, NULL, 0);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        j = NULL;
    }
cleanup:
    free(payload);
    return j;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int mcp_input_begin(mcp_call *c, struct mcp_answer *a)
{
    const mcp_engine *e = c->engine;
    const cJSON *resp = cJSON_GetObjectItemCaseSensitive(c->params, "inputResponses");
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(c->params, "requestState");
    if (resp && !cJSON_IsNull(resp) && !cJSON_IsObject(resp)) {
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: inputResponses must be an object");
        return -1;
    }
    c->responses = cJSON_IsObject(resp) ? resp : NULL;
    if (!rs || cJSON_IsNull(rs))
        return 0;
    const char *why = NULL;
    char digest[2 * MCP_TAG_LEN + 1];
    unsigned char nonce[MCP_NONCE_LEN];
    cJSON *st = NULL;
    if (!cJSON_IsString(rs))
        why = "must be a string";
    else if (!e->cfg.mac || !(st = unseal(e, rs->valuestring)))
        why = "failed its integrity check (it was not issued by this server, or was altered)";
    if (!why) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, "v");
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(st, "x");
        const char *m = str_of(st, "m"), *k = str_of(st, "k"), *d = str_of(st, "d");
        args_digest(c, digest);
        if (!cJSON_IsNumber(v) || v->valueint != STATE_FORMAT || !cJSON_IsNumber(x) ||
            hex_nonce(str_of(st, "n"), nonce) < 0)
            why = "is malformed";
        else if (x->valuedouble < (double)time(NULL))
            why = "has expired; send the request again without it";
        else if (!m || !k || !d || strcmp(m, c->method) != 0 || strcmp(k, bound_name(c)) != 0 ||
                 strcmp(d, digest) != 0)
            why = "belongs to another request (method, name or arguments differ)";
    }
    if (!why) {
        pthread_mutex_lock(&((mcp_engine *)e)->mu);
        int used = spent_locked(e, nonce);
        pthread_mutex_unlock(&((mcp_engine *)e)->mu);
        if (used)
            why = "was already used; send the request again without it";
    }
    if (why) {
        cJSON_Delete(st);
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: requestState %s", why);
        return -1;
    }
    c->state = st;
    return 0;
}

/* ---- Asking -----------------------------------------------------------------------------------*/

static int key_ok(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > MCP_INPUT_KEY_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = key[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-'))
            return 0;
    }
    return 1;
}

/* 1 if an answer has the shape of method's result (anything else counts as no answer). */
static int answer_ok(const char *method, const cJSON *r)
{
    if (!cJSON_IsObject(r))
        return 0;
    if (strcmp(method, "elicitation/create") == 0) {
        const char *act = str_of(r, "action");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(r, "content");
        return act && (strcmp(act, "accept") == 0 || strcmp(act, "decline") == 0 ||
                       strcmp(act, "cancel") == 0) &&
               (!content || cJSON_IsObject(content));
    }
    if (strcmp(method, "sampling/createMessage") == 0)
        return str_of(r, "role") && cJSON_GetObjectItemCaseSensitive(r, "content") != NULL;
    if (strcmp(method, "roots/list") == 0)
        return cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "roots"));
    return 1;
}

/* 1 if the verified state asked key in its round. */
static int state_asked(const cJSON *st, const char *key)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(st, "q"))
    {
        if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
            return 1;
    }
    return 0;
}

/* Keep an answer taken this round, for the next round's state. */
static void remember(mcp_call *c, const char *key, const cJSON *answer)
{
    if (!c->answers)
        c->answers = cJSON_CreateObject();
    if (!cJSON_GetObjectItemCaseSensitive(c->answers, key))
        cJSON_AddItemToObject(c->answers, key, cJSON_Duplicate(answer, 1));
}

cJSON *mcp_call_input(mcp_call *c, const char *key, const char *method, cJSON *params,
                      unsigned flags, struct err *e)
{
    cJSON *out = NULL;
    if (!c->modern)
        return mcp_call_request(c, method, params, e);
    const char *cap = method ? mcp_capability_for(method, params) : NULL;
    int bound = (flags & MCP_INPUT_BOUND) != 0;
    if (!key_ok(key) || !cap) {
        err_set(e, ERR_INVALID, "input key or method not usable: %.64s %.64s", key ? key : "",
                method ? method : "");
        goto cleanup;
    }
    unsigned bit = mcp_cap_bit(cap);
    if (!mcp_call_has_caps(c, bit)) {
        c->missing_caps |= bit;
        err_set(e, ERR_UNSUPPORTED, "the client did not declare the '%s' capability", cap);
        goto cleanup;
    }
    if (bound && !c->engine->cfg.mac) {
        err_set(e, ERR_UNSUPPORTED, "a bound question needs a sealed requestState (no MAC)");
        goto cleanup;
    }
    /* An answer from an earlier round, carried in the verified state. */
    const cJSON *prev = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(c->state, "r"), key);
    if (prev && answer_ok(method, prev)) {
        remember(c, key, prev);
        out = cJSON_Duplicate(prev, 1);
        goto cleanup;
    }
    /* An answer to the last round's question. */
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(c->responses, key);
    if (given && answer_ok(method, given) && (!bound || (c->state && state_asked(c->state, key)))) {
        if (bound)
            c->state_used = 1;
        remember(c, key, given);
        out = cJSON_Duplicate(given, 1);
        goto cleanup;
    }
    /* Not answered: the question goes out with this round's answer. */
    if (!c->asked)
        c->asked = cJSON_CreateObject();
    if (!cJSON_GetObjectItemCaseSensitive(c->asked, key)) {
        if (cJSON_GetArraySize(c->asked) >= MCP_INPUTS_MAX) {
            err_set(e, ERR_LIMIT, "more than %d questions in one round", MCP_INPUTS_MAX);
            goto cleanup;
        }
        cJSON *q = cJSON_CreateObject();
        cJSON_AddStringToObject(q, "method", method);
        cJSON_AddItemToObject(q, "params", params ? params : cJSON_CreateObject());
        params = NULL;
        cJSON_AddItemToObject(c->asked, key, q);
    }
    err_set(e, ERR_WRONG_STATE, "input required: %.64s goes to the client, whose retry answers it",
            key);
cleanup:
    cJSON_Delete(params);
    return out;
}

int mcp_call_input_pending(const mcp_call *c)
{
    return c->asked && cJSON_GetArraySize(c->asked) > 0;
}

const char *mcp_call_state(const mcp_call *c)
{
    return str_of(c->state, "s");
}

void mcp_call_set_state(mcp_call *c, const char *s)
{
    free(c->app_state);
    c->app_state = s ? xstrndup(s, strnlen(s, MCP_STATE_TEXT_MAX)) : NULL;
}

/* ---- After the handler -----------------------------------------------------------------------*/

/* The sealed state for the round that asks c->asked, or NULL (no MAC, or too large). */
static char *seal(mcp_call *c)
{
    const mcp_engine *e = c->engine;
    unsigned char nonce[MCP_NONCE_LEN], mac[MCP_MAC_LEN];
    char hex[2 * MCP_NONCE_LEN + 1], digest[2 * MCP_TAG_LEN + 1];
    random_bytes(nonce, sizeof nonce);
    mcp_hex(nonce, sizeof nonce, hex);
    args_digest(c, digest);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "v", STATE_FORMAT);
    cJSON_AddStringToObject(p, "n", hex);
    cJSON_AddNumberToObject(p, "x", (double)time(NULL) + e->cfg.input_ttl_s);
    cJSON_AddStringToObject(p, "m", c->method);
    cJSON_AddStringToObject(p, "k", bound_name(c));
    cJSON_AddStringToObject(p, "d", digest);
    cJSON *q = cJSON_AddArrayToObject(p, "q");
    for (const cJSON *k = c->asked->child; k; k = k->next)
        cJSON_AddItemToArray(q, cJSON_CreateString(k->string));
    cJSON *r = cJSON_AddObjectToObject(p, "r");
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(c->state, "r");
    for (const cJSON *k = c->answers ? c->answers->child : NULL; k; k = k->next)
        cJSON_AddItemToObject(r, k->string, cJSON_Duplicate(k, 1));
    for (const cJSON *k = cJSON_IsObject(old) ? old->child : NULL; k; k = k->next)
        if (!cJSON_GetObjectItemCaseSensitive(r, k->string))
            cJSON_AddItemToObject(r, k->string, cJSON_Duplicate(k, 1));
    const char *app = c->app_state ? c->app_state : mcp_call_state(c);
    if (app)
        cJSON_AddStringToObject(p, "s", app);
    char *text = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    size_t n = strlen(text), cap = MCP_STATE_MAX + 1, pos = 0;
    char *out = xmalloc(cap);
    state_mac(e, text, n, mac);
    int ok = mcp_b64url_put((const unsigned char *)text, n, out, cap, &pos) == 0 &&
             pos + 1 < cap;
    if (ok) {
        out[pos++] = '.';
        ok = mcp_b64url_put(mac, MCP_TAG_LEN, out, cap, &pos) == 0;
    }
    cJSON_free(text);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

void mcp_input_end(mcp_call *c, struct mcp_answer *a)
{
    if (c->state_used) {
        /* A bound answer was taken from this state: it is good for one use only. */
        unsigned char nonce[MCP_NONCE_LEN];
        mcp_engine *e = c->engine;
        if (hex_nonce(str_of(c->state, "n"), nonce) == 0) {
            pthread_mutex_lock(&e->mu);
            if (!spent_locked(e, nonce)) {
                memcpy(e->spent[e->spent_next], nonce, MCP_NONCE_LEN);
                e->spent_next = (e->spent_next + 1) % MCP_SPENT_MAX;
                if (e->nspent < MCP_SPENT_MAX)
                    e->nspent++;
            }
            pthread_mutex_unlock(&e->mu);
        }
    }
    if (mcp_call_input_pending(c) && !a->silent) {
        char *state = c->engine->cfg.mac ? seal(c) : NULL;
        cJSON_Delete(a->result);
        cJSON_Delete(a->data);
        memset(a, 0, sizeof *a);
        if (c->engine->cfg.mac && !state) {
            mcp_answer_error(a, MCP_INTERNAL_ERROR,
                             "the answers so far do not fit in a requestState (%d bytes)",
                             MCP_STATE_MAX);
        } else {
            a->result = cJSON_CreateObject();
            cJSON_AddStringToObject(a->result, "resultType", "input_required");
            cJSON_AddItemToObject(a->result, "inputRequests", c->asked);
            c->asked = NULL;
            if (state)
                cJSON_AddStringToObject(a->result, "requestState", state);
        }
        free(state);
        c->missing_caps = 0; /* asking is the answer, whatever else failed */
    }
    cJSON_Delete(c->state);
    cJSON_Delete(c->asked);
    cJSON_Delete(c->answers);
    c->state = c->asked = c->answers = NULL;
}
