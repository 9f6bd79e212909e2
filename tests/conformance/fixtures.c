/* fixtures.c - the conformance suite's fixtures (notes/mcp.md §5.2 and §5.3), registered
 * through server/mcp/mcp.h only. Layer: tests (conformance). The image and sound are built
 * here (a 1x1 PNG and a one-sample WAV), so no binary test data is stored. */
#include "tests/conformance/fixtures.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Generated media ------------------------------------------------------------------*/

static char *base64(const unsigned char *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        *o++ = abc[(v >> 18) & 63];
        *o++ = abc[(v >> 12) & 63];
        *o++ = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? abc[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

static size_t put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t put_le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return (size_t)bytes;
}

/* A PNG chunk: length, type, data, CRC over type and data. */
static size_t png_chunk(unsigned char *p, const char *type, const unsigned char *data, size_t n)
{
    size_t k = put_be32(p, (uint32_t)n);
    memcpy(p + k, type, 4);
    if (n)
        memcpy(p + k + 4, data, n);
    k += 4 + n;
    return k + put_be32(p + k, crc32_of(p + 4, 4 + n));
}

/* Base64 of a 1x1 truecolour PNG (one teal pixel). The image data is a zlib stream with
 * one stored (uncompressed) block, so no compressor is needed. Caller frees. */
static char *png_base64(void)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0};
    static const unsigned char row[4] = {0 /* filter: none */, 0x00, 0x80, 0x80};
    unsigned char idat[2 + 5 + sizeof row + 4];
    size_t k = 0;
    idat[k++] = 0x78; /* zlib header: deflate, 32 KiB window */
    idat[k++] = 0x01;
    idat[k++] = 0x01; /* final block, stored */
    k += put_le(idat + k, sizeof row, 2);
    k += put_le(idat + k, (uint16_t)~sizeof row, 2);
    memcpy(idat + k, row, sizeof row);
    k += sizeof row;
    uint32_t a = 1, b = 0; /* Adler-32 of the raw data */
    for (size_t i = 0; i < sizeof row; i++) {
        a = (a + row[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    k += put_be32(idat + k, (b << 16) | a);

    unsigned char png[128];
    size_t n = 0;
    memcpy(png, sig, sizeof sig);
    n += sizeof sig;
    n += png_chunk(png + n, "IHDR", ihdr, sizeof ihdr);
    n += png_chunk(png + n, "IDAT", idat, k);
    n += png_chunk(png + n, "IEND", NULL, 0);
    return base64(png, n);
}

/* Base64 of a WAV file: 8 kHz mono 16-bit PCM holding one silent sample. Caller frees. */
static char *wav_base64(void)
{
    unsigned char w[46];
    size_t n = 0;
    memcpy(w + n, "RIFF", 4);
    n += 4;
    n += put_le(w + n, 36 + 2, 4);
    memcpy(w + n, "WAVEfmt ", 8);
    n += 8;
    n += put_le(w + n, 16, 4);       /* fmt chunk size */
    n += put_le(w + n, 1, 2);        /* PCM */
    n += put_le(w + n, 1, 2);        /* channels */
    n += put_le(w + n, 8000, 4);     /* sample rate */
    n += put_le(w + n, 8000 * 2, 4); /* byte rate */
    n += put_le(w + n, 2, 2);        /* block align */
    n += put_le(w + n, 16, 2);       /* bits per sample */
    memcpy(w + n, "data", 4);
    n += 4;
    n += put_le(w + n, 2, 4);
    n += put_le(w + n, 0, 2); /* the sample */
    return base64(w, n);
}

/* ---- Content blocks -----------------------------------------------------------------------*/

static cJSON *text_block(const char *text)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", "text");
    cJSON_AddStringToObject(b, "text", text);
    return b;
}

static cJSON *media_block(const char *type, char *(*make)(void), const char *mime)
{
    char *data = make();
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", type);
    cJSON_AddStringToObject(b, "data", data);
    cJSON_AddStringToObject(b, "mimeType", mime);
    free(data);
    return b;
}

static cJSON *resource_block(const char *uri, const char *mime, const char *text)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", "resource");
    cJSON *r = cJSON_AddObjectToObject(b, "resource");
    cJSON_AddStringToObject(r, "uri", uri);
    cJSON_AddStringToObject(r, "mimeType", mime);
    cJSON_AddStringToObject(r, "text", text);
    return b;
}

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- Tools -----------------------------------------------------------------------------------*/

