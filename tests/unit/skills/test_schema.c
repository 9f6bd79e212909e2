/* Unit tests for the JSON Schema validator (skills/schema*.c): the rule id and message of each
 * keyword, duplicate member names, the depth and findings limits, messages that stay valid
 * UTF-8 without raw control characters, hostile patterns, and bad schemas refused by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "skills/skills.h"

static sk_schema *compile_text(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (!j)
        fail_msg("test schema does not parse: %s", text);
    struct err e;
    err_clear(&e);
    sk_schema *s = NULL;
    if (sk_schema_compile(j, &s, &e) != ERR_OK)
        fail_msg("schema %s refused: %s", text, e.msg);
    cJSON_Delete(j); /* the compiled schema must not borrow from the source */
    return s;
}

/* Every finding reads well: a schema.* rule (or the truncation marker), a denial, valid
 * UTF-8 and no control character. */
static void assert_findings_clean(const struct sk_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const char *m = f->v[i].message;
        assert_int_equal(f->v[i].severity, SK_DENY);
        assert_true(strncmp(f->v[i].rule, "schema.", 7) == 0 ||
                    strcmp(f->v[i].rule, "findings.truncated") == 0);
        if (!utf8_valid(m, strlen(m)))
            fail_msg("not valid UTF-8: %s", m);
        for (const unsigned char *c = (const unsigned char *)m; *c; c++)
            if (*c < 0x20 || *c == 0x7f)
                fail_msg("raw control character in: %s", m);
    }
}

/* Validate instance (JSON text) against schema (JSON text) into f; returns what validate
 * returned. */
static size_t run(const char *schema, const char *instance, struct sk_findings *f)
{
    sk_schema *s = compile_text(schema);
    cJSON *i = cJSON_Parse(instance);
    if (!i)
        fail_msg("test instance does not parse: %s", instance);
    sk_findings_init(f);
    size_t n = sk_schema_validate(s, i, f);
    assert_int_equal(n, f->n);
    assert_findings_clean(f);
    cJSON_Delete(i);
    sk_schema_free(s);
    return n;
}

