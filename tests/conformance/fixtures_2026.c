/* fixtures_2026.c - the conformance suite's fixtures for the 2026-07-28 scenarios (0.2.0):
 * multi round-trip tools and a prompt (input-required-result-*), the stateless scenario's
 * diagnostic tools, and a tool whose argument travels in an Mcp-Param header. Every question
 * goes through mcp_call_input, so the same tools also run on legacy sessions (there the
 * engine asks with a server->client request). Layer: tests (conformance). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/conformance/fixtures.h"

#define TOOL_FN(name)                                                                          \
    static err_code name(mcp_call *c, const cJSON *args, void *ud, struct mcp_tool_result *out,  \
                         struct err *e)

/* params of a form-mode elicitation asking for one string (or boolean) field. */
static cJSON *form(const char *message, const char *field, const char *type)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "mode", "form");
    cJSON_AddStringToObject(p, "message", message);
    cJSON *s = cJSON_AddObjectToObject(p, "requestedSchema");
    cJSON_AddStringToObject(s, "type", "object");
    cJSON *f = cJSON_AddObjectToObject(cJSON_AddObjectToObject(s, "properties"), field);
    cJSON_AddStringToObject(f, "type", type);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(s, "required"), cJSON_CreateString(field));
    return p;
}

/* params of a sampling request for one user prompt. */
static cJSON *sample(const char *prompt, int max_tokens)
{
    cJSON *p = cJSON_CreateObject();
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON *content = cJSON_AddObjectToObject(m, "content");
    cJSON_AddStringToObject(content, "type", "text");
    cJSON_AddStringToObject(content, "text", prompt);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "messages"), m);
    cJSON_AddNumberToObject(p, "maxTokens", max_tokens);
    return p;
}

/* The accepted value of a form field, as text ("(none)" when declined or absent). */
static char *field_text(const cJSON *answer, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(answer, "content"), field);
    if (cJSON_IsString(v))
        return xstrdup(v->valuestring);
    char *json = v ? cJSON_PrintUnformatted(v) : NULL;
    char *text = xstrdup(json ? json : "(none)");
    cJSON_free(json);
    return text;
}

TOOL_FN(t_mrtr_elicitation)
{
    cJSON *a = mcp_call_input(c, "user_name", "elicitation/create",
                              form("What is your name?", "name", "string"), 0, e);
    if (!a)
        return e->code;
    char *name = field_text(a, "name");
    out->text = xasprintf("Hello, %s!", name);
    free(name);
    cJSON_Delete(a);
    return ERR_OK;
}

/* The text of a sampling answer ({"role","content":{"type":"text","text"}}). */
static const char *sampled(const cJSON *r)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r, "content"), "text");
    return cJSON_IsString(t) ? t->valuestring : "(no text)";
}

TOOL_FN(t_mrtr_sampling)
{
    cJSON *a = mcp_call_input(c, "capital_question", "sampling/createMessage",
                              sample("What is the capital of France?", 100), 0, e);
    if (!a)
        return e->code;
    out->text = xasprintf("The model said: %s", sampled(a));
    cJSON_Delete(a);
    return ERR_OK;
}

TOOL_FN(t_mrtr_roots)
{
    cJSON *a = mcp_call_input(c, "client_roots", "roots/list", cJSON_CreateObject(), 0, e);
    if (!a)
        return e->code;
    out->text = xasprintf("The client has %d root(s).",
                          cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(a, "roots")));
    cJSON_Delete(a);
    return ERR_OK;
}

/* A bound question (the answer counts only with the requestState that asked it) and state
 * of our own carried between the rounds. */
TOOL_FN(t_mrtr_state)
{
    const char *mine = mcp_call_state(c);
    cJSON *a = mcp_call_input(c, "confirm", "elicitation/create",
                              form("Please confirm", "ok", "boolean"), MCP_INPUT_BOUND, e);
    if (!a) {
        mcp_call_set_state(c, "fixture-round-1");
        return e->code;
    }
    int ok = mine && strcmp(mine, "fixture-round-1") == 0;
    out->text = xasprintf("%s: the requestState came back %s.", ok ? "state-ok" : "state-bad",
                          ok ? "verified" : "without our state");
    out->is_error = !ok;
    cJSON_Delete(a);
    return ERR_OK;
}

TOOL_FN(t_mrtr_tampered)
{
    cJSON *a = mcp_call_input(c, "confirm", "elicitation/create",
                              form("Confirm to continue", "ok", "boolean"), MCP_INPUT_BOUND, e);
    if (!a)
        return e->code;
    out->text = xstrdup("integrity-ok: the requestState verified");
    cJSON_Delete(a);
    return ERR_OK;
}

