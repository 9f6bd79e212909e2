/* tools.c - the tool catalogue (knowledge/<product>/_tools.json) into the typed entries of
 * kb.h: parsing, linking limits and path tool names, lookups and the names of the catalogue's
 * vocabularies. Layer: knowledge. Parsing is strict: an unknown key, a wrong type or a word
 * outside a vocabulary is a problem naming the file, the tool and the field. */
#include "knowledge/kb_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Vocabularies ------------------------------------------------------------------
 * Each table's index is its enum value; to add a word, add the enum member in kb.h and its
 * spelling here (and document it in knowledge/SCHEMA.md). */

static const char *const effect_names[] = {
    [KB_EFFECT_READ] = "read",
    [KB_EFFECT_WRITE] = "write",
    [KB_EFFECT_DESTRUCTIVE] = "destructive",
};

static const char *const measure_names[] = {
    [KB_MEASURE_ITEMS] = "items",   [KB_MEASURE_BASE64_BYTES] = "base64_bytes",
    [KB_MEASURE_DECODED_BYTES] = "decoded_bytes", [KB_MEASURE_CHARS] = "chars",
    [KB_MEASURE_VALUE] = "value",   [KB_MEASURE_ENUM] = "enum",
};

static const char *const wire_names[] = {
    [KB_WIRE_FLAT] = "flat",
    [KB_WIRE_JSON] = "json",
    [KB_WIRE_ENDPOINT] = "endpoint",
    [KB_WIRE_LOCAL] = "local",
};

static const char *const as_names[] = {
    [KB_AS_STRING] = "string",       [KB_AS_NUMBER] = "number",
    [KB_AS_INTEGER] = "integer",     [KB_AS_BOOLEAN] = "boolean",
    [KB_AS_LIST] = "list",           [KB_AS_JSON_LIST] = "json_list",
    [KB_AS_PORT_RANGE] = "port_range", [KB_AS_PROTOCOL] = "protocol",
};

static const char *const source_names[KB_SRC__COUNT] = {
    [KB_SRC_INSTANCE_ID] = "instance_id",
    [KB_SRC_SECURITY_GROUP_ID] = "security_group_id",
    [KB_SRC_ENI_ID] = "eni_id",
    [KB_SRC_DISK_ID] = "disk_id",
    [KB_SRC_SNAPSHOT_ID] = "snapshot_id",
    [KB_SRC_IMAGE_ID] = "image_id",
    [KB_SRC_SNAPSHOT_POLICY_ID] = "snapshot_policy_id",
    [KB_SRC_COMMAND_ID] = "command_id",
    [KB_SRC_INVOCATION_ID] = "invocation_id",
    [KB_SRC_REGION] = "region",
    [KB_SRC_ZONE] = "zone",
    [KB_SRC_PORT] = "port",
    [KB_SRC_PORT_RANGE] = "port_range",
    [KB_SRC_PROTOCOL] = "protocol",
    [KB_SRC_CIDR] = "cidr",
    [KB_SRC_SIZE_GIB] = "size_gib",
    [KB_SRC_COUNT] = "count",
    [KB_SRC_IMAGE_FORMAT] = "image_format",
    [KB_SRC_COMMAND_CONTENT] = "command_content",
    [KB_SRC_COMMAND_TYPE] = "command_type",
    [KB_SRC_FILE_NAME] = "file_name",
    [KB_SRC_FILE_CONTENT] = "file_content",
    [KB_SRC_TARGET_DIR] = "target_dir",
    [KB_SRC_ACCOUNT_ID] = "account_id",
    [KB_SRC_INSTANCE_TYPE] = "instance_type",
    [KB_SRC_KEY_PAIR_NAME] = "key_pair_name",
    [KB_SRC_NAME] = "name",
    [KB_SRC_DESCRIPTION] = "description",
    [KB_SRC_RETENTION_DAYS] = "retention_days",
    [KB_SRC_TIME_POINTS] = "time_points",
    [KB_SRC_WEEKDAYS] = "weekdays",
    [KB_SRC_PERFORMANCE_LEVEL] = "performance_level",
    [KB_SRC_TIMEOUT_S] = "timeout_s",
    [KB_SRC_FREQUENCY] = "frequency",
    [KB_SRC_VSWITCH_ID] = "vswitch_id",
    [KB_SRC_VPC_ID] = "vpc_id",
    [KB_SRC_IP_ADDRESS] = "ip_address",
    [KB_SRC_STOPPED_MODE] = "stopped_mode",
    [KB_SRC_FORCE] = "force",
    [KB_SRC_AMOUNT] = "amount",
    [KB_SRC_DEST_REGION] = "dest_region",
    [KB_SRC_BUCKET] = "bucket",
    [KB_SRC_EVENT_TYPE] = "event_type",
};