#define TOOL_FN(name)                                                                          \
    static err_code name(mcp_call *c, const cJSON *args, void *ud, struct mcp_tool_result *out,  \
                         struct err *e)

TOOL_FN(t_simple_text)
{
    out->text = xstrdup("This is a simple text response for testing.");
    return ERR_OK;
}

TOOL_FN(t_image)
{
    out->content = cJSON_CreateArray();
    cJSON_AddItemToArray(out->content, media_block("image", png_base64, "image/png"));
    return ERR_OK;
}

TOOL_FN(t_audio)
{
    out->content = cJSON_CreateArray();
    cJSON_AddItemToArray(out->content, media_block("audio", wav_base64, "audio/wav"));
    return ERR_OK;
}

TOOL_FN(t_embedded)
{
    out->content = cJSON_CreateArray();
    cJSON_AddItemToArray(out->content,
                         resource_block("test://embedded-resource", "text/plain",
                                        "Text carried inside an embedded resource block."));
    return ERR_OK;
}

TOOL_FN(t_mixed)
{
    out->content = cJSON_CreateArray();
    cJSON_AddItemToArray(out->content, text_block("Three kinds of content follow."));
    cJSON_AddItemToArray(out->content, media_block("image", png_base64, "image/png"));
    cJSON_AddItemToArray(out->content, resource_block("test://mixed-content-resource",
                                                      "application/json",
                                                      "{\"kind\":\"mixed\",\"count\":3}"));
    return ERR_OK;
}

TOOL_FN(t_logging)
{
    static const char *const steps[] = {"logging tool: begin", "logging tool: working",
                                        "logging tool: end"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (i)
            pause_ms(50);
        mcp_call_log(c, MCP_LOG_INFO, "conformance-fixtures", "%s", steps[i]);
    }
    out->text = xstrdup("The logging tool sent three messages.");
    return ERR_OK;
}

TOOL_FN(t_progress)
{
    for (int step = 0; step <= 2; step++) {
        if (step)
            pause_ms(50);
        char msg[64];
        snprintf(msg, sizeof msg, "step %d of 2", step);
        mcp_call_progress(c, step * 50.0, 100.0, msg);
    }
    out->text = xstrdup("The progress tool reported 0, 50 and 100 of 100.");
    return ERR_OK;
}

TOOL_FN(t_error)
{
    return err_set(e, ERR_INTERNAL, "This tool fails on purpose so the error path can be tested.");
}

TOOL_FN(t_reconnection)
{
    /* Ask the transport to end the SSE stream at once; the answer below is then delivered
     * when the client comes back with GET + Last-Event-ID. */
    mcp_call_close_stream(c, 500);
    out->text = xstrdup("Reconnection worked: this result arrived on the resumed stream.");
    return ERR_OK;
}

/* The text field of a sampling result ({"role","content":{"type":"text","text"}}). */
static const char *sampled_text(const cJSON *r)
{
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(r, "content");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(content, "text");
    return cJSON_IsString(text) ? text->valuestring : "(no text)";
}

TOOL_FN(t_sampling)
{
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(args, "prompt");
    cJSON *p = cJSON_CreateObject();
    cJSON *msgs = cJSON_AddArrayToObject(p, "messages");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON_AddItemToObject(m, "content", text_block(prompt->valuestring));
    cJSON_AddItemToArray(msgs, m);
    cJSON_AddNumberToObject(p, "maxTokens", 100);
    cJSON *r = mcp_call_request(c, "sampling/createMessage", p, e);
    if (!r)
        return e->code;
    out->text = xasprintf("Model answered: %s", sampled_text(r));
    cJSON_Delete(r);
    return ERR_OK;
}

/* Send an elicitation/create with this message and schema (text, parsed here) and describe
 * the answer. Form mode is named only for 2025-11-25 sessions. */
