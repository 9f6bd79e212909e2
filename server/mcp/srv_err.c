/* srv_err.c - the error table of server/: one row per err_code saying how every server room
 * answers it (HTTP status, JSON error name, JSON-RPC code, tool result). Layer: server/mcp,
 * the lowest room, so the engine, the HTTP front end and the app all read the same rows. */
#include "server/mcp/mcp.h"

#include <stdlib.h>

/* One row per err_code, in enum order (a unit test checks each row's code is its index).
 * To add a code: add it to base/base.h above ERR_INTERNAL, then a row here. Names are part
 * of the JSON API: they never change once shipped.
 *
 * Choices worth a reason:
 * - ERR_LIMIT is a documented limit the request would pass (a quota, a count, a size the
 *   API documents): the request is well-formed but not acceptable, 422. A rate limit is a
 *   different thing (retry later and it may pass): ERR_RATE_LIMITED, 429.
 * - ERR_UNSUPPORTED is answered as 415: at the HTTP edge, what skilld does not support is a
 *   body's media type (a non-JSON /api/route body, a /mcp Content-Type).
 * - ERR_CANCELLED gets no answer where one can be withheld (JSON-RPC, tool calls); where a
 *   status must be written, 499 (nginx's "client closed request").
 * - JSON-RPC codes are those of the engine's protocol errors: -32602 for bad params, -32700
 *   and -32600 for bad messages, -32002 for an unknown resource, -32603 for our own failures,
 *   -32000 (server error) for a valid request the server will not serve now. */
static const struct srv_err_row rows[] = {
    {ERR_OK, 200, "ok", 0, 0},
    {ERR_INVALID, 400, "invalid_request", MCP_INVALID_PARAMS, 1},
    {ERR_PARSE, 400, "invalid_json", MCP_PARSE_ERROR, 1},
    {ERR_TOO_BIG, 413, "too_big", MCP_INVALID_REQUEST, 1},
    {ERR_NOT_FOUND, 404, "not_found", MCP_RESOURCE_NOT_FOUND, 1},
    {ERR_EXISTS, 409, "exists", MCP_INVALID_REQUEST, 1},
    {ERR_WRONG_STATE, 409, "wrong_state", MCP_SERVER_ERROR, 1},
    {ERR_DENIED, 403, "denied", MCP_SERVER_ERROR, 1},
    {ERR_LIMIT, 422, "limit_exceeded", MCP_INVALID_PARAMS, 1},
    {ERR_RATE_LIMITED, 429, "rate_limited", MCP_SERVER_ERROR, 1},
    {ERR_UNSUPPORTED, 415, "unsupported_media_type", MCP_SERVER_ERROR, 1},
    {ERR_TIMEOUT, 504, "timeout", MCP_SERVER_ERROR, 1},
    {ERR_UNAVAILABLE, 503, "unavailable", MCP_SERVER_ERROR, 1},
    {ERR_CANCELLED, 499, "cancelled", 0, 0},
    {ERR_IO, 500, "io", MCP_INTERNAL_ERROR, 1},
    {ERR_REMOTE, 502, "remote", MCP_SERVER_ERROR, 1},
    {ERR_INTERNAL, 500, "internal", MCP_INTERNAL_ERROR, 1},
};

_Static_assert(ARRAY_LEN(rows) == (size_t)ERR_INTERNAL + 1,
               "srv_err: one row per err_code of base/base.h");

const struct srv_err_row *srv_err(err_code code)
{
    if ((size_t)code < ARRAY_LEN(rows))
        return &rows[code];
    return &rows[ERR_INTERNAL];
}

cJSON *srv_err_json(err_code code, const char *msg)
{
    const struct srv_err_row *row = srv_err(code);
    cJSON *o = cJSON_CreateObject();
    cJSON *er = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(er, "code", row->name);
    cJSON_AddStringToObject(er, "message", msg && *msg ? msg : row->name);
    return o;
}

char *srv_err_body(err_code code, const char *msg)
{
    cJSON *o = srv_err_json(code, msg);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}