/* Guardrail check ids: kind 1 static (reads the arguments), 2 state (reads the account). */
static const struct {
    const char *id;
    int kind;
} check_ids[] = {
    {"ingress_posture", 1},   {"egress_posture", 1},     {"rule_description", 1},
    {"command_content", 1},   {"file_content", 1},       {"password_strength", 1},
    {"image_share", 1},       {"instances_running", 2},  {"agent_online", 2},
    {"instance_stopped", 2},  {"instance_exists", 2},    {"disk_instance_stopped", 2},
    {"disk_grows", 2},        {"disk_attachable", 2},    {"eni_attachable", 2},
    {"sg_rule_room", 2},      {"instance_sg_room", 2},   {"snapshot_group_capacity", 2},
    {"image_available", 2},
};

static const char *name_at(const char *const *names, size_t n, size_t i)
{
    return i < n && names[i] ? names[i] : "";
}

const char *kb_source_name(enum kb_source s)
{
    return name_at(source_names, ARRAY_LEN(source_names), (size_t)s);
}
const char *kb_effect_name(enum kb_effect e)
{
    return name_at(effect_names, ARRAY_LEN(effect_names), (size_t)e);
}
const char *kb_measure_name(enum kb_measure m)
{
    return name_at(measure_names, ARRAY_LEN(measure_names), (size_t)m);
}
const char *kb_fill_as_name(enum kb_fill_as a)
{
    return name_at(as_names, ARRAY_LEN(as_names), (size_t)a);
}
const char *kb_wire_name(enum kb_wire w)
{
    return name_at(wire_names, ARRAY_LEN(wire_names), (size_t)w);
}

int kb_check_kind(const char *id)
{
    for (size_t i = 0; id && i < ARRAY_LEN(check_ids); i++)
        if (strcmp(check_ids[i].id, id) == 0)
            return check_ids[i].kind;
    return 0;
}

/* The index of word in names[0..n), or -1. */
static int word_index(const char *const *names, size_t n, const char *word)
{
    for (size_t i = 0; word && i < n; i++)
        if (names[i] && strcmp(names[i], word) == 0)
            return (int)i;
    return -1;
}

/* ---- Parsing ------------------------------------------------------------------------ */

/* Where inside an entry: "tools[3] (ecs_x).limits[0]". */
struct at {
    char s[256];
};

static void at_join(struct at *out, const char *base, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void at_join(struct at *out, const char *base, const char *fmt, ...)
{
    char tail[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    snprintf(out->s, sizeof out->s, "%s.%s", base, tail);
}

/* Report every key of o that is not in keys (a typo must not pass silently). */
static void only_keys(struct kb_ctx *c, const cJSON *o, const char *where,
                      const char *const *keys, size_t n)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        if (word_index(keys, n, it->string) >= 0)
            continue;
        char msg[160];
        snprintf(msg, sizeof msg, "unknown key \"%.100s\"", it->string ? it->string : "");
        kb_bad(c, where, msg);
    }
}

/* A boolean field; def when absent. */
static int get_bool(struct kb_ctx *c, const cJSON *o, const char *key, int required, int def,
                    const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    struct at at;
    at_join(&at, where, "%s", key);
    if (!v) {
        if (required)
            kb_bad(c, at.s, "missing");
        return def;
    }
    if (!cJSON_IsBool(v)) {
        kb_bad(c, at.s, "must be true or false");
        return def;
    }
    return cJSON_IsTrue(v);
}

