/* mcp_listen.c - subscriptions/listen (2026-07-28): a request that stays open and carries
 * the change notifications its client opted in to, each tagged with the request's id, until
 * the client cancels or the engine shuts down. Layer: server/mcp.
 *
 * The handler's thread owns its stream: it acknowledges the filter, then waits on the
 * engine's listen_cond for updates queued by mcp_engine_resource_updated, sending them
 * itself (one thread sends per call, as everywhere in the engine). It wakes at least every
 * LISTEN_POLL_MS to notice a cancellation (stdio notifications/cancelled, a closed HTTP
 * stream) and ends with a result only when the engine shuts down. */
#include "server/mcp/mcp_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LISTEN_POLL_MS 500 /* how often an idle listener checks for cancellation */

/* The list-changed filter fields. The catalogue never changes while serving, so the engine
 * honours none of them (the acknowledgement leaves them out, as the specification says for
 * types a server does not support). To honour one, mark it here and notify on changes. */
static const struct {
    const char *field;
    int honoured;
} list_filters[] = {
    {"toolsListChanged", 0},
    {"promptsListChanged", 0},
    {"resourcesListChanged", 0},
};

/* A notification on the stream of the listen request with id (params taken). */
static cJSON *tagged(const char *method, cJSON *params, const cJSON *id)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
    if (!meta)
        meta = cJSON_AddObjectToObject(params, "_meta");
    cJSON_AddItemToObject(meta, MCP_META_SUBSCRIPTION_ID, mcp_id_copy(id));
    return mcp_notification(method, params);
}

static void listener_unlink_locked(mcp_engine *e, struct mcp_listener *l)
{
    for (struct mcp_listener **pp = &e->listeners; *pp; pp = &(*pp)->next)
        if (*pp == l) {
            *pp = l->next;
            e->nlisteners--;
            break;
        }
}

static void listener_release(struct mcp_listener *l)
{
    for (size_t i = 0; i < l->nuris; i++)
        free(l->uris[i]);
    free(l->uris);
    for (size_t i = 0; i < l->nupdated; i++)
        free(l->updated[i]);
}

/* Read the filter into l and the acknowledged filter into ack; 0, or -1 with a set. */
static int read_filter(const cJSON *params, struct mcp_listener *l, cJSON *ack,
                       struct mcp_answer *a)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(params, "notifications");
    if (!cJSON_IsObject(f)) {
        mcp_answer_error(a, MCP_INVALID_PARAMS,
                         "Invalid params: notifications must be an object (the filter)");
        return -1;
    }
    for (size_t i = 0; i < ARRAY_LEN(list_filters); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, list_filters[i].field);
        if (v && !cJSON_IsBool(v)) {
            mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: notifications.%s must be a "
                             "boolean", list_filters[i].field);
            return -1;
        }
        if (cJSON_IsTrue(v) && list_filters[i].honoured)
            cJSON_AddTrueToObject(ack, list_filters[i].field);
    }
    const cJSON *uris = cJSON_GetObjectItemCaseSensitive(f, "resourceSubscriptions");
    if (!uris)
        return 0;
    int n = cJSON_GetArraySize(uris);
    if (!cJSON_IsArray(uris) || n > MCP_MAX_SUBSCRIPTIONS) {
        mcp_answer_error(a, MCP_INVALID_PARAMS,
                         "Invalid params: notifications.resourceSubscriptions must be an array of "
                         "at most %d URIs", MCP_MAX_SUBSCRIPTIONS);
        return -1;
    }
    l->uris = xcalloc(n ? (size_t)n : 1, sizeof *l->uris);
    cJSON *list = cJSON_AddArrayToObject(ack, "resourceSubscriptions");
    const cJSON *u;
    cJSON_ArrayForEach(u, uris)
    {
        if (!cJSON_IsString(u) || !u->valuestring[0] || strlen(u->valuestring) > MCP_MAX_URI_LEN) {
            mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: resourceSubscriptions holds "
                             "a value that is not a URI of at most %d bytes", MCP_MAX_URI_LEN);
            return -1;
        }
        l->uris[l->nuris++] = xstrdup(u->valuestring);
        cJSON_AddItemToArray(list, cJSON_CreateString(u->valuestring));
    }
    return 0;
}

static struct timespec after_ms(unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

void mcp_m_listen(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    mcp_engine *e = c->engine;
    struct mcp_listener l = {0};
    cJSON *ack = cJSON_CreateObject();
    if (read_filter(params, &l, cJSON_AddObjectToObject(ack, "notifications"), a) < 0)
        goto cleanup;
    pthread_mutex_lock(&e->mu);
    int ok = !e->shutting_down && e->nlisteners < MCP_MAX_LISTENERS;
    if (ok) {
        l.next = e->listeners;
        e->listeners = &l;
        e->nlisteners++;
    }
    pthread_mutex_unlock(&e->mu);
    if (!ok) {
        mcp_answer_error(a, MCP_SERVER_ERROR, "Too many open subscriptions (limit %d), or the "
                         "server is stopping", MCP_MAX_LISTENERS);
        goto cleanup;
    }
    /* The acknowledgement is the first message of the stream. */
    mcp_send(c->out, tagged("notifications/subscriptions/acknowledged", ack, c->id), 0);
    ack = NULL;

    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (l.nupdated > 0) {
            char *uri = l.updated[0];
            memmove(l.updated, l.updated + 1, --l.nupdated * sizeof *l.updated);
            pthread_mutex_unlock(&e->mu);
            cJSON *p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "uri", uri);
            free(uri);
            mcp_send(c->out, tagged("notifications/resources/updated", p, c->id), 0);
            pthread_mutex_lock(&e->mu);
        }
        if (e->shutting_down || mcp_call_cancelled(c) || c->out->gone)
            break;
        struct timespec until = after_ms(LISTEN_POLL_MS);
        pthread_cond_timedwait(&e->listen_cond, &e->mu, &until);
    }
    int graceful = e->shutting_down;
    listener_unlink_locked(e, &l);
    pthread_mutex_unlock(&e->mu);
    if (!graceful || mcp_call_cancelled(c)) {
        a->silent = 1; /* the client went away or cancelled: nothing is sent */
        goto cleanup;
    }
    /* The server ends the subscription: the result names it. */
    a->result = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(a->result, "_meta");
    cJSON_AddItemToObject(meta, MCP_META_SUBSCRIPTION_ID, mcp_id_copy(c->id));
cleanup:
    cJSON_Delete(ack);
    listener_release(&l);
}

void mcp_engine_resource_updated(mcp_engine *e, const char *uri)
{
    if (!uri)
        return;
    pthread_mutex_lock(&e->mu);
    for (struct mcp_listener *l = e->listeners; l; l = l->next) {
        size_t i = 0;
        while (i < l->nuris && strcmp(l->uris[i], uri) != 0)
            i++;
        if (i == l->nuris)
            continue;
        if (l->nupdated < MCP_MAX_UPDATES)
            l->updated[l->nupdated++] = xstrdup(uri);
        else
            l->dropped = 1;
    }
    pthread_cond_broadcast(&e->listen_cond);
    pthread_mutex_unlock(&e->mu);
}

void mcp_engine_shutdown(mcp_engine *e)
{
    pthread_mutex_lock(&e->mu);
    e->shutting_down = 1;
    pthread_cond_broadcast(&e->listen_cond);
    pthread_mutex_unlock(&e->mu);
}