static err_code elicit(mcp_call *c, const char *message, const char *schema,
                       struct mcp_tool_result *out, struct err *e)
{
    cJSON *p = cJSON_CreateObject();
    if (strcmp(mcp_call_protocol_version(c), "2025-11-25") >= 0)
        cJSON_AddStringToObject(p, "mode", "form");
    cJSON_AddStringToObject(p, "message", message);
    cJSON_AddItemToObject(p, "requestedSchema", cJSON_Parse(schema));
    cJSON *r = mcp_call_request(c, "elicitation/create", p, e);
    if (!r)
        return e->code;
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(r, "action");
    char *content = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r, "content"));
    out->text = xasprintf("Elicitation answered: action=%s content=%s",
                          cJSON_IsString(action) ? action->valuestring : "?",
                          content ? content : "{}");
    cJSON_free(content);
    cJSON_Delete(r);
    return ERR_OK;
}

TOOL_FN(t_elicitation)
{
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(args, "message");
    return elicit(c, message->valuestring,
                  "{\"type\":\"object\",\"properties\":{"
                  "\"username\":{\"type\":\"string\",\"description\":\"Your user name\"},"
                  "\"email\":{\"type\":\"string\",\"format\":\"email\","
                  "\"description\":\"Your e-mail address\"}},"
                  "\"required\":[\"username\",\"email\"]}",
                  out, e);
}

TOOL_FN(t_sep1034)
{
    return elicit(c, "Check these fields; each has a default.",
                  "{\"type\":\"object\",\"properties\":{"
                  "\"name\":{\"type\":\"string\",\"description\":\"Name\",\"default\":\"John Doe\"},"
                  "\"age\":{\"type\":\"integer\",\"description\":\"Age\",\"default\":30},"
                  "\"score\":{\"type\":\"number\",\"description\":\"Score\",\"default\":95.5},"
                  "\"status\":{\"type\":\"string\",\"description\":\"Status\","
                  "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
                  "\"verified\":{\"type\":\"boolean\",\"description\":\"Verified\","
                  "\"default\":true}},\"required\":[]}",
                  out, e);
}

TOOL_FN(t_sep1330)
{
    return elicit(c, "Pick from each list.",
                  "{\"type\":\"object\",\"properties\":{"
                  "\"untitledSingle\":{\"type\":\"string\",\"description\":\"One value\","
                  "\"enum\":[\"option1\",\"option2\",\"option3\"]},"
                  "\"titledSingle\":{\"type\":\"string\",\"description\":\"One titled value\","
                  "\"oneOf\":[{\"const\":\"value1\",\"title\":\"Value one\"},"
                  "{\"const\":\"value2\",\"title\":\"Value two\"},"
                  "{\"const\":\"value3\",\"title\":\"Value three\"}]},"
                  "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Older titled form\","
                  "\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
                  "\"enumNames\":[\"First\",\"Second\",\"Third\"]},"
                  "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Several values\","
                  "\"minItems\":1,\"maxItems\":3,\"items\":{\"type\":\"string\","
                  "\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
                  "\"titledMulti\":{\"type\":\"array\",\"description\":\"Several titled values\","
                  "\"minItems\":1,\"maxItems\":3,\"items\":{\"anyOf\":["
                  "{\"const\":\"value1\",\"title\":\"Value one\"},"
                  "{\"const\":\"value2\",\"title\":\"Value two\"},"
                  "{\"const\":\"value3\",\"title\":\"Value three\"}]}}},\"required\":[]}",
                  out, e);
}

TOOL_FN(t_schema_2020_12)
{
    char *json = cJSON_PrintUnformatted(args);
    out->text = xasprintf("Arguments received: %s", json ? json : "{}");
    cJSON_free(json);
    return ERR_OK;
}

#define NO_ARGS "{\"type\":\"object\",\"properties\":{}}"