/* An object field; NULL when absent (a problem when required) or of another type. */
static const cJSON *get_obj(struct kb_ctx *c, const cJSON *o, const char *key, int required,
                            const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    struct at at;
    at_join(&at, where, "%s", key);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            kb_bad(c, at.s, "missing");
        return NULL;
    }
    if (!cJSON_IsObject(v)) {
        kb_bad(c, at.s, "must be an object");
        return NULL;
    }
    return v;
}

/* A word of a vocabulary; -1 (and a problem) when absent or unknown. */
static int get_word(struct kb_ctx *c, const cJSON *o, const char *key, const char *const *names,
                    size_t n, const char *where)
{
    char *w = kb_get_str(c, o, key, 1, where);
    if (!w)
        return -1;
    int i = word_index(names, n, w);
    if (i < 0) {
        struct at at;
        at_join(&at, where, "%s", key);
        char msg[200];
        snprintf(msg, sizeof msg, "unknown value \"%.80s\"", w);
        kb_bad(c, at.s, msg);
    }
    free(w);
    return i;
}

static int name_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* Parse "Name", "Name[].Field" or "Name[0].Field" into *ret (strings owned by ret). */
static int parse_arg_path(const char *text, struct kb_arg_path *ret)
{
    memset(ret, 0, sizeof *ret);
    size_t len = strlen(text), n = 0;
    if (len == 0 || len >= KB_ARG_PATH_MAX)
        return -1;
    while (n < len && name_char(text[n]))
        n++;
    if (n == 0)
        return -1;
    const char *rest = text + n, *field = NULL;
    int first = 0;
    if (strncmp(rest, "[].", 3) == 0)
        field = rest + 3;
    else if (strncmp(rest, "[0].", 4) == 0) {
        field = rest + 4;
        first = 1;
    } else if (*rest)
        return -1;
    if (field) {
        if (!*field)
            return -1;
        for (const char *f = field; *f; f++)
            if (!name_char(*f))
                return -1;
    }
    ret->text = xstrdup(text);
    ret->name = xstrndup(text, n);
    ret->field = field ? xstrdup(field) : NULL;
    ret->first_only = first;
    return 0;
}

static void arg_path_release(struct kb_arg_path *a)
{
    free((char *)a->text);
    free((char *)a->name);
    free((char *)a->field);
}

/* A string field holding an argument path. */
static int get_arg_path(struct kb_ctx *c, const cJSON *o, const char *key, const char *where,
                        struct kb_arg_path *ret)
{
    memset(ret, 0, sizeof *ret);
    char *s = kb_get_str(c, o, key, 1, where);
    if (!s)
        return -1;
    int rc = parse_arg_path(s, ret);
    if (rc != 0) {
        struct at at;
        at_join(&at, where, "%s", key);
        char msg[200];
        snprintf(msg, sizeof msg, "\"%.80s\" is not Name, Name[].Field or Name[0].Field", s);
        kb_bad(c, at.s, msg);
    }
    free(s);
    return rc;
}

static void tool_release(struct kb_tool *t)
{
    free((char *)t->name);
    free((char *)t->title);
    free((char *)t->description);
    free((char *)t->skill_id);
    free((char *)t->product);
    free((char *)t->action);
    kb_strs_free(&t->calls);
    for (size_t i = 0; i < t->ndestructive_when; i++) {
        free((char *)t->destructive_when[i].arg);
        free((char *)t->destructive_when[i].value);
    }
    free(t->destructive_when);
    cJSON_Delete((cJSON *)t->input_schema);
    free((char *)t->input_schema_text);
    for (size_t i = 0; i < t->nwire; i++)
        free((char *)t->wire[i].arg);
    free(t->wire);
    kb_strs_free(&t->secret);
    for (size_t i = 0; i < t->nlimits; i++) {
        arg_path_release(&t->limits[i].arg);
        free(t->limits[i].except);
        free((char *)t->limits[i].limit_id);
    }
    free(t->limits);
    kb_strs_free(&t->checks);
    for (size_t i = 0; i < t->nstate; i++) {
        free((char *)t->state[i].check);
        kb_strs_free(&t->state[i].args);
    }
    free(t->state);
    kb_strs_free(&t->cues);
    for (size_t i = 0; i < t->nfill; i++)
        arg_path_release(&t->fill[i].arg);
    free(t->fill);
    for (size_t i = 0; i < t->nfixes; i++) {
        free((char *)t->fixes[i].id);
        free((char *)t->fixes[i].title);
        free((char *)t->fixes[i].os);
        free((char *)t->fixes[i].command_type);
        free((char *)t->fixes[i].script);
    }
    free(t->fixes);
    memset(t, 0, sizeof *t);
}