/* One row per keyword (and a few per message shape): the only finding expected. */
static const struct {
    const char *schema, *instance, *rule, *message;
} one_finding[] = {
    {"{\"properties\":{\"InstanceId\":{\"type\":\"array\",\"items\":{\"type\":\"string\","
     "\"pattern\":\"^i-[a-z0-9]+$\"}}}}",
     "{\"InstanceId\":[\"i-1\",\"i-2\",\"x-1\"]}", "schema.pattern",
     "InstanceId[2]: \"x-1\" does not match pattern ^i-[a-z0-9]+$"},
    {"{\"required\":[\"PortRange\"]}", "{}", "schema.required",
     "PortRange: required property is missing"},
    {"{\"properties\":{\"Timeout\":{\"minimum\":10}}}", "{\"Timeout\":5}", "schema.minimum",
     "Timeout: 5 is less than the minimum 10"},
    {"{\"additionalProperties\":false}", "{\"Foo\":1}", "schema.additional_properties",
     "Foo: unknown property (additionalProperties is false)"},
    {"{\"properties\":{\"RegionId\":{},\"InstanceId\":{}},\"additionalProperties\":false}",
     "{\"RegionId\":\"cn-hangzhou\",\"Foo\":1}", "schema.additional_properties",
     "Foo: unknown property (additionalProperties is false); known properties: InstanceId, "
     "RegionId"},
    {"{\"additionalProperties\":{\"type\":\"string\"}}", "{\"x\":1}", "schema.type",
     "x: 1 is a number, not a string"},
    {"{\"type\":\"integer\"}", "5.5", "schema.type", "(root): 5.5 is a number, not an integer"},
    {"{\"type\":[\"string\",\"null\"]}", "true", "schema.type",
     "(root): true is a boolean, not one of the types null, string"},
    {"{\"type\":\"object\"}", "[]", "schema.type", "(root): [] is an array, not an object"},
    {"{\"properties\":{\"Status\":{\"enum\":[\"Running\",\"Stopped\"]}}}", "{\"Status\":\"Foo\"}",
     "schema.enum", "Status: \"Foo\" is not one of the allowed values: \"Running\", \"Stopped\""},
    {"{\"const\":{\"a\":[1,2]}}", "{\"a\":[1]}", "schema.const",
     "(root): {\"a\":[1]} is not the required value {\"a\":[1,2]}"},
    {"{\"minLength\":3}", "\"ab\"", "schema.min_length",
     "(root): \"ab\" has 2 characters, fewer than the minimum length 3"},
    {"{\"maxLength\":2}", "\"实例名\"", "schema.max_length",
     "(root): \"实例名\" has 3 characters, more than the maximum length 2"},
    {"{\"maximum\":10}", "11", "schema.maximum", "(root): 11 is greater than the maximum 10"},
    {"{\"exclusiveMinimum\":10}", "10", "schema.exclusive_minimum",
     "(root): 10 is not greater than the exclusive minimum 10"},
    {"{\"exclusiveMaximum\":0.5}", "0.5", "schema.exclusive_maximum",
     "(root): 0.5 is not less than the exclusive maximum 0.5"},
    {"{\"multipleOf\":5}", "7", "schema.multiple_of", "(root): 7 is not a multiple of 5"},
    {"{\"prefixItems\":[{\"type\":\"string\"}],\"items\":false}", "[\"a\",\"b\"]", "schema.items",
     "[1]: unexpected item (items is false: at most 1 allowed)"},
    {"{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "[\"a\",\"b\"]",
     "schema.type", "[1]: \"b\" is a string, not an integer"},
    {"{\"properties\":{\"Ids\":{\"minItems\":1}}}", "{\"Ids\":[]}", "schema.min_items",
     "Ids: has 0 items, fewer than the minimum 1"},
    {"{\"maxItems\":1}", "[1,2]", "schema.max_items",
     "(root): has 2 items, more than the maximum 1"},
    {"{\"uniqueItems\":true}", "[\"a\",\"b\",\"a\"]", "schema.unique_items",
     "[2]: \"a\" is the same as item 0; items must be unique"},
    {"{\"minProperties\":1}", "{}", "schema.min_properties",
     "(root): has 0 properties, fewer than the minimum 1"},
    {"{\"maxProperties\":1}", "{\"a\":1,\"b\":2}", "schema.max_properties",
     "(root): has 2 properties, more than the maximum 1"},
    {"{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\",\"minimum\":10}]}", "5",
     "schema.any_of",
     "(root): matches none of the 2 schemas in anyOf (anyOf[1] fails: (root): 5 is less than "
     "the minimum 10)"},
    {"{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "5", "schema.one_of",
     "(root): matches more than one schema in oneOf (oneOf[0] and oneOf[1]); exactly one must "
     "match"},
    {"{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "5", "schema.one_of",
     "(root): matches none of the 2 schemas in oneOf (oneOf[0] fails: (root): 5 is a number, "
     "not a string)"},
    {"{\"not\":{\"type\":\"null\"}}", "null", "schema.not",
     "(root): null must not match the schema in not"},
    {"{\"allOf\":[{\"minimum\":1},{\"maximum\":3}]}", "5", "schema.maximum",
     "(root): 5 is greater than the maximum 3"},
    {"false", "1", "schema.false", "(root): no value is allowed here (the schema is false)"},
    {"{\"properties\":{\"Password\":false}}", "{\"Password\":\"x\"}", "schema.properties",
     "Password: the property is not allowed (its schema is false)"},
    {"{\"patternProperties\":{\"^Tag\\\\.\":{\"type\":\"string\"}}}", "{\"Tag.1\":2}",
     "schema.type", "[\"Tag.1\"]: 2 is a number, not a string"},
    {"{\"properties\":{\"Tags\":{\"items\":{\"properties\":{\"Key\":{\"maxLength\":3}}}}}}",
     "{\"Tags\":[{\"Key\":\"abcd\"}]}", "schema.max_length",
     "Tags[0].Key: \"abcd\" has 4 characters, more than the maximum length 3"},
    /* '$' is the end of the subject, as in ECMA-262: no newline may slip through */
    {"{\"pattern\":\"^i-[a-z0-9]+$\"}", "\"i-abc\\n\"", "schema.pattern",
     "(root): \"i-abc\\n\" does not match pattern ^i-[a-z0-9]+$"},
    {"{\"properties\":{\"n\":{\"type\":\"integer\"}}}", "{\"n\":1e300}", NULL, NULL},
    {"{\"type\":\"integer\"}", "1.0", NULL, NULL},
    {"{\"multipleOf\":0.01}", "19.99", NULL, NULL},
    {"{\"maxLength\":2}", "\"实例\"", NULL, NULL},
    {"{\"pattern\":\"b\"}", "\"abc\"", NULL, NULL}, /* unanchored search */
};

static void test_messages(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(one_finding); i++) {
        struct sk_findings f;
        size_t n = run(one_finding[i].schema, one_finding[i].instance, &f);
        if (!one_finding[i].rule) {
            if (n)
                fail_msg("row %zu: expected no finding, got %s", i, f.v[0].message);
            continue;
        }
        if (n != 1)
            fail_msg("row %zu (%s): expected 1 finding, got %zu%s%s", i, one_finding[i].schema, n,
                     n ? ": " : "", n ? f.v[0].message : "");
        assert_string_equal(f.v[0].rule, one_finding[i].rule);
        assert_string_equal(f.v[0].message, one_finding[i].message);
    }
}

