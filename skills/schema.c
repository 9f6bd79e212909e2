/* schema.c - validates an instance against a compiled JSON Schema (schema_compile.c) and
 * reports every violation as a finding that names the field path and the rule. Runs on every
 * tool call: no allocation on the common path, bounded work on hostile input. Layer: skills. */
#include "skills/schema_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How failures are reported. anyOf, oneOf and not try subschemas without reporting what
 * fails in them: V_QUIET only learns whether a subschema holds, V_FIRST also keeps the first
 * message, which anyOf and oneOf quote when no branch holds. Both stop at the first failure. */
enum vmode {
    V_ALL,   /* every finding into out */
    V_FIRST, /* the first message into first[], then stop */
    V_QUIET, /* nothing, stop at the first failure */
};

struct vctx {
    const struct sk_schema *s;
    enum vmode mode;
    struct sk_findings *out; /* V_ALL */
    char *first;             /* V_FIRST: the first message, SK_FINDING_MSG_MAX bytes */
    const char *first_rule;  /* V_FIRST: its rule */
    int failed;              /* V_FIRST, V_QUIET: something failed */
    int too_deep;            /* the scan found a value past SCHEMA_DEPTH_MAX */
    struct spath path;       /* the instance path of the value being checked */
    pcre2_match_data *md;    /* created at the first pattern, freed at the end */
};

/* 1 once checking more cannot change what is reported. */
static int done(const struct vctx *c)
{
    return c->mode == V_ALL ? c->out->n >= SK_FINDINGS_MAX : c->failed;
}

static int loud(const struct vctx *c)
{
    return c->mode != V_QUIET;
}

/* Record a failure; 1 when nothing more is wanted (V_QUIET), so that callers skip building
 * the message: `if (!quiet_fail(c)) emit(...)`. */
static int quiet_fail(struct vctx *c)
{
    c->failed = 1;
    return c->mode == V_QUIET;
}

