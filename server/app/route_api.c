/* route_api.c - the routing glue: loading knowledge and router into the app, and the
 * transport-free handler of /api/route (GET ?q=&product=, POST {"query","product"}).
 * Layer: server/app. Errors become {"error":{"code","message"}} with the status and name of
 * the error table (srv_err). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "knowledge/kb.h"
#include "router/router.h"
#include "server/app/app.h"

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

/* An error answer: status, name and body shape from the error table (server/mcp/mcp.h). */
static void reply_error(err_code code, const char *msg, int *ret_status, char **ret_json)
{
    *ret_status = (int)srv_err(code)->http_status;
    *ret_json = srv_err_body(code, msg);
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

/* ---- The fields /api/route and the MCP tool `route` share ----------------------------------
 * Both roads take the same two fields and check them here, in the same order and with the
 * same messages, so one bad input gets one error on either road; the error table then gives
 * HTTP its status and MCP its isError result. */

err_code route_product_find(const struct app *a, const char *id,
                            const struct kb_product **ret, struct err *e)
{
    *ret = kb_product_find(a->kb, id);
    if (*ret)
        return ERR_OK;
    struct buf known;
    buf_init(&known, 1024);
    for (size_t i = 0; i < kb_product_count(a->kb); i++)
        buf_printf(&known, "%s%s", i ? ", " : "", kb_product_at(a->kb, i)->id);
    err_set(e, ERR_NOT_FOUND, "unknown product '%.64s'; known products: %s", id,
            known.data ? known.data : "(none)");
    buf_release(&known);
    return ERR_NOT_FOUND;
}

err_code route_fields_from_json(const cJSON *fields, const char **ret_query,
                                const char **ret_product, struct err *e)
{
    const cJSON *jq = cJSON_GetObjectItemCaseSensitive(fields, "query");
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(fields, "product");
    *ret_query = NULL;
    *ret_product = NULL;
    if (!jq)
        return err_set(e, ERR_INVALID, "missing field 'query'");
    if (!cJSON_IsString(jq))
        return err_set(e, ERR_INVALID, "field 'query' must be a string");
    if (jp && !cJSON_IsNull(jp) && !cJSON_IsString(jp))
        return err_set(e, ERR_INVALID, "field 'product' must be a string");
    *ret_query = jq->valuestring;
    *ret_product = cJSON_IsString(jp) ? jp->valuestring : NULL;
    return ERR_OK;
}

err_code route_fields_check(const struct app *a, const char *query, size_t qlen,
                            const char **product, struct err *e)
{
    const struct kb_product *p;
    if (!*product || !**product)
        *product = "ecs";
    if (!has_text(query, qlen))
        return err_set(e, ERR_INVALID, "field 'query' is empty");
    /* Characters, as the route tool's schema (maxLength) and every JSON Schema validator
     * count them. */
    size_t chars = qlen > RT_QUERY_MAX_BYTES ? qlen : utf8_count(query, qlen);
    if (chars > RT_QUERY_MAX)
        return err_set(e, ERR_TOO_BIG, "field 'query' is %zu characters; the limit is %d "
                       "characters", chars, RT_QUERY_MAX);
    return route_product_find(a, *product, &p, e);
}

/* What a POST asks beyond routing: execute the command, with a confirmation token. */
struct act_fields {
    int execute;       /* "execute": true */
    const char *token; /* "confirmation_token", or NULL */
};

static err_code act_fields_from_json(const cJSON *j, struct act_fields *ret, struct err *e)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, "execute");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "confirmation_token");
    memset(ret, 0, sizeof *ret);
    if (x && !cJSON_IsBool(x))
        return err_set(e, ERR_INVALID, "field 'execute' must be true or false");
    if (t && !cJSON_IsString(t))
        return err_set(e, ERR_INVALID, "field 'confirmation_token' must be a string");
    if (t && !cJSON_IsTrue(x))
        return err_set(e, ERR_INVALID, "field 'confirmation_token' needs \"execute\": true");
    ret->execute = cJSON_IsTrue(x);
    ret->token = t ? t->valuestring : NULL;
    return ERR_OK;
}

/* Route (query, product) into a JSON body, or an error naming the problem; with act->execute
 * the body carries the `action` too. */