static int has_finding(const struct sk_findings *f, const char *rule, const char *message)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].rule, rule) == 0 && strcmp(f->v[i].message, message) == 0)
            return 1;
    return 0;
}

static void test_all_findings_reported(void **state)
{
    (void)state;
    struct sk_findings f;
    size_t n = run("{\"type\":\"object\",\"required\":[\"RegionId\",\"InstanceId\"],"
                   "\"properties\":{\"Port\":{\"type\":\"integer\",\"minimum\":1,"
                   "\"maximum\":65535},\"Name\":{\"type\":\"string\",\"minLength\":2}},"
                   "\"additionalProperties\":false}",
                   "{\"Port\":70000,\"Name\":\"x\",\"Extra\":true}", &f);
    assert_int_equal(n, 5);
    assert_true(has_finding(&f, "schema.maximum", "Port: 70000 is greater than the maximum 65535"));
    assert_true(has_finding(&f, "schema.min_length",
                            "Name: \"x\" has 1 characters, fewer than the minimum length 2"));
    assert_true(has_finding(&f, "schema.additional_properties",
                            "Extra: unknown property (additionalProperties is false); known "
                            "properties: Name, Port"));
    assert_true(has_finding(&f, "schema.required", "RegionId: required property is missing"));
    assert_true(has_finding(&f, "schema.required", "InstanceId: required property is missing"));

    /* a value that breaks two rules of one schema reports both */
    n = run("{\"type\":\"integer\",\"minimum\":10}", "5.5", &f);
    assert_int_equal(n, 2);
    assert_string_equal(f.v[0].rule, "schema.type");
    assert_string_equal(f.v[1].rule, "schema.minimum");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    struct sk_findings f;
    /* at the root, reported once however many times the name repeats */
    assert_int_equal(run("{\"properties\":{\"Force\":{\"type\":\"boolean\"}}}",
                         "{\"Force\":false,\"Force\":true,\"Force\":true}", &f),
                     1);
    assert_string_equal(f.v[0].rule, "schema.duplicate_key");
    assert_string_equal(f.v[0].message, "Force: the member appears more than once in the object "
                                        "(send each name once)");
    /* at any depth, even where the schema says nothing */
    assert_int_equal(run("true", "{\"x\":[1,{\"k\":1,\"j\":2,\"k\":1}]}", &f), 1);
    assert_string_equal(f.v[0].message, "x[1].k: the member appears more than once in the object "
                                        "(send each name once)");
    /* a large object (sorted, not compared pairwise) with two repeated names */
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "{");
    for (int i = 0; i < 40; i++)
        buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i % 38, i);
    buf_puts(&b, "}");
    assert_int_equal(run("{}", b.data, &f), 2);
    assert_true(has_finding(&f, "schema.duplicate_key",
                            "k0: the member appears more than once in the object (send each "
                            "name once)"));
    assert_true(has_finding(&f, "schema.duplicate_key",
                            "k1: the member appears more than once in the object (send each "
                            "name once)"));
    buf_release(&b);
    /* the duplicate's values are still validated */
    assert_int_equal(
        run("{\"properties\":{\"A\":{\"type\":\"string\"}}}", "{\"A\":\"x\",\"A\":2}", &f), 2);
}

