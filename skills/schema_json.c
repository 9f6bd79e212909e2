/* schema_json.c - JSON helpers of the schema validator: field paths and bounded, escaped
 * rendering of values for messages, instance types, deep equality and its hash, and the scan
 * for duplicate member names and excessive depth. Layer: skills (private to the validator). */
#include "skills/schema_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */

/* ---- Types ---------------------------------------------------------------------------- */

/* One row per name of the type keyword. */
static const struct {
    unsigned bit;
    const char *name, *with_article;
} types[] = {
    {ST_NULL, "null", "null"},
    {ST_BOOLEAN, "boolean", "a boolean"},
    {ST_OBJECT, "object", "an object"},
    {ST_ARRAY, "array", "an array"},
    {ST_NUMBER, "number", "a number"},
    {ST_STRING, "string", "a string"},
    {ST_INTEGER, "integer", "an integer"},
};

unsigned sjson_type(const cJSON *v)
{
    switch (v->type & 0xff) {
    case cJSON_NULL:
        return ST_NULL;
    case cJSON_False:
    case cJSON_True:
        return ST_BOOLEAN;
    case cJSON_Object:
        return ST_OBJECT;
    case cJSON_Array:
        return ST_ARRAY;
    case cJSON_String:
        return ST_STRING;
    case cJSON_Number:
        return isfinite(v->valuedouble) && floor(v->valuedouble) == v->valuedouble
                   ? ST_NUMBER | ST_INTEGER
                   : ST_NUMBER;
    default:
        return 0;
    }
}

unsigned sjson_type_bit(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(types); i++)
        if (strcmp(types[i].name, name) == 0)
            return types[i].bit;
    return 0;
}

const char *sjson_type_word(unsigned bit, int article)
{
    for (size_t i = 0; i < ARRAY_LEN(types); i++)
        if (types[i].bit == bit)
            return article ? types[i].with_article : types[i].name;
    return article ? "an unknown value" : "unknown";
}

/* ---- A bounded writer -------------------------------------------------------------------
 * Appends to out[0..cap) while keeping room for the closing ellipsis, a quote and the NUL.
 * Once full (bytes or code points), it stops; w_finish closes the text. */
#define W_TAIL (sizeof ELLIPSIS + 1) /* "…" + '"' + NUL */

struct w {
    char *out;
    size_t cap, len;
    size_t cp_left; /* code points still allowed */
    int full;
};

static void w_init(struct w *w, char *out, size_t cap, size_t max_cp)
{
    w->out = out;
    w->cap = cap;
    w->len = 0;
    w->cp_left = max_cp;
    w->full = cap <= W_TAIL;
    if (cap)
        out[0] = '\0';
}

/* Raw bytes that count as `cps` code points; all or nothing. */
static int w_put(struct w *w, const char *s, size_t n, size_t cps)
{
    if (w->full || cps > w->cp_left || w->len + n + W_TAIL > w->cap) {
        w->full = 1;
        return -1;
    }
    memcpy(w->out + w->len, s, n);
    w->len += n;
    w->out[w->len] = '\0';
    w->cp_left -= cps;
    return 0;
}

/* Close the text: "…" when something was left out, then the quote if one is open. */
static void w_finish(struct w *w, int close_quote)
{
    if (w->cap <= W_TAIL) { /* too small for anything: leave it empty */
        if (w->cap)
            w->out[0] = '\0';
        return;
    }
    if (w->full) {
        memcpy(w->out + w->len, ELLIPSIS, sizeof ELLIPSIS - 1);
        w->len += sizeof ELLIPSIS - 1;
    }
    if (close_quote)
        w->out[w->len++] = '"';
    w->out[w->len] = '\0';
}

/* 1 for a code point shown escaped: C0, DEL, C1, the line and paragraph separators, and the
 * invisible direction and byte-order marks that could make a message read differently. */
