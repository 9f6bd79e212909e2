/* check_tools.c - the rules of the tool catalogue (knowledge/SCHEMA.md, "_tools.json") that
 * `skilld knowledge check` enforces beyond the loader's types: names, owners, effects against
 * annotations, schemas, and that every limit, check, fill and wire row names a real argument.
 * Layer: knowledge. Every problem names the file, the tool and the field. */
#include "knowledge/kb_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* Arguments skilld manages itself: never a schema property. */
static const char *const managed_args[] = {"ClientToken", "DryRun", "confirmation_token"};

/* Hidden owner parameters of the API: never a schema property. */
static const char *const owner_args[] = {"OwnerId", "OwnerAccount", "ResourceOwnerId",
                                         "ResourceOwnerAccount"};

/* The limit units each measure can be compared with. To add a measure: a row. */
static const struct {
    enum kb_measure measure;
    const char *units; /* space-separated */
} measure_units[] = {
    {KB_MEASURE_ITEMS, "count"},          {KB_MEASURE_BASE64_BYTES, "bytes"},
    {KB_MEASURE_DECODED_BYTES, "bytes"},  {KB_MEASURE_CHARS, "chars"},
    {KB_MEASURE_VALUE, "count days GiB TiB"}, {KB_MEASURE_ENUM, "enum"},
};

/* The JSON Schema types each "as" may fill. */
static const struct {
    enum kb_fill_as as;
    const char *types; /* space-separated */
} as_types[] = {
    {KB_AS_STRING, "string"},     {KB_AS_NUMBER, "number integer"},
    {KB_AS_INTEGER, "integer number"}, {KB_AS_BOOLEAN, "boolean"},
    {KB_AS_LIST, "array"},        {KB_AS_JSON_LIST, "string"},
    {KB_AS_PORT_RANGE, "string"}, {KB_AS_PROTOCOL, "string"},
};

/* Where problems of one tool go. */
struct tc {
    struct kb_report *r;
    char file[96];
    char where[160]; /* "tools[3] (ecs_x)" */
};

static void problem(struct tc *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct tc *c, const char *field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kb_problem(c->r, "%s: %s: %s: %s", c->file, c->where, field, msg);
}

static int in_words(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        const char *sp = strchr(p, ' ');
        size_t l = sp ? (size_t)(sp - p) : strlen(p);
        if (l == wl && strncmp(p, word, l) == 0)
            return 1;
        p += l + (sp ? 1 : 0);
    }
    return 0;
}

/* product + "_" + the action in snake_case ("ecs", "ResizeDisk" -> "ecs_resize_disk"). */
static void api_name(const char *product, const char *action, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "%s_", product);
    for (const char *a = action; *a && o + 3 < cap; a++) {
        if (*a >= 'A' && *a <= 'Z') {
            if (a > action)
                out[o++] = '_';
            out[o++] = (char)(*a - 'A' + 'a');
        } else {
            out[o++] = *a;
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
}

static const cJSON *props_of(const cJSON *schema)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    return cJSON_IsObject(p) ? p : NULL;
}

static const char *type_of(const cJSON *prop)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(prop, "type");
    return cJSON_IsString(t) ? t->valuestring : NULL;
}

/* The schema of the argument a path names, or NULL (with why set). */
static const cJSON *resolve(const struct kb_tool *t, const struct kb_arg_path *a,
                            const char **why)
{
    const cJSON *prop = cJSON_GetObjectItemCaseSensitive(props_of(t->input_schema), a->name);
    if (!prop) {
        *why = "names no property of inputSchema";
        return NULL;
    }
    if (!a->field)
        return prop;
    const char *ty = type_of(prop);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(prop, "items");
    if (!ty || strcmp(ty, "array") != 0 || !cJSON_IsObject(items)) {
        *why = "names a property that is not an array of objects";
        return NULL;
    }
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(props_of(items), a->field);
    if (!f)
        *why = "names no field of the array's items";
    return f;
}

static int has_property(const struct kb_tool *t, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(props_of(t->input_schema), name) != NULL;
}

