/* show.c - what skillctl prints for skilld's answers: a routed question, the tool list and one
 * tool, an ECS envelope (plan, result, denial) and a plain tool result. Layer: clients. Every
 * string from the server goes through skc_text_clean; confirmation tokens are never printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clients/skillctl/skillctl.h"

#define LABEL_W 12 /* column of the values after "Skill", "Path", ... */
#define NAME_COL_MAX 40
#define KIND_COL_MAX 40

/* SGR colours of skillctl's own labels; the codes follow ECMA-48. */
#define C_LABEL "1"
#define C_WARN "1;33"
#define C_BAD "1;31"
#define C_GOOD "32"
#define C_DIM "2"

static void paint(struct buf *out, const struct skc_style *st, const char *code)
{
    if (st->color)
        buf_printf(out, "\x1b[0%s%sm", code ? ";" : "", code ? code : "");
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void put_clean(struct buf *out, const char *s)
{
    if (s)
        skc_text_clean(out, s, strlen(s));
}

/* A value for a person: strings as they are, anything else as compact JSON; cleaned. */
static void put_value(struct buf *out, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        put_clean(out, v->valuestring);
        return;
    }
    char *j = cJSON_PrintUnformatted(v);
    put_clean(out, j);
    free(j);
}

/* "Label       value" with the value wrapped under itself; code colours the label. */
static void field(struct buf *out, const struct skc_style *st, const char *label, const char *code,
                  const char *value)
{
    struct buf first, text;
    buf_init(&first, 0);
    buf_init(&text, 0);
    paint(&first, st, code);
    buf_puts(&first, label);
    paint(&first, st, NULL);
    for (size_t i = strlen(label); i < LABEL_W; i++)
        buf_putc(&first, ' ');
    buf_putc(&first, ' ');
    put_clean(&text, value);
    for (size_t i = 0; i < text.len; i++)
        if (text.data[i] == '\n' || text.data[i] == '\t')
            text.data[i] = ' ';
    char cont[LABEL_W + 2];
    memset(cont, ' ', LABEL_W + 1);
    cont[LABEL_W + 1] = '\0';
    skc_wrap(out, text.data ? text.data : "", text.len, st->width, first.data, cont);
    buf_release(&first);
    buf_release(&text);
}

static void heading(struct buf *out, const struct skc_style *st, const char *title)
{
    paint(out, st, C_LABEL);
    buf_puts(out, title);
    paint(out, st, NULL);
    buf_putc(out, '\n');
}

/* An indented item line: "  mark text", wrapped under the text. */
static void item(struct buf *out, const struct skc_style *st, const char *mark, const char *code,
                 const char *text)
{
    struct buf first, t;
    buf_init(&first, 0);
    buf_init(&t, 0);
    buf_puts(&first, "  ");
    if (mark) {
        paint(&first, st, code);
        buf_puts(&first, mark);
        paint(&first, st, NULL);
        buf_putc(&first, ' ');
    }
    size_t w = skc_display_width(first.data, first.len);
    char cont[32];
    memset(cont, ' ', sizeof cont);
    cont[w < sizeof cont ? w : sizeof cont - 1] = '\0';
    put_clean(&t, text);
    for (size_t i = 0; i < t.len; i++)
        if (t.data[i] == '\n')
            t.data[i] = ' ';
    skc_wrap(out, t.data ? t.data : "", t.len, st->width, first.data, cont);
    buf_release(&first);
    buf_release(&t);
}

/* Pretty JSON, indented by two spaces per level, cleaned. */
static void json_block(struct buf *out, const cJSON *v)
{
    char *j = cJSON_Print(v);
    struct buf clean;
    buf_init(&clean, 0);
    put_clean(&clean, j);
    free(j);
    buf_puts(out, "  ");
    int line_start = 1;
    for (size_t i = 0; i < clean.len; i++) {
        char c = clean.data[i];
        if (c == '\t')
            buf_puts(out, line_start ? "  " : " "); /* cJSON indents, and follows ':', by tabs */
        else if (c == '\n')
            buf_puts(out, "\n  ");
        else
            buf_putc(out, c);
        line_start = c == '\n' || (line_start && c == '\t');
    }
    buf_putc(out, '\n');
    buf_release(&clean);
}

/* ---- Routed questions -----------------------------------------------------------------------*/

