/* compose.c - the parts of an answer that come from entities: limit warnings (an entity
 * that collides with a documented limit) and suggested tools with arguments filled from
 * the entities. Layer: router. */
#include "router/rt_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Which entity kind a limit's "entity" field names. To add one: a row. */
static const struct {
    const char *name;
    enum rt_entity_kind kind;
} limit_entities[] = {
    {"size_bytes", RT_ENT_SIZE},          {"size_gib", RT_ENT_SIZE},
    {"size_tib", RT_ENT_SIZE},            {"size", RT_ENT_SIZE},
    {"count_instances", RT_ENT_COUNT_INSTANCES}, {"count_disks", RT_ENT_COUNT_DISKS},
    {"count_accounts", RT_ENT_COUNT_ACCOUNTS},   {"count_regions", RT_ENT_COUNT_REGIONS},
    {"image_format", RT_ENT_IMAGE_FORMAT}, {"port", RT_ENT_PORT},
};

/* A limit's unit in the entity's scale (sizes are in bytes). */
static double unit_scale(const char *unit)
{
    if (strcmp(unit, "GiB") == 0)
        return 1073741824.0;
    if (strcmp(unit, "TiB") == 0)
        return 1099511627776.0;
    return 1.0;
}

static int entity_kind_of(const char *name, enum rt_entity_kind *ret)
{
    for (size_t i = 0; name && i < ARRAY_LEN(limit_entities); i++)
        if (strcmp(limit_entities[i].name, name) == 0) {
            *ret = limit_entities[i].kind;
            return 1;
        }
    return 0;
}

static void fmt_num(char *out, size_t cap, double v, const char *unit)
{
    if (strcmp(unit, "count") == 0)
        unit = "";
    if (v == (double)(long long)v)
        snprintf(out, cap, "%lld%s%s", (long long)v, *unit ? " " : "", unit);
    else
        snprintf(out, cap, "%.2f%s%s", v, *unit ? " " : "", unit);
}

/* How an entity collides with a limit, and the words for it per language. A question asked
 * in Chinese (or mixed) gets the Chinese sentence when the limit has one (kb_limit.text_zh). */
enum why { WHY_ABOVE_MAX, WHY_BELOW_MIN, WHY_EXCEEDS, WHY_NOT_ACCEPTED };
static const struct {
    const char *en, *zh;
} why_words[] = {
    [WHY_ABOVE_MAX] = {"is above the maximum of", "超过上限"},
    [WHY_BELOW_MIN] = {"is below the minimum of", "低于下限"},
    [WHY_EXCEEDS] = {"exceeds the limit of", "超出限制"},
    [WHY_NOT_ACCEPTED] = {"is not an accepted value", "不是允许的取值"},
};

static void warn(struct rt_result *res, const struct kb_limit *l, const struct rt_entity *en,
                 enum why why, const char *lim)
{
    if (res->nwarnings == RT_WARNINGS_MAX)
        return;
    struct rt_warning *w = &res->warnings[res->nwarnings++];
    w->limit = l;
    w->entity = en;
    int zh = (strcmp(res->lang, "zh") == 0 || strcmp(res->lang, "mixed") == 0) && l->text_zh &&
             l->text_zh[0];
    if (zh)
        snprintf(w->text, sizeof w->text, "%s %s%s%s：%s", en->text, why_words[why].zh,
                 lim[0] ? " " : "", lim, l->text_zh);
    else
        snprintf(w->text, sizeof w->text, "%s %s%s%s: %s", en->text, why_words[why].en,
                 lim[0] ? " " : "", lim, l->text);
}

