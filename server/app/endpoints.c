/* endpoints.c - skilld's plain HTTP endpoints as rows for the front end: /healthz, /metrics,
 * /api/route, the /skills/ pages and the skill folders (skillpack.c). Layer: server/app. Each handler adapts one request to
 * a transport-free function (route_api_handle, route_page_handle, metrics_render). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "server/app/app.h"

static void ep_healthz(const struct http_request *req, void *ud, struct http_response *resp)
{
    const struct app *a = ud;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "ok");
    cJSON_AddStringToObject(root, "backend", a->backend ? a->backend : "none");
    if (a->backend_status[0])
        cJSON_AddStringToObject(root, "backend_status", a->backend_status);
    cJSON_AddStringToObject(root, "version", a->version ? a->version : "unknown");
    cJSON_AddStringToObject(root, "replica", a->replica);
    resp->status = 200;
    resp->body = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
}

static void ep_metrics(const struct http_request *req, void *ud, struct http_response *resp)
{
    const struct app *a = ud;
    struct buf out;
    buf_init(&out, 0);
    size_t sessions = a->mcp ? mcp_engine_session_count(a->mcp) : 0;
    if (a->metrics && metrics_render(a->metrics, sessions, &out) == ERR_OK) {
        resp->status = 200;
        resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
        resp->body = buf_steal(&out, NULL);
    }
    buf_release(&out); /* on failure the front end answers 500 */
}

static void ep_api_route(const struct http_request *req, void *ud, struct http_response *resp)
{
    int status = 500;
    route_api_handle(ud, req->method, http_request_arg(req, "q"),
                     http_request_arg(req, "product"), req->body, req->body_len,
                     req->content_type, &status, &resp->body);
    resp->status = (unsigned)status;
}

static void ep_skill_page(const struct http_request *req, void *ud, struct http_response *resp)
{
    int status = 500;
    route_page_handle(ud, req->path, &status, &resp->content_type, &resp->body);
    resp->status = (unsigned)status;
}

/* One row per endpoint (ud is filled with the app). To add one: a handler above, a row. */
static const struct http_endpoint rows_template[] = {
    {"/healthz", HTTP_GET, ep_healthz, NULL},
    {"/metrics", HTTP_GET, ep_metrics, NULL},
    {"/api/route", HTTP_GET | HTTP_POST, ep_api_route, NULL},
    {"/skills/", HTTP_GET, ep_skill_page, NULL},
};

size_t app_endpoints(struct app *a, struct http_endpoint *rows, size_t cap)
{
    /* The skill folders first: rows match in order and "/skills/" would take them. */
    size_t k = cap > ARRAY_LEN(rows_template) ? skillpack_endpoints(a, rows, cap -
                                                                    ARRAY_LEN(rows_template))
                                              : 0;
    size_t n = ARRAY_LEN(rows_template);
    for (size_t i = 0; i < n && k + i < cap; i++) {
        rows[k + i] = rows_template[i];
        rows[k + i].ud = a;
    }
    return k + n < cap ? k + n : cap;
}
