/* route_mcp.c - what routing offers over MCP: the tools `route` and `get_skill`, each skill
 * as a resource skill://<product>/<id> (Markdown), the limits as skill://<product>/limits
 * (JSON), the template skill://<product>/{skill}, the prompt `ecs_question` and completion
 * of skill ids. Layer: server/app. Everything here is read-only and idempotent. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/kb.h"
#include "router/router.h"
#include "server/app/app.h"

#define SKILL_SCHEME "skill://"
#define STR_(x) #x
#define STR(x) STR_(x) /* a macro's value as a string literal */

static const char route_input_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    /* maxLength counts characters, as route_fields_check does (RT_QUERY_MAX). */
    "\"query\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":" STR(RT_QUERY_MAX) ","
    "\"description\":\"The question, in English or Chinese\"},"
    "\"product\":{\"type\":\"string\",\"description\":\"Product id (default ecs)\"}},"
    "\"required\":[\"query\"],\"additionalProperties\":false}";

static const char route_output_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"product\":{\"type\":\"string\"},"
    /* Nullable members as anyOf (not "type": [..., "null"], which several clients' schema
     * converters reject or warn about). */
    "\"skill\":{\"anyOf\":[{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"
    "\"title\":{\"type\":\"string\"},\"url\":{\"type\":\"string\"}}},{\"type\":\"null\"}]},"
    "\"path\":{\"anyOf\":[{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"
    "\"title\":{\"type\":\"string\"}}},{\"type\":\"null\"}]},"
    "\"confidence\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
    "\"answer\":{\"type\":\"string\"},"
    "\"facts\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"warnings\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"limit\":{\"type\":\"string\"},\"entity\":{\"type\":\"string\"},"
    "\"message\":{\"type\":\"string\"}}}},"
    "\"alternatives\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
    "\"tools\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},\"arguments\":{\"type\":\"object\"}}}},"
    "\"entities\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"kind\":{\"type\":\"string\"},\"text\":{\"type\":\"string\"},"
    "\"value\":{\"type\":\"string\"}}}},"
    "\"language\":{\"type\":\"string\"},"
    "\"out_of_scope\":{\"type\":\"object\"}},"
    "\"required\":[\"product\",\"skill\",\"path\",\"confidence\",\"answer\",\"facts\","
    "\"warnings\",\"alternatives\",\"tools\",\"entities\"]}";

static const char get_skill_input_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"skill\":{\"type\":\"string\",\"description\":\"Skill id, e.g. ecs-manage-images\"},"
    "\"product\":{\"type\":\"string\",\"description\":\"Product id (default ecs)\"}},"
    "\"required\":[\"skill\"],\"additionalProperties\":false}";

static const char *str_arg(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The route tool's fields; it takes its arguments unchecked by the engine (RAW_ARGS) and
 * checks them with /api/route's own checks, so both roads answer one bad input alike. */
static const char *const route_fields[] = {"query", "product"};

/* ERR_INVALID naming the first argument route does not take (its schema says
 * additionalProperties: false). */
static err_code route_unknown_field(const cJSON *args, struct err *e)
{
    for (const cJSON *a = args ? args->child : NULL; a; a = a->next) {
        size_t i = 0;
        while (i < ARRAY_LEN(route_fields) && strcmp(route_fields[i], a->string) != 0)
            i++;
        if (i == ARRAY_LEN(route_fields))
            return err_set(e, ERR_INVALID, "unknown field '%.64s'; the fields are query and "
                                           "product", a->string);
    }
    return ERR_OK;
}

static err_code tool_route(mcp_call *call, const cJSON *args, void *ud,
                           struct mcp_tool_result *out, struct err *e)
{
    const struct app *a = ud;
    const char *q, *product;
    err_code rc = route_unknown_field(args, e);
    if (rc == ERR_OK)
        rc = route_fields_from_json(args, &q, &product, e);
    if (rc == ERR_OK)
        rc = route_fields_check(a, q, strlen(q), &product, e);
    if (rc != ERR_OK)
        return rc;
    struct rt_result *res = xmalloc(sizeof *res);
    rc = rt_route(a->router, product, q, strlen(q), res, e);
    if (rc == ERR_OK) {
        out->structured = rt_result_json(res);
        out->text = rt_result_markdown(res);
    }
    free(res);
    return rc;
}

/* The known skill ids of p, comma-separated, into b. */
static void skill_list(const struct kb_product *p, struct buf *b)
{
    for (size_t i = 0; i < p->nskills; i++)
        buf_printf(b, "%s%s", i ? ", " : "", p->skills[i].id);
}

static err_code tool_get_skill(mcp_call *call, const cJSON *args, void *ud,
                               struct mcp_tool_result *out, struct err *e)
{
    const struct app *a = ud;
    const char *id = str_arg(args, "skill");
    const char *product = str_arg(args, "product");
    const struct kb_product *p;
    if (route_product_find(a, product && *product ? product : "ecs", &p, e) != ERR_OK)
        return ERR_NOT_FOUND;
    const struct kb_skill *s = kb_skill_find(p, id);
    if (!s) {
        struct buf b;
        buf_init(&b, 4096);
        skill_list(p, &b);
        err_set(e, ERR_NOT_FOUND, "unknown skill '%.64s'; known skills: %s", id ? id : "",
                b.data ? b.data : "");
        buf_release(&b);
        return ERR_NOT_FOUND;
    }
    out->text = rt_skill_markdown(p, s);
    out->structured = rt_skill_json(p, s);
    return ERR_OK;
}

static cJSON *one_content(const char *uri, const char *mime, char *text)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "uri", uri);
    cJSON_AddStringToObject(c, "mimeType", mime);
    cJSON_AddStringToObject(c, "text", text);
    cJSON_AddItemToArray(arr, c);
    free(text);
    return arr;
}