/* The suite's tools. To add one: a TOOL_FN above and a row here. */
static const struct mcp_tool tools[] = {
    {"test_simple_text", NULL, "Answers with one text block", NULL, NULL, MCP_HINT_READ_ONLY, 0,
     t_simple_text, NULL},
    {"test_image_content", NULL, "Answers with a PNG image block", NULL, NULL, MCP_HINT_READ_ONLY, 0,
     t_image, NULL},
    {"test_audio_content", NULL, "Answers with a WAV audio block", NULL, NULL, MCP_HINT_READ_ONLY, 0,
     t_audio, NULL},
    {"test_embedded_resource", NULL, "Answers with an embedded text resource", NULL, NULL,
     MCP_HINT_READ_ONLY, 0, t_embedded, NULL},
    {"test_multiple_content_types", NULL, "Answers with text, an image and a resource", NULL,
     NULL, MCP_HINT_READ_ONLY, 0, t_mixed, NULL},
    {"test_tool_with_logging", NULL, "Sends three log messages while it runs", NO_ARGS, NULL,
     MCP_HINT_READ_ONLY, 0, t_logging, NULL},
    {"test_tool_with_progress", NULL, "Reports progress 0, 50 and 100 of 100", NO_ARGS, NULL,
     MCP_HINT_READ_ONLY, 0, t_progress, NULL},
    {"test_error_handling", NULL, "Always fails with a tool error", NULL, NULL,
     MCP_HINT_READ_ONLY, 0, t_error, NULL},
    {"test_reconnection", NULL,
     "Closes its SSE stream at once and answers after the client reconnects", NO_ARGS, NULL,
     MCP_HINT_READ_ONLY, 0, t_reconnection, NULL},
    {"test_sampling", NULL, "Asks the client's model to answer a prompt",
     "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\","
     "\"description\":\"Prompt for the model\"}},\"required\":[\"prompt\"]}",
     NULL, MCP_HINT_READ_ONLY, 0, t_sampling, NULL},
    {"test_elicitation", NULL, "Asks the user for a user name and an e-mail address",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\","
     "\"description\":\"Text shown to the user\"}},\"required\":[\"message\"]}",
     NULL, MCP_HINT_READ_ONLY, 0, t_elicitation, NULL},
    {"test_elicitation_sep1034_defaults", NULL, "Elicits fields of every primitive type with defaults",
     NO_ARGS, NULL, MCP_HINT_READ_ONLY, 0, t_sep1034, NULL},
    {"test_elicitation_sep1330_enums", NULL, "Elicits each single and multi-select enum form",
     NO_ARGS, NULL, MCP_HINT_READ_ONLY, 0, t_sep1330, NULL},
    {"json_schema_2020_12_tool", NULL, "Has an input schema using JSON Schema 2020-12 features",
     "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
     "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":{"
     "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
     "\"properties\":{\"name\":{\"type\":\"string\"},"
     "\"address\":{\"$ref\":\"#/$defs/address\"},"
     "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},"
     "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
     "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
     "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},"
     "\"required\":[\"contactMethod\"]},"
     "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
     "\"additionalProperties\":false}",
     NULL, MCP_HINT_READ_ONLY, 0, t_schema_2020_12, NULL},
};

/* ---- Resources ------------------------------------------------------------------------------*/

static cJSON *one_content(const char *uri, const char *mime, const char *key, const char *value)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "uri", uri);
    cJSON_AddStringToObject(item, "mimeType", mime);
    cJSON_AddStringToObject(item, key, value);
    cJSON_AddItemToArray(arr, item);
    return arr;
}

static cJSON *r_static_text(mcp_call *c, const char *uri, void *ud, struct err *e)
{
    return one_content(uri, "text/plain", "text", "This is the content of the static text resource.");
}

static cJSON *r_static_binary(mcp_call *c, const char *uri, void *ud, struct err *e)
{
    char *png = png_base64();
    cJSON *r = one_content(uri, "image/png", "blob", png);
    free(png);
    return r;
}

static cJSON *r_watched(mcp_call *c, const char *uri, void *ud, struct err *e)
{
    return one_content(uri, "text/plain", "text", "A resource clients may subscribe to.");
}

#define TEMPLATE_PREFIX "test://template/"
#define TEMPLATE_SUFFIX "/data"

/* test://template/{id}/data: JSON text naming the id. Other URIs are not ours. */
static cJSON *r_template(mcp_call *c, const char *uri, void *ud, struct err *e)
{
    size_t plen = strlen(TEMPLATE_PREFIX), slen = strlen(TEMPLATE_SUFFIX), n = strlen(uri);
    if (n <= plen + slen || strncmp(uri, TEMPLATE_PREFIX, plen) != 0 ||
        strcmp(uri + n - slen, TEMPLATE_SUFFIX) != 0) {
        err_set(e, ERR_NOT_FOUND, "no such resource");
        return NULL;
    }
    char *id = xstrndup(uri + plen, n - plen - slen);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "id", id);
    cJSON_AddStringToObject(doc, "source", "resource template");
    char *text = cJSON_PrintUnformatted(doc);
    cJSON *r = one_content(uri, "application/json", "text", text);
    cJSON_free(text);
    cJSON_Delete(doc);
    free(id);
    return r;
}

