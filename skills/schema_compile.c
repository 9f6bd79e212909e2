/* schema_compile.c - turns a JSON Schema (2020-12, the keywords of skills.h) into the compiled
 * form schema.c validates with: keyword values checked, patterns compiled once, enum and const
 * copied, properties sorted. Unknown keywords are refused by name. Layer: skills. */
#include "skills/schema_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cctx {
    struct spath path;           /* where in the schema document we are */
    pcre2_general_context *gctx; /* PCRE2 allocates through xmalloc */
    pcre2_compile_context *ccx;
    struct err *e;
    err_code scan_code; /* what the document scan found, when it stopped */
};

/* Record "path: message" (the first failure wins) and return code. */
static err_code cfail(struct cctx *c, err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static err_code cfail(struct cctx *c, err_code code, const char *fmt, ...)
{
    char where[SCHEMA_PATH_SHOWN + 8], msg[ERR_MSG_MAX];
    spath_render(&c->path, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sjson_trim_utf8(msg);
    err_set(c->e, code, "%s: %s", where, msg);
    sjson_trim_utf8(c->e ? c->e->msg : msg);
    return code;
}

/* A name from the schema, escaped and bounded for a message. */
#define NAME_BUF (SCHEMA_QUOTE_MAX * 6 + 8)
static const char *shown(const char *s, char buf[NAME_BUF])
{
    sjson_text(s, strlen(s), SCHEMA_QUOTE_MAX, 0, buf, NAME_BUF);
    return buf;
}

static err_code compile_node(struct cctx *c, const cJSON *v, struct snode **ret);

/* A subschema under the keyword (and name or index, when not NULL / SIZE_MAX). */
static err_code compile_sub(struct cctx *c, const char *kw, const char *name, size_t index,
                            const cJSON *v, struct snode **ret)
{
    spath_push_name(&c->path, kw);
    if (name)
        spath_push_name(&c->path, name);
    else if (index != SIZE_MAX)
        spath_push_index(&c->path, index);
    err_code rc = compile_node(c, v, ret);
    if (name || index != SIZE_MAX)
        spath_pop(&c->path);
    spath_pop(&c->path);
    return rc;
}

static err_code compile_pattern(struct cctx *c, const char *kw, const char *src,
                                struct spattern *ret)
{
    int ec;
    PCRE2_SIZE off;
    /* UTF mode; '$' only at the very end, as in ECMA-262 (PCRE2's default also matches
     * before a final newline, which would let "i-abc\n" pass ^i-[a-z0-9]+$); no \C, which
     * could split a character. */
    uint32_t opts = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opts, &ec, &off, c->ccx);
    if (!re) {
        PCRE2_UCHAR why[160];
        char b[NAME_BUF];
        pcre2_get_error_message(ec, why, sizeof why);
        return cfail(c, ERR_INVALID, "'%s' %s is not a valid regular expression: %s at offset %zu",
                     kw, shown(src, b), (const char *)why, (size_t)off);
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* best effort: the interpreter is the fallback */
    ret->re = re;
    ret->source = xstrdup(src);
    return ERR_OK;
}

/* ---- Keyword parsers: one per kind of keyword value -------------------------------------- */

struct kw;
typedef err_code (*kw_parse)(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row);

/* One row per supported keyword; arg is the SB_, SS_ or SL_ index the parser fills.
 * To support a keyword: add its row here (a parser fills the snode) and its check in
 * schema.c. */
struct kw {
    const char *name;
    kw_parse parse;
    int arg;
};

static err_code p_type(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    char b[NAME_BUF];
    n->types = ST_PRESENT;
    if (cJSON_IsString(v)) {
        unsigned bit = sjson_type_bit(v->valuestring);
        if (!bit)
            return cfail(c, ERR_INVALID, "'type' names an unknown type '%s'",
                         shown(v->valuestring, b));
        n->types |= bit;
        return ERR_OK;
    }
    if (!cJSON_IsArray(v))
        return cfail(c, ERR_INVALID, "'type' must be a string or an array of strings");
    for (const cJSON *t = v->child; t; t = t->next) {
        unsigned bit = cJSON_IsString(t) ? sjson_type_bit(t->valuestring) : 0;
        if (!bit)
            return cfail(c, ERR_INVALID,
                         "'type' must list known type names (null, boolean, "
                         "object, array, number, string, integer)");
        if (n->types & bit)
            return cfail(c, ERR_INVALID, "'type' lists '%s' twice", t->valuestring); /* known */
        n->types |= bit;
    }
    return ERR_OK;
}

static int cmp_prop(const void *a, const void *b)
{
    return strcmp(((const struct sprop *)a)->name, ((const struct sprop *)b)->name);
}

static err_code p_properties(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (!cJSON_IsObject(v))
        return cfail(c, ERR_INVALID, "'properties' must be an object");
    size_t count = (size_t)cJSON_GetArraySize(v);
    n->props = xcalloc(count ? count : 1, sizeof *n->props);
    for (const cJSON *m = v->child; m; m = m->next) {
        struct sprop *p = &n->props[n->nprops++];
        p->name = xstrdup(m->string);
        err_code rc = compile_sub(c, row->name, m->string, SIZE_MAX, m, &p->schema);
        if (rc)
            return rc;
    }
    qsort(n->props, n->nprops, sizeof *n->props, cmp_prop);
    return ERR_OK;
}

static err_code p_pattern_properties(struct cctx *c, struct snode *n, const cJSON *v,
                                     const struct kw *row)
{
    if (!cJSON_IsObject(v))
        return cfail(c, ERR_INVALID, "'patternProperties' must be an object");
    size_t count = (size_t)cJSON_GetArraySize(v);
    n->patprops = xcalloc(count ? count : 1, sizeof *n->patprops);
    for (const cJSON *m = v->child; m; m = m->next) {
        struct spatprop *p = &n->patprops[n->npatprops++];
        err_code rc = compile_pattern(c, row->name, m->string, &p->pat);
        if (!rc)
            rc = compile_sub(c, row->name, m->string, SIZE_MAX, m, &p->schema);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

static err_code p_required(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (!cJSON_IsArray(v))
        return cfail(c, ERR_INVALID, "'required' must be an array of strings");
    size_t count = (size_t)cJSON_GetArraySize(v);
    n->required = xcalloc(count ? count : 1, sizeof *n->required);
    for (const cJSON *s = v->child; s; s = s->next) {
        if (!cJSON_IsString(s))
            return cfail(c, ERR_INVALID, "'required' must be an array of strings");
        for (size_t i = 0; i < n->nrequired; i++)
            if (strcmp(n->required[i], s->valuestring) == 0) {
                char b[NAME_BUF];
                return cfail(c, ERR_INVALID, "'required' lists '%s' twice",
                             shown(s->valuestring, b));
            }
        n->required[n->nrequired++] = xstrdup(s->valuestring);
    }
    return ERR_OK;
}

static err_code p_sub(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (row->arg == SS_ITEMS && cJSON_IsArray(v)) /* draft 7 and before */
        return cfail(c, ERR_INVALID,
                     "'items' must be a schema (2020-12); an array of schemas "
                     "for the first items is 'prefixItems'");
    return compile_sub(c, row->name, NULL, SIZE_MAX, v, &n->sub[row->arg]);
}

static err_code p_list(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    size_t count = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 0;
    if (!count)
        return cfail(c, ERR_INVALID, "'%s' must be a non-empty array of schemas", row->name);
    struct slist_v *l = &n->list[row->arg];
    l->v = xcalloc(count, sizeof *l->v);
    size_t i = 0;
    for (const cJSON *s = v->child; s; s = s->next, i++) {
        l->n = i + 1;
        err_code rc = compile_sub(c, row->name, NULL, i, s, &l->v[i]);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

/* minLength, maxLength, minItems, maxItems, minProperties, maxProperties. */
static err_code p_count(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (!cJSON_IsNumber(v) || !(sjson_type(v) & ST_INTEGER) || v->valuedouble < 0)
        return cfail(c, ERR_INVALID, "'%s' must be a non-negative integer", row->name);
    n->bounds |= 1u << row->arg;
    n->bound[row->arg] = v->valuedouble;
    return ERR_OK;
}

/* minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf (> 0). */
static err_code p_number(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return cfail(c, ERR_INVALID, "'%s' must be a number", row->name);
    if (row->arg == SB_MULTIPLE_OF && !(v->valuedouble > 0))
        return cfail(c, ERR_INVALID, "'multipleOf' must be greater than 0");
    n->bounds |= 1u << row->arg;
    n->bound[row->arg] = v->valuedouble;
    return ERR_OK;
}

static err_code p_pattern(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (!cJSON_IsString(v))
        return cfail(c, ERR_INVALID, "'pattern' must be a string");
    return compile_pattern(c, row->name, v->valuestring, &n->pattern);
}

static err_code p_enum(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (!cJSON_IsArray(v))
        return cfail(c, ERR_INVALID, "'enum' must be an array");
    n->enum_values = cJSON_Duplicate(v, 1);
    return ERR_OK;
}

static err_code p_const(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    n->const_value = cJSON_Duplicate(v, 1);
    return ERR_OK;
}

static err_code p_unique(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (!cJSON_IsBool(v))
        return cfail(c, ERR_INVALID, "'uniqueItems' must be a boolean");
    n->unique_items = cJSON_IsTrue(v);
    return ERR_OK;
}

/* Annotations: checked for their type, then ignored by validation. */
static err_code p_string_note(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    return cJSON_IsString(v) ? ERR_OK : cfail(c, ERR_INVALID, "'%s' must be a string", row->name);
}

static err_code p_bool_note(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    return cJSON_IsBool(v) ? ERR_OK : cfail(c, ERR_INVALID, "'%s' must be a boolean", row->name);
}

static err_code p_any_note(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    return ERR_OK;
}

static err_code p_examples(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    return cJSON_IsArray(v) ? ERR_OK : cfail(c, ERR_INVALID, "'examples' must be an array");
}

/* $schema: only the 2020-12 dialect, and only at the root (the only resource root, since $id
 * is not supported). */
static err_code p_dialect(struct cctx *c, struct snode *n, const cJSON *v, const struct kw *row)
{
    if (!cJSON_IsString(v))
        return cfail(c, ERR_INVALID, "'$schema' must be a string");
    if (c->path.n != 0)
        return cfail(c, ERR_INVALID, "'$schema' is allowed only at the root of a schema");
    size_t len = strlen(SCHEMA_DIALECT);
    const char *s = v->valuestring;
    if (strncmp(s, SCHEMA_DIALECT, len) != 0 || (s[len] && strcmp(s + len, "#") != 0)) {
        char b[NAME_BUF];
        return cfail(c, ERR_UNSUPPORTED, "'$schema' names the dialect %s; only %s is supported",
                     shown(s, b), SCHEMA_DIALECT);
    }
    return ERR_OK;
}

static const struct kw keywords[] = {
    {"type", p_type, 0},
    {"properties", p_properties, 0},
    {"required", p_required, 0},
    {"additionalProperties", p_sub, SS_ADDITIONAL},
    {"patternProperties", p_pattern_properties, 0},
    {"enum", p_enum, 0},
    {"const", p_const, 0},
    {"pattern", p_pattern, 0},
    {"minLength", p_count, SB_MIN_LENGTH},
    {"maxLength", p_count, SB_MAX_LENGTH},
    {"minimum", p_number, SB_MINIMUM},
    {"maximum", p_number, SB_MAXIMUM},
    {"exclusiveMinimum", p_number, SB_EXCL_MINIMUM},
    {"exclusiveMaximum", p_number, SB_EXCL_MAXIMUM},
    {"multipleOf", p_number, SB_MULTIPLE_OF},
    {"items", p_sub, SS_ITEMS},
    {"prefixItems", p_list, SL_PREFIX_ITEMS},
    {"minItems", p_count, SB_MIN_ITEMS},
    {"maxItems", p_count, SB_MAX_ITEMS},
    {"uniqueItems", p_unique, 0},
    {"minProperties", p_count, SB_MIN_PROPERTIES},
    {"maxProperties", p_count, SB_MAX_PROPERTIES},
    {"allOf", p_list, SL_ALL_OF},
    {"anyOf", p_list, SL_ANY_OF},
    {"oneOf", p_list, SL_ONE_OF},
    {"not", p_sub, SS_NOT},
    /* annotations */
    {"title", p_string_note, 0},
    {"description", p_string_note, 0},
    {"$comment", p_string_note, 0},
    {"format", p_string_note, 0},
    {"default", p_any_note, 0},
    {"examples", p_examples, 0},
    {"readOnly", p_bool_note, 0},
    {"writeOnly", p_bool_note, 0},
    {"deprecated", p_bool_note, 0},
    {"$schema", p_dialect, 0},
};

static err_code compile_node(struct cctx *c, const cJSON *v, struct snode **ret)
{
    struct snode *n = xcalloc(1, sizeof *n);
    *ret = n; /* the caller frees it, half-built or not */
    if (cJSON_IsBool(v)) {
        n->is_bool = 1;
        n->accept = cJSON_IsTrue(v);
        return ERR_OK;
    }
    if (!cJSON_IsObject(v))
        return cfail(c, ERR_INVALID, "a schema must be an object or a boolean, not %s",
                     sjson_type_word(sjson_type(v) & ~ST_INTEGER, 1));
    for (const cJSON *m = v->child; m; m = m->next) {
        const struct kw *row = NULL;
        for (size_t i = 0; i < ARRAY_LEN(keywords) && !row; i++)
            if (strcmp(keywords[i].name, m->string) == 0)
                row = &keywords[i];
        if (!row) {
            char b[NAME_BUF];
            return cfail(c, ERR_UNSUPPORTED, "keyword '%s' is not supported", shown(m->string, b));
        }
        err_code rc = row->parse(c, n, m, row);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

/* ---- The document scan: duplicate member names and depth, before anything is compiled ---- */

static int on_duplicate(void *ctx, const struct spath *p)
{
    struct cctx *c = ctx;
    char where[SCHEMA_PATH_SHOWN + 8];
    spath_render(p, where, sizeof where);
    c->scan_code = err_set(c->e, ERR_INVALID,
                           "%s: the member appears more than once in the "
                           "schema",
                           where);
    return 1;
}

static int on_too_deep(void *ctx, const struct spath *p)
{
    struct cctx *c = ctx;
    char where[SCHEMA_PATH_SHOWN + 8];
    spath_render(p, where, sizeof where);
    c->scan_code = err_set(c->e, ERR_TOO_BIG, "%s: the schema is nested deeper than %d levels",
                           where, SCHEMA_DEPTH_MAX);
    return 1;
}

static void *pcre_alloc(PCRE2_SIZE n, void *data)
{
    return xmalloc(n ? n : 1);
}

static void pcre_free(void *p, void *data)
{
    free(p);
}

void snode_free(struct snode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nprops; i++) {
        free(n->props[i].name);
        snode_free(n->props[i].schema);
    }
    free(n->props);
    for (size_t i = 0; i < n->npatprops; i++) {
        free(n->patprops[i].pat.source);
        pcre2_code_free(n->patprops[i].pat.re);
        snode_free(n->patprops[i].schema);
    }
    free(n->patprops);
    for (size_t i = 0; i < n->nrequired; i++)
        free(n->required[i]);
    free(n->required);
    cJSON_Delete(n->enum_values);
    cJSON_Delete(n->const_value);
    free(n->pattern.source);
    pcre2_code_free(n->pattern.re);
    for (size_t i = 0; i < SS__COUNT; i++)
        snode_free(n->sub[i]);
    for (size_t i = 0; i < SL__COUNT; i++) {
        for (size_t k = 0; k < n->list[i].n; k++)
            snode_free(n->list[i].v[k]);
        free(n->list[i].v);
    }
    free(n);
}

err_code sk_schema_compile(const cJSON *schema, sk_schema **ret, struct err *e)
{
    *ret = NULL;
    struct cctx c = {.e = e};
    if (!schema)
        return err_set(e, ERR_INVALID, "(root): no schema given");
    struct sjson_scan_cb cb = {.ctx = &c, .duplicate = on_duplicate, .too_deep = on_too_deep};
    if (sjson_scan(schema, &c.path, &cb))
        return c.scan_code;

    struct sk_schema *s = xcalloc(1, sizeof *s);
    s->gctx = pcre2_general_context_create(pcre_alloc, pcre_free, NULL);
    c.gctx = s->gctx;
    c.ccx = pcre2_compile_context_create(s->gctx);
    err_code rc = compile_node(&c, schema, &s->root);
    pcre2_compile_context_free(c.ccx);
    if (rc) {
        sk_schema_free(s);
        return rc;
    }
    s->mctx = pcre2_match_context_create(s->gctx);
    pcre2_set_match_limit(s->mctx, SCHEMA_MATCH_LIMIT);
    pcre2_set_depth_limit(s->mctx, SCHEMA_MATCH_DEPTH);
    pcre2_set_heap_limit(s->mctx, SCHEMA_MATCH_HEAP_KIB);
    *ret = s;
    return ERR_OK;
}

void sk_schema_free(sk_schema *s)
{
    if (!s)
        return;
    snode_free(s->root);
    pcre2_match_context_free(s->mctx);
    pcre2_general_context_free(s->gctx);
    free(s);
}
