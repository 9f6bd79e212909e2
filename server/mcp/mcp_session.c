/* mcp_session.c - MCP sessions: the engine's table (hash by key, two LRU lists, cap, idle
 * TTL, rebuild from sealed ids, closed ids), reference counts, and per-session state
 * (version, client capabilities, log level, subscriptions, in-flight requests, pending
 * server->client requests). Layer: server/mcp.
 *
 * Locking: the engine mutex guards the table and the LRU links; each session's mutex
 * guards its state. Order is always engine then session. A session leaves the table when
 * it is closed, evicted or expires; it is freed when its last reference is dropped, so a
 * thread still serving a request on it never sees it freed. Removed sessions are marked
 * closed, which cancels their in-flight calls and wakes their pending waits. */
#include "server/mcp/mcp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t mcp_now_ms(mcp_engine *e)
{
    return e->clock(e->clock_ctx);
}

static size_t bucket_of(const mcp_engine *e, const char *id)
{
    /* FNV-1a; ids are random already, this only spreads them over the buckets. */
    uint64_t h = 1469598103934665603ull;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (size_t)(h & (e->nbuckets - 1));
}

/* A removed session and why, for the event callback after the engine mutex is released. */
struct removed {
    mcp_session *s;
    enum mcp_session_event event;
    char reason[96];
};