static char *nested_arrays(int depth)
{
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < depth; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < depth; i++)
        buf_putc(&b, ']');
    return buf_steal(&b, NULL);
}

static void test_depth_limits(void **state)
{
    (void)state;
    struct sk_findings f;
    char *ok = nested_arrays(64), *deep = nested_arrays(65);
    assert_int_equal(run("{\"uniqueItems\":true}", ok, &f), 0);
    assert_int_equal(run("{\"uniqueItems\":true}", deep, &f), 1);
    assert_string_equal(f.v[0].rule, "schema.depth");
    assert_non_null(strstr(f.v[0].message, "[0][0]: the value is nested deeper than 64 levels"));
    assert_true(strncmp(f.v[0].message, "\xe2\x80\xa6", 3) == 0); /* the path keeps its tail */
    free(ok);
    free(deep);

    /* a schema nested past the limit is refused before anything is compiled */
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < 65; i++)
        buf_puts(&b, "{\"not\":");
    buf_puts(&b, "true");
    for (int i = 0; i < 65; i++)
        buf_putc(&b, '}');
    cJSON *j = cJSON_Parse(b.data);
    struct err e;
    err_clear(&e);
    sk_schema *s = NULL;
    assert_int_equal(sk_schema_compile(j, &s, &e), ERR_TOO_BIG);
    assert_null(s);
    assert_non_null(strstr(e.msg, "the schema is nested deeper than 64 levels"));
    cJSON_Delete(j);
    buf_release(&b);
}

/* The deepest schemas and instances the limits allow, validated on a thread with a stack
 * smaller than a server worker's (1 MiB): the recursion must fit. */
static const char *deep_cases[][2] = {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}, {NULL, NULL}};

static char *repeat(const char *head, int times, const char *middle, const char *tail)
{
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < times; i++)
        buf_puts(&b, head);
    buf_puts(&b, middle);
    for (int i = 0; i < times; i++)
        buf_puts(&b, tail);
    return buf_steal(&b, NULL);
}

static void *validate_deep(void *p)
{
    size_t *failures = p;
    for (size_t i = 0; i < ARRAY_LEN(deep_cases); i++) {
        cJSON *sj = cJSON_Parse(deep_cases[i][0]), *ij = cJSON_Parse(deep_cases[i][1]);
        struct err e;
        err_clear(&e);
        sk_schema *s = NULL;
        struct sk_findings f;
        sk_findings_init(&f);
        if (!sj || !ij || sk_schema_compile(sj, &s, &e) != ERR_OK ||
            sk_schema_validate(s, ij, &f) != 1)
            (*failures)++;
        sk_schema_free(s);
        cJSON_Delete(sj);
        cJSON_Delete(ij);
    }
    return NULL;
}