int skc_route_out_of_scope(const cJSON *route)
{
    const cJSON *skill = cJSON_GetObjectItemCaseSensitive(route, "skill");
    return !cJSON_IsObject(skill);
}

static void id_title(struct buf *b, const cJSON *o)
{
    const char *id = str(o, "id"), *title = str(o, "title");
    buf_printf(b, "%s%s%s", id ? id : "?", title ? " \xC2\xB7 " : "", title ? title : "");
}

void skc_route_render(struct buf *out, const cJSON *route, const struct skc_style *st)
{
    const cJSON *conf = cJSON_GetObjectItemCaseSensitive(route, "confidence");
    char num[32] = "";
    if (cJSON_IsNumber(conf))
        snprintf(num, sizeof num, "%.2f", conf->valuedouble);
    struct buf b;
    buf_init(&b, 0);
    if (skc_route_out_of_scope(route)) {
        const char *product = str(route, "product");
        const char *reason = str(cJSON_GetObjectItemCaseSensitive(route, "out_of_scope"), "reason");
        buf_printf(&b, "this question is not about %s%s%s%s", product ? product : "the product",
                   reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
        field(out, st, "Out of scope", C_WARN, b.data);
    } else {
        id_title(&b, cJSON_GetObjectItemCaseSensitive(route, "skill"));
        field(out, st, "Skill", C_LABEL, b.data);
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(route, "path");
        if (cJSON_IsObject(path)) {
            buf_reset(&b);
            id_title(&b, path);
            field(out, st, "Path", C_LABEL, b.data);
        }
        if (num[0])
            field(out, st, "Confidence", C_LABEL, num);
    }
    const cJSON *warnings = cJSON_GetObjectItemCaseSensitive(route, "warnings");
    const cJSON *w;
    cJSON_ArrayForEach(w, (cJSON_IsArray(warnings) ? warnings : NULL))
    {
        buf_reset(&b);
        const char *msg = str(w, "message"), *limit = str(w, "limit");
        buf_printf(&b, "%s%s%s%s", msg ? msg : "(no message)", limit ? " [" : "",
                   limit ? limit : "", limit ? "]" : "");
        field(out, st, "Warning", C_WARN, b.data);
    }
    buf_release(&b);
    const char *answer = str(route, "answer");
    if (answer && *answer) {
        buf_putc(out, '\n');
        skc_md_render(out, answer, strlen(answer), st);
    }
}

/* ---- Tools -----------------------------------------------------------------------------------*/

/* A hint with MCP's default when the server left it out. */
static int hint(const cJSON *tool, const char *name, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(tool, "annotations"), name);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

/* The colour of a tool's kind: read-only green, destructive red, other changes yellow. */
static const char *kind_colour(const cJSON *tool)
{
    if (hint(tool, "readOnlyHint", 0))
        return C_GOOD;
    return hint(tool, "destructiveHint", 1) ? C_BAD : C_WARN;
}

void skc_tool_kind(struct buf *out, const cJSON *tool)
{
    int ro = hint(tool, "readOnlyHint", 0);
    buf_puts(out, ro ? "read-only" : hint(tool, "destructiveHint", 1) ? "DESTRUCTIVE" : "changes");
    if (hint(tool, "idempotentHint", 0))
        buf_puts(out, ", idempotent");
    if (hint(tool, "openWorldHint", 1))
        buf_puts(out, ", open-world");
}

/* The tool's title, or the first sentence of its description. */
static void tool_title(struct buf *out, const cJSON *tool)
{
    const char *t = str(tool, "title");
    if (!t)
        t = str(cJSON_GetObjectItemCaseSensitive(tool, "annotations"), "title");
    if (t) {
        put_clean(out, t);
        return;
    }
    const char *d = str(tool, "description");
    if (!d)
        return;
    size_t n = strcspn(d, "\n");
    const char *dot = strstr(d, ". ");
    if (dot && (size_t)(dot - d) < n)
        n = (size_t)(dot - d);
    skc_text_clean(out, d, n);
}

void skc_tools_render(struct buf *out, const cJSON *tools, const struct skc_style *st)
{
    size_t name_w = 4, kind_w = 4;
    const cJSON *t;
    struct buf b;
    buf_init(&b, 0);
    cJSON_ArrayForEach(t, tools)
    {
        buf_reset(&b);
        put_clean(&b, str(t, "name"));
        size_t w = skc_display_width(b.data, b.len);
        name_w = w > name_w ? w : name_w;
        buf_reset(&b);
        skc_tool_kind(&b, t);
        kind_w = b.len > kind_w ? b.len : kind_w;
    }
    name_w = name_w < NAME_COL_MAX ? name_w : NAME_COL_MAX;
    kind_w = kind_w < KIND_COL_MAX ? kind_w : KIND_COL_MAX;
    cJSON_ArrayForEach(t, tools)
    {
        struct buf first;
        buf_init(&first, 0);
        buf_reset(&b);
        put_clean(&b, str(t, "name"));
        buf_puts(&first, b.data);
        for (size_t w = skc_display_width(b.data, b.len); w < name_w + 2; w++)
            buf_putc(&first, ' ');
        buf_reset(&b);
        skc_tool_kind(&b, t);
        paint(&first, st, kind_colour(t));
        buf_puts(&first, b.data);
        paint(&first, st, NULL);
        for (size_t w = b.len; w < kind_w + 2; w++)
            buf_putc(&first, ' ');
        buf_reset(&b);
        tool_title(&b, t);
        char cont[NAME_COL_MAX + KIND_COL_MAX + 8];
        memset(cont, ' ', name_w + kind_w + 4);
        cont[name_w + kind_w + 4] = '\0';
        skc_wrap(out, b.data ? b.data : "", b.len, st->width, first.data, cont);
        buf_release(&first);
    }
    buf_release(&b);
}

/* "string", "integer", "array of string", "one of a|b" ... for one property schema. */
static void type_words(struct buf *out, const cJSON *p)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "type");
    if (cJSON_IsString(type)) {
        buf_puts(out, type->valuestring);
        if (strcmp(type->valuestring, "array") == 0) {
            const cJSON *items = cJSON_GetObjectItemCaseSensitive(p, "items");
            const char *it = str(items, "type");
            if (it)
                buf_printf(out, " of %s", it);
        }
    } else if (cJSON_IsArray(type)) {
        const cJSON *t;
        int i = 0;
        cJSON_ArrayForEach(t, type) if (cJSON_IsString(t))
            buf_printf(out, "%s%s", i++ ? "|" : "", t->valuestring);
    } else if (str(p, "$ref")) {
        buf_puts(out, "object");
    } else {
        buf_puts(out, "any");
    }
}