static void session_free(mcp_session *s)
{
    for (size_t i = 0; i < s->nsubs; i++)
        free(s->subs[i]);
    free(s->subs);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void mcp_session_retain(mcp_session *s)
{
    pthread_mutex_lock(&s->mu);
    s->refs++;
    pthread_mutex_unlock(&s->mu);
}

void mcp_session_release(mcp_session *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    size_t left = --s->refs;
    pthread_mutex_unlock(&s->mu);
    if (left == 0)
        session_free(s);
}

/* Mark closed and cancel everything running on it. Session mutex not held. */
static void session_shut(mcp_session *s)
{
    pthread_mutex_lock(&s->mu);
    s->closed = 1;
    for (mcp_call *c = s->inflight; c; c = c->next)
        atomic_store(&c->cancelled, 1);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void lru_unlink(mcp_engine *e, mcp_session *s)
{
    int l = s->used;
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else
        e->lru_head[l] = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else
        e->lru_tail[l] = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_push_head(mcp_engine *e, mcp_session *s)
{
    int l = s->used;
    s->lru_prev = NULL;
    s->lru_next = e->lru_head[l];
    if (e->lru_head[l])
        e->lru_head[l]->lru_prev = s;
    e->lru_head[l] = s;
    if (!e->lru_tail[l])
        e->lru_tail[l] = s;
}

/* Take s out of the table (engine mutex held). The caller then shuts it and drops the
 * table's reference, outside the engine mutex. */
static void table_remove(mcp_engine *e, mcp_session *s)
{
    mcp_session **pp = &e->buckets[bucket_of(e, s->id)];
    while (*pp && *pp != s)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = s->hnext;
    s->hnext = NULL;
    lru_unlink(e, s);
    s->in_table = 0;
    e->nsessions--;
}

static mcp_session *table_get(mcp_engine *e, const char *key)
{
    for (mcp_session *s = e->buckets[bucket_of(e, key)]; s; s = s->hnext)
        if (ct_memcmp(s->id, key, 2 * MCP_NONCE_LEN) == 0)
            return s;
    return NULL;
}

static void table_insert(mcp_engine *e, mcp_session *s)
{
    size_t b = bucket_of(e, s->id);
    s->hnext = e->buckets[b];
    e->buckets[b] = s;
    s->in_table = 1;
    s->last_used_ms = mcp_now_ms(e);
    lru_push_head(e, s);
    e->nsessions++;
}

/* Tell the server what happened to s (no lock held). */
static void notify(mcp_engine *e, mcp_session *s, enum mcp_session_event ev, const char *reason)
{
    if (!e->cfg.on_session)
        return;
    char key[9];
    struct mcp_session_state st;
    snprintf(key, sizeof key, "%.8s", s->id);
    pthread_mutex_lock(&s->mu);
    st = s->st;
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&e->mu);
    size_t live = e->nsessions;
    pthread_mutex_unlock(&e->mu);
    struct mcp_session_note note = {
        .event = ev,
        .key = key,
        .reason = reason,
        .version = st.version,
        .client_name = st.client_name,
        .client_version = st.client_version,
        .live = live,
    };
    e->cfg.on_session(e->cfg.on_session_ud, &note);
}

static void drop_removed(mcp_engine *e, struct removed *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        session_shut(list[i].s);
        notify(e, list[i].s, list[i].event, list[i].reason);
        mcp_session_release(list[i].s);
    }
}

static size_t session_refs(mcp_session *s)
{
    pthread_mutex_lock(&s->mu);
    size_t r = s->refs;
    pthread_mutex_unlock(&s->mu);
    return r;
}

static int idle_past_ttl(mcp_engine *e, mcp_session *s, uint64_t now)
{
    return now >= s->last_used_ms &&
           now - s->last_used_ms >= (uint64_t)e->cfg.idle_ttl_s * 1000u;
}

static int idle_expired(mcp_engine *e, mcp_session *s, uint64_t now)
{
    return idle_past_ttl(e, s, now) && session_refs(s) == 1;
}

#define EXPIRE_BATCH 64 /* sessions expired per table operation; the rest wait for the next */

/* Remove expired sessions from both LRU tails (engine mutex held); appends them to out
 * (room for EXPIRE_BATCH more). A session somebody still holds is never idle. */
static size_t expire_locked(mcp_engine *e, struct removed *out)
{
    size_t n = 0;
    uint64_t now = mcp_now_ms(e);
    for (int l = 0; l < 2; l++) {
        mcp_session *s = e->lru_tail[l];
        while (s && n < EXPIRE_BATCH) {
            mcp_session *prev = s->lru_prev;
            if (!idle_past_ttl(e, s, now))
                break; /* everything nearer the head was used more recently */
            if (session_refs(s) == 1) {
                table_remove(e, s);
                out[n].s = s;
                out[n].event = MCP_SESSION_EXPIRED;
                snprintf(out[n].reason, sizeof out[n].reason, "idle for %u s or more%s",
                         e->cfg.idle_ttl_s, l ? "" : ", no request after initialize");
                n++;
            }
            s = prev;
        }
    }
    return n;
}

/* Make room for one more session (engine mutex held): if the table is full, evict a session
 * nobody holds, first from the list of sessions that made no request after initialize, then
 * from the others, least recently used first; if every session is held, the oldest. */
static size_t evict_locked(mcp_engine *e, struct removed *out)
{
    if (e->nsessions < e->cfg.max_sessions)
        return 0;
    mcp_session *victim = NULL;
    for (int l = 0; l < 2 && !victim; l++)
        for (mcp_session *v = e->lru_tail[l]; v && !victim; v = v->lru_prev)
            if (session_refs(v) == 1)
                victim = v;
    if (!victim)
        victim = e->lru_tail[0] ? e->lru_tail[0] : e->lru_tail[1];
    if (!victim)
        return 0;
    uint64_t idle = (mcp_now_ms(e) - victim->last_used_ms) / 1000u;
    out->s = victim;
    out->event = MCP_SESSION_EVICTED;
    snprintf(out->reason, sizeof out->reason, "table full (%zu sessions); %s, idle %llu s",
             e->cfg.max_sessions,
             victim->used ? "least recently used" : "no request after initialize",
             (unsigned long long)idle);
    table_remove(e, victim);
    return 1;
}

static int closed_id_locked(const mcp_engine *e, const unsigned char *nonce)
{
    for (size_t i = 0; i < e->nclosed; i++)
        if (memcmp(e->closed_ids[i], nonce, MCP_NONCE_LEN) == 0)
            return 1;
    return 0;
}

static void remember_closed_locked(mcp_engine *e, const unsigned char *nonce)
{
    if (!e->closed_ids)
        e->closed_ids = xcalloc(MCP_MAX_CLOSED_IDS, sizeof *e->closed_ids);
    memcpy(e->closed_ids[e->closed_next], nonce, MCP_NONCE_LEN);
    e->closed_next = (e->closed_next + 1) % MCP_MAX_CLOSED_IDS;
    if (e->nclosed < MCP_MAX_CLOSED_IDS)
        e->nclosed++;
}

/* A session object (not in the table) with state st and token (or a fresh one). */
static mcp_session *session_alloc(mcp_engine *e, const struct mcp_session_state *st,
                                  const char *token)
{
    mcp_session *s = xcalloc(1, sizeof *s);
    s->st = *st;
    mcp_hex(s->st.nonce, MCP_NONCE_LEN, s->id);
    if (token)
        snprintf(s->token, sizeof s->token, "%s", token);
    else
        mcp_token_make(e, &s->st, s->token, sizeof s->token);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    s->refs = 1; /* the caller's */
    return s;
}

mcp_session *mcp_session_new(mcp_engine *e)
{
    struct mcp_session_state st = {.log_level = -1};
    random_bytes(st.nonce, sizeof st.nonce);
    return session_alloc(e, &st, NULL);
}

void mcp_session_publish(mcp_engine *e, mcp_session *s)
{
    struct removed removed[EXPIRE_BATCH + 1];
    pthread_mutex_lock(&e->mu);
    if (s->in_table) {
        pthread_mutex_unlock(&e->mu);
        return;
    }
    size_t nrem = expire_locked(e, removed);
    nrem += evict_locked(e, removed + nrem);
    mcp_session_retain(s); /* the table's */
    table_insert(e, s);
    pthread_mutex_unlock(&e->mu);
    drop_removed(e, removed, nrem);
}

mcp_session *mcp_session_open(mcp_engine *e)
{
    mcp_session *s = mcp_session_new(e);
    mcp_session_publish(e, s);
    return s;
}

/* Rebuild the session a valid sealed id describes and enter it into the table, unless the
 * client closed it or another thread rebuilt it first (then that one is returned). */
static mcp_session *rebuild(mcp_engine *e, const struct mcp_session_state *st, const char *token)
{
    struct removed removed[EXPIRE_BATCH + 1];
    size_t nrem = 0;
    mcp_session *fresh = session_alloc(e, st, token), *found = NULL;
    fresh->initialized = 1;
    fresh->used = 1; /* it is being used right now */
    pthread_mutex_lock(&e->mu);
    if (closed_id_locked(e, st->nonce)) {
        found = NULL;
    } else if ((found = table_get(e, fresh->id)) != NULL) {
        mcp_session_retain(found);
    } else {
        nrem = expire_locked(e, removed);
        nrem += evict_locked(e, removed + nrem);
        mcp_session_retain(fresh); /* the table's */
        table_insert(e, fresh);
        found = fresh;
    }
    pthread_mutex_unlock(&e->mu);
    drop_removed(e, removed, nrem);
    if (found == fresh)
        notify(e, fresh, MCP_SESSION_REBUILT, "not held by this process (expired, evicted or "
                                              "issued before a restart)");
    else
        mcp_session_release(fresh);
    return found;
}

mcp_session *mcp_session_find(mcp_engine *e, const char *id)
{
    struct mcp_session_state st;
    int sealed;
    char key[2 * MCP_NONCE_LEN + 1];
    struct removed expired;
    int nexp = 0;
    mcp_session *found = NULL;
    if (mcp_token_read(e, id, &st, &sealed) != 0)
        return NULL;
    mcp_hex(st.nonce, MCP_NONCE_LEN, key);
    pthread_mutex_lock(&e->mu);
    mcp_session *s = table_get(e, key);
    if (s && idle_expired(e, s, mcp_now_ms(e))) {
        table_remove(e, s);
        expired.s = s;
        expired.event = MCP_SESSION_EXPIRED;
        snprintf(expired.reason, sizeof expired.reason, "idle for %u s or more",
                 e->cfg.idle_ttl_s);
        nexp = 1;
    } else if (s) {
        mcp_session_retain(s);
        s->last_used_ms = mcp_now_ms(e);
        lru_unlink(e, s);
        lru_push_head(e, s);
        found = s;
    }
    pthread_mutex_unlock(&e->mu);
    drop_removed(e, &expired, (size_t)nexp);
    if (!found && sealed && st.version)
        found = rebuild(e, &st, id);
    return found;
}

void mcp_session_touch(mcp_engine *e, mcp_session *s, int request)
{
    pthread_mutex_lock(&e->mu);
    if (s->in_table) {
        s->last_used_ms = mcp_now_ms(e);
        lru_unlink(e, s);
        if (request)
            s->used = 1;
        lru_push_head(e, s);
    }
    pthread_mutex_unlock(&e->mu);
}

err_code mcp_session_close(mcp_engine *e, const char *id)
{
    struct mcp_session_state st;
    int sealed;
    char key[2 * MCP_NONCE_LEN + 1];
    mcp_session *hit = NULL;
    int known;
    if (mcp_token_read(e, id, &st, &sealed) != 0)
        return ERR_NOT_FOUND;
    mcp_hex(st.nonce, MCP_NONCE_LEN, key);
    pthread_mutex_lock(&e->mu);
    hit = table_get(e, key);
    if (hit)
        table_remove(e, hit);
    /* A sealed id the table no longer holds names a session that could be rebuilt: closing
     * it is as good as closing a live one. */
    known = hit || (sealed && st.version && !closed_id_locked(e, st.nonce));
    if (known && sealed)
        remember_closed_locked(e, st.nonce);
    pthread_mutex_unlock(&e->mu);
    if (hit) {
        struct removed r = {.s = hit, .event = MCP_SESSION_CLOSED};
        snprintf(r.reason, sizeof r.reason, "closed by the client");
        drop_removed(e, &r, 1);
    }
    return known ? ERR_OK : ERR_NOT_FOUND;
}

void mcp_session_end(mcp_engine *e, mcp_session *s)
{
    pthread_mutex_lock(&e->mu);
    int was = s->in_table;
    if (was)
        table_remove(e, s);
    pthread_mutex_unlock(&e->mu);
    session_shut(s);
    if (was)
        mcp_session_release(s); /* the table's */
}

int mcp_session_key(const mcp_engine *e, const char *id, char *out, size_t cap)
{
    struct mcp_session_state st;
    int sealed;
    if (cap < 2 * MCP_NONCE_LEN + 1 || mcp_token_read(e, id, &st, &sealed) != 0)
        return -1;
    mcp_hex(st.nonce, MCP_NONCE_LEN, out);
    return 0;
}

const char *mcp_session_id(const mcp_session *s)
{
    return s->id;
}

void mcp_session_token(const mcp_session *s, char *out, size_t cap)
{
    mcp_session *m = (mcp_session *)s; /* the mutex is not part of the logical state */
    pthread_mutex_lock(&m->mu);
    snprintf(out, cap, "%s", m->token);
    pthread_mutex_unlock(&m->mu);
}

const char *mcp_session_version(const mcp_session *s)
{
    mcp_session *m = (mcp_session *)s;
    pthread_mutex_lock(&m->mu);
    const char *v = m->st.version;
    pthread_mutex_unlock(&m->mu);
    return v;
}

size_t mcp_engine_session_count(mcp_engine *e)
{
    struct removed removed[EXPIRE_BATCH];
    size_t total = 0, nrem;
    do {
        pthread_mutex_lock(&e->mu);
        nrem = expire_locked(e, removed);
        total = e->nsessions;
        pthread_mutex_unlock(&e->mu);
        drop_removed(e, removed, nrem);
    } while (nrem == EXPIRE_BATCH);
    return total;
}

void mcp_sessions_free_all(mcp_engine *e)
{
    for (int l = 0; l < 2; l++)
        while (e->lru_head[l]) {
            mcp_session *s = e->lru_head[l];
            table_remove(e, s);
            session_shut(s);
            mcp_session_release(s);
        }
    free(e->closed_ids);
    e->closed_ids = NULL;
}

/* ---- Per-session state ----------------------------------------------------------------*/

/* Keep a clientInfo string: at most max bytes of printable ASCII ("?" for others). */
static void keep_text(char *dst, const cJSON *v, size_t max)
{
    const char *src = cJSON_IsString(v) ? v->valuestring : "";
    size_t n = 0;
    for (; src[n] && n < max; n++)
        dst[n] = (unsigned char)src[n] >= 0x20 && (unsigned char)src[n] < 0x7f ? src[n] : '?';
    dst[n] = '\0';
}

void mcp_session_reset(mcp_engine *e, mcp_session *s, const char *version, const cJSON *params)
{
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(params, "clientInfo");
    unsigned caps = mcp_caps_from_json(cJSON_GetObjectItemCaseSensitive(params, "capabilities"));
    pthread_mutex_lock(&s->mu);
    s->st.version = version;
    s->st.caps = caps;
    s->st.log_level = -1;
    keep_text(s->st.client_name, cJSON_GetObjectItemCaseSensitive(info, "name"),
              MCP_CLIENT_NAME_MAX);
    keep_text(s->st.client_version, cJSON_GetObjectItemCaseSensitive(info, "version"),
              MCP_CLIENT_VERSION_MAX);
    mcp_token_make(e, &s->st, s->token, sizeof s->token);
    s->initialized = 0;
    for (size_t i = 0; i < s->nsubs; i++)
        free(s->subs[i]);
    free(s->subs);
    s->subs = NULL;
    s->nsubs = 0;
    s->sub_bytes = 0;
    pthread_mutex_unlock(&s->mu);
}

int mcp_session_has_caps(mcp_session *s, unsigned bits)
{
    pthread_mutex_lock(&s->mu);
    int yes = bits && (s->st.caps & bits) == bits;
    pthread_mutex_unlock(&s->mu);
    return yes;
}

err_code mcp_session_add_call(mcp_session *s, mcp_call *c, size_t max_inflight)
{
    err_code rc = ERR_OK;
    pthread_mutex_lock(&s->mu);
    if (s->closed) {
        rc = ERR_WRONG_STATE;
        goto cleanup;
    }
    if (s->ninflight >= max_inflight) {
        rc = ERR_RATE_LIMITED;
        goto cleanup;
    }
    for (mcp_call *o = s->inflight; o; o = o->next)
        if (strcmp(o->key, c->key) == 0) {
            rc = ERR_EXISTS;
            goto cleanup;
        }
    c->next = s->inflight;
    s->inflight = c;
    s->ninflight++;
cleanup:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void mcp_session_remove_call(mcp_session *s, mcp_call *c)
{
    pthread_mutex_lock(&s->mu);
    for (mcp_call **pp = &s->inflight; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            s->ninflight--;
            break;
        }
    c->next = NULL;
    pthread_mutex_unlock(&s->mu);
}

void mcp_session_cancel_key(mcp_session *s, const char *key)
{
    pthread_mutex_lock(&s->mu);
    for (mcp_call *c = s->inflight; c; c = c->next)
        if (strcmp(c->key, key) == 0) {
            atomic_store(&c->cancelled, 1);
            pthread_cond_broadcast(&s->cond);
            break;
        }
    pthread_mutex_unlock(&s->mu);
}

void mcp_session_deliver(mcp_session *s, const char *id, cJSON *msg)
{
    pthread_mutex_lock(&s->mu);
    for (struct mcp_pending *p = s->pending; p; p = p->next) {
        if (p->done || strcmp(p->id, id) != 0)
            continue;
        cJSON *err = cJSON_GetObjectItemCaseSensitive(msg, "error");
        if (err) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(err, "message");
            p->failed = 1;
            snprintf(p->msg, sizeof p->msg, "%s",
                     cJSON_IsString(m) ? m->valuestring : "the client answered with an error");
        } else {
            p->result = cJSON_DetachItemFromObjectCaseSensitive(msg, "result");
        }
        p->done = 1;
        pthread_cond_broadcast(&s->cond);
        break;
    }
    pthread_mutex_unlock(&s->mu);
}

err_code mcp_session_subscribe(mcp_session *s, const char *uri, int on)
{
    err_code rc = ERR_OK;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nsubs; i++)
        if (strcmp(s->subs[i], uri) == 0) {
            if (!on) {
                s->sub_bytes -= strlen(s->subs[i]);
                free(s->subs[i]);
                s->subs[i] = s->subs[--s->nsubs];
            }
            goto cleanup;
        }
    if (!on)
        goto cleanup;
    if (s->nsubs >= MCP_MAX_SUBSCRIPTIONS || s->sub_bytes + strlen(uri) > MCP_MAX_SUB_BYTES) {
        rc = ERR_LIMIT;
        goto cleanup;
    }
    s->subs = xrealloc(s->subs, (s->nsubs + 1) * sizeof *s->subs);
    s->subs[s->nsubs++] = xstrdup(uri);
    s->sub_bytes += strlen(uri);
cleanup:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int mcp_session_subscribed(mcp_session *s, const char *uri)
{
    int hit = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nsubs && !hit; i++)
        hit = strcmp(s->subs[i], uri) == 0;
    pthread_mutex_unlock(&s->mu);
    return hit;
}

int mcp_session_log_level(mcp_session *s)
{
    pthread_mutex_lock(&s->mu);
    int l = s->st.log_level;
    pthread_mutex_unlock(&s->mu);
    return l;
}

void mcp_session_set_log_level(mcp_engine *e, mcp_session *s, int level)
{
    pthread_mutex_lock(&s->mu);
    s->st.log_level = level;
    mcp_token_make(e, &s->st, s->token, sizeof s->token);
    pthread_mutex_unlock(&s->mu);
}