static void route_one(const struct app *a, const char *query, size_t qlen, const char *product,
                      const struct act_fields *act, struct err *e, int *ret_status,
                      char **ret_json)
{
    if (route_fields_check(a, query, qlen, &product, e) != ERR_OK)
        goto fail;
    struct rt_result *res = xmalloc(sizeof *res);
    if (rt_route(a->router, product, query, qlen, res, e) != ERR_OK) {
        free(res);
        goto fail;
    }
    cJSON *o = rt_result_json(res);
    if (act && act->execute)
        cJSON_AddItemToObject(o, "action", route_act(a, res, act->token, "api"));
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
        route_one(a, q, strlen(q), product, NULL, &e, ret_status, ret_json);
        return;
    }
    /* A body is JSON when it parses as JSON. `curl -d` labels every body as a form, so the
     * Content-Type only decides which error a body that does not parse gets: declared JSON
     * -> 400 (broken JSON), anything else -> 415 (not JSON at all). */
    j = cJSON_ParseWithLengthOpts(body ? body : "", len, NULL, 0);
    if (!j) {
        if (is_json_type(content_type))
            reply_error(ERR_PARSE, "the body is not valid JSON", ret_status, ret_json);
        else
            reply_error(ERR_UNSUPPORTED,
                        "the body must be a JSON object such as {\"query\": \"...\"} "
                        "(Content-Type: application/json)",
                        ret_status, ret_json);
        return;
    }
    const char *query, *prod;
    struct act_fields act;
    if (!cJSON_IsObject(j))
        reply_error(ERR_INVALID, "the body must be a JSON object", ret_status, ret_json);
    else if (route_fields_from_json(j, &query, &prod, &e) != ERR_OK ||
             act_fields_from_json(j, &act, &e) != ERR_OK)
        reply_error(e.code, e.msg, ret_status, ret_json);
    else
        route_one(a, query, strlen(query), prod, &act, &e, ret_status, ret_json);
    cJSON_Delete(j);
}

/* Split "/skills/<product>/<name>" into its parts; 0 when the URL has another shape. */
static int page_parts(const char *url, char *product, size_t pcap, char *name, size_t ncap)
{
    const char *prefix = "/skills/";
    size_t plen = strlen(prefix);
    if (strncmp(url, prefix, plen) != 0)
        return 0;
    const char *p = url + plen, *slash = strchr(p, '/');
    if (!slash || slash == p || (size_t)(slash - p) >= pcap || strchr(slash + 1, '/'))
        return 0;
    snprintf(product, pcap, "%.*s", (int)(slash - p), p);
    if (strlen(slash + 1) >= ncap)
        return 0;
    snprintf(name, ncap, "%s", slash + 1);
    return 1;
}

/* The product's index page: every skill with its paths. */
static char *page_index(const struct kb_product *p)
{
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "# %s\n\n%s\n\n", p->title, p->summary);
    for (size_t i = 0; i < p->nskills; i++) {
        const struct kb_skill *s = &p->skills[i];
        buf_printf(&b, "## [%s](/skills/%s/%s)\n\n%s\n\nPaths:", s->title, p->id, s->id,
                   s->summary);
        for (size_t k = 0; k < s->npaths; k++)
            buf_printf(&b, " `%s`%s", s->paths[k].id, k + 1 < s->npaths ? "," : "\n\n");
    }
    buf_printf(&b, "Limits as JSON: [/skills/%s/limits.json](/skills/%s/limits.json)\n", p->id,
               p->id);
    return buf_steal(&b, NULL);
}

void route_page_handle(const struct app *a, const char *url, int *ret_status,
                       const char **ret_content_type, char **ret_body)
{
    char product[64], name[160];
    const struct kb_product *p = NULL;
    *ret_content_type = "application/json";
    if (!page_parts(url, product, sizeof product, name, sizeof name) ||
        !(p = kb_product_find(a->kb, product))) {
        reply_error(ERR_NOT_FOUND, "no such skill page; try /skills/ecs/", ret_status, ret_body);
        return;
    }
    size_t n = strlen(name);
    int json = n > 5 && strcmp(name + n - 5, ".json") == 0;
    if (json)
        name[n - 5] = '\0';
    *ret_status = 200;
    if (name[0] == '\0' && !json) {
        *ret_content_type = "text/markdown; charset=utf-8";
        *ret_body = page_index(p);
        return;
    }
    if (json && strcmp(name, "limits") == 0) {
        cJSON *o = rt_limits_json(p);
        *ret_body = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        return;
    }
    const struct kb_skill *s = kb_skill_find(p, name);
    if (!s) {
        struct buf msg;
        buf_init(&msg, 2048);
        /* The name comes from the URL, unescaped: echo at most 64 bytes, cut on a character
         * boundary, and only when it is UTF-8, so the JSON answer stays valid UTF-8. */
        size_t echo = utf8_valid(name, strlen(name)) ? strlen(name) : 0;
        if (echo > 64) {
            echo = 64;
            while (echo > 0 && ((unsigned char)name[echo] & 0xC0) == 0x80)
                echo--;
        }
        buf_printf(&msg, "unknown skill '%.*s'; known skills:", (int)echo, name);
        for (size_t i = 0; i < p->nskills; i++)
            buf_printf(&msg, " %s", p->skills[i].id);
        reply_error(ERR_NOT_FOUND, msg.data, ret_status, ret_body);
        buf_release(&msg);
        return;
    }
    if (json) {
        cJSON *o = rt_skill_json(p, s);
        *ret_body = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
    } else {
        *ret_content_type = "text/markdown; charset=utf-8";
        *ret_body = rt_skill_markdown(p, s);
    }
}