void skc_tool_render(struct buf *out, const cJSON *tool, const struct skc_style *st)
{
    struct buf b;
    buf_init(&b, 0);
    paint(out, st, C_LABEL);
    put_clean(out, str(tool, "name"));
    paint(out, st, NULL);
    tool_title(&b, tool);
    if (b.len)
        buf_printf(out, " \xE2\x80\x94 %s", b.data);
    buf_putc(out, '\n');
    buf_reset(&b);
    skc_tool_kind(&b, tool);
    field(out, st, "Kind", kind_colour(tool), b.data);
    const char *d = str(tool, "description");
    if (d) {
        buf_putc(out, '\n');
        skc_md_render(out, d, strlen(d), st);
    }
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(tool, "inputSchema");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    struct buf example;
    buf_init(&example, 0);
    buf_puts(&example, "skillctl call ");
    put_clean(&example, str(tool, "name"));
    if (cJSON_IsObject(props) && props->child) {
        buf_putc(out, '\n');
        heading(out, st, "Arguments (* required)");
        const cJSON *p;
        cJSON_ArrayForEach(p, props)
        {
            int required = 0;
            const cJSON *r;
            cJSON_ArrayForEach(r, (cJSON_IsArray(req) ? req : NULL)) required |=
                cJSON_IsString(r) && strcmp(r->valuestring, p->string) == 0;
            buf_reset(&b);
            put_clean(&b, p->string);
            buf_puts(&b, required ? "* (" : " (");
            type_words(&b, p);
            const cJSON *en = cJSON_GetObjectItemCaseSensitive(p, "enum");
            if (cJSON_IsArray(en)) {
                buf_puts(&b, ": ");
                const cJSON *x;
                int i = 0;
                cJSON_ArrayForEach(x, en)
                {
                    buf_puts(&b, i++ ? " | " : "");
                    put_value(&b, x);
                }
            }
            const cJSON *dflt = cJSON_GetObjectItemCaseSensitive(p, "default");
            if (dflt) {
                buf_puts(&b, ", default ");
                put_value(&b, dflt);
            }
            buf_puts(&b, ")");
            const char *pd = str(p, "description");
            if (pd) {
                buf_puts(&b, " ");
                put_clean(&b, pd);
            }
            item(out, st, NULL, NULL, b.data);
            if (required) {
                buf_puts(&example, " ");
                put_clean(&example, p->string);
                buf_puts(&example, "=...");
            }
        }
    }
    buf_putc(out, '\n');
    field(out, st, "Call it", C_LABEL, example.data);
    buf_release(&example);
    buf_release(&b);
}

