/* route_api.c - the routing glue: loading knowledge and router into the app, and the
 * transport-free handler of /api/route (GET ?q=&product=, POST {"query","product"}).
 * Layer: server. Errors become {"error":{"code","message"}} with the status from one table. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "knowledge/kb.h"
#include "router/router.h"
#include "server/app.h"

err_code route_app_load(struct app *a, const char *dir, struct err *e)
{
    err_code rc = dir ? kb_load_dir(dir, &a->kb, e) : kb_load_embedded(&a->kb, e);
    if (rc != ERR_OK)
        return rc;
    return rt_router_new(a->kb, NULL, &a->router, e);
}

void route_app_release(struct app *a)
{
    if (!a)
        return;
    rt_router_free(a->router);
    a->router = NULL;
    kb_free(a->kb);
    a->kb = NULL;
}

/* Error code -> HTTP status and the error code name sent. One row each. */
static const struct {
    err_code code;
    int status;
    const char *name;
} statuses[] = {
    {ERR_INVALID, 400, "invalid_request"}, {ERR_PARSE, 400, "invalid_json"},
    {ERR_TOO_BIG, 413, "too_big"},         {ERR_NOT_FOUND, 404, "unknown_product"},
    {ERR_UNSUPPORTED, 415, "unsupported_media_type"},
};

static void reply_error(err_code code, const char *msg, int *ret_status, char **ret_json)
{
    int status = 500;
    const char *name = "internal";
    for (size_t i = 0; i < ARRAY_LEN(statuses); i++)
        if (statuses[i].code == code) {
            status = statuses[i].status;
            name = statuses[i].name;
        }
    cJSON *o = cJSON_CreateObject();
    cJSON *er = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(er, "code", name);
    cJSON_AddStringToObject(er, "message", msg);
    *ret_status = status;
    *ret_json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
}

/* 1 when the media type is JSON (application/json or +json, parameters allowed). */
static int is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return 1;
    return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* 1 if s has a character other than white space. */
static int has_text(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 1;
    return 0;
}

/* Route (query, product) into a JSON body, or an error naming the problem. */
static void route_one(const struct app *a, const char *query, size_t qlen, const char *product,
                      struct err *e, int *ret_status, char **ret_json)
{
    if (!product || !*product)
        product = "ecs";
    if (!has_text(query, qlen)) {
        err_set(e, ERR_INVALID, "field 'query' is empty");
        goto fail;
    }
    if (qlen > RT_QUERY_MAX) {
        err_set(e, ERR_TOO_BIG, "field 'query' is %zu bytes; the limit is %d bytes", qlen,
                RT_QUERY_MAX);
        goto fail;
    }
    if (!kb_product_find(a->kb, product)) {
        struct buf known;
        buf_init(&known, 1024);
        for (size_t i = 0; i < kb_product_count(a->kb); i++)
            buf_printf(&known, "%s%s", i ? ", " : "", kb_product_at(a->kb, i)->id);
        err_set(e, ERR_NOT_FOUND, "unknown product '%.64s'; known products: %s", product,
                known.data ? known.data : "(none)");
        buf_release(&known);
        goto fail;
    }
    struct rt_result *res = xmalloc(sizeof *res);
    if (rt_route(a->router, product, query, qlen, res, e) != ERR_OK) {
        free(res);
        goto fail;
    }
    cJSON *o = rt_result_json(res);
    *ret_json = cJSON_PrintUnformatted(o);
    *ret_status = 200;
    cJSON_Delete(o);
    free(res);
    return;
fail:
    reply_error(e->code, e->msg, ret_status, ret_json);
}

void route_api_handle(const struct app *a, const char *method, const char *q,
                      const char *product, const char *body, size_t len,
                      const char *content_type, int *ret_status, char **ret_json)
{
    struct err e;
    err_clear(&e);
    cJSON *j = NULL;
    if (strcmp(method, "GET") == 0) {
        if (!q) {
            reply_error(ERR_INVALID, "missing query parameter 'q'", ret_status, ret_json);
            return;
        }
        route_one(a, q, strlen(q), product, &e, ret_status, ret_json);
        return;
    }
    if (!is_json_type(content_type)) {
        reply_error(ERR_UNSUPPORTED, "the body must be JSON (Content-Type: application/json)",
                    ret_status, ret_json);
        return;
    }
    j = cJSON_ParseWithLengthOpts(body ? body : "", len, NULL, 0);
    if (!j) {
        reply_error(ERR_PARSE, "the body is not valid JSON", ret_status, ret_json);
        return;
    }
    const cJSON *jq = cJSON_GetObjectItemCaseSensitive(j, "query");
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(j, "product");
    if (!cJSON_IsObject(j))
        reply_error(ERR_INVALID, "the body must be a JSON object", ret_status, ret_json);
    else if (!jq)
        reply_error(ERR_INVALID, "missing field 'query'", ret_status, ret_json);
    else if (!cJSON_IsString(jq))
        reply_error(ERR_INVALID, "field 'query' must be a string", ret_status, ret_json);
    else if (jp && !cJSON_IsNull(jp) && !cJSON_IsString(jp))
        reply_error(ERR_INVALID, "field 'product' must be a string", ret_status, ret_json);
    else
        route_one(a, jq->valuestring, strlen(jq->valuestring),
                  cJSON_IsString(jp) ? jp->valuestring : NULL, &e, ret_status, ret_json);
    cJSON_Delete(j);
}