/* Compare one entity with one limit. */
static void check_limit(struct rt_result *res, const struct kb_limit *l,
                        const struct rt_entity *en)
{
    char lim[64];
    if (l->values.n > 0) {
        for (size_t i = 0; i < l->values.n; i++)
            if (strcasecmp(l->values.v[i], en->value) == 0)
                return;
        warn(res, l, en, WHY_NOT_ACCEPTED, "");
        return;
    }
    if (strcmp(l->unit, "count") != 0 && strcmp(l->unit, "bytes") != 0 &&
        strcmp(l->unit, "GiB") != 0 && strcmp(l->unit, "TiB") != 0)
        return;
    double scale = unit_scale(l->unit);
    double v = en->number / scale;
    if (l->has_max) {
        if (v > l->max) {
            fmt_num(lim, sizeof lim, l->max, l->unit);
            warn(res, l, en, WHY_ABOVE_MAX, lim);
        } else if (v < l->value) {
            fmt_num(lim, sizeof lim, l->value, l->unit);
            warn(res, l, en, WHY_BELOW_MIN, lim);
        }
    } else if (v > l->value) {
        fmt_num(lim, sizeof lim, l->value, l->unit);
        warn(res, l, en, WHY_EXCEEDS, lim);
    }
}

/* 1 if limit l is worth a warning on path p: it lists no paths, or lists p. */
static int limit_on_path(const struct kb_limit *l, const struct kb_path *p)
{
    if (l->paths.n == 0)
        return 1;
    for (size_t i = 0; p && i < l->paths.n; i++)
        if (strcmp(l->paths.v[i], p->id) == 0)
            return 1;
    return 0;
}

void rt_compose_warnings(struct rt_result *res)
{
    const struct kb_skill *s = res->skill;
    if (!s)
        return;
    for (size_t i = 0; i < s->nlimits; i++) {
        const struct kb_limit *l = &s->limits[i];
        enum rt_entity_kind k;
        if (!entity_kind_of(l->entity, &k) || !limit_on_path(l, res->path))
            continue;
        for (size_t j = 0; j < res->nentities; j++)
            if (res->entities[j].kind == k)
                check_limit(res, l, &res->entities[j]);
    }
}

/* ---- Tools -------------------------------------------------------------------------
 * Suggestions are the chosen path's catalogue tools (knowledge/<product>/_tools.json), each
 * with the arguments its route.fill can take from the query's entities. Nothing here names a
 * tool or an argument: the catalogue does. */

/* Which entity kinds feed each fill source the router extracts today, in order of
 * preference. Sources of the catalogue's vocabulary without a row (command_content, name,
 * ...) are not extracted yet and so never filled. To feed a source: a row. */
static const struct {
    enum kb_source source;
    enum rt_entity_kind kinds[2];
    size_t nkinds;
} sources[] = {
    {KB_SRC_INSTANCE_ID, {RT_ENT_INSTANCE_ID}, 1},
    {KB_SRC_SECURITY_GROUP_ID, {RT_ENT_SG_ID}, 1},
    {KB_SRC_ENI_ID, {RT_ENT_ENI_ID}, 1},
    {KB_SRC_DISK_ID, {RT_ENT_DISK_ID}, 1},
    {KB_SRC_SNAPSHOT_ID, {RT_ENT_SNAPSHOT_ID}, 1},
    {KB_SRC_IMAGE_ID, {RT_ENT_IMAGE_ID}, 1},
    {KB_SRC_SNAPSHOT_POLICY_ID, {RT_ENT_POLICY_ID}, 1},
    {KB_SRC_COMMAND_ID, {RT_ENT_COMMAND_ID}, 1},
    {KB_SRC_INVOCATION_ID, {RT_ENT_INVOCATION_ID}, 1},
    {KB_SRC_REGION, {RT_ENT_REGION}, 1},
    {KB_SRC_ZONE, {RT_ENT_ZONE}, 1},
    {KB_SRC_PORT, {RT_ENT_PORT}, 1},
    {KB_SRC_PORT_RANGE, {RT_ENT_PORT, RT_ENT_PORT_RANGE}, 2},
    {KB_SRC_PROTOCOL, {RT_ENT_PORT, RT_ENT_PORT_RANGE}, 2}, /* "tcp" wherever a port is named */
    {KB_SRC_CIDR, {RT_ENT_CIDR}, 1},
    {KB_SRC_SIZE_GIB, {RT_ENT_SIZE}, 1},
    {KB_SRC_COUNT, {RT_ENT_COUNT_INSTANCES}, 1},
    {KB_SRC_IMAGE_FORMAT, {RT_ENT_IMAGE_FORMAT}, 1},
};

