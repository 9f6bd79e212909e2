/* fuzz_schema.c - fuzz target: the JSON Schema validator (skills/schema*.c). The input, when it
 * parses as JSON, is validated against fixed schemas, then compiled as a schema and, if that
 * works, used to validate fixed instances and itself. Oracles: no crash; every finding has a
 * schema.* rule and a message that is valid UTF-8 without control characters; the count
 * returned is the count added; validating twice gives the same findings. Layer: tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skills/skills.h"

static const char *const schemas[] = {
    "{\"type\":\"object\",\"required\":[\"RegionId\"],\"additionalProperties\":false,"
    "\"properties\":{\"RegionId\":{\"type\":\"string\",\"pattern\":\"^[a-z]{2}-[a-z0-9-]+$\"},"
    "\"InstanceId\":{\"type\":\"array\",\"maxItems\":100,\"uniqueItems\":true,"
    "\"items\":{\"type\":\"string\",\"pattern\":\"^i-[a-z0-9]+$\"}},"
    "\"Port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535,\"multipleOf\":1},"
    "\"Tags\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"Key\"],"
    "\"properties\":{\"Key\":{\"minLength\":1,\"maxLength\":128},\"Value\":{\"maxLength\":128}},"
    "\"additionalProperties\":false}}}}",
    "{\"anyOf\":[{\"type\":\"string\",\"pattern\":\"(a|aa)+$\"},{\"prefixItems\":[{\"const\":1}],"
    "\"items\":false},{\"patternProperties\":{\"^[0-9]+$\":{\"oneOf\":[{\"type\":\"number\"},"
    "{\"multipleOf\":0.5}]}},\"minProperties\":1}],\"not\":{\"enum\":[null,{},[]]}}",
    "{\"uniqueItems\":true,\"items\":{\"uniqueItems\":true}}",
};

static const char *const instances[] = {
    "{}",    "[1,1.0,{\"a\":[]},{\"a\":[]}]", "\"i-abc\\n\"", "{\"RegionId\":\"cn\",\"x\":1}", "-0",
    "1e308",
};

static void check(const sk_schema *s, const cJSON *inst)
{
    struct sk_findings a, b;
    sk_findings_init(&a);
    sk_findings_init(&b);
    size_t n = sk_schema_validate(s, inst, &a);
    if (n != a.n || sk_schema_validate(s, inst, &b) != n) {
        fprintf(stderr, "finding counts disagree\n");
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        const char *m = a.v[i].message;
        if (strcmp(m, b.v[i].message) != 0 || strcmp(a.v[i].rule, b.v[i].rule) != 0) {
            fprintf(stderr, "validation is not deterministic\n");
            abort();
        }
        if (strncmp(a.v[i].rule, "schema.", 7) != 0 &&
            strcmp(a.v[i].rule, "findings.truncated") != 0) {
            fprintf(stderr, "bad rule %s\n", a.v[i].rule);
            abort();
        }
        if (!utf8_valid(m, strlen(m))) {
            fprintf(stderr, "message is not UTF-8\n");
            abort();
        }
        for (const unsigned char *c = (const unsigned char *)m; *c; c++)
            if (*c < 0x20 || *c == 0x7f) {
                fprintf(stderr, "control character in a message\n");
                abort();
            }
    }
}

static sk_schema *fixed[sizeof schemas / sizeof schemas[0]];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err e;
    if (!fixed[0])
        for (size_t i = 0; i < ARRAY_LEN(schemas); i++) {
            cJSON *j = cJSON_Parse(schemas[i]);
            err_clear(&e);
            if (!j || sk_schema_compile(j, &fixed[i], &e) != ERR_OK) {
                fprintf(stderr, "fixed schema %zu: %s\n", i, e.msg);
                abort();
            }
            cJSON_Delete(j);
        }
    cJSON *in = cJSON_ParseWithLength((const char *)data, size);
    if (!in)
        return 0;
    for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
        check(fixed[i], in);
    sk_schema *s = NULL;
    err_clear(&e);
    if (sk_schema_compile(in, &s, &e) == ERR_OK) {
        for (size_t i = 0; i < ARRAY_LEN(instances); i++) {
            cJSON *j = cJSON_Parse(instances[i]);
            check(s, j);
            cJSON_Delete(j);
        }
        check(s, in);
        sk_schema_free(s);
    } else if (!e.msg[0] || !utf8_valid(e.msg, strlen(e.msg))) {
        fprintf(stderr, "a refused schema needs a UTF-8 message\n");
        abort();
    }
    cJSON_Delete(in);
    return 0;
}