/* skill://<product>/<id> or skill://<product>/limits. */
static cJSON *read_skill(mcp_call *call, const char *uri, void *ud, struct err *e)
{
    const struct app *a = ud;
    size_t sl = strlen(SKILL_SCHEME);
    if (strncmp(uri, SKILL_SCHEME, sl) != 0)
        goto not_found;
    const char *rest = uri + sl;
    const char *slash = strchr(rest, '/');
    if (!slash || slash - rest > 64)
        goto not_found;
    char product[65];
    snprintf(product, sizeof product, "%.*s", (int)(slash - rest), rest);
    const struct kb_product *p = kb_product_find(a->kb, product);
    if (!p)
        goto not_found;
    if (strcmp(slash + 1, "limits") == 0) {
        cJSON *lim = rt_limits_json(p);
        char *text = cJSON_PrintUnformatted(lim);
        cJSON_Delete(lim);
        return one_content(uri, "application/json", text);
    }
    const struct kb_skill *s = kb_skill_find(p, slash + 1);
    if (!s)
        goto not_found;
    return one_content(uri, "text/markdown", rt_skill_markdown(p, s));
not_found:
    err_set(e, ERR_NOT_FOUND, "no such skill resource: %.200s", uri);
    return NULL;
}

static cJSON *prompt_question(mcp_call *call, const char *name, const cJSON *args, void *ud,
                              struct err *e)
{
    const struct app *a = ud;
    const char *question = str_arg(args, "question");
    const char *skill = str_arg(args, "skill");
    if (!question || !*question) {
        err_set(e, ERR_INVALID, "argument 'question' is required");
        return NULL;
    }
    const struct kb_product *p = kb_product_find(a->kb, "ecs");
    const struct kb_skill *s = skill && *skill ? kb_skill_find(p, skill) : NULL;
    if (skill && *skill && !s) {
        err_set(e, ERR_INVALID, "unknown skill '%.64s'", skill);
        return NULL;
    }
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "Answer this Alibaba Cloud ECS question. First call the `route` tool with "
                 "the question to find the skill and path, read the matching skill:// "
                 "resource, then answer with its steps and facts and mention any warnings.\n\n");
    if (s)
        buf_printf(&b, "The user says it is about the skill `%s` (%s).\n\n", s->id, s->title);
    buf_printf(&b, "Question: %s", question);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "description", "Ask an ECS question the skilld way");
    cJSON *msgs = cJSON_AddArrayToObject(r, "messages");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON *c = cJSON_AddObjectToObject(m, "content");
    cJSON_AddStringToObject(c, "type", "text");
    cJSON_AddStringToObject(c, "text", b.data);
    cJSON_AddItemToArray(msgs, m);
    buf_release(&b);
    return r;
}

/* Completion of skill ids: the template's {skill} and the prompt's "skill" argument. */
static cJSON *complete_skill(const cJSON *ref, const char *arg_name, const char *value,
                             const cJSON *context_args, void *ud)
{
    const struct app *a = ud;
    if (!arg_name || strcmp(arg_name, "skill") != 0)
        return NULL;
    const char *type = str_arg(ref, "type");
    const char *product = "ecs";
    char pbuf[65];
    if (type && strcmp(type, "ref/resource") == 0) {
        const char *uri = str_arg(ref, "uri");
        size_t sl = strlen(SKILL_SCHEME);
        if (!uri || strncmp(uri, SKILL_SCHEME, sl) != 0)
            return NULL;
        const char *slash = strchr(uri + sl, '/');
        if (!slash || slash - (uri + sl) > 64)
            return NULL;
        snprintf(pbuf, sizeof pbuf, "%.*s", (int)(slash - (uri + sl)), uri + sl);
        product = pbuf;
    } else if (!type || strcmp(type, "ref/prompt") != 0) {
        return NULL;
    }
    const struct kb_product *p = kb_product_find(a->kb, product);
    if (!p)
        return NULL;
    size_t vl = value ? strlen(value) : 0;
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < p->nskills; i++)
        if (vl == 0 || strncmp(p->skills[i].id, value, vl) == 0 ||
            strstr(p->skills[i].id, value))
            cJSON_AddItemToArray(arr, cJSON_CreateString(p->skills[i].id));
    return arr;
}

