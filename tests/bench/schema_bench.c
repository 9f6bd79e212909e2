/* skilld-schema-bench: time of sk_schema_validate on a tool schema shaped like the catalogue's
 * (RunInstances-sized: patterns, enums, bounds, an array of tag objects), for a valid call
 * and for one that breaks six rules, and the time of one compilation. Run by
 * scripts/bench.sh; it prints numbers and asserts nothing. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "skills/skills.h"

static const char schema_text[] =
    "{\"type\":\"object\",\"additionalProperties\":false,"
    "\"required\":[\"RegionId\",\"ImageId\",\"InstanceType\"],"
    "\"properties\":{"
    "\"RegionId\":{\"type\":\"string\",\"pattern\":\"^[a-z]{2}-[a-z0-9-]+$\",\"maxLength\":64},"
    "\"ZoneId\":{\"type\":\"string\",\"pattern\":\"^[a-z]{2}-[a-z0-9-]+$\"},"
    "\"ImageId\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":128},"
    "\"InstanceType\":{\"type\":\"string\",\"pattern\":\"^ecs\\\\.[a-z0-9-]+\\\\.[a-z0-9]+$\"},"
    "\"SecurityGroupId\":{\"type\":\"string\",\"pattern\":\"^sg-[a-z0-9]+$\"},"
    "\"VSwitchId\":{\"type\":\"string\",\"pattern\":\"^vsw-[a-z0-9]+$\"},"
    "\"InstanceName\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":128},"
    "\"Description\":{\"type\":\"string\",\"maxLength\":256},"
    "\"InternetMaxBandwidthOut\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100},"
    "\"InstanceChargeType\":{\"type\":\"string\",\"enum\":[\"PrePaid\",\"PostPaid\"]},"
    "\"SystemDisk\":{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"Category\":{\"enum\":[\"cloud_efficiency\",\"cloud_ssd\",\"cloud_essd\",\"cloud_auto\"]},"
    "\"Size\":{\"type\":\"integer\",\"minimum\":20,\"maximum\":2048}}},"
    "\"Amount\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100},"
    "\"DryRun\":{\"type\":\"boolean\"},"
    "\"Tag\":{\"type\":\"array\",\"maxItems\":20,\"uniqueItems\":true,\"items\":{"
    "\"type\":\"object\",\"required\":[\"Key\"],\"additionalProperties\":false,\"properties\":{"
    "\"Key\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":128},"
    "\"Value\":{\"type\":\"string\",\"maxLength\":128}}}}}}";

static const char good_text[] =
    "{\"RegionId\":\"cn-hangzhou\",\"ZoneId\":\"cn-hangzhou-i\",\"ImageId\":"
    "\"aliyun_3_x64_20G_alibase_20240819.vhd\",\"InstanceType\":\"ecs.g7.large\","
    "\"SecurityGroupId\":\"sg-bp1abc\",\"VSwitchId\":\"vsw-bp1xyz\",\"InstanceName\":\"web-1\","
    "\"InternetMaxBandwidthOut\":10,\"InstanceChargeType\":\"PostPaid\","
    "\"SystemDisk\":{\"Category\":\"cloud_essd\",\"Size\":40},\"Amount\":2,\"DryRun\":false,"
    "\"Tag\":[{\"Key\":\"env\",\"Value\":\"prod\"},{\"Key\":\"team\",\"Value\":\"web\"}]}";

static const char bad_text[] =
    "{\"RegionId\":\"cn-hangzhou\",\"ImageId\":\"img\",\"InstanceType\":\"g7.large\","
    "\"SecurityGroupId\":\"sg-bp1abc\",\"InternetMaxBandwidthOut\":500,"
    "\"InstanceChargeType\":\"Monthly\",\"SystemDisk\":{\"Category\":\"cloud_essd\",\"Size\":10},"
    "\"Amount\":2,\"Colour\":\"red\",\"Tag\":[{\"Key\":\"env\"},{\"Key\":\"env\"}]}";

static double per_call_ns(const sk_schema *s, const cJSON *inst, long rounds, size_t *ret_n)
{
    uint64_t t0 = now_ns();
    size_t n = 0;
    for (long i = 0; i < rounds; i++) {
        struct sk_findings f;
        sk_findings_init(&f);
        n = sk_schema_validate(s, inst, &f);
    }
    *ret_n = n;
    return (double)(now_ns() - t0) / (double)rounds;
}

int main(int argc, char **argv)
{
    long rounds = 200000;
    if (argc > 1 && parse_long(argv[1], 1, 100000000, &rounds) != ERR_OK) {
        fprintf(stderr, "usage: skilld-schema-bench [ROUNDS]\n");
        return 2;
    }
    cJSON *schema = cJSON_Parse(schema_text), *good = cJSON_Parse(good_text),
          *bad = cJSON_Parse(bad_text);
    struct err e;
    err_clear(&e);
    sk_schema *s = NULL;
    uint64_t t0 = now_ns();
    const long compiles = 1000;
    for (long i = 0; i < compiles; i++) {
        sk_schema_free(s);
        s = NULL;
        if (sk_schema_compile(schema, &s, &e) != ERR_OK) {
            fprintf(stderr, "skilld-schema-bench: %s\n", e.msg);
            return 1;
        }
    }
    double compile_us = (double)(now_ns() - t0) / compiles / 1000.0;
    size_t ngood, nbad;
    double good_ns = per_call_ns(s, good, rounds, &ngood);
    double bad_ns = per_call_ns(s, bad, rounds / 4 ? rounds / 4 : 1, &nbad);
    printf("compile (15 properties, 5 patterns): %.1f us\n", compile_us);
    printf("validate valid call   (%zu findings): %.0f ns/call over %ld calls\n", ngood, good_ns,
           rounds);
    printf("validate invalid call (%zu findings): %.0f ns/call over %ld calls\n", nbad, bad_ns,
           rounds / 4 ? rounds / 4 : 1);
    sk_schema_free(s);
    cJSON_Delete(schema);
    cJSON_Delete(good);
    cJSON_Delete(bad);
    return 0;
}