static int must_escape(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

/* One code point, escaped when needed; quoted text also escapes '"' and '\\'. */
static int w_char(struct w *w, uint32_t cp, int quoted)
{
    char tmp[8];
    size_t n;
    if (quoted && (cp == '"' || cp == '\\')) {
        tmp[0] = '\\';
        tmp[1] = (char)cp;
        n = 2;
    } else if (must_escape(cp)) {
        static const char short_esc[] = {
            ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
        if (cp < sizeof short_esc && short_esc[cp]) {
            tmp[0] = '\\';
            tmp[1] = short_esc[cp];
            n = 2;
        } else {
            n = (size_t)snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)cp);
        }
    } else {
        n = utf8_encode(cp, tmp);
    }
    return w_put(w, tmp, n, 1);
}

static void w_text(struct w *w, const char *s, size_t len, int quoted)
{
    size_t i = 0;
    while (i < len && !w->full) {
        uint32_t cp;
        utf8_decode(s, len, &i, &cp); /* an invalid byte comes back as U+FFFD */
        w_char(w, cp, quoted);
    }
}

void sjson_text(const char *s, size_t len, size_t max_cp, int quoted, char *out, size_t cap)
{
    struct w w;
    w_init(&w, out, cap, max_cp);
    if (quoted)
        w_put(&w, "\"", 1, 0);
    w_text(&w, s, len, quoted);
    w_finish(&w, quoted && w.len > 0);
}