/* Resources of one product: a page per skill, the limits, the page template. */
static err_code register_product(struct app *a, const struct kb_product *p, struct err *e)
{
    char uri[256], desc[512];
    err_code rc = ERR_OK;
    for (size_t i = 0; i < p->nskills && rc == ERR_OK; i++) {
        const struct kb_skill *s = &p->skills[i];
        snprintf(uri, sizeof uri, SKILL_SCHEME "%s/%s", p->id, s->id);
        struct mcp_resource r = {.uri = uri, .name = s->id, .title = s->title,
                                 .description = s->summary, .mime_type = "text/markdown",
                                 .fn = read_skill, .ud = a};
        rc = mcp_engine_add_resource(a->mcp, &r, e);
    }
    if (rc != ERR_OK)
        return rc;
    snprintf(uri, sizeof uri, SKILL_SCHEME "%s/limits", p->id);
    snprintf(desc, sizeof desc, "Every documented limit of %s, by id", p->title);
    struct mcp_resource lim = {.uri = uri, .name = "limits", .title = "Documented limits",
                               .description = desc, .mime_type = "application/json",
                               .fn = read_skill, .ud = a};
    rc = mcp_engine_add_resource(a->mcp, &lim, e);
    if (rc != ERR_OK)
        return rc;
    snprintf(uri, sizeof uri, SKILL_SCHEME "%s/{skill}", p->id);
    snprintf(desc, sizeof desc, "The full page of one %s skill (decision tree, steps, facts)",
             p->id);
    struct mcp_resource_template t = {.uri_template = uri, .name = "skill",
                                      .title = "Skill page", .description = desc,
                                      .mime_type = "text/markdown", .fn = read_skill, .ud = a};
    return mcp_engine_add_resource_template(a->mcp, &t, e);
}

static const struct mcp_prompt_arg question_args[] = {
    {"question", "Question", "The ECS question to answer", 1},
    {"skill", "Skill", "A skill id, if you already know it", 0},
};

err_code route_register_mcp(struct app *a, struct err *e)
{
    if (!a->mcp || !a->kb)
        return err_set(e, ERR_INTERNAL, "route_register_mcp: the engine or the knowledge is "
                                        "missing");
    const struct mcp_tool tools[] = {
        {
            .name = "route",
            .title = "Route an ECS question",
            .description = "Find the skill and path that answer a question about Alibaba Cloud "
                           "ECS (English or Chinese) and return the answer: steps, facts, limit "
                           "warnings, alternatives, suggested tools with arguments, entities. "
                           "Out-of-scope questions get skill null and a pointer elsewhere.",
            .input_schema = route_input_schema,
            .output_schema = route_output_schema,
            .hints = MCP_HINT_READ_ONLY | MCP_HINT_IDEMPOTENT,
            .flags = MCP_TOOL_RAW_ARGS, /* checked by route_fields_*, as /api/route is */
            .fn = tool_route,
            .ud = a,
        },
        {
            .name = "get_skill",
            .title = "Read a skill page",
            .description = "Return one skill's full page (paths, steps, facts, limits, FAQ) as "
                           "Markdown and JSON.",
            .input_schema = get_skill_input_schema,
            .output_schema = NULL,
            .hints = MCP_HINT_READ_ONLY | MCP_HINT_IDEMPOTENT,
            .fn = tool_get_skill,
            .ud = a,
        },
    };
    err_code rc = ERR_OK;
    for (size_t i = 0; i < ARRAY_LEN(tools) && rc == ERR_OK; i++)
        rc = mcp_engine_add_tool(a->mcp, &tools[i], e);
    for (size_t i = 0; i < kb_product_count(a->kb) && rc == ERR_OK; i++)
        rc = register_product(a, kb_product_at(a->kb, i), e);
    if (rc != ERR_OK)
        return rc;
    struct mcp_prompt prompt = {
        .name = "ecs_question",
        .title = "Ask an ECS question",
        .description = "Answer an ECS question with skilld's routing and skill pages",
        .args = question_args,
        .nargs = ARRAY_LEN(question_args),
        .fn = prompt_question,
        .ud = a,
    };
    rc = mcp_engine_add_prompt(a->mcp, &prompt, e);
    if (rc != ERR_OK)
        return rc;
    mcp_engine_set_completion(a->mcp, complete_skill, a);
    return ERR_OK;
}