static void parse_api(struct kb_ctx *c, const cJSON *e, const char *where, struct kb_tool *t)
{
    static const char *const keys[] = {"product", "action", "calls", "dry_run", "client_token"};
    const cJSON *api = get_obj(c, e, "api", 1, where);
    if (!api)
        return;
    struct at at;
    at_join(&at, where, "api");
    only_keys(c, api, at.s, keys, ARRAY_LEN(keys));
    t->product = kb_get_str(c, api, "product", 1, at.s);
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(api, "action");
    if (!action)
        kb_bad(c, at.s, "action: missing (null for a composite tool)");
    else if (!cJSON_IsNull(action))
        t->action = kb_get_str(c, api, "action", 1, at.s);
    kb_get_strs(c, api, "calls", at.s, &t->calls);
    t->dry_run = get_bool(c, api, "dry_run", 0, 0, at.s);
    t->client_token = get_bool(c, api, "client_token", 0, 0, at.s);
}

static void parse_annotations(struct kb_ctx *c, const cJSON *e, const char *where,
                              struct kb_tool *t)
{
    static const char *const keys[] = {"readOnlyHint", "destructiveHint", "idempotentHint",
                                       "openWorldHint"};
    const cJSON *a = get_obj(c, e, "annotations", 1, where);
    if (!a)
        return;
    struct at at;
    at_join(&at, where, "annotations");
    only_keys(c, a, at.s, keys, ARRAY_LEN(keys));
    t->read_only_hint = get_bool(c, a, "readOnlyHint", 1, 0, at.s);
    t->destructive_hint = get_bool(c, a, "destructiveHint", 1, 0, at.s);
    t->idempotent_hint = get_bool(c, a, "idempotentHint", 1, 0, at.s);
    t->open_world_hint = get_bool(c, a, "openWorldHint", 1, 0, at.s);
}

static void parse_destructive_when(struct kb_ctx *c, const cJSON *e, const char *where,
                                   struct kb_tool *t)
{
    struct kb_strs w;
    kb_get_strs(c, e, "destructive_when", where, &w);
    t->destructive_when = xcalloc(w.n ? w.n : 1, sizeof *t->destructive_when);
    for (size_t i = 0; i < w.n; i++) {
        const char *eq = strchr(w.v[i], '=');
        size_t n = eq ? (size_t)(eq - w.v[i]) : 0;
        int ok = eq && n > 0 && eq[1];
        for (size_t k = 0; ok && k < n; k++)
            ok = name_char(w.v[i][k]);
        if (!ok) {
            struct at at;
            at_join(&at, where, "destructive_when[%zu]", i);
            kb_bad(c, at.s, "must be \"Name=value\"");
            continue;
        }
        struct kb_tool_when *d = &t->destructive_when[t->ndestructive_when++];
        d->arg = xstrndup(w.v[i], n);
        d->value = xstrdup(eq + 1);
    }
    kb_strs_free(&w);
}

static void parse_schema(struct kb_ctx *c, const cJSON *e, const char *where, struct kb_tool *t)
{
    const cJSON *s = get_obj(c, e, "inputSchema", 1, where);
    if (!s)
        return;
    cJSON *copy = cJSON_Duplicate(s, 1);
    t->input_schema = copy;
    t->input_schema_text = cJSON_PrintUnformatted(copy);
}