static void test_deep_recursion(void **state)
{
    (void)state;
    char *owned[8];
    /* 63 nested not (an odd count: the value must not be a number) */
    deep_cases[0][0] = owned[0] = repeat("{\"not\":", 63, "{\"type\":\"number\"}", "}");
    deep_cases[0][1] = owned[1] = xstrdup("1");
    /* 31 nested anyOf failing at the bottom: every level composes a message */
    deep_cases[1][0] = owned[2] = repeat("{\"anyOf\":[", 31, "{\"type\":\"string\"}", "]}");
    deep_cases[1][1] = owned[3] = xstrdup("1");
    /* 31 nested properties, additionalProperties false at the bottom */
    deep_cases[2][0] = owned[4] =
        repeat("{\"properties\":{\"a\":", 31, "{\"additionalProperties\":false}", "}}");
    deep_cases[2][1] = owned[5] = repeat("{\"a\":", 31, "{\"b\":1}", "}");
    /* 63 nested items over 63 nested arrays */
    deep_cases[3][0] = owned[6] = repeat("{\"items\":", 63, "{\"type\":\"string\"}", "}");
    deep_cases[3][1] = owned[7] = repeat("[", 63, "1", "]");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    pthread_t t;
    size_t failures = 0;
    assert_int_equal(pthread_create(&t, &attr, validate_deep, &failures), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    assert_int_equal(failures, 0);
    for (size_t i = 0; i < ARRAY_LEN(owned); i++)
        free(owned[i]);
}

static void test_findings_bound(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "[");
    for (int i = 0; i < 500; i++)
        buf_printf(&b, "%s%d", i ? "," : "", i);
    buf_puts(&b, "]");
    struct sk_findings f;
    assert_int_equal(run("{\"items\":{\"type\":\"string\"}}", b.data, &f), SK_FINDINGS_MAX);
    assert_string_equal(f.v[SK_FINDINGS_MAX - 1].rule, "findings.truncated");
    assert_string_equal(f.v[SK_FINDINGS_MAX - 2].message, "[62]: 62 is a number, not a string");
    buf_release(&b);

    /* the count returned is what this call added to a list that had findings already */
    sk_schema *s = compile_text("{\"type\":\"string\"}");
    cJSON *i = cJSON_CreateNumber(1);
    sk_findings_init(&f);
    sk_findings_add(&f, SK_WARN, "other.check", "something else");
    assert_int_equal(sk_schema_validate(s, i, &f), 1);
    assert_int_equal(f.n, 2);
    /* no instance at all */
    assert_int_equal(sk_schema_validate(s, NULL, &f), 1);
    assert_string_equal(f.v[2].message, "(root): no value was given");
    cJSON_Delete(i);
    sk_schema_free(s);
}

static void test_message_safety(void **state)
{
    (void)state;
    struct sk_findings f;
    /* control characters, C1 controls and bidi overrides are escaped, never raw */
    assert_int_equal(run("{\"pattern\":\"^x$\"}", "\"a\\u0001\\n\\u0085\\u202e\\u2028b\"", &f), 1);
    assert_string_equal(f.v[0].message, "(root): \"a\\u0001\\n\\u0085\\u202e\\u2028b\" does not "
                                        "match pattern ^x$");
    /* member names too, and names that are not identifiers are quoted */
    assert_int_equal(run("{\"additionalProperties\":false}", "{\"a\\tb\\\"c\":1}", &f), 1);
    assert_string_equal(f.v[0].message, "[\"a\\tb\\\"c\"]: unknown property (additionalProperties "
                                        "is false)");
    /* a long value is cut after 60 characters, at a character boundary, with an ellipsis */
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "\"");
    for (int i = 0; i < 100; i++)
        buf_puts(&b, "实");
    buf_puts(&b, "\"");
    assert_int_equal(run("{\"maxLength\":3}", b.data, &f), 1);
    char want[1024];
    size_t k = (size_t)snprintf(want, sizeof want, "(root): \"");
    for (int i = 0; i < 59; i++) /* the quote counts as one of the 60 */
        k += (size_t)snprintf(want + k, sizeof want - k, "实");
    snprintf(want + k, sizeof want - k,
             "\xe2\x80\xa6\" has 100 characters, more than the maximum length 3");
    assert_string_equal(f.v[0].message, want);
    buf_release(&b);

    /* invalid UTF-8 in a string (built directly: a parser would have refused it) */
    sk_schema *s = compile_text("{\"pattern\":\"^a\",\"minLength\":5}");
    cJSON *bad = cJSON_CreateString("a\xff\xfe");
    sk_findings_init(&f);
    assert_int_equal(sk_schema_validate(s, bad, &f), 2);
    assert_findings_clean(&f);
    assert_string_equal(f.v[0].message, "(root): \"a\xef\xbf\xbd\xef\xbf\xbd\" has 3 characters, "
                                        "fewer than the minimum length 5");
    assert_string_equal(f.v[1].message, "(root): \"a\xef\xbf\xbd\xef\xbf\xbd\" cannot be checked "
                                        "against pattern ^a: it is not valid UTF-8");
    cJSON_Delete(bad);
    sk_schema_free(s);

    /* a message longer than a finding holds is cut at a character boundary */
    buf_init(&b, 0);
    buf_puts(&b, "{\"");
    for (int i = 0; i < 60; i++)
        buf_puts(&b, "名");
    buf_puts(&b, "\":\"");
    for (int i = 0; i < 200; i++)
        buf_puts(&b, "值");
    buf_puts(&b, "\"}");
    assert_int_equal(run("{\"additionalProperties\":{\"enum\":[\"一二三四五六七八九十一二三四五"
                         "六七八九十一二三四五六七八九十一二三四五六七八九十\",\"二\"]}}",
                         b.data, &f),
                     1);
    assert_true(strlen(f.v[0].message) < SK_FINDING_MSG_MAX);
    buf_release(&b);
}

