/* mcp_session.c - MCP sessions: the engine's table (hash by id, LRU list, cap, idle TTL),
 * reference counts, and per-session state (version, client capabilities, log level,
 * subscriptions, in-flight requests, pending server->client requests). Layer: server/mcp.
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

static void session_free(mcp_session *s)
{
    cJSON_Delete(s->client_caps);
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
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else
        e->lru_head = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else
        e->lru_tail = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_push_head(mcp_engine *e, mcp_session *s)
{
    s->lru_prev = NULL;
    s->lru_next = e->lru_head;
    if (e->lru_head)
        e->lru_head->lru_prev = s;
    e->lru_head = s;
    if (!e->lru_tail)
        e->lru_tail = s;
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

static void drop_removed(mcp_session **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        session_shut(list[i]);
        mcp_session_release(list[i]);
    }
}

static size_t session_refs(mcp_session *s)
{
    pthread_mutex_lock(&s->mu);
    size_t r = s->refs;
    pthread_mutex_unlock(&s->mu);
    return r;
}

static int idle_expired(mcp_engine *e, mcp_session *s, uint64_t now)
{
    uint64_t ttl_ms = (uint64_t)e->cfg.idle_ttl_s * 1000u;
    return now >= s->last_used_ms && now - s->last_used_ms >= ttl_ms && session_refs(s) == 1;
}

/* Remove expired sessions from the LRU tail (engine mutex held); collects them into out
 * (room for max). A session somebody still holds is never idle. */
static size_t expire_locked(mcp_engine *e, mcp_session **out, size_t max)
{
    size_t n = 0;
    uint64_t now = mcp_now_ms(e);
    mcp_session *s = e->lru_tail;
    while (s && n < max) {
        mcp_session *prev = s->lru_prev;
        if (idle_expired(e, s, now)) {
            table_remove(e, s);
            out[n++] = s;
        } else if (now >= s->last_used_ms &&
                   now - s->last_used_ms < (uint64_t)e->cfg.idle_ttl_s * 1000u) {
            break; /* everything nearer the head was used more recently */
        }
        s = prev;
    }
    return n;
}

#define EXPIRE_BATCH 64 /* sessions expired per table operation; the rest wait for the next */

mcp_session *mcp_session_open(mcp_engine *e)
{
    mcp_session *s = xcalloc(1, sizeof *s);
    unsigned char raw[16];
    random_bytes(raw, sizeof raw);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        s->id[2 * i] = hex[raw[i] >> 4];
        s->id[2 * i + 1] = hex[raw[i] & 15];
    }
    s->id[32] = '\0';
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    s->refs = 2; /* the table's and the caller's */
    s->log_level = -1;

    mcp_session *removed[EXPIRE_BATCH + 1];
    pthread_mutex_lock(&e->mu);
    size_t nrem = expire_locked(e, removed, EXPIRE_BATCH);
    if (e->nsessions >= e->cfg.max_sessions) {
        /* Evict the least recently used session nobody holds; if all are held, the oldest. */
        mcp_session *victim = e->lru_tail;
        for (mcp_session *v = e->lru_tail; v; v = v->lru_prev)
            if (session_refs(v) == 1) {
                victim = v;
                break;
            }
        if (victim) {
            table_remove(e, victim);
            removed[nrem++] = victim;
        }
    }
    size_t b = bucket_of(e, s->id);
    s->hnext = e->buckets[b];
    e->buckets[b] = s;
    s->in_table = 1;
    s->last_used_ms = mcp_now_ms(e);
    lru_push_head(e, s);
    e->nsessions++;
    pthread_mutex_unlock(&e->mu);
    drop_removed(removed, nrem);
    return s;
}