static void parse_wire(struct kb_ctx *c, const cJSON *e, const char *where, struct kb_tool *t)
{
    const cJSON *w = get_obj(c, e, "wire", 0, where);
    size_t n = w ? (size_t)cJSON_GetArraySize(w) : 0;
    t->wire = xcalloc(n ? n : 1, sizeof *t->wire);
    const cJSON *it;
    cJSON_ArrayForEach(it, w)
    {
        struct at at;
        at_join(&at, where, "wire.%.80s", it->string);
        int mode = cJSON_IsString(it) ? word_index(wire_names, ARRAY_LEN(wire_names),
                                                   it->valuestring)
                                      : -1;
        if (mode < 0) {
            kb_bad(c, at.s, "must be \"flat\", \"json\", \"endpoint\" or \"local\"");
            continue;
        }
        t->wire[t->nwire].arg = xstrdup(it->string);
        t->wire[t->nwire++].mode = (enum kb_wire)mode;
    }
}

/* except: a list of numbers. */
static void parse_except(struct kb_ctx *c, const cJSON *o, const char *where,
                         struct kb_tool_limit *l)
{
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "except");
    if (!ex)
        return;
    struct at at;
    at_join(&at, where, "except");
    if (!cJSON_IsArray(ex)) {
        kb_bad(c, at.s, "must be an array of numbers");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(ex);
    l->except = xcalloc(n ? n : 1, sizeof *l->except);
    const cJSON *it;
    cJSON_ArrayForEach(it, ex)
    {
        if (!cJSON_IsNumber(it)) {
            kb_bad(c, at.s, "must be an array of numbers");
            continue;
        }
        l->except[l->nexcept++] = it->valuedouble;
    }
}

static void parse_limits(struct kb_ctx *c, const cJSON *e, const char *where, struct kb_tool *t)
{
    static const char *const keys[] = {"limit", "arg", "measure", "except"};
    struct at base;
    at_join(&base, where, "limits");
    const cJSON *arr = kb_get_arr(c, e, "limits", where);
    size_t n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    t->limits = xcalloc(n ? n : 1, sizeof *t->limits);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        struct at at;
        snprintf(at.s, sizeof at.s, "%.200s[%zu]", base.s, i++);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, at.s, "must be an object");
            continue;
        }
        only_keys(c, it, at.s, keys, ARRAY_LEN(keys));
        struct kb_tool_limit *l = &t->limits[t->nlimits++];
        l->limit_id = kb_get_str(c, it, "limit", 1, at.s);
        get_arg_path(c, it, "arg", at.s, &l->arg);
        int m = get_word(c, it, "measure", measure_names, ARRAY_LEN(measure_names), at.s);
        l->measure = m < 0 ? KB_MEASURE_ITEMS : (enum kb_measure)m;
        parse_except(c, it, at.s, l);
    }
}

static void parse_state(struct kb_ctx *c, const cJSON *e, const char *where, struct kb_tool *t)
{
    static const char *const keys[] = {"check", "args"};
    struct at base;
    at_join(&base, where, "state");
    const cJSON *arr = kb_get_arr(c, e, "state", where);
    size_t n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    t->state = xcalloc(n ? n : 1, sizeof *t->state);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        struct at at;
        snprintf(at.s, sizeof at.s, "%.200s[%zu]", base.s, i++);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, at.s, "must be an object");
            continue;
        }
        only_keys(c, it, at.s, keys, ARRAY_LEN(keys));
        struct kb_tool_state *s = &t->state[t->nstate++];
        s->check = kb_get_str(c, it, "check", 1, at.s);
        kb_get_strs(c, it, "args", at.s, &s->args);
    }
}

