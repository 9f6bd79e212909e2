/* schema_suite.c - runs the official JSON-Schema-Test-Suite over skills/schema.c: for every
 * keyword the validator supports, that keyword's file of the suite. A case whose schema uses a
 * keyword we do not support is skipped and counted; every other case must pass, except the
 * ones listed below with their reason. Usage: schema_suite draft2020-12|draft7 SUITE_DIR
 * (SUITE_DIR: the folder of that draft, e.g. /usr/share/json-schema-test-suite/tests/draft7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "skills/skills.h"

enum { D7 = 1u, D2020 = 2u }; /* the drafts a file exists in */

/* The files run: one per supported keyword (plus the optional files about numbers). Draft 7
 * has no prefixItems; its array form of items and its additionalItems are run as 2020-12's
 * prefixItems and items (see to_2020). format.json of 2020-12 checks that format is only an
 * annotation, as ours is. */
static const struct {
    const char *file;
    unsigned drafts;
} files[] = {
    {"type.json", D7 | D2020},
    {"properties.json", D7 | D2020},
    {"required.json", D7 | D2020},
    {"additionalProperties.json", D7 | D2020},
    {"patternProperties.json", D7 | D2020},
    {"enum.json", D7 | D2020},
    {"const.json", D7 | D2020},
    {"pattern.json", D7 | D2020},
    {"minLength.json", D7 | D2020},
    {"maxLength.json", D7 | D2020},
    {"minimum.json", D7 | D2020},
    {"maximum.json", D7 | D2020},
    {"exclusiveMinimum.json", D7 | D2020},
    {"exclusiveMaximum.json", D7 | D2020},
    {"multipleOf.json", D7 | D2020},
    {"items.json", D7 | D2020},
    {"prefixItems.json", D2020},
    {"additionalItems.json", D7},
    {"minItems.json", D7 | D2020},
    {"maxItems.json", D7 | D2020},
    {"uniqueItems.json", D7 | D2020},
    {"minProperties.json", D7 | D2020},
    {"maxProperties.json", D7 | D2020},
    {"allOf.json", D7 | D2020},
    {"anyOf.json", D7 | D2020},
    {"oneOf.json", D7 | D2020},
    {"not.json", D7 | D2020},
    {"boolean_schema.json", D7 | D2020},
    {"default.json", D7 | D2020},
    {"format.json", D2020},
    {"optional/bignum.json", D7 | D2020},
    {"optional/zeroTerminatedFloats.json", D7},
    {"optional/float-overflow.json", D2020},
    {"optional/non-bmp-regex.json", D2020},
    {"optional/ecmascript-regex.json", D2020},
    {"optional/no-schema.json", D2020},
};

/* The keywords skills.h promises. A case whose schema uses any other keyword ($ref, $defs,
 * unevaluatedProperties, ...) is refused at compilation with the keyword named, and skipped
 * here and counted; refusing one of these is a failure. */
static const char *const supported[] = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "enum",
    "const",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "anyOf",
    "allOf",
    "oneOf",
    "not",
    "title",
    "description",
    "default",
    "examples",
    "$comment",
    "$schema",
    "format",
    "readOnly",
    "writeOnly",
    "deprecated",
};

/* Cases skipped, by the keyword the validator refused. */
#define SKIP_KINDS 32
static struct {
    char keyword[64];
    size_t cases;
} skipped_by[SKIP_KINDS];

/* Cases that cannot pass for a principled reason, each with that reason. A listed case that
 * passes is a failure too (the list must stay true). test NULL: every test of the group. */
#define ECMA_WS                                                                                    \
    "ECMA-262's \\s is Unicode white space, PCRE2's is ASCII unless PCRE2_UCP, "                   \
    "which would widen \\d and \\w too (a guardrail must keep those ASCII)"
#define ECMA_PROP                                                                                  \
    "PCRE2 10.42 refuses ECMA-262 property names such as \\p{Letter} and "                         \
    "\\p{digit} (it knows \\p{L}, \\p{Nd}): the schema does not compile"