/* Three kinds of question in one round. */
TOOL_FN(t_mrtr_multiple)
{
    cJSON *name = mcp_call_input(c, "user_name", "elicitation/create",
                                 form("What is your name?", "name", "string"), 0, e);
    cJSON *greet = mcp_call_input(c, "greeting", "sampling/createMessage",
                                  sample("Generate a greeting", 50), 0, e);
    cJSON *roots = mcp_call_input(c, "client_roots", "roots/list", cJSON_CreateObject(), 0, e);
    err_code rc = ERR_OK;
    if (name && greet && roots) {
        char *n = field_text(name, "name");
        out->text = xasprintf("%s, %s; %d root(s).", sampled(greet), n,
                              cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(roots, "roots")));
        free(n);
    } else {
        rc = e->code;
    }
    cJSON_Delete(name);
    cJSON_Delete(greet);
    cJSON_Delete(roots);
    return rc;
}

/* One question per round: the second is asked only once the first is answered. */
TOOL_FN(t_mrtr_multi_round)
{
    cJSON *name = mcp_call_input(c, "step1", "elicitation/create",
                                 form("What is your name?", "name", "string"), 0, e);
    if (!name)
        return e->code;
    cJSON *color = mcp_call_input(c, "step2", "elicitation/create",
                                  form("What is your favourite colour?", "color", "string"), 0, e);
    if (!color) {
        cJSON_Delete(name);
        return e->code;
    }
    char *n = field_text(name, "name"), *k = field_text(color, "color");
    out->text = xasprintf("%s likes %s.", n, k);
    free(n);
    free(k);
    cJSON_Delete(name);
    cJSON_Delete(color);
    return ERR_OK;
}

/* Asks only what the client can answer: elicitation if declared, else sampling. */
TOOL_FN(t_mrtr_capabilities)
{
    int form_ok = mcp_call_client_supports(c, "elicitation");
    cJSON *a = form_ok ? mcp_call_input(c, "user_name", "elicitation/create",
                                        form("What is your name?", "name", "string"), 0, e)
                       : mcp_call_input(c, "user_name_sample", "sampling/createMessage",
                                        sample("Suggest a user name", 20), 0, e);
    if (!a)
        return e->code;
    char *t = form_ok ? field_text(a, "name") : xstrdup(sampled(a));
    out->text = xasprintf("Got %s", t);
    free(t);
    cJSON_Delete(a);
    return ERR_OK;
}

/* Fails with -32021 on a modern request whose client did not declare sampling. */
TOOL_FN(t_missing_capability)
{
    cJSON *a = mcp_call_input(c, "sample", "sampling/createMessage", sample("Say hello", 20), 0, e);
    if (!a)
        return e->code;
    out->text = xasprintf("Success: %s", sampled(a));
    cJSON_Delete(a);
    return ERR_OK;
}

/* Logs (when the request asked for a level) and then asks for a confirmation: on a modern
 * request the question comes back in the result, never as a request on the stream. */
TOOL_FN(t_streaming_elicitation)
{
    mcp_call_log(c, MCP_LOG_INFO, "fixture", "asking the client to confirm");
    mcp_call_progress(c, 50, 100, "asking");
    cJSON *a = mcp_call_input(c, "proceed", "elicitation/create",
                              form("Proceed?", "ok", "boolean"), 0, e);
    if (!a)
        return e->code;
    out->text = xstrdup("Streaming complete");
    cJSON_Delete(a);
    return ERR_OK;
}

/* Logs three messages at info: sent only to requests that asked for a level. */
TOOL_FN(t_logging_tool)
{
    for (int i = 1; i <= 3; i++)
        mcp_call_log(c, MCP_LOG_INFO, "fixture", "diagnostic message %d of 3", i);
    out->text = xstrdup("Logging evaluated");
    return ERR_OK;
}

/* Echoes the arguments mirrored into Mcp-Param headers (their check is the engine's). */
TOOL_FN(t_custom_headers)
{
    char *json = cJSON_PrintUnformatted(args);
    out->text = xasprintf("Headers matched the arguments: %s", json ? json : "{}");
    cJSON_free(json);
    return ERR_OK;
}

#define NO_ARGS "{\"type\":\"object\",\"properties\":{}}"