static void check_name(struct tc *c, const struct kb_product *p, const struct kb_tool *t)
{
    char want[160];
    if (t->action) {
        api_name(p->id, t->action, want, sizeof want);
        if (strcmp(t->name, want) != 0)
            problem(c, "name", "must be \"%s\" (the product and api.action in snake_case)", want);
        if (t->calls.n)
            problem(c, "api.calls", "only a composite tool (api.action null) lists calls");
    } else {
        snprintf(want, sizeof want, "%s_", p->id);
        if (strncmp(t->name, want, strlen(want)) != 0)
            problem(c, "name", "a composite tool's name starts with \"%s\"", want);
        if (t->calls.n == 0)
            problem(c, "api.calls", "a composite tool lists the actions it calls");
    }
    for (const char *ch = t->name; *ch; ch++)
        if (!((*ch >= 'a' && *ch <= 'z') || (*ch >= '0' && *ch <= '9') || *ch == '_')) {
            problem(c, "name", "only lower-case letters, digits and '_'");
            break;
        }
    if (strcmp(t->product, p->id) != 0)
        problem(c, "api.product", "must be \"%s\"", p->id);
    if (!kb_skill_find(p, t->skill_id))
        problem(c, "skill", "\"%s\" is not a skill of the product", t->skill_id);
}

/* Effect and annotations tell the same story. */
static void check_effect(struct tc *c, const struct kb_tool *t)
{
    const char *eff = kb_effect_name(t->effect);
    if (t->effect == KB_EFFECT_READ) {
        if (!t->read_only_hint || t->destructive_hint || !t->idempotent_hint)
            problem(c, "annotations", "a read tool has readOnlyHint true, destructiveHint false "
                                      "and idempotentHint true");
        if (t->ndestructive_when)
            problem(c, "destructive_when", "a read tool never becomes destructive");
    } else if (t->read_only_hint) {
        problem(c, "annotations.readOnlyHint", "must be false for a %s tool", eff);
    }
    if (t->effect == KB_EFFECT_DESTRUCTIVE) {
        if (!t->destructive_hint)
            problem(c, "annotations.destructiveHint", "must be true for a destructive tool");
        if (t->ndestructive_when)
            problem(c, "destructive_when", "the tool is destructive already");
    }
    if (!t->open_world_hint)
        problem(c, "annotations.openWorldHint", "must be true: every tool reaches the cloud");
    for (size_t i = 0; i < t->ndestructive_when; i++)
        if (!has_property(t, t->destructive_when[i].arg)) {
            char f[64];
            snprintf(f, sizeof f, "destructive_when[%zu]", i);
            problem(c, f, "\"%s\" names no property of inputSchema", t->destructive_when[i].arg);
        }
    if (t->effect != KB_EFFECT_READ && t->cues.n == 0)
        problem(c, "route.cues", "a tool that changes something needs cues");
}

static void check_schema(struct tc *c, const struct kb_tool *t)
{
    const cJSON *s = t->input_schema;
    const char *ty = type_of(s);
    if (!ty || strcmp(ty, "object") != 0)
        problem(c, "inputSchema.type", "must be \"object\"");
    const cJSON *props = props_of(s);
    if (!props)
        problem(c, "inputSchema.properties", "must be an object");
    const cJSON *ap = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
    if (!cJSON_IsFalse(ap))
        problem(c, "inputSchema.additionalProperties", "must be false");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required"), *it;
    if (req && !cJSON_IsArray(req)) {
        problem(c, "inputSchema.required", "must be an array of property names");
        req = NULL;
    }
    cJSON_ArrayForEach(it, req)
    {
        if (!cJSON_IsString(it) || !cJSON_GetObjectItemCaseSensitive(props, it->valuestring))
            problem(c, "inputSchema.required", "\"%s\" is not a property",
                    cJSON_IsString(it) ? it->valuestring : "(not a string)");
        else if (strcmp(it->valuestring, "RegionId") == 0 ||
                 strcmp(it->valuestring, "regionId") == 0)
            problem(c, "inputSchema.required", "the region is optional (skilld fills its default)");
    }
    for (size_t i = 0; i < ARRAY_LEN(managed_args); i++)
        if (has_property(t, managed_args[i]))
            problem(c, "inputSchema.properties", "\"%s\" is managed by skilld, not an argument",
                    managed_args[i]);
    for (size_t i = 0; i < ARRAY_LEN(owner_args); i++)
        if (has_property(t, owner_args[i]))
            problem(c, "inputSchema.properties", "\"%s\" is a hidden owner parameter",
                    owner_args[i]);
    cJSON_ArrayForEach(it, props)
    {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "description");
        if (!cJSON_IsString(d) || !d->valuestring[0])
            problem(c, "inputSchema.properties", "\"%s\" has no description", it->string);
    }
}