/* The entity kind that feeds source s in this result (the first preferred kind present), or
 * -1 when the source is not extracted or absent. */
static int source_kind(const struct rt_result *res, enum kb_source s)
{
    for (size_t i = 0; i < ARRAY_LEN(sources); i++) {
        if (sources[i].source != s)
            continue;
        for (size_t k = 0; k < sources[i].nkinds; k++)
            for (size_t j = 0; j < res->nentities; j++)
                if (res->entities[j].kind == sources[i].kinds[k])
                    return (int)sources[i].kinds[k];
    }
    return -1;
}

static const struct rt_entity *first_of(const struct rt_result *res, int kind)
{
    for (size_t i = 0; i < res->nentities; i++)
        if ((int)res->entities[i].kind == kind)
            return &res->entities[i];
    return NULL;
}

/* Append s as a JSON string (quotes and escapes) to b. */
static void json_str(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            buf_printf(b, "\\%c", *c);
        else if (*c < 0x20)
            buf_printf(b, "\\u%04x", *c);
        else
            buf_putc(b, (char)*c);
    }
    buf_putc(b, '"');
}

/* The JSON list of every value of entity kind `kind`: ["i-1","i-2"]. */
static void json_list(struct buf *b, const struct rt_result *res, int kind)
{
    buf_putc(b, '[');
    int first = 1;
    for (size_t i = 0; i < res->nentities; i++) {
        if ((int)res->entities[i].kind != kind)
            continue;
        if (!first)
            buf_putc(b, ',');
        json_str(b, res->entities[i].value);
        first = 0;
    }
    buf_putc(b, ']');
}

/* Write the value of fill row x as JSON text into b; 0 when the query has nothing for it. */
static int fill_value(const struct rt_result *res, const struct kb_tool_fill *x, struct buf *b)
{
    int kind = source_kind(res, x->from);
    const struct rt_entity *en = kind < 0 ? NULL : first_of(res, kind);
    if (!en)
        return 0;
    double num = kind == RT_ENT_SIZE ? en->number / 1073741824.0 : en->number;
    switch (x->as) {
    case KB_AS_STRING:
    case KB_AS_PORT_RANGE: /* port and range entities hold "from/to" already */
        json_str(b, en->value);
        break;
    case KB_AS_NUMBER:
        buf_printf(b, "%.15g", num);
        break;
    case KB_AS_INTEGER:
        buf_printf(b, "%lld", (long long)llround(num));
        break;
    case KB_AS_BOOLEAN:
        buf_puts(b, strcasecmp(en->value, "false") == 0 || strcasecmp(en->value, "no") == 0 ||
                            strcmp(en->value, "0") == 0
                        ? "false"
                        : "true");
        break;
    case KB_AS_LIST:
        json_list(b, res, kind);
        break;
    case KB_AS_JSON_LIST: {
        struct buf inner;
        buf_init(&inner, RT_ARG_MAX);
        json_list(&inner, res, kind);
        json_str(b, inner.data ? inner.data : "[]");
        buf_release(&inner);
        break;
    }
    case KB_AS_PROTOCOL: /* the router names no protocol word yet: a port means TCP */
        json_str(b, "tcp");
        break;
    }
    return 1;
}

/* Store JSON text v as argument name of t; 0 when t is full or v does not fit. */
static int put_arg(struct rt_tool *t, const char *name, const struct buf *v)
{
    if (t->nargs == RT_TOOL_ARGS_MAX || !v->data || v->len >= RT_ARG_MAX)
        return 0;
    t->arg_names[t->nargs] = name;
    memcpy(t->arg_values[t->nargs], v->data, v->len + 1);
    t->nargs++;
    return 1;
}

