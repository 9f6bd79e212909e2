/* limits.c - the documented limits a tool checks before any request: counts of list items,
 * Base64 sizes of content, name lengths, numeric ranges and accepted values, read from the
 * knowledge (never restated here) and raised by the policy's quota overrides. Layer: skills. */
#include "skills/sk_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

/* Collect the values at an argument path into out (borrowed pointers). */
static size_t collect(const cJSON *args, const struct kb_arg_path *path, const cJSON **out,
                      size_t max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, path->name);
    if (!v || !max)
        return 0;
    if (!path->field) {
        out[0] = v;
        return 1;
    }
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, path->field);
        if (f && n < max)
            out[n++] = f;
        if (path->first_only)
            break;
    }
    return n;
}

static double items(const cJSON *v)
{
    if (cJSON_IsArray(v))
        return cJSON_GetArraySize(v);
    if (cJSON_IsString(v) && v->valuestring[0] == '[') {
        cJSON *a = cJSON_Parse(v->valuestring);
        double n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 1;
        cJSON_Delete(a);
        return n;
    }
    return 1;
}

/* Content already in Base64 counts as it is; plain text counts as its encoding. */
static double base64_bytes(const cJSON *args, const cJSON *v)
{
    if (!cJSON_IsString(v))
        return 0;
    const char *enc[] = {"ContentEncoding", "ContentType"};
    for (size_t i = 0; i < ARRAY_LEN(enc); i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(args, enc[i]);
        if (cJSON_IsString(e) && strcasecmp(e->valuestring, "Base64") == 0)
            return (double)strlen(v->valuestring);
    }
    return (double)sk_base64_len(strlen(v->valuestring));
}

/* A value the API always takes in Base64 (UserData): its decoded size; undecodable counts as
 * its own length, and the schema or the backend refuses it. */
static double decoded_bytes(const cJSON *v)
{
    if (!cJSON_IsString(v))
        return 0;
    char *out = NULL;
    size_t n = 0;
    if (sk_base64_decode(v->valuestring, &out, &n) != ERR_OK)
        n = strlen(v->valuestring);
    free(out);
    return (double)n;
}

static int number_of(const cJSON *v, double *ret)
{
    if (cJSON_IsNumber(v)) {
        *ret = v->valuedouble;
        return 1;
    }
    if (cJSON_IsString(v)) {
        char *end = NULL;
        double d = strtod(v->valuestring, &end);
        if (end != v->valuestring && *end == '\0' && isfinite(d)) {
            *ret = d;
            return 1;
        }
    }
    return 0;
}

static const char *unit_word(const struct kb_limit *l, enum kb_measure m)
{
    switch (m) {
    case KB_MEASURE_ITEMS: return "items";
    case KB_MEASURE_BASE64_BYTES: return "bytes in Base64";
    case KB_MEASURE_DECODED_BYTES: return "bytes";
    case KB_MEASURE_CHARS: return "characters";
    default: return l->unit;
    }
}

static int excepted(const struct kb_tool_limit *tl, double v)
{
    for (size_t i = 0; i < tl->nexcept; i++)
        if (tl->except[i] == v)
            return 1;
    return 0;
}

void sk_limits_run(const sk_registry *r, const struct kb_tool *t, const cJSON *args,
                   struct sk_findings *f)
{
    for (size_t i = 0; i < t->nlimits; i++) {
        const struct kb_tool_limit *tl = &t->limits[i];
        const struct kb_limit *l = tl->limit;
        const cJSON *vals[64];
        size_t nv = collect(args, &tl->arg, vals, ARRAY_LEN(vals));
        char rule[SK_RULE_MAX];
        snprintf(rule, sizeof rule, "limit.%s", l->id);
        for (size_t k = 0; k < nv; k++) {
            const cJSON *v = vals[k];
            if (tl->measure == KB_MEASURE_ENUM) {
                if (!cJSON_IsString(v))
                    continue;
                int ok = 0;
                for (size_t j = 0; j < l->values.n && !ok; j++)
                    ok = strcasecmp(l->values.v[j], v->valuestring) == 0;
                if (!ok)
                    sk_findings_add(f, SK_DENY, rule, "%s is \"%.40s\"; %s", tl->arg.text,
                                    v->valuestring, l->text);
                continue;
            }
            double got = 0;
            switch (tl->measure) {
            case KB_MEASURE_ITEMS: got = items(v); break;
            case KB_MEASURE_BASE64_BYTES: got = base64_bytes(args, v); break;
            case KB_MEASURE_DECODED_BYTES: got = decoded_bytes(v); break;
            case KB_MEASURE_CHARS:
                if (!cJSON_IsString(v))
                    continue;
                got = (double)utf8_count(v->valuestring, strlen(v->valuestring));
                break;
            case KB_MEASURE_VALUE:
                if (!number_of(v, &got))
                    continue;
                break;
            case KB_MEASURE_ENUM: break;
            }
            if (excepted(tl, got))
                continue; /* a documented sentinel (-1 = keep forever) */
            /* A range [value, max]; otherwise value is the most allowed. The policy may raise
             * the upper bound to the account's quota. */
            double lo = l->has_max ? l->value : -INFINITY;
            double hi = sk_policy_limit(r->policy, l->id, l->has_max ? l->max : l->value);
            if (got < lo || got > hi) {
                if (l->has_max)
                    sk_findings_add(f, SK_DENY, rule, "%s is %g %s, outside %g-%g; %s",
                                    tl->arg.text, got, unit_word(l, tl->measure), lo, hi, l->text);
                else
                    sk_findings_add(f, SK_DENY, rule, "%s is %g %s, over %g; %s", tl->arg.text,
                                    got, unit_word(l, tl->measure), hi, l->text);
            }
        }
    }
}