static void check_limits(struct tc *c, const struct kb_tool *t)
{
    for (size_t i = 0; i < t->nlimits; i++) {
        const struct kb_tool_limit *l = &t->limits[i];
        char f[64];
        snprintf(f, sizeof f, "limits[%zu] (%s)", i, l->limit_id);
        const char *why = NULL;
        if (!resolve(t, &l->arg, &why))
            problem(c, f, "arg \"%s\" %s", l->arg.text, why);
        for (size_t k = 0; k < ARRAY_LEN(measure_units); k++)
            if (measure_units[k].measure == l->measure &&
                !in_words(measure_units[k].units, l->limit->unit))
                problem(c, f, "measure \"%s\" cannot be compared with a limit in \"%s\"",
                        kb_measure_name(l->measure), l->limit->unit);
        if (l->measure == KB_MEASURE_ENUM && l->limit->values.n == 0)
            problem(c, f, "measure \"enum\" needs a limit with values");
        if (l->nexcept && l->measure != KB_MEASURE_VALUE)
            problem(c, f, "except applies to measure \"value\" only");
    }
}

static void check_fill(struct tc *c, const struct kb_tool *t)
{
    for (size_t i = 0; i < t->nfill; i++) {
        const struct kb_tool_fill *x = &t->fill[i];
        char f[160];
        snprintf(f, sizeof f, "route.fill.%s", x->arg.text);
        const char *why = NULL;
        const cJSON *prop = resolve(t, &x->arg, &why);
        if (!prop) {
            problem(c, f, "%s", why);
            continue;
        }
        const char *ty = type_of(prop);
        for (size_t k = 0; ty && k < ARRAY_LEN(as_types); k++)
            if (as_types[k].as == x->as && !in_words(as_types[k].types, ty))
                problem(c, f, "as \"%s\" cannot fill a property of type \"%s\"",
                        kb_fill_as_name(x->as), ty);
    }
}

static void check_checks(struct tc *c, const struct kb_tool *t)
{
    for (size_t i = 0; i < t->checks.n; i++)
        if (kb_check_kind(t->checks.v[i]) != 1) {
            char f[32];
            snprintf(f, sizeof f, "checks[%zu]", i);
            problem(c, f, "\"%s\" is not a static check%s", t->checks.v[i],
                    kb_check_kind(t->checks.v[i]) == 2 ? " (it is a state check: use state)"
                                                       : "");
        }
    for (size_t i = 0; i < t->nstate; i++) {
        const struct kb_tool_state *s = &t->state[i];
        char f[64];
        snprintf(f, sizeof f, "state[%zu] (%s)", i, s->check);
        if (kb_check_kind(s->check) != 2)
            problem(c, f, "\"%s\" is not a state check", s->check);
        if (s->args.n == 0)
            problem(c, f, "args: a state check reads at least one argument");
        for (size_t k = 0; k < s->args.n; k++)
            if (!has_property(t, s->args.v[k]))
                problem(c, f, "args: \"%s\" names no property of inputSchema", s->args.v[k]);
    }
    for (size_t i = 0; i < t->nwire; i++)
        if (!has_property(t, t->wire[i].arg))
            problem(c, "wire", "\"%s\" names no property of inputSchema", t->wire[i].arg);
    for (size_t i = 0; i < t->secret.n; i++)
        if (!has_property(t, t->secret.v[i]))
            problem(c, "secret", "\"%s\" names no property of inputSchema", t->secret.v[i]);
}