static void test_hostile_pattern(void **state)
{
    (void)state;
    struct sk_findings f;
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "\"");
    for (int i = 0; i < 64; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, "!\"");
    uint64_t t0 = now_ns();
    assert_int_equal(run("{\"pattern\":\"^(a+)+$\"}", b.data, &f), 1);
    assert_true(now_ns() - t0 < 5000000000ull); /* bounded: the limit, not the exponent */
    assert_string_equal(f.v[0].rule, "schema.pattern");
    assert_non_null(strstr(f.v[0].message, "cannot be checked against pattern ^(a+)+$: "
                                           "matching took too long (the match limit was "
                                           "reached)"));
    buf_release(&b);
    /* the same pattern on a name under patternProperties */
    buf_init(&b, 0);
    buf_puts(&b, "{\"");
    for (int i = 0; i < 64; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, "!\":1}");
    assert_int_equal(run("{\"patternProperties\":{\"^(a+)+$\":true}}", b.data, &f), 1);
    assert_string_equal(f.v[0].rule, "schema.pattern_properties");
    buf_release(&b);
}

static void test_equality(void **state)
{
    (void)state;
    struct sk_findings f;
    assert_int_equal(run("{\"const\":1}", "1.0", &f), 0);
    assert_int_equal(
        run("{\"enum\":[{\"a\":1,\"b\":[true,null]}]}", "{\"b\":[true,null],\"a\":1.0}", &f), 0);
    assert_int_equal(run("{\"enum\":[{\"a\":1}]}", "{\"a\":1,\"b\":2}", &f), 1);
    assert_int_equal(run("{\"enum\":[false]}", "0", &f), 1);
    assert_int_equal(run("{\"uniqueItems\":true}", "[1,1.0]", &f), 1);
    assert_string_equal(f.v[0].message, "[1]: 1 is the same as item 0; items must be unique");
    assert_int_equal(
        run("{\"uniqueItems\":true}", "[{\"a\":1,\"b\":[1,2]},{\"b\":[1,2],\"a\":1}]", &f), 1);
    assert_int_equal(run("{\"uniqueItems\":true}", "[[1],[true],{\"1\":1},\"1\"]", &f), 0);

    /* long arrays are grouped by hash first: every repeat is still found, in index order */
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "[");
    for (int i = 0; i < 40; i++)
        buf_printf(&b, "%s{\"v\":%d,\"w\":\"x\"}", i ? "," : "", i);
    buf_puts(&b, ",{\"w\":\"x\",\"v\":5},7,-0,0]");
    assert_int_equal(run("{\"uniqueItems\":true}", b.data, &f), 2);
    assert_string_equal(f.v[0].message, "[40]: {\"w\":\"x\",\"v\":5} is the same as item 5; "
                                        "items must be unique");
    assert_string_equal(f.v[1].message, "[43]: 0 is the same as item 42; items must be unique");
    buf_release(&b);

    /* large objects compare by sorted members */
    buf_init(&b, 0);
    struct buf c;
    buf_init(&c, 0);
    buf_puts(&b, "{\"const\":{");
    buf_puts(&c, "{");
    for (int i = 0; i < 30; i++) {
        buf_printf(&b, "%s\"m%d\":%d", i ? "," : "", i, i);
        buf_printf(&c, "%s\"m%d\":%d", i ? "," : "", 29 - i, 29 - i);
    }
    buf_puts(&b, "}}");
    buf_puts(&c, "}");
    assert_int_equal(run(b.data, c.data, &f), 0);
    buf_release(&b);
    buf_release(&c);
}