static const struct mcp_tool tools[] = {
    {"test_input_required_result_elicitation", NULL, "Asks the user's name (multi round-trip)",
     NO_ARGS, NULL, MCP_HINT_READ_ONLY, 0, t_mrtr_elicitation, NULL},
    {"test_input_required_result_sampling", NULL, "Asks the client's model a question",
     NO_ARGS, NULL, MCP_HINT_READ_ONLY, 0, t_mrtr_sampling, NULL},
    {"test_input_required_result_list_roots", NULL, "Asks the client for its roots", NO_ARGS,
     NULL, MCP_HINT_READ_ONLY, 0, t_mrtr_roots, NULL},
    {"test_input_required_result_request_state", NULL,
     "Asks a bound confirmation and keeps its own state in the requestState", NO_ARGS, NULL,
     MCP_HINT_READ_ONLY, 0, t_mrtr_state, NULL},
    {"test_input_required_result_multiple_inputs", NULL,
     "Asks an elicitation, a sampling and a roots question in one round", NO_ARGS, NULL,
     MCP_HINT_READ_ONLY, 0, t_mrtr_multiple, NULL},
    {"test_input_required_result_multi_round", NULL, "Asks two questions in two rounds", NO_ARGS,
     NULL, MCP_HINT_READ_ONLY, 0, t_mrtr_multi_round, NULL},
    {"test_input_required_result_tampered_state", NULL,
     "Asks a bound confirmation; a tampered requestState is refused", NO_ARGS, NULL,
     MCP_HINT_READ_ONLY, 0, t_mrtr_tampered, NULL},
    {"test_input_required_result_capabilities", NULL,
     "Asks only what the client's capabilities allow", NO_ARGS, NULL, MCP_HINT_READ_ONLY, 0,
     t_mrtr_capabilities, NULL},
    {"test_missing_capability", NULL, "Needs the client's sampling capability", NO_ARGS, NULL,
     MCP_HINT_READ_ONLY, 0, t_missing_capability, NULL},
    {"test_streaming_elicitation", NULL, "Logs, then asks for a confirmation", NO_ARGS, NULL,
     MCP_HINT_READ_ONLY, 0, t_streaming_elicitation, NULL},
    {"test_logging_tool", NULL, "Logs three messages at info", NO_ARGS, NULL, MCP_HINT_READ_ONLY,
     0, t_logging_tool, NULL},
    {"test_custom_headers", NULL, "Takes arguments that travel in Mcp-Param headers too",
     "{\"type\":\"object\",\"properties\":{"
     "\"region\":{\"type\":\"string\",\"description\":\"Region\",\"x-mcp-header\":\"Region\"},"
     "\"priority\":{\"type\":\"integer\",\"description\":\"Priority\","
     "\"x-mcp-header\":\"Priority\"},"
     "\"verbose\":{\"type\":\"boolean\",\"description\":\"Verbose\",\"x-mcp-header\":\"Verbose\"},"
     "\"query\":{\"type\":\"string\",\"description\":\"Not mirrored\"}},"
     "\"required\":[\"region\",\"query\"]}",
     NULL, MCP_HINT_READ_ONLY, 0, t_custom_headers, NULL},
};

/* The prompt that needs a question answered before it can be built. */
static cJSON *p_mrtr(mcp_call *c, const char *name, const cJSON *args, void *ud, struct err *e)
{
    cJSON *a = mcp_call_input(c, "user_context", "elicitation/create",
                              form("What context should the prompt use?", "context", "string"), 0,
                              e);
    if (!a)
        return NULL;
    char *ctx = field_text(a, "context");
    cJSON_Delete(a);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "description", "A prompt built from the user's context");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON *content = cJSON_AddObjectToObject(m, "content");
    cJSON_AddStringToObject(content, "type", "text");
    char *text = xasprintf("Prompt with context: %s", ctx);
    cJSON_AddStringToObject(content, "text", text);
    free(text);
    free(ctx);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "messages"), m);
    return r;
}

static const struct mcp_prompt prompts[] = {
    {"test_input_required_result_prompt", "Prompt needing input",
     "A prompt that asks the user for context first", NULL, 0, p_mrtr, NULL},
};

void conformance_fixtures_2026_register(mcp_engine *engine, void (*must)(err_code, const struct err *))
{
    struct err e = {0};
    for (size_t i = 0; i < ARRAY_LEN(tools); i++)
        must(mcp_engine_add_tool(engine, &tools[i], &e), &e);
    for (size_t i = 0; i < ARRAY_LEN(prompts); i++)
        must(mcp_engine_add_prompt(engine, &prompts[i], &e), &e);
}