static void parse_route(struct kb_ctx *c, const cJSON *e, const char *where, struct kb_tool *t)
{
    static const char *const keys[] = {"cues", "fill"};
    static const char *const fill_keys[] = {"from", "as"};
    t->fill = xcalloc(1, sizeof *t->fill);
    const cJSON *r = get_obj(c, e, "route", 0, where);
    if (!r)
        return;
    struct at at;
    at_join(&at, where, "route");
    only_keys(c, r, at.s, keys, ARRAY_LEN(keys));
    kb_get_strs(c, r, "cues", at.s, &t->cues);
    const cJSON *f = get_obj(c, r, "fill", 0, at.s);
    size_t n = f ? (size_t)cJSON_GetArraySize(f) : 0;
    if (n) {
        free(t->fill);
        t->fill = xcalloc(n, sizeof *t->fill);
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, f)
    {
        struct at fa;
        at_join(&fa, at.s, "fill.%.80s", it->string);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, fa.s, "must be an object {\"from\", \"as\"}");
            continue;
        }
        only_keys(c, it, fa.s, fill_keys, ARRAY_LEN(fill_keys));
        struct kb_tool_fill *x = &t->fill[t->nfill];
        if (parse_arg_path(it->string, &x->arg) != 0) {
            kb_bad(c, fa.s, "the key is not Name, Name[].Field or Name[0].Field");
            continue;
        }
        int from = get_word(c, it, "from", source_names, ARRAY_LEN(source_names), fa.s);
        int as = get_word(c, it, "as", as_names, ARRAY_LEN(as_names), fa.s);
        if (from < 0 || as < 0) {
            arg_path_release(&x->arg);
            continue;
        }
        x->from = (enum kb_source)from;
        x->as = (enum kb_fill_as)as;
        t->nfill++;
    }
}

static void parse_fixes(struct kb_ctx *c, const cJSON *e, const char *where, struct kb_tool *t)
{
    static const char *const keys[] = {"id", "title", "os", "command_type", "script"};
    static const char *const oses[] = {"linux", "windows"};
    static const char *const types[] = {"RunShellScript", "RunPowerShellScript", "RunBatScript"};
    struct at base;
    at_join(&base, where, "fixes");
    const cJSON *arr = kb_get_arr(c, e, "fixes", where);
    size_t n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    t->fixes = xcalloc(n ? n : 1, sizeof *t->fixes);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        struct at at;
        snprintf(at.s, sizeof at.s, "%.200s[%zu]", base.s, i++);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, at.s, "must be an object");
            continue;
        }
        only_keys(c, it, at.s, keys, ARRAY_LEN(keys));
        struct kb_tool_fix *x = &t->fixes[t->nfixes++];
        x->id = kb_get_str(c, it, "id", 1, at.s);
        x->title = kb_get_str(c, it, "title", 1, at.s);
        x->script = kb_get_str(c, it, "script", 1, at.s);
        int os = get_word(c, it, "os", oses, ARRAY_LEN(oses), at.s);
        int ty = get_word(c, it, "command_type", types, ARRAY_LEN(types), at.s);
        x->os = xstrdup(os < 0 ? "" : oses[os]);
        x->command_type = xstrdup(ty < 0 ? "" : types[ty]);
    }
}

/* One entry; returns the number of problems found in it. */
static int parse_tool(struct kb_ctx *c, const cJSON *e, size_t index, struct kb_tool *t)
{
    static const char *const keys[] = {
        "name",    "title",       "description", "skill",  "api",    "effect", "destructive_when",
        "annotations", "inputSchema", "wire",    "secret", "limits", "checks", "state",
        "route",   "fixes"};
    int before = c->bad;
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
    char where[160];
    snprintf(where, sizeof where, "tools[%zu] (%.80s)", index,
             cJSON_IsString(nm) ? nm->valuestring : "no name");
    only_keys(c, e, where, keys, ARRAY_LEN(keys));
    t->name = kb_get_str(c, e, "name", 1, where);
    t->title = kb_get_str(c, e, "title", 1, where);
    t->description = kb_get_str(c, e, "description", 1, where);
    t->skill_id = kb_get_str(c, e, "skill", 1, where);
    parse_api(c, e, where, t);
    int eff = get_word(c, e, "effect", effect_names, ARRAY_LEN(effect_names), where);
    t->effect = eff < 0 ? KB_EFFECT_READ : (enum kb_effect)eff;
    parse_destructive_when(c, e, where, t);
    parse_annotations(c, e, where, t);
    parse_schema(c, e, where, t);
    parse_wire(c, e, where, t);
    kb_get_strs(c, e, "secret", where, &t->secret);
    parse_limits(c, e, where, t);
    kb_get_strs(c, e, "checks", where, &t->checks);
    parse_state(c, e, where, t);
    parse_route(c, e, where, t);
    parse_fixes(c, e, where, t);
    return c->bad - before;
}