static void test_annotations(void **state)
{
    (void)state;
    struct sk_findings f;
    assert_int_equal(run("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
                         "\"title\":\"t\",\"description\":\"d\",\"default\":1,\"examples\":[1],"
                         "\"$comment\":\"c\",\"format\":\"email\",\"readOnly\":true,"
                         "\"writeOnly\":false,\"deprecated\":true}",
                         "\"not an email\"", &f),
                     0);
    /* the root is an object schema with no type: anything goes */
    assert_int_equal(run("{}", "[1,{\"a\":null}]", &f), 0);
    assert_int_equal(run("true", "null", &f), 0);
}

/* One row per refusal: the code and the whole message. */
static const struct {
    const char *schema;
    err_code code;
    const char *message;
} bad_schemas[] = {
    {"{\"properties\":{\"Port\":{\"dependentRequired\":{}}}}", ERR_UNSUPPORTED,
     "properties.Port: keyword 'dependentRequired' is not supported"},
    {"{\"anyOf\":[{\"type\":\"string\"},{\"$ref\":\"#\"}]}", ERR_UNSUPPORTED,
     "anyOf[1]: keyword '$ref' is not supported"},
    {"{\"properties\":{\"a\\u0001\":{\"x\\ny\":1}}}", ERR_UNSUPPORTED,
     "properties[\"a\\u0001\"]: keyword 'x\\ny' is not supported"},
    {"{\"$schema\":\"http://json-schema.org/draft-07/schema#\"}", ERR_UNSUPPORTED,
     "(root): '$schema' names the dialect http://json-schema.org/draft-07/schema#; only "
     "https://json-schema.org/draft/2020-12/schema is supported"},
    {"{\"pattern\":\"(\"}", ERR_INVALID,
     "(root): 'pattern' ( is not a valid regular expression: missing closing parenthesis at "
     "offset 1"},
    {"{\"patternProperties\":{\"[\":true}}", ERR_INVALID,
     "(root): 'patternProperties' [ is not a valid regular expression: missing terminating ] "
     "for character class at offset 1"},
    {"{\"minLength\":-1}", ERR_INVALID, "(root): 'minLength' must be a non-negative integer"},
    {"{\"maxItems\":1.5}", ERR_INVALID, "(root): 'maxItems' must be a non-negative integer"},
    {"{\"minimum\":\"1\"}", ERR_INVALID, "(root): 'minimum' must be a number"},
    {"{\"multipleOf\":0}", ERR_INVALID, "(root): 'multipleOf' must be greater than 0"},
    {"{\"type\":\"int\"}", ERR_INVALID, "(root): 'type' names an unknown type 'int'"},
    {"{\"type\":[\"string\",\"string\"]}", ERR_INVALID, "(root): 'type' lists 'string' twice"},
    {"{\"type\":[1]}", ERR_INVALID,
     "(root): 'type' must list known type names (null, boolean, object, array, number, string, "
     "integer)"},
    {"{\"items\":[{}]}", ERR_INVALID,
     "(root): 'items' must be a schema (2020-12); an array of schemas for the first items is "
     "'prefixItems'"},
    {"{\"properties\":{\"a\":{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\"}}}",
     ERR_INVALID, "properties.a: '$schema' is allowed only at the root of a schema"},
    {"{\"required\":[\"a\",\"a\"]}", ERR_INVALID, "(root): 'required' lists 'a' twice"},
    {"{\"required\":\"a\"}", ERR_INVALID, "(root): 'required' must be an array of strings"},
    {"{\"anyOf\":[]}", ERR_INVALID, "(root): 'anyOf' must be a non-empty array of schemas"},
    {"{\"prefixItems\":{}}", ERR_INVALID,
     "(root): 'prefixItems' must be a non-empty array of schemas"},
    {"{\"properties\":{\"a\":1}}", ERR_INVALID,
     "properties.a: a schema must be an object or a boolean, not a number"},
    {"{\"not\":\"x\"}", ERR_INVALID, "not: a schema must be an object or a boolean, not a string"},
    {"42", ERR_INVALID, "(root): a schema must be an object or a boolean, not a number"},
    {"{\"type\":\"string\",\"type\":\"integer\"}", ERR_INVALID,
     "type: the member appears more than once in the schema"},
    {"{\"enum\":[{\"a\":1,\"a\":2}]}", ERR_INVALID,
     "enum[0].a: the member appears more than once in the schema"},
    {"{\"title\":1}", ERR_INVALID, "(root): 'title' must be a string"},
    {"{\"deprecated\":\"yes\"}", ERR_INVALID, "(root): 'deprecated' must be a boolean"},
    {"{\"examples\":1}", ERR_INVALID, "(root): 'examples' must be an array"},
    {"{\"enum\":1}", ERR_INVALID, "(root): 'enum' must be an array"},
    {"{\"uniqueItems\":1}", ERR_INVALID, "(root): 'uniqueItems' must be a boolean"},
};