/* ---- ECS envelopes
 * -----------------------------------------------------------------------------*/

/* "tool -> Action" of an envelope. */
static void what(struct buf *b, const cJSON *env)
{
    const char *tool = str(env, "tool");
    const char *action = str(env, "action");
    if (!action)
        action = str(cJSON_GetObjectItemCaseSensitive(env, "plan"), "action");
    put_clean(b, tool ? tool : "(tool)");
    if (action) {
        buf_puts(b, " -> ");
        put_clean(b, action);
    }
}

/* An object's members as "name  value" items. */
static void members(struct buf *out, const struct skc_style *st, const char *title, const cJSON *o)
{
    if (!cJSON_IsObject(o) || !o->child)
        return;
    heading(out, st, title);
    struct buf b;
    buf_init(&b, 0);
    const cJSON *m;
    cJSON_ArrayForEach(m, o)
    {
        buf_reset(&b);
        put_clean(&b, m->string);
        buf_puts(&b, ": ");
        put_value(&b, m);
        item(out, st, NULL, NULL, b.data);
    }
    buf_release(&b);
}

/* Findings, reasons or warnings: [{rule, severity?, message}]. */
static void findings(struct buf *out, const struct skc_style *st, const char *title,
                     const cJSON *list, const char *mark, const char *code)
{
    if (!cJSON_IsArray(list) || !list->child)
        return;
    heading(out, st, title);
    struct buf b;
    buf_init(&b, 0);
    const cJSON *f;
    cJSON_ArrayForEach(f, list)
    {
        buf_reset(&b);
        const char *rule = str(f, "rule"), *msg = str(f, "message");
        const char *sev = str(f, "severity");
        if (cJSON_IsString(f))
            msg = f->valuestring;
        int deny = sev && strcmp(sev, "deny") == 0;
        if (rule)
            buf_printf(&b, "%s: ", rule);
        buf_puts(&b, msg ? msg : "(no message)");
        item(out, st, deny ? "\xE2\x9C\x97" : mark, deny ? C_BAD : code, b.data);
    }
    buf_release(&b);
}