/* A script is text: lines and tabs, no other control characters, and not empty. */
static void check_script(struct tc *c, const char *field, const char *script)
{
    if (!script[0]) {
        problem(c, field, "empty script");
        return;
    }
    for (const unsigned char *ch = (const unsigned char *)script; *ch; ch++)
        if ((*ch < 0x20 && *ch != '\n' && *ch != '\t') || *ch == 0x7f) {
            problem(c, field, "control character in the script (only newlines and tabs)");
            return;
        }
}

/* A tool with fixes has a Fix argument whose enum is exactly the fix ids. */
static void check_fixes(struct tc *c, const struct kb_tool *t)
{
    if (t->nfixes == 0)
        return;
    if (t->action)
        problem(c, "fixes", "only a composite tool carries fixes");
    const cJSON *fix = cJSON_GetObjectItemCaseSensitive(props_of(t->input_schema), "Fix");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(fix, "enum");
    if (!cJSON_IsArray(en)) {
        problem(c, "inputSchema.properties.Fix", "a tool with fixes takes Fix, an enum of them");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(en);
    for (size_t i = 0; i < t->nfixes; i++) {
        int found = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, en)
        found |= cJSON_IsString(it) && strcmp(it->valuestring, t->fixes[i].id) == 0;
        char f[64];
        snprintf(f, sizeof f, "fixes[%zu] (%s)", i, t->fixes[i].id);
        if (!found)
            problem(c, f, "is not in the enum of Fix");
        char at[256];
        snprintf(at, sizeof at, "%s: %s.title", c->where, f);
        kb_check_string(c->r, c->file, at, t->fixes[i].title);
        check_script(c, f, t->fixes[i].script);
        for (size_t k = 0; k < i; k++)
            if (strcmp(t->fixes[k].id, t->fixes[i].id) == 0)
                problem(c, f, "duplicate fix id");
    }
    if (n != t->nfixes)
        problem(c, "inputSchema.properties.Fix", "the enum has %zu value(s), fixes has %zu", n,
                t->nfixes);
}

/* 1 if some path of skill s lists tool name. */
static int skill_cites(const struct kb_skill *s, const char *name)
{
    for (size_t k = 0; s && k < s->npaths; k++)
        for (size_t i = 0; i < s->paths[k].tools.n; i++)
            if (strcmp(s->paths[k].tools.v[i], name) == 0)
                return 1;
    return 0;
}

void kb_check_tools(const struct kb_product *p, struct kb_report *rep)
{
    for (size_t i = 0; i < p->ntools; i++) {
        const struct kb_tool *t = &p->tools[i];
        struct tc c = {.r = rep};
        snprintf(c.file, sizeof c.file, "%s/_tools.json", p->id);
        snprintf(c.where, sizeof c.where, "tools[%zu] (%s)", t->file_index, t->name);
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->tools[k].name, t->name) == 0)
                problem(&c, "name", "duplicate of tools[%zu]", p->tools[k].file_index);
        check_name(&c, p, t);
        check_effect(&c, t);
        check_schema(&c, t);
        check_limits(&c, t);
        check_fill(&c, t);
        check_checks(&c, t);
        check_fixes(&c, t);
        char f[200];
        snprintf(f, sizeof f, "%s: title", c.where);
        kb_check_string(rep, c.file, f, t->title);
        snprintf(f, sizeof f, "%s: description", c.where);
        kb_check_string(rep, c.file, f, t->description);
        snprintf(f, sizeof f, "%s: route.cues", c.where);
        kb_check_strs(rep, c.file, f, &t->cues);
        const struct kb_skill *owner = kb_skill_find(p, t->skill_id);
        if (owner && !skill_cites(owner, t->name))
            problem(&c, "skill", "no path of %s lists the tool in its tools", t->skill_id);
    }
}