static const struct {
    const char *file, *group, *test, *reason;
} exceptions[] = {
    {"pattern.json", "pattern with Unicode property escape requires unicode mode", NULL, ECMA_PROP},
    {"patternProperties.json", "patternProperties with Unicode property escape", NULL, ECMA_PROP},
    {"optional/ecmascript-regex.json", "patterns always use unicode semantics with pattern", NULL,
     ECMA_PROP},
    {"optional/ecmascript-regex.json", "pattern with non-ASCII digits", NULL, ECMA_PROP},
    {"optional/ecmascript-regex.json",
     "patterns always use unicode semantics with patternProperties", NULL, ECMA_PROP},
    {"optional/ecmascript-regex.json", "patternProperties with non-ASCII digits", NULL, ECMA_PROP},
    {"optional/ecmascript-regex.json", "ECMA 262 \\s matches whitespace",
     "latin-1 non-breaking-space matches", ECMA_WS},
    {"optional/ecmascript-regex.json", "ECMA 262 \\s matches whitespace",
     "zero-width whitespace matches", ECMA_WS},
    {"optional/ecmascript-regex.json", "ECMA 262 \\s matches whitespace",
     "paragraph separator matches (line terminator)", ECMA_WS},
    {"optional/ecmascript-regex.json", "ECMA 262 \\s matches whitespace",
     "EM SPACE matches (Space_Separator)", ECMA_WS},
    {"optional/ecmascript-regex.json", "ECMA 262 \\S matches everything but whitespace",
     "latin-1 non-breaking-space does not match", ECMA_WS},
    {"optional/ecmascript-regex.json", "ECMA 262 \\S matches everything but whitespace",
     "zero-width whitespace does not match", ECMA_WS},
    {"optional/ecmascript-regex.json", "ECMA 262 \\S matches everything but whitespace",
     "paragraph separator does not match (line terminator)", ECMA_WS},
    {"optional/ecmascript-regex.json", "ECMA 262 \\S matches everything but whitespace",
     "EM SPACE does not match (Space_Separator)", ECMA_WS},
};

static int excepted(const char *file, const char *group, const char *test, const char **reason)
{
    for (size_t i = 0; i < ARRAY_LEN(exceptions); i++)
        if (strcmp(exceptions[i].file, file) == 0 && strcmp(exceptions[i].group, group) == 0 &&
            (!exceptions[i].test || strcmp(exceptions[i].test, test) == 0)) {
            *reason = exceptions[i].reason;
            return 1;
        }
    return 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 16u << 20);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) != ERR_OK)
            break;
    fclose(f);
    return buf_steal(&b, len);
}

/* Draft 7 to 2020-12 for the keywords we run: items [a, b] becomes prefixItems [a, b] and
 * additionalItems then becomes items; additionalItems beside a schema-valued or missing items
 * has no effect in draft 7 and is dropped. Walks only the places that hold schemas. */
static void to_2020(cJSON *s)
{
    if (!cJSON_IsObject(s))
        return;
    cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
    if (cJSON_IsArray(items)) {
        cJSON_AddItemToObject(s, "prefixItems", cJSON_DetachItemViaPointer(s, items));
        cJSON *add = cJSON_DetachItemFromObjectCaseSensitive(s, "additionalItems");
        if (add)
            cJSON_AddItemToObject(s, "items", add);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(s, "additionalItems");
    }
    static const char *const one[] = {"additionalProperties", "items", "not"};
    static const char *const many[] = {
        "properties", "patternProperties", "prefixItems", "allOf", "anyOf", "oneOf"};
    for (size_t i = 0; i < ARRAY_LEN(one); i++)
        to_2020(cJSON_GetObjectItemCaseSensitive(s, one[i]));
    for (size_t i = 0; i < ARRAY_LEN(many); i++) {
        cJSON *c = cJSON_GetObjectItemCaseSensitive(s, many[i]);
        for (cJSON *x = c ? c->child : NULL; x; x = x->next)
            to_2020(x);
    }
}

/* Count a skip under the keyword named in "...: keyword 'X' is not supported"; 0 when the
 * message names no keyword or names one skills.h promises (then the case fails). */
static int skip_unsupported(const char *msg, size_t cases)
{
    const char *p = strstr(msg, "keyword '"), *q;
    if (!p || !(q = strstr(p, "' is not supported")))
        return 0;
    p += strlen("keyword '");
    size_t n = (size_t)(q - p);
    for (size_t i = 0; i < ARRAY_LEN(supported); i++)
        if (strlen(supported[i]) == n && strncmp(p, supported[i], n) == 0)
            return 0;
    for (size_t i = 0; i < SKIP_KINDS; i++) {
        if (!skipped_by[i].keyword[0])
            snprintf(skipped_by[i].keyword, sizeof skipped_by[i].keyword, "%.*s", (int)n, p);
        if (strncmp(skipped_by[i].keyword, p, n) == 0 && !skipped_by[i].keyword[n]) {
            skipped_by[i].cases += cases;
            return 1;
        }
    }
    return 1; /* more kinds than the table: still a skip, counted in the totals */
}

/* Findings must read well: valid UTF-8, no control characters, a schema.* rule. */
static int findings_ok(const struct sk_findings *f, const char **why)
{
    for (size_t i = 0; i < f->n; i++) {
        const char *m = f->v[i].message;
        if (!utf8_valid(m, strlen(m)))
            return *why = "a message is not valid UTF-8", 0;
        for (const unsigned char *c = (const unsigned char *)m; *c; c++)
            if (*c < 0x20 || *c == 0x7f)
                return *why = "a message holds a control character", 0;
        if (strncmp(f->v[i].rule, "schema.", 7) != 0 && strcmp(f->v[i].rule, "findings.truncated"))
            return *why = "a rule is not schema.*", 0;
        if (f->v[i].severity != SK_DENY)
            return *why = "a finding is not a denial", 0;
    }
    return 1;
}