void skc_outcome_render(struct buf *out, const cJSON *env, const struct skc_style *st)
{
    const char *status = str(env, "status");
    status = status ? status : "(no status)";
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(env, "plan");
    struct buf b;
    buf_init(&b, 0);
    what(&b, env);
    /* One row per status: its label and colour. To add a status: a row. */
    static const struct {
        const char *status, *label, *code;
    } rows[] = {
        {"planned", "Plan", C_WARN}, {"executed", "Executed", C_GOOD},
        {"ok", "OK", C_GOOD},        {"denied", "Denied", C_BAD},
        {"failed", "Failed", C_BAD}, {"incomplete", "Incomplete", C_WARN},
    };
    const char *label = status, *code = C_LABEL;
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        if (strcmp(rows[i].status, status) == 0)
            label = rows[i].label, code = rows[i].code;
    if (strcmp(status, "planned") == 0)
        buf_puts(&b, " (not executed)");
    field(out, st, label, code, b.data);
    const char *effect = str(plan, "effect");
    if (effect) {
        int destructive = strcmp(effect, "destructive") == 0;
        field(out, st, "Effect", destructive ? C_BAD : C_WARN,
              destructive ? "DESTRUCTIVE - it deletes or overwrites something"
                          : "changes resources");
    }
    if (str(env, "backend"))
        field(out, st, "Backend", C_LABEL, str(env, "backend"));
    if (str(env, "request_id"))
        field(out, st, "RequestId", C_LABEL, str(env, "request_id"));
    if (str(env, "expires_at"))
        field(out, st, "Expires", C_LABEL, str(env, "expires_at"));
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(env, "error");
    if (cJSON_IsObject(err)) {
        buf_reset(&b);
        const char *c = str(err, "code"), *m = str(err, "message"), *rid = str(err, "request_id");
        buf_printf(&b, "%s%s%s%s%s%s", c ? c : "", c ? ": " : "", m ? m : "(no message)",
                   rid ? " (RequestId " : "", rid ? rid : "", rid ? ")" : "");
        field(out, st, "Error", C_BAD, b.data);
    }
    const cJSON *missing = cJSON_GetObjectItemCaseSensitive(env, "missing");
    if (cJSON_IsArray(missing) && missing->child) {
        buf_reset(&b);
        const cJSON *m;
        int i = 0;
        cJSON_ArrayForEach(m, missing)
        {
            buf_puts(&b, i++ ? ", " : "");
            const char *name = cJSON_IsString(m) ? m->valuestring : str(m, "name");
            if (name)
                put_clean(&b, name);
            else
                put_value(&b, m);
        }
        field(out, st, "Missing", C_WARN, b.data);
    }
    members(out, st, "Parameters",
            cJSON_IsObject(plan) ? cJSON_GetObjectItemCaseSensitive(plan, "parameters")
                                 : cJSON_GetObjectItemCaseSensitive(env, "arguments"));
    if (str(plan, "cli")) {
        heading(out, st, "CLI");
        item(out, st, NULL, NULL, str(plan, "cli"));
    }
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(plan, "checks");
    if (cJSON_IsArray(checks) && checks->child) {
        heading(out, st, "Checks");
        const cJSON *c;
        cJSON_ArrayForEach(c, checks)
        {
            const char *name = str(c, "check"), *result = str(c, "result");
            int ok = result && strcmp(result, "passed") == 0;
            buf_reset(&b);
            buf_printf(&b, "%s %s", name ? name : "(check)", result ? result : "");
            item(out, st, ok ? "\xE2\x9C\x93" : "\xE2\x9C\x97", ok ? C_GOOD : C_BAD, b.data);
        }
    }
    findings(out, st, "Reasons", cJSON_GetObjectItemCaseSensitive(env, "reasons"), "\xE2\x9C\x97",
             C_BAD);
    findings(out, st, "Findings", cJSON_GetObjectItemCaseSensitive(env, "findings"), "!", C_WARN);
    findings(out, st, "Warnings", cJSON_GetObjectItemCaseSensitive(env, "warnings"), "!", C_WARN);
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(env, "result");
    if (result && !(cJSON_IsObject(result) && !result->child)) {
        heading(out, st, "Result");
        json_block(out, result);
    }
    buf_release(&b);
}

/* ---- Plain tool results ---------------------------------------------------------------------*/

void skc_result_render(struct buf *out, const cJSON *result, const struct skc_style *st)
{
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(result, "content");
    const cJSON *c;
    int first = 1;
    cJSON_ArrayForEach(c, (cJSON_IsArray(content) ? content : NULL))
    {
        const char *type = str(c, "type");
        if (!first)
            buf_putc(out, '\n');
        first = 0;
        if (type && strcmp(type, "text") == 0 && str(c, "text")) {
            const char *t = str(c, "text");
            skc_md_render(out, t, strlen(t), st);
        } else if (type && (strcmp(type, "image") == 0 || strcmp(type, "audio") == 0)) {
            const char *data = str(c, "data"), *mime = str(c, "mimeType");
            buf_printf(out, "[%s", type);
            if (mime) {
                buf_putc(out, ' ');
                put_clean(out, mime);
            }
            buf_printf(out, ", %zu bytes of base64]\n", data ? strlen(data) : 0);
        } else if (type && strcmp(type, "resource") == 0) {
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "resource");
            buf_puts(out, "[resource ");
            put_clean(out, str(r, "uri"));
            buf_puts(out, "]\n");
            if (str(r, "text"))
                skc_md_render(out, str(r, "text"), strlen(str(r, "text")), st);
        } else if (type && strcmp(type, "resource_link") == 0) {
            buf_puts(out, "[link ");
            put_clean(out, str(c, "name"));
            buf_puts(out, ": ");
            put_clean(out, str(c, "uri"));
            buf_puts(out, "]\n");
        } else {
            json_block(out, c);
        }
    }
    if (first) {
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
        if (sc)
            json_block(out, sc);
    }
}