mcp_session *mcp_session_find(mcp_engine *e, const char *id)
{
    if (!id || strlen(id) != 32)
        return NULL;
    mcp_session *found = NULL, *expired = NULL;
    pthread_mutex_lock(&e->mu);
    for (mcp_session *s = e->buckets[bucket_of(e, id)]; s; s = s->hnext) {
        if (ct_memcmp(s->id, id, 32) != 0)
            continue;
        if (idle_expired(e, s, mcp_now_ms(e))) {
            table_remove(e, s);
            expired = s;
        } else {
            mcp_session_retain(s);
            s->last_used_ms = mcp_now_ms(e);
            lru_unlink(e, s);
            lru_push_head(e, s);
            found = s;
        }
        break;
    }
    pthread_mutex_unlock(&e->mu);
    if (expired)
        drop_removed(&expired, 1);
    return found;
}

void mcp_session_touch(mcp_engine *e, mcp_session *s)
{
    pthread_mutex_lock(&e->mu);
    if (s->in_table) {
        s->last_used_ms = mcp_now_ms(e);
        lru_unlink(e, s);
        lru_push_head(e, s);
    }
    pthread_mutex_unlock(&e->mu);
}

err_code mcp_session_close(mcp_engine *e, const char *id)
{
    mcp_session *hit = NULL;
    if (!id || strlen(id) != 32)
        return ERR_NOT_FOUND;
    pthread_mutex_lock(&e->mu);
    for (mcp_session *s = e->buckets[bucket_of(e, id)]; s; s = s->hnext)
        if (ct_memcmp(s->id, id, 32) == 0) {
            table_remove(e, s);
            hit = s;
            break;
        }
    pthread_mutex_unlock(&e->mu);
    if (!hit)
        return ERR_NOT_FOUND;
    drop_removed(&hit, 1);
    return ERR_OK;
}

const char *mcp_session_id(const mcp_session *s)
{
    return s->id;
}

const char *mcp_session_version(const mcp_session *s)
{
    mcp_session *m = (mcp_session *)s; /* the mutex is not part of the logical state */
    pthread_mutex_lock(&m->mu);
    const char *v = m->version;
    pthread_mutex_unlock(&m->mu);
    return v;
}

size_t mcp_engine_session_count(mcp_engine *e)
{
    mcp_session *removed[EXPIRE_BATCH];
    size_t total = 0, nrem;
    do {
        pthread_mutex_lock(&e->mu);
        nrem = expire_locked(e, removed, EXPIRE_BATCH);
        total = e->nsessions;
        pthread_mutex_unlock(&e->mu);
        drop_removed(removed, nrem);
    } while (nrem == EXPIRE_BATCH);
    return total;
}

void mcp_sessions_free_all(mcp_engine *e)
{
    while (e->lru_head) {
        mcp_session *s = e->lru_head;
        table_remove(e, s);
        drop_removed(&s, 1);
    }
}

/* ---- Per-session state ----------------------------------------------------------------*/

void mcp_session_reset(mcp_session *s, const char *version, const cJSON *caps)
{
    cJSON *copy = cJSON_IsObject(caps) ? cJSON_Duplicate(caps, 1) : NULL;
    pthread_mutex_lock(&s->mu);
    cJSON_Delete(s->client_caps);
    s->client_caps = copy;
    s->version = version;
    s->initialized = 0;
    s->log_level = -1;
    for (size_t i = 0; i < s->nsubs; i++)
        free(s->subs[i]);
    free(s->subs);
    s->subs = NULL;
    s->nsubs = 0;
    pthread_mutex_unlock(&s->mu);
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
                free(s->subs[i]);
                s->subs[i] = s->subs[--s->nsubs];
            }
            goto cleanup;
        }
    if (!on)
        goto cleanup;
    if (s->nsubs >= MCP_MAX_SUBSCRIPTIONS) {
        rc = ERR_LIMIT;
        goto cleanup;
    }
    s->subs = xrealloc(s->subs, (s->nsubs + 1) * sizeof *s->subs);
    s->subs[s->nsubs++] = xstrdup(uri);
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
    int l = s->log_level;
    pthread_mutex_unlock(&s->mu);
    return l;
}

void mcp_session_set_log_level(mcp_session *s, int level)
{
    pthread_mutex_lock(&s->mu);
    s->log_level = level;
    pthread_mutex_unlock(&s->mu);
}