void kb_tools_parse(struct kb_ctx *c, const cJSON *j, struct kb_product *p)
{
    static const char *const keys[] = {"tools"};
    if (p->tools) {
        kb_bad(c, "file", "a second tool catalogue for the product");
        return;
    }
    only_keys(c, j, "file", keys, ARRAY_LEN(keys));
    const cJSON *arr = kb_get_arr(c, j, "tools", "");
    size_t n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    if (!arr)
        kb_bad(c, "tools", "missing");
    if (n > KB_TOOLS_MAX) {
        kb_bad(c, "tools", "more than KB_TOOLS_MAX entries");
        n = 0;
        arr = NULL;
    }
    p->tools = xcalloc(n ? n : 1, sizeof *p->tools);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        char where[64];
        snprintf(where, sizeof where, "tools[%zu]", i);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, where, "must be an object");
            i++;
            continue;
        }
        struct kb_tool *t = &p->tools[p->ntools++];
        t->file_index = i;
        if (parse_tool(c, it, i++, t) > 0) /* a partial model keeps well-formed entries only */
            tool_release(&p->tools[--p->ntools]);
    }
}

/* ---- Linking and lookups ----------------------------------------------------------- */

int kb_tools_link(struct kb_product *p, struct kb_report *rep)
{
    int problems = 0;
    size_t kept = 0;
    for (size_t i = 0; i < p->ntools; i++) {
        struct kb_tool *t = &p->tools[i];
        int ok = 1;
        for (size_t k = 0; k < t->nlimits; k++) {
            t->limits[k].limit = kb_limit_find(p, t->limits[k].limit_id);
            if (!t->limits[k].limit) {
                kb_problem(rep, "%s/_tools.json: tools[%zu] (%s): limits[%zu].limit: \"%s\" is "
                                "not a limit of any skill file",
                           p->id, t->file_index, t->name, k, t->limits[k].limit_id);
                problems++;
                ok = 0;
            }
        }
        if (!ok) {
            tool_release(t);
            continue;
        }
        if (kept != i)
            p->tools[kept] = *t;
        kept++;
    }
    p->ntools = kept;
    for (size_t s = 0; s < p->nskills; s++)
        for (size_t k = 0; k < p->skills[s].npaths; k++) {
            struct kb_path *pa = &p->skills[s].paths[k];
            free(pa->tool_entries);
            pa->tool_entries = xcalloc(pa->tools.n ? pa->tools.n : 1, sizeof *pa->tool_entries);
            for (size_t i = 0; i < pa->tools.n; i++)
                pa->tool_entries[i] = kb_tool_find(p, pa->tools.v[i]);
        }
    return problems;
}

void kb_tools_release(struct kb_product *p)
{
    for (size_t i = 0; p->tools && i < p->ntools; i++)
        tool_release(&p->tools[i]);
    free(p->tools);
    p->tools = NULL;
    p->ntools = 0;
}

const struct kb_tool *kb_tool_find(const struct kb_product *p, const char *name)
{
    for (size_t i = 0; p && name && i < p->ntools; i++)
        if (strcmp(p->tools[i].name, name) == 0)
            return &p->tools[i];
    return NULL;
}

const struct kb_tool *kb_tool_by_action(const struct kb_product *p, const char *action)
{
    for (size_t i = 0; p && action && i < p->ntools; i++)
        if (p->tools[i].action && strcmp(p->tools[i].action, action) == 0)
            return &p->tools[i];
    return NULL;
}