void sjson_number(double d, char *out, size_t cap)
{
    if (!isfinite(d)) {
        snprintf(out, cap, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (d == 0) {
        snprintf(out, cap, "0");
        return;
    }
    if (floor(d) == d && fabs(d) < 1e16) {
        snprintf(out, cap, "%.0f", d);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            return;
    }
}

static void w_value(struct w *w, const cJSON *v)
{
    char num[40];
    switch (v->type & 0xff) {
    case cJSON_NULL:
        w_put(w, "null", 4, 4);
        return;
    case cJSON_False:
        w_put(w, "false", 5, 5);
        return;
    case cJSON_True:
        w_put(w, "true", 4, 4);
        return;
    case cJSON_Number:
        sjson_number(v->valuedouble, num, sizeof num);
        w_put(w, num, strlen(num), strlen(num));
        return;
    case cJSON_String:
        if (w_put(w, "\"", 1, 1) == 0) {
            w_text(w, v->valuestring, strlen(v->valuestring), 1);
            w_put(w, "\"", 1, 1);
        }
        return;
    case cJSON_Array:
    case cJSON_Object: {
        int obj = (v->type & 0xff) == cJSON_Object;
        w_put(w, obj ? "{" : "[", 1, 1);
        for (const cJSON *c = v->child; c && !w->full; c = c->next) {
            if (c != v->child)
                w_put(w, ",", 1, 1);
            if (obj && w_put(w, "\"", 1, 1) == 0) {
                w_text(w, c->string ? c->string : "", c->string ? strlen(c->string) : 0, 1);
                w_put(w, "\":", 2, 2);
            }
            w_value(w, c);
        }
        w_put(w, obj ? "}" : "]", 1, 1);
        return;
    }
    default:
        w_put(w, "?", 1, 1);
        return;
    }
}

void sjson_value(const cJSON *v, char *out, size_t cap)
{
    struct w w;
    w_init(&w, out, cap, SCHEMA_QUOTE_MAX);
    w_value(&w, v);
    /* a string cut short gets its closing quote back after the ellipsis */
    w_finish(&w, w.full && (v->type & 0xff) == cJSON_String);
}

void sjson_trim_utf8(char *s)
{
    size_t len = strlen(s);
    /* find the lead byte of the last character and drop it if its sequence is incomplete */
    size_t i = len;
    while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead < 0x80 ? 1 : (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 : 4;
    if (len - (i - 1) < need)
        s[i - 1] = '\0';
}

/* ---- Paths -------------------------------------------------------------------------------*/

void spath_push_name(struct spath *p, const char *name)
{
    if (p->n < ARRAY_LEN(p->seg))
        p->seg[p->n] = (struct spath_seg){.name = name};
    p->n++;
}

void spath_push_index(struct spath *p, size_t index)
{
    if (p->n < ARRAY_LEN(p->seg))
        p->seg[p->n] = (struct spath_seg){.name = NULL, .index = index};
    p->n++;
}

void spath_pop(struct spath *p)
{
    if (p->n)
        p->n--;
}

/* 1 for a name shown bare: an identifier (letters, digits, '_', '$', '-', not starting with a
 * digit or '-') of at most SCHEMA_QUOTE_MAX bytes. */
static int plain_name(const char *s)
{
    size_t n = 0;
    for (const char *c = s; *c; c++, n++) {
        int alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' || *c == '$';
        int digit = (*c >= '0' && *c <= '9') || *c == '-';
        if (!alpha && !(digit && c != s))
            return 0;
    }
    return n > 0 && n <= SCHEMA_QUOTE_MAX;
}

void spath_render(const struct spath *p, char *out, size_t cap)
{
    char full[1024];
    size_t len = 0;
    size_t n = p->n < ARRAY_LEN(p->seg) ? p->n : ARRAY_LEN(p->seg);
    if (n == 0) {
        snprintf(out, cap, "(root)");
        return;
    }
    for (size_t i = 0; i < n && len < sizeof full - 1; i++) {
        const struct spath_seg *s = &p->seg[i];
        char part[SCHEMA_QUOTE_MAX * 6 + 16];
        if (!s->name) {
            snprintf(part, sizeof part, "[%zu]", s->index);
        } else if (plain_name(s->name)) {
            snprintf(part, sizeof part, "%s%s", i ? "." : "", s->name);
        } else {
            char q[SCHEMA_QUOTE_MAX * 6 + 8];
            sjson_text(s->name, strlen(s->name), SCHEMA_QUOTE_MAX, 1, q, sizeof q);
            snprintf(part, sizeof part, "[%s]", q);
        }
        len += (size_t)snprintf(full + len, sizeof full - len, "%s", part);
        if (len >= sizeof full)
            len = sizeof full - 1;
    }
    full[len] = '\0';
    sjson_trim_utf8(full);
    len = strlen(full);
    if (len <= SCHEMA_PATH_SHOWN) {
        snprintf(out, cap, "%s", full);
    } else {
        const char *tail = full + len - SCHEMA_PATH_SHOWN;
        while (((unsigned char)*tail & 0xc0) == 0x80)
            tail++;
        snprintf(out, cap, ELLIPSIS "%s", tail);
    }
    sjson_trim_utf8(out);
}

/* ---- Equality and hashing ---------------------------------------------------------------*/

static int cmp_member(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* Members in name order, in a caller's array of count entries. */
static void sorted_members(const cJSON *obj, const cJSON **out, size_t count)
{
    size_t i = 0;
    for (const cJSON *c = obj->child; c && i < count; c = c->next)
        out[i++] = c;
    qsort(out, count, sizeof *out, cmp_member);
}

#define EQ_SMALL_OBJECT 16 /* members compared by lookup; larger objects are sorted first */

static int objects_equal(const cJSON *a, const cJSON *b)
{
    size_t na = (size_t)cJSON_GetArraySize(a), nb = (size_t)cJSON_GetArraySize(b);
    if (na != nb)
        return 0;
    if (na <= EQ_SMALL_OBJECT) {
        for (const cJSON *c = a->child; c; c = c->next) {
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(b, c->string);
            if (!d || !sjson_equal(c, d))
                return 0;
        }
        return 1;
    }
    const cJSON **sa = xmalloc(na * sizeof *sa), **sb = xmalloc(nb * sizeof *sb);
    sorted_members(a, sa, na);
    sorted_members(b, sb, nb);
    int eq = 1;
    for (size_t i = 0; i < na && eq; i++)
        eq = strcmp(sa[i]->string, sb[i]->string) == 0 && sjson_equal(sa[i], sb[i]);
    free(sa);
    free(sb);
    return eq;
}

int sjson_equal(const cJSON *a, const cJSON *b)
{
    int ta = a->type & 0xff, tb = b->type & 0xff;
    if (ta != tb)
        return 0;
    switch (ta) {
    case cJSON_Number:
        return a->valuedouble == b->valuedouble;
    case cJSON_String:
        return strcmp(a->valuestring, b->valuestring) == 0;
    case cJSON_Array: {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!sjson_equal(x, y))
                return 0;
        return !x && !y;
    }
    case cJSON_Object:
        return objects_equal(a, b);
    default:
        return 1; /* null, false, true: the type says it all */
    }
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static uint64_t hash_bytes(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

uint64_t sjson_hash(const cJSON *v)
{
    int t = v->type & 0xff;
    switch (t) {
    case cJSON_Number: {
        double d = v->valuedouble == 0 ? 0.0 : v->valuedouble; /* -0 == 0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix(bits ^ 4);
    }
    case cJSON_String:
        return mix(hash_bytes(v->valuestring) ^ 5);
    case cJSON_Array: {
        uint64_t h = 6;
        for (const cJSON *c = v->child; c; c = c->next)
            h = mix(h * 31 + sjson_hash(c));
        return h;
    }
    case cJSON_Object: {
        uint64_t h = 0; /* a sum: member order does not matter */
        for (const cJSON *c = v->child; c; c = c->next)
            h += mix(hash_bytes(c->string) ^ (sjson_hash(c) * 0x9e3779b97f4a7c15ull));
        return mix(h ^ 7);
    }
    default:
        return mix((uint64_t)t);
    }
}

/* ---- The scan ----------------------------------------------------------------------------*/

#define DUP_SMALL_OBJECT 64 /* members checked by hash on the stack; larger objects are sorted */

static int report_duplicate(const cJSON *m, struct spath *p, const struct sjson_scan_cb *cb)
{
    spath_push_name(p, m->string);
    int stop = cb->duplicate(cb->ctx, p);
    spath_pop(p);
    return stop;
}

static int scan_duplicates(const cJSON *obj, struct spath *p, const struct sjson_scan_cb *cb)
{
    size_t n = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        n++;
    if (n < 2 || !cb->duplicate)
        return 0;
    if (n <= DUP_SMALL_OBJECT) {
        /* Compare hashes pairwise and names only when hashes agree; a name is reported at
         * its second occurrence, when no earlier member has it twice already. */
        uint64_t h[DUP_SMALL_OBJECT];
        const cJSON *m[DUP_SMALL_OBJECT];
        size_t i = 0;
        for (const cJSON *c = obj->child; c; c = c->next, i++) {
            h[i] = hash_bytes(c->string);
            m[i] = c;
        }
        for (size_t j = 1; j < n; j++) {
            size_t seen = 0;
            for (size_t k = 0; k < j && seen < 2; k++)
                seen += h[k] == h[j] && strcmp(m[k]->string, m[j]->string) == 0;
            if (seen == 1 && report_duplicate(m[j], p, cb))
                return 1;
        }
        return 0;
    }
    const cJSON **m = xmalloc(n * sizeof *m);
    sorted_members(obj, m, n);
    int stop = 0;
    for (size_t i = 1; i < n && !stop; i++)
        if (strcmp(m[i]->string, m[i - 1]->string) == 0 &&
            (i < 2 || strcmp(m[i]->string, m[i - 2]->string) != 0))
            stop = report_duplicate(m[i], p, cb);
    free(m);
    return stop;
}

static int scan(const cJSON *v, struct spath *p, const struct sjson_scan_cb *cb, size_t depth)
{
    int t = v->type & 0xff;
    if (t != cJSON_Object && t != cJSON_Array)
        return 0;
    if (depth > SCHEMA_DEPTH_MAX)
        return cb->too_deep ? cb->too_deep(cb->ctx, p) : 0;
    if (t == cJSON_Object && scan_duplicates(v, p, cb))
        return 1;
    size_t i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        if (t == cJSON_Object)
            spath_push_name(p, c->string);
        else
            spath_push_index(p, i);
        int stop = scan(c, p, cb, depth + 1);
        spath_pop(p);
        if (stop)
            return 1;
    }
    return 0;
}

int sjson_scan(const cJSON *v, struct spath *p, const struct sjson_scan_cb *cb)
{
    return scan(v, p, cb, 1);
}