static const struct mcp_resource resources[] = {
    {"test://static-text", "static-text", "Static text", "A fixed text resource", "text/plain",
     r_static_text, NULL},
    {"test://static-binary", "static-binary", "Static binary", "A fixed PNG image", "image/png",
     r_static_binary, NULL},
    {"test://watched-resource", "watched-resource", "Watched resource",
     "A resource for subscribe and unsubscribe", "text/plain", r_watched, NULL},
};

static const struct mcp_resource_template templates[] = {
    {"test://template/{id}/data", "template", "Template", "JSON data for any id",
     "application/json", r_template, NULL},
};

/* ---- Prompts --------------------------------------------------------------------------------*/

static cJSON *messages_result(cJSON *contents[], size_t n)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *msgs = cJSON_AddArrayToObject(r, "messages");
    for (size_t i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "role", "user");
        cJSON_AddItemToObject(m, "content", contents[i]);
        cJSON_AddItemToArray(msgs, m);
    }
    return r;
}

static const char *arg_text(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static cJSON *p_simple(mcp_call *c, const char *name, const cJSON *args, void *ud, struct err *e)
{
    cJSON *m[] = {text_block("A prompt with no arguments, used for testing.")};
    return messages_result(m, 1);
}

static cJSON *p_args(mcp_call *c, const char *name, const cJSON *args, void *ud, struct err *e)
{
    char *text = xasprintf("First argument: %s; second argument: %s", arg_text(args, "arg1"),
                           arg_text(args, "arg2"));
    cJSON *m[] = {text_block(text)};
    free(text);
    return messages_result(m, 1);
}

static cJSON *p_resource(mcp_call *c, const char *name, const cJSON *args, void *ud, struct err *e)
{
    cJSON *m[] = {resource_block(arg_text(args, "resourceUri"), "text/plain",
                                 "Text of the embedded resource."),
                  text_block("Summarise the resource above.")};
    return messages_result(m, 2);
}

static cJSON *p_image(mcp_call *c, const char *name, const cJSON *args, void *ud, struct err *e)
{
    cJSON *m[] = {media_block("image", png_base64, "image/png"),
                  text_block("Describe the image above.")};
    return messages_result(m, 2);
}

static const struct mcp_prompt_arg args_two[] = {
    {"arg1", "First", "First test argument", 1},
    {"arg2", "Second", "Second test argument", 1},
};
static const struct mcp_prompt_arg args_uri[] = {
    {"resourceUri", "Resource URI", "URI of the resource to embed", 1},
};

static const struct mcp_prompt prompts[] = {
    {"test_simple_prompt", "Simple prompt", "A prompt without arguments", NULL, 0, p_simple, NULL},
    {"test_prompt_with_arguments", "Prompt with arguments", "A prompt that echoes two arguments",
     args_two, 2, p_args, NULL},
    {"test_prompt_with_embedded_resource", "Prompt with a resource",
     "A prompt carrying an embedded resource", args_uri, 1, p_resource, NULL},
    {"test_prompt_with_image", "Prompt with an image", "A prompt carrying an image", NULL, 0,
     p_image, NULL},
};

/* ---- Registration ------------------------------------------------------------------------------*/

/* A refused fixture row is a bug in this file or in the caller's set-up: say which, stop. */
static void must(err_code rc, const struct err *e)
{
    if (rc != ERR_OK) {
        fprintf(stderr, "conformance fixtures: %s\n", e->msg);
        abort();
    }
}

void conformance_fixtures_register(mcp_engine *engine)
{
    struct err e = {0};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        must(mcp_engine_add_tool(engine, &tools[i], &e), &e);
    for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++)
        must(mcp_engine_add_resource(engine, &resources[i], &e), &e);
    for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++)
        must(mcp_engine_add_resource_template(engine, &templates[i], &e), &e);
    for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++)
        must(mcp_engine_add_prompt(engine, &prompts[i], &e), &e);
    conformance_fixtures_2026_register(engine, must);
}