static void test_bad_schemas(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad_schemas); i++) {
        cJSON *j = cJSON_Parse(bad_schemas[i].schema);
        if (!j)
            fail_msg("row %zu does not parse", i);
        struct err e;
        err_clear(&e);
        sk_schema *s = (sk_schema *)&e; /* must be reset to NULL */
        err_code rc = sk_schema_compile(j, &s, &e);
        if (rc != bad_schemas[i].code)
            fail_msg("row %zu (%s): got %s: %s", i, bad_schemas[i].schema, err_name(rc), e.msg);
        assert_null(s);
        assert_string_equal(e.msg, bad_schemas[i].message);
        assert_true(utf8_valid(e.msg, strlen(e.msg)));
        cJSON_Delete(j);
    }
    struct err e;
    err_clear(&e);
    sk_schema *s = NULL;
    assert_int_equal(sk_schema_compile(NULL, &s, &e), ERR_INVALID);
    sk_schema_free(NULL);
}

/* One compiled schema, validated from several threads at once (sk_call is thread-safe). */
struct thread_arg {
    const sk_schema *s;
    const cJSON *good, *bad;
    int errors;
};

static void *validate_many(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 500; i++) {
        struct sk_findings f;
        sk_findings_init(&f);
        if (sk_schema_validate(a->s, a->good, &f) != 0)
            a->errors++;
        sk_findings_init(&f);
        if (sk_schema_validate(a->s, a->bad, &f) != 2 ||
            strcmp(f.v[0].message, "InstanceId[1]: \"x-1\" does not match pattern ^i-[a-z0-9]+$"))
            a->errors++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    sk_schema *s = compile_text("{\"properties\":{\"InstanceId\":{\"items\":{\"pattern\":"
                                "\"^i-[a-z0-9]+$\"},\"uniqueItems\":true}}}");
    cJSON *good = cJSON_Parse("{\"InstanceId\":[\"i-1\",\"i-2\"]}");
    cJSON *bad = cJSON_Parse("{\"InstanceId\":[\"i-1\",\"x-1\",\"i-1\"]}");
    pthread_t t[4];
    struct thread_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (struct thread_arg){s, good, bad, 0};
        assert_int_equal(pthread_create(&t[i], NULL, validate_many, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].errors, 0);
    }
    cJSON_Delete(good);
    cJSON_Delete(bad);
    sk_schema_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),        cmocka_unit_test(test_all_findings_reported),
        cmocka_unit_test(test_duplicate_keys),  cmocka_unit_test(test_depth_limits),
        cmocka_unit_test(test_findings_bound),  cmocka_unit_test(test_message_safety),
        cmocka_unit_test(test_hostile_pattern), cmocka_unit_test(test_equality),
        cmocka_unit_test(test_annotations),     cmocka_unit_test(test_bad_schemas),
        cmocka_unit_test(test_threads),         cmocka_unit_test(test_deep_recursion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