/* Fill the arguments of t from its entry's route.fill; returns how many fill rows found a
 * value. Rows "Name[].Field" of one Name become one argument: an array of one object. */
static size_t fill_tool(const struct rt_result *res, const struct kb_tool *entry,
                        struct rt_tool *t)
{
    size_t filled = 0;
    t->nargs = 0;
    for (size_t r = 0; r < entry->nfill; r++) {
        const struct kb_tool_fill *x = &entry->fill[r];
        struct buf v;
        buf_init(&v, RT_ARG_MAX);
        if (!x->arg.field) {
            if (fill_value(res, x, &v)) {
                filled++;
                put_arg(t, x->arg.name, &v);
            }
            buf_release(&v);
            continue;
        }
        /* The first row of this Name gathers every row of the same Name. */
        int seen = 0;
        for (size_t k = 0; k < r && !seen; k++)
            seen = entry->fill[k].arg.field && strcmp(entry->fill[k].arg.name, x->arg.name) == 0;
        if (seen) {
            buf_release(&v);
            continue;
        }
        size_t fields = 0;
        buf_puts(&v, "[{");
        for (size_t k = r; k < entry->nfill; k++) {
            const struct kb_tool_fill *y = &entry->fill[k];
            if (!y->arg.field || strcmp(y->arg.name, x->arg.name) != 0)
                continue;
            struct buf one;
            buf_init(&one, RT_ARG_MAX);
            if (fill_value(res, y, &one)) {
                buf_printf(&v, "%s", fields ? "," : "");
                json_str(&v, y->arg.field);
                buf_printf(&v, ":%s", one.data);
                fields++;
            }
            buf_release(&one);
        }
        buf_puts(&v, "}]");
        filled += fields;
        if (fields)
            put_arg(t, x->arg.name, &v);
        buf_release(&v);
    }
    return filled;
}

/* 1 if an API entity of the query names the entry's action. */
static int api_named(const struct rt_result *res, const struct kb_tool *entry)
{
    for (size_t j = 0; entry->action && j < res->nentities; j++)
        if (res->entities[j].kind == RT_ENT_API &&
            strcmp(res->entities[j].value, entry->action) == 0)
            return 1;
    return 0;
}

#define COMPOSE_CANDIDATES_MAX 64 /* tools of one path considered for suggestions */

void rt_compose_tools(struct rt_result *res)
{
    if (!res->path)
        return;
    const struct kb_strs *names = &res->path->tools;
    const struct kb_tool *const *entries = res->path->tool_entries;
    if (names->n == 0) {
        names = &res->skill->tools;
        entries = NULL;
    }
    /* Rank: named by an API entity first, then by filled arguments; stable otherwise. The
     * ranking pass fills into one scratch tool; the chosen ones are filled again in place. */
    const struct kb_tool *cand[COMPOSE_CANDIDATES_MAX];
    int rank[COMPOSE_CANDIDATES_MAX];
    size_t n = 0;
    struct rt_tool *scratch = &res->tools[0];
    for (size_t i = 0; i < names->n && n < COMPOSE_CANDIDATES_MAX; i++) {
        const struct kb_tool *entry = entries ? entries[i] : kb_tool_find(res->product, names->v[i]);
        if (!entry)
            continue;
        cand[n] = entry;
        rank[n] = api_named(res, entry) * 100 + (int)fill_tool(res, entry, scratch);
        n++;
    }
    res->ntools = 0;
    for (size_t k = 0; k < RT_TOOLS_MAX && n > 0; k++) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (rank[i] > rank[best])
                best = i;
        if (rank[best] < 0)
            break;
        struct rt_tool *t = &res->tools[res->ntools++];
        memset(t, 0, sizeof *t);
        t->name = cand[best]->name;
        t->entry = cand[best];
        fill_tool(res, cand[best], t);
        rank[best] = -1;
    }
}