/* Report one failure at the current path: "path: message". */
static void emit(struct vctx *c, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void emit(struct vctx *c, const char *rule, const char *fmt, ...)
{
    c->failed = 1;
    if (c->mode == V_QUIET)
        return;
    char msg[SK_FINDING_MSG_MAX];
    spath_render(&c->path, msg, SCHEMA_PATH_BUF);
    size_t k = strlen(msg);
    k += (size_t)snprintf(msg + k, sizeof msg - k, ": ");
    va_list ap;
    va_start(ap, fmt);
    if (k < sizeof msg)
        vsnprintf(msg + k, sizeof msg - k, fmt, ap);
    va_end(ap);
    sjson_trim_utf8(msg);
    if (c->mode == V_FIRST) {
        if (!c->first_rule) {
            snprintf(c->first, SK_FINDING_MSG_MAX, "%s", msg);
            c->first_rule = rule;
        }
        return;
    }
    sk_findings_add(c->out, SK_DENY, rule, "%s", msg);
}

static int validate(struct vctx *c, const struct snode *n, const cJSON *v, const char *via);

/* Run n over v in another mode; first (V_FIRST) receives the first message. The path and
 * the match data are shared; the mode and its state are restored. */
static int try_schema(struct vctx *c, enum vmode mode, const struct snode *n, const cJSON *v,
                      char *first, const char **ret_rule)
{
    enum vmode mode0 = c->mode;
    char *first0 = c->first;
    const char *rule0 = c->first_rule;
    int failed0 = c->failed;
    c->mode = mode;
    c->first = first;
    c->first_rule = NULL;
    c->failed = 0;
    if (first)
        first[0] = '\0';
    int ok = validate(c, n, v, NULL);
    if (ret_rule)
        *ret_rule = c->first_rule;
    c->mode = mode0;
    c->first = first0;
    c->first_rule = rule0;
    c->failed = failed0;
    return ok;
}

/* ---- Patterns ---------------------------------------------------------------------------*/

/* 1 match, 0 no match, else a negative PCRE2 error (the subject could not be checked). */
static int match(struct vctx *c, const struct spattern *p, const char *s)
{
    if (!c->md)
        c->md = pcre2_match_data_create(1, c->s->gctx);
    int rc = pcre2_match(p->re, (PCRE2_SPTR)s, strlen(s), 0, 0, c->md, c->s->mctx);
    if (rc >= 0) /* 0: matched, the ovector is too small for the groups (we need none) */
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

/* Why a subject could not be checked. */
static const char *match_error(int rc)
{
    if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
        return "it is not valid UTF-8";
    switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
    case PCRE2_ERROR_JIT_STACKLIMIT:
        return "matching took too long (the match limit was reached)";
    default:
        return "the regular expression engine failed";
    }
}

static const char *pattern_shown(const struct spattern *p, char buf[SCHEMA_VALUE_BUF * 2])
{
    sjson_text(p->source, strlen(p->source), SCHEMA_PATTERN_SHOWN, 0, buf, SCHEMA_VALUE_BUF * 2);
    return buf;
}

/* ---- Keyword checks, by instance type ------------------------------------------------------*/

static const char *value_shown(const cJSON *v, char buf[SCHEMA_VALUE_BUF])
{
    sjson_value(v, buf, SCHEMA_VALUE_BUF);
    return buf;
}

static const char *bound_shown(const struct snode *n, enum sbound b, char buf[40])
{
    sjson_number(n->bound[b], buf, 40);
    return buf;
}

static int has(const struct snode *n, enum sbound b)
{
    return (n->bounds >> b) & 1u;
}

static void type_error(struct vctx *c, const struct snode *n, const cJSON *v, unsigned t)
{
    if (quiet_fail(c))
        return;
    char val[SCHEMA_VALUE_BUF], want[128];
    unsigned want_bits = n->types & ~ST_PRESENT;
    if (want_bits && !(want_bits & (want_bits - 1))) {
        snprintf(want, sizeof want, "%s", sjson_type_word(want_bits, 1));
    } else {
        size_t k = (size_t)snprintf(want, sizeof want, "one of the types");
        for (unsigned bit = 1; bit < ST_PRESENT && k < sizeof want; bit <<= 1)
            if (want_bits & bit)
                k += (size_t)snprintf(want + k, sizeof want - k, "%s%s",
                                      k > strlen("one of the types") ? ", " : " ",
                                      sjson_type_word(bit, 0));
    }
    emit(c, "schema.type", "%s is %s, not %s", value_shown(v, val),
         sjson_type_word(t & ~ST_INTEGER, 1), want);
}

/* The values of enum, comma-separated, cut after SCHEMA_ENUM_SHOWN bytes. */
static void enum_list(const cJSON *values, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (const cJSON *e = values->child; e; e = e->next) {
        char val[SCHEMA_VALUE_BUF];
        sjson_value(e, val, sizeof val);
        if (k + strlen(val) + 2 > SCHEMA_ENUM_SHOWN || k + strlen(val) + 8 > cap) {
            snprintf(out + k, cap - k, "%s\xe2\x80\xa6", k ? ", " : "");
            return;
        }
        k += (size_t)snprintf(out + k, cap - k, "%s%s", k ? ", " : "", val);
    }
}

static int check_enum_const(struct vctx *c, const struct snode *n, const cJSON *v)
{
    int ok = 1;
    char val[SCHEMA_VALUE_BUF], want[SCHEMA_ENUM_SHOWN + SCHEMA_VALUE_BUF];
    if (n->enum_values) {
        const cJSON *e = n->enum_values->child;
        while (e && !sjson_equal(v, e))
            e = e->next;
        if (!e) {
            ok = 0;
            if (!quiet_fail(c)) {
                enum_list(n->enum_values, want, sizeof want);
                emit(c, "schema.enum", "%s is not one of the allowed values: %s",
                     value_shown(v, val), want);
            }
        }
    }
    if (n->const_value && !done(c) && !sjson_equal(v, n->const_value)) {
        ok = 0;
        if (!quiet_fail(c))
            emit(c, "schema.const", "%s is not the required value %s", value_shown(v, val),
                 value_shown(n->const_value, want));
    }
    return ok;
}

static int check_string(struct vctx *c, const struct snode *n, const cJSON *v)
{
    int ok = 1;
    const char *s = v->valuestring;
    char val[SCHEMA_VALUE_BUF], lim[40];
    if (has(n, SB_MIN_LENGTH) || has(n, SB_MAX_LENGTH)) {
        size_t len = utf8_count(s, strlen(s));
        if (has(n, SB_MIN_LENGTH) && (double)len < n->bound[SB_MIN_LENGTH]) {
            ok = 0;
            if (!quiet_fail(c))
                emit(c, "schema.min_length",
                     "%s has %zu characters, fewer than the minimum length %s", value_shown(v, val),
                     len, bound_shown(n, SB_MIN_LENGTH, lim));
        }
        if (has(n, SB_MAX_LENGTH) && (double)len > n->bound[SB_MAX_LENGTH] && !done(c)) {
            ok = 0;
            if (!quiet_fail(c))
                emit(c, "schema.max_length",
                     "%s has %zu characters, more than the maximum length %s", value_shown(v, val),
                     len, bound_shown(n, SB_MAX_LENGTH, lim));
        }
    }
    if (n->pattern.re && !done(c)) {
        int rc = match(c, &n->pattern, s);
        char pat[SCHEMA_VALUE_BUF * 2];
        if (rc != 1)
            ok = 0;
        if (rc == 0 && !quiet_fail(c))
            emit(c, "schema.pattern", "%s does not match pattern %s", value_shown(v, val),
                 pattern_shown(&n->pattern, pat));
        else if (rc < 0 && !quiet_fail(c))
            emit(c, "schema.pattern", "%s cannot be checked against pattern %s: %s",
                 value_shown(v, val), pattern_shown(&n->pattern, pat), match_error(rc));
    }
    return ok;
}

/* x is a multiple of m (> 0) when x / m is an integer. Exact when fmod says so; otherwise a
 * quotient within 1e-9 of an integer counts, so that decimal steps written in binary
 * (0.0075 and 0.0001) behave as the schema's author meant. An infinite quotient is not. */
static int multiple_of(double x, double m)
{
    if (fmod(x, m) == 0)
        return 1;
    double q = x / m;
    return isfinite(q) && fabs(q - nearbyint(q)) < 1e-9;
}

static int below(double x, double lim)
{
    return x < lim;
}
static int above(double x, double lim)
{
    return x > lim;
}
static int at_or_below(double x, double lim)
{
    return x <= lim;
}
static int at_or_above(double x, double lim)
{
    return x >= lim;
}
static int not_multiple(double x, double m)
{
    return !multiple_of(x, m);
}

/* The numeric keywords, one row each: the instance x fails when fails(x, bound) says so. */
static const struct {
    enum sbound b;
    int (*fails)(double x, double bound);
    const char *rule, *text;
} number_rows[] = {
    {SB_MINIMUM, below, "schema.minimum", "is less than the minimum"},
    {SB_MAXIMUM, above, "schema.maximum", "is greater than the maximum"},
    {SB_EXCL_MINIMUM, at_or_below, "schema.exclusive_minimum",
     "is not greater than the exclusive minimum"},
    {SB_EXCL_MAXIMUM, at_or_above, "schema.exclusive_maximum",
     "is not less than the exclusive maximum"},
    {SB_MULTIPLE_OF, not_multiple, "schema.multiple_of", "is not a multiple of"},
};

static int check_number(struct vctx *c, const struct snode *n, const cJSON *v)
{
    int ok = 1;
    for (size_t i = 0; i < ARRAY_LEN(number_rows) && !done(c); i++) {
        enum sbound b = number_rows[i].b;
        if (!has(n, b) || !number_rows[i].fails(v->valuedouble, n->bound[b]))
            continue;
        ok = 0;
        if (!quiet_fail(c)) {
            char val[SCHEMA_VALUE_BUF], lim[40];
            emit(c, number_rows[i].rule, "%s %s %s", value_shown(v, val), number_rows[i].text,
                 bound_shown(n, b, lim));
        }
    }
    return ok;
}

/* ---- Arrays ------------------------------------------------------------------------------*/

#define UNIQUE_SMALL 16 /* items compared pairwise; longer arrays are grouped by hash first */

struct hashed {
    uint64_t h;
    size_t i;
    const cJSON *v;
};

static int cmp_hashed(const void *a, const void *b)
{
    const struct hashed *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static void report_repeat(struct vctx *c, const cJSON *item, size_t i, size_t first)
{
    char val[SCHEMA_VALUE_BUF];
    if (quiet_fail(c))
        return;
    spath_push_index(&c->path, i);
    emit(c, "schema.unique_items", "%s is the same as item %zu; items must be unique",
         value_shown(item, val), first);
    spath_pop(&c->path);
}

static int check_unique(struct vctx *c, const cJSON *arr, size_t count)
{
    int ok = 1;
    if (count <= UNIQUE_SMALL) {
        size_t i = 0;
        for (const cJSON *a = arr->child; a && !done(c); a = a->next, i++) {
            size_t j = 0;
            for (const cJSON *b = arr->child; b != a; b = b->next, j++)
                if (sjson_equal(a, b)) {
                    ok = 0;
                    report_repeat(c, a, i, j);
                    break;
                }
        }
        return ok;
    }
    /* Long arrays: sort by (hash, index) and compare within runs of equal hashes only. */
    struct hashed *h = xmalloc(count * sizeof *h);
    size_t *first = xmalloc(count * sizeof *first), n = 0;
    for (const cJSON *a = arr->child; a && n < count; a = a->next, n++) {
        h[n] = (struct hashed){sjson_hash(a), n, a};
        first[n] = SIZE_MAX;
    }
    qsort(h, n, sizeof *h, cmp_hashed);
    for (size_t r = 0; r < n;) {
        size_t end = r + 1;
        while (end < n && h[end].h == h[r].h)
            end++;
        for (size_t k = r + 1; k < end; k++)
            for (size_t j = r; j < k; j++)
                if (sjson_equal(h[k].v, h[j].v)) {
                    first[h[k].i] = h[j].i;
                    break;
                }
        r = end;
    }
    size_t i = 0;
    for (const cJSON *a = arr->child; a && i < n && !done(c); a = a->next, i++)
        if (first[i] != SIZE_MAX) {
            ok = 0;
            report_repeat(c, a, i, first[i]);
        }
    free(h);
    free(first);
    return ok;
}

static int check_array(struct vctx *c, const struct snode *n, const cJSON *v)
{
    int ok = 1;
    size_t count = 0;
    for (const cJSON *a = v->child; a; a = a->next)
        count++;
    char lim[40];
    if (has(n, SB_MIN_ITEMS) && (double)count < n->bound[SB_MIN_ITEMS]) {
        ok = 0;
        emit(c, "schema.min_items", "has %zu items, fewer than the minimum %s", count,
             bound_shown(n, SB_MIN_ITEMS, lim));
    }
    if (has(n, SB_MAX_ITEMS) && (double)count > n->bound[SB_MAX_ITEMS] && !done(c)) {
        ok = 0;
        emit(c, "schema.max_items", "has %zu items, more than the maximum %s", count,
             bound_shown(n, SB_MAX_ITEMS, lim));
    }
    const struct slist_v *prefix = &n->list[SL_PREFIX_ITEMS];
    const struct snode *items = n->sub[SS_ITEMS];
    if (prefix->n || items) {
        size_t i = 0;
        for (const cJSON *a = v->child; a && !done(c); a = a->next, i++) {
            const struct snode *sub = i < prefix->n ? prefix->v[i] : items;
            if (!sub)
                break;
            spath_push_index(&c->path, i);
            if (sub == items && items->is_bool && !items->accept) {
                ok = 0;
                emit(c, "schema.items", "unexpected item (items is false: at most %zu allowed)",
                     prefix->n);
            } else if (!validate(c, sub, a,
                                 i < prefix->n ? "schema.prefix_items" : "schema.items")) {
                ok = 0;
            }
            spath_pop(&c->path);
        }
    }
    if (n->unique_items && count > 1 && !done(c))
        ok &= check_unique(c, v, count);
    return ok;
}

/* ---- Objects -----------------------------------------------------------------------------*/

static int cmp_prop_key(const void *key, const void *elem)
{
    return strcmp(key, ((const struct sprop *)elem)->name);
}

/* The names of properties, comma-separated, cut after SCHEMA_ENUM_SHOWN bytes. */
static void known_list(const struct snode *n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n->nprops; i++) {
        char name[SCHEMA_VALUE_BUF];
        sjson_text(n->props[i].name, strlen(n->props[i].name), SCHEMA_QUOTE_MAX, 0, name,
                   sizeof name);
        if (k + strlen(name) + 2 > SCHEMA_ENUM_SHOWN || k + strlen(name) + 8 > cap) {
            snprintf(out + k, cap - k, "%s\xe2\x80\xa6", k ? ", " : "");
            return;
        }
        k += (size_t)snprintf(out + k, cap - k, "%s%s", k ? ", " : "", name);
    }
}

/* The failures of check_member, out of line so that the recursion's frames stay small. */
__attribute__((noinline)) static void name_unchecked(struct vctx *c, const struct spatprop *pp,
                                                     int rc)
{
    char pat[SCHEMA_VALUE_BUF * 2];
    if (!quiet_fail(c))
        emit(c, "schema.pattern_properties", "the name cannot be checked against %s: %s",
             pattern_shown(&pp->pat, pat), match_error(rc));
}

__attribute__((noinline)) static void unknown_property(struct vctx *c, const struct snode *n)
{
    char known[SCHEMA_ENUM_SHOWN + SCHEMA_VALUE_BUF];
    if (quiet_fail(c))
        return;
    if (n->nprops)
        known_list(n, known, sizeof known);
    emit(c, "schema.additional_properties", "unknown property (additionalProperties is false)%s%s",
         n->nprops ? "; known properties: " : "", n->nprops ? known : "");
}

static int check_member(struct vctx *c, const struct snode *n, const cJSON *m)
{
    int ok = 1, matched = 0;
    const struct sprop *p =
        n->nprops ? bsearch(m->string, n->props, n->nprops, sizeof *n->props, cmp_prop_key) : NULL;
    if (p) {
        matched = 1;
        ok &= validate(c, p->schema, m, "schema.properties");
    }
    for (size_t i = 0; i < n->npatprops && !done(c); i++) {
        const struct spatprop *pp = &n->patprops[i];
        int rc = match(c, &pp->pat, m->string);
        if (rc < 0) {
            matched = 1, ok = 0;
            name_unchecked(c, pp, rc);
        } else if (rc > 0) {
            matched = 1;
            ok &= validate(c, pp->schema, m, "schema.pattern_properties");
        }
    }
    const struct snode *add = n->sub[SS_ADDITIONAL];
    if (matched || !add || done(c))
        return ok;
    if (add->is_bool && !add->accept) {
        unknown_property(c, n);
        return 0;
    }
    return validate(c, add, m, "schema.additional_properties") && ok;
}

static int check_object(struct vctx *c, const struct snode *n, const cJSON *v)
{
    int ok = 1;
    size_t count = 0;
    int members = n->nprops || n->npatprops || n->sub[SS_ADDITIONAL];
    for (const cJSON *m = v->child; m; m = m->next) {
        count++;
        if (!members || done(c))
            continue;
        spath_push_name(&c->path, m->string);
        ok &= check_member(c, n, m);
        spath_pop(&c->path);
    }
    for (size_t i = 0; i < n->nrequired && !done(c); i++) {
        if (cJSON_GetObjectItemCaseSensitive(v, n->required[i]))
            continue;
        ok = 0;
        spath_push_name(&c->path, n->required[i]);
        emit(c, "schema.required", "required property is missing");
        spath_pop(&c->path);
    }
    char lim[40];
    if (has(n, SB_MIN_PROPERTIES) && (double)count < n->bound[SB_MIN_PROPERTIES] && !done(c)) {
        ok = 0;
        emit(c, "schema.min_properties", "has %zu properties, fewer than the minimum %s", count,
             bound_shown(n, SB_MIN_PROPERTIES, lim));
    }
    if (has(n, SB_MAX_PROPERTIES) && (double)count > n->bound[SB_MAX_PROPERTIES] && !done(c)) {
        ok = 0;
        emit(c, "schema.max_properties", "has %zu properties, more than the maximum %s", count,
             bound_shown(n, SB_MAX_PROPERTIES, lim));
    }
    return ok;
}

/* ---- Combinators -------------------------------------------------------------------------*/

/* Try every branch of anyOf or oneOf; returns how many hold (oneOf stops at two), with the
 * first two that hold in held[] and, when none holds, the most telling first failure in
 * why (a branch that failed on something other than its type, else the first branch). */
static size_t try_branches(struct vctx *c, const struct slist_v *l, const cJSON *v, size_t stop_at,
                           size_t held[2], char why[SK_FINDING_MSG_MAX], size_t *why_branch)
{
    size_t holds = 0;
    int why_is_type = 1;
    char msg[SK_FINDING_MSG_MAX];
    why[0] = '\0';
    *why_branch = 0;
    for (size_t i = 0; i < l->n && holds < stop_at; i++) {
        const char *rule = NULL;
        if (try_schema(c, loud(c) ? V_FIRST : V_QUIET, l->v[i], v, loud(c) ? msg : NULL, &rule)) {
            if (holds < 2)
                held[holds] = i;
            holds++;
        } else if (loud(c) && (i == 0 || (why_is_type && rule && strcmp(rule, "schema.type")))) {
            snprintf(why, SK_FINDING_MSG_MAX, "%s", msg);
            *why_branch = i;
            why_is_type = !rule || strcmp(rule, "schema.type") == 0;
        }
    }
    return holds;
}

__attribute__((noinline)) static void matches_not(struct vctx *c, const cJSON *v)
{
    char val[SCHEMA_VALUE_BUF];
    if (!quiet_fail(c))
        emit(c, "schema.not", "%s must not match the schema in not", value_shown(v, val));
}

static int check_combinators(struct vctx *c, const struct snode *n, const cJSON *v)
{
    int ok = 1;
    const struct slist_v *all = &n->list[SL_ALL_OF], *any = &n->list[SL_ANY_OF],
                         *one = &n->list[SL_ONE_OF];
    for (size_t i = 0; i < all->n && !done(c); i++)
        ok &= validate(c, all->v[i], v, "schema.all_of");
    size_t held[2] = {0, 0}, why_branch;
    char why[SK_FINDING_MSG_MAX];
    if (any->n && !done(c) && try_branches(c, any, v, 1, held, why, &why_branch) == 0) {
        ok = 0;
        emit(c, "schema.any_of", "matches none of the %zu schemas in anyOf (anyOf[%zu] fails: %s)",
             any->n, why_branch, why);
    }
    if (one->n && !done(c)) {
        size_t holds = try_branches(c, one, v, 2, held, why, &why_branch);
        if (holds == 0) {
            ok = 0;
            emit(c, "schema.one_of",
                 "matches none of the %zu schemas in oneOf (oneOf[%zu] fails: %s)", one->n,
                 why_branch, why);
        } else if (holds > 1) {
            ok = 0;
            emit(c, "schema.one_of",
                 "matches more than one schema in oneOf (oneOf[%zu] and oneOf[%zu]); exactly one "
                 "must match",
                 held[0], held[1]);
        }
    }
    if (n->sub[SS_NOT] && !done(c) && try_schema(c, V_QUIET, n->sub[SS_NOT], v, NULL, NULL)) {
        ok = 0;
        matches_not(c, v);
    }
    return ok;
}

/* ---- The walk ----------------------------------------------------------------------------*/

/* 1 when v holds against n. via is the rule of the keyword that led here ("schema.items"),
 * used when n is the false schema; NULL at the root and in combinators' own runs. */
static int validate(struct vctx *c, const struct snode *n, const cJSON *v, const char *via)
{
    if (n->is_bool) {
        if (n->accept)
            return 1;
        emit(c, via ? via : "schema.false", "%s",
             via && strcmp(via, "schema.properties") == 0
                 ? "the property is not allowed (its schema is false)"
                 : "no value is allowed here (the schema is false)");
        return 0;
    }
    unsigned t = sjson_type(v);
    int ok = 1;
    if (n->types && !(n->types & t)) {
        ok = 0;
        type_error(c, n, v, t);
    }
    if ((n->enum_values || n->const_value) && !done(c))
        ok &= check_enum_const(c, n, v);
    if (!done(c)) {
        if (t & ST_STRING)
            ok &= check_string(c, n, v);
        else if (t & ST_NUMBER)
            ok &= check_number(c, n, v);
        else if (t & ST_ARRAY)
            ok &= check_array(c, n, v);
        else if (t & ST_OBJECT)
            ok &= check_object(c, n, v);
    }
    if (!done(c))
        ok &= check_combinators(c, n, v);
    return ok && !(c->mode != V_ALL && c->failed);
}

static int on_duplicate(void *ctx, const struct spath *p)
{
    struct vctx *c = ctx;
    c->path = *p; /* the scan's own path; c->path is not in use yet */
    emit(c, "schema.duplicate_key",
         "the member appears more than once in the object (send each name once)");
    c->path.n = 0;
    return done(c);
}

static int on_too_deep(void *ctx, const struct spath *p)
{
    struct vctx *c = ctx;
    c->too_deep = 1;
    c->path = *p;
    emit(c, "schema.depth", "the value is nested deeper than %d levels", SCHEMA_DEPTH_MAX);
    c->path.n = 0;
    return done(c);
}

size_t sk_schema_validate(const sk_schema *s, const cJSON *instance, struct sk_findings *out)
{
    size_t before = out->n;
    struct vctx c = {.s = s, .mode = V_ALL, .out = out};
    if (!instance) {
        emit(&c, "schema.type", "no value was given");
        return out->n - before;
    }
    /* Duplicate names and depth first, over the whole instance: a guardrail must see the
     * value that will be sent, and equality and hashing below recurse without a limit of
     * their own. */
    struct sjson_scan_cb cb = {.ctx = &c, .duplicate = on_duplicate, .too_deep = on_too_deep};
    struct spath scan_path = {.n = 0};
    sjson_scan(instance, &scan_path, &cb);
    if (!c.too_deep && !done(&c))
        validate(&c, s->root, instance, NULL);
    pcre2_match_data_free(c.md);
    return out->n - before;
}