struct totals {
    size_t passed, skipped, excepted, failed;
};

static void fail_case(struct totals *t, const char *file, const char *group, const char *test,
                      const char *what)
{
    t->failed++;
    printf("  FAIL %s | %s | %s: %s\n", file, group, test, what);
}

static void run_group(const char *file, unsigned draft, const cJSON *g, struct totals *t)
{
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(g, "description");
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(g, "tests");
    const char *group = cJSON_IsString(desc) ? desc->valuestring : "?";
    size_t ntests = (size_t)cJSON_GetArraySize(tests);
    cJSON *schema = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(g, "schema"), 1);
    if (draft == D7)
        to_2020(schema);
    struct err e;
    err_clear(&e);
    sk_schema *s = NULL;
    err_code rc = sk_schema_compile(schema, &s, &e);
    if (rc == ERR_UNSUPPORTED && skip_unsupported(e.msg, ntests)) {
        t->skipped += ntests;
        cJSON_Delete(schema);
        return;
    }
    for (const cJSON *c = tests ? tests->child : NULL; c; c = c->next) {
        const cJSON *td = cJSON_GetObjectItemCaseSensitive(c, "description");
        const char *test = cJSON_IsString(td) ? td->valuestring : "?";
        int want = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "valid"));
        const char *reason = NULL, *why = NULL;
        int listed = excepted(file, group, test, &reason);
        char what[2 * ERR_MSG_MAX];
        int ok;
        if (rc != ERR_OK) {
            ok = 0;
            snprintf(what, sizeof what, "schema refused (%s): %s", err_name(rc), e.msg);
        } else {
            struct sk_findings f;
            sk_findings_init(&f);
            size_t n = sk_schema_validate(s, cJSON_GetObjectItemCaseSensitive(c, "data"), &f);
            ok = (n == 0) == want && n == f.n && findings_ok(&f, &why);
            snprintf(what, sizeof what, "expected %s, got %zu finding(s)%s%s%s",
                     want ? "valid" : "invalid", n, n ? ": " : "", n ? f.v[0].message : "",
                     why ? why : "");
        }
        if (listed && !ok) {
            t->excepted++;
            printf("  known %s | %s | %s: %s\n", file, group, test, reason);
        } else if (listed) {
            fail_case(t, file, group, test, "listed as an exception but passes");
        } else if (ok) {
            t->passed++;
        } else {
            fail_case(t, file, group, test, what);
        }
    }
    sk_schema_free(s);
    cJSON_Delete(schema);
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "draft7") && strcmp(argv[1], "draft2020-12"))) {
        fprintf(stderr, "usage: schema_suite draft2020-12|draft7 SUITE_DIR\n");
        return 2;
    }
    unsigned draft = strcmp(argv[1], "draft7") == 0 ? D7 : D2020;
    struct totals all = {0};
    size_t nfiles = 0;
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        if (!(files[i].drafts & draft))
            continue;
        char *path = xasprintf("%s/%s", argv[2], files[i].file);
        size_t len = 0;
        char *text = read_file(path, &len);
        cJSON *doc = text ? cJSON_ParseWithLength(text, len) : NULL;
        if (!cJSON_IsArray(doc)) {
            printf("%s: cannot read or parse (install json-schema-test-suite: "
                   "scripts/deps.sh test)\n",
                   path);
            all.failed++;
        } else {
            struct totals t = {0};
            for (const cJSON *g = doc->child; g; g = g->next)
                run_group(files[i].file, draft, g, &t);
            printf("%-36s %4zu passed %4zu skipped%s%s\n", files[i].file, t.passed, t.skipped,
                   t.excepted ? " (known exceptions listed above)" : "",
                   t.failed ? "  FAILED" : "");
            all.passed += t.passed;
            all.skipped += t.skipped;
            all.excepted += t.excepted;
            all.failed += t.failed;
            nfiles++;
        }
        cJSON_Delete(doc);
        free(text);
        free(path);
    }
    printf("%s: %zu files, %zu cases passed, %zu skipped, %zu known exceptions, %zu failed\n",
           argv[1], nfiles, all.passed, all.skipped, all.excepted, all.failed);
    printf("skipped by unsupported keyword:");
    for (size_t i = 0; i < SKIP_KINDS && skipped_by[i].keyword[0]; i++)
        printf(" %s %zu", skipped_by[i].keyword, skipped_by[i].cases);
    if (!skipped_by[0].keyword[0])
        printf(" none");
    printf("\n");
    return all.failed ? 1 : 0;
}
