/* tags.c - what every simulated resource shares: tags (the Tag.N filter of the Describe
 * calls, tags given at creation), the Filter.N creation-time filters, UTC time parsing, and
 * the tag operations TagResources, UntagResources and ListTagResources. Layer: cloud
 * (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIM_MAX_TAG_RESOURCES 50 /* ResourceId.N of the tag operations */
#define SIM_TAG_PAGE 50          /* rows per ListTagResources page */

/* ---- Times ----------------------------------------------------------------------------------- */

err_code sim_time_parse(const char *s, uint64_t *ret_ms)
{
    struct tm tm = {0};
    char tail = 0;
    size_t len = s ? strlen(s) : 0;
    int got = 0;
    if (len == 20)
        got = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail) == 7;
    else if (len == 17)
        got = sscanf(s, "%4d-%2d-%2dT%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tail) == 6;
    if (!got || tail != 'Z' || tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
        tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
        return ERR_INVALID;
    for (size_t i = 0; i < len; i++)
        if (strchr("0123456789-T:Z", s[i]) == NULL)
            return ERR_INVALID;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t < 0)
        return ERR_INVALID;
    *ret_ms = (uint64_t)t * 1000u;
    return ERR_OK;
}

/* ---- Indexed parameters ------------------------------------------------------------------------ */

/* Split "<prefix>.<N>.<field>" into N and field; 0 when `key` is not of that form. */
static int indexed(const char *key, const char *prefix, long *ret_n, const char **ret_field)
{
    size_t plen = strlen(prefix);
    if (strncmp(key, prefix, plen) != 0 || key[plen] != '.')
        return 0;
    const char *num = key + plen + 1, *dot = strchr(num, '.');
    char buf[16];
    size_t len = dot ? (size_t)(dot - num) : 0;
    if (!dot || len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, num, len);
    buf[len] = '\0';
    if (parse_long(buf, 0, 1000000, ret_n) != ERR_OK)
        return 0;
    *ret_field = dot + 1;
    return 1;
}

/* Collect Tag.N.Key / Tag.N.Value (N 1..20) by index; *ret_any says whether any was given. */
static err_code collect_tags(struct sim_ctx *c, const char *keys[SIM_MAX_TAGS + 1],
                             const char *values[SIM_MAX_TAGS + 1], int *ret_any)
{
    *ret_any = 0;
    for (size_t i = 0; i < c->p->n; i++) {
        long n = 0;
        const char *field = NULL;
        if (!indexed(c->p->v[i].key, "Tag", &n, &field))
            continue;
        *ret_any = 1;
        if (n < 1 || n > (long)SIM_MAX_TAGS)
            return sim_fail(c, 400, "InvalidTagCount",
                            "The specified tags are beyond the permitted range (Tag.1 to Tag.%u).",
                            SIM_MAX_TAGS);
        if (strcmp(field, "Key") == 0)
            keys[n] = c->p->v[i].val;
        else if (strcmp(field, "Value") == 0)
            values[n] = c->p->v[i].val;
    }
    return ERR_OK;
}

err_code sim_tag_filter(struct sim_ctx *c, struct sim_tag_filter *ret)
{
    const char *keys[SIM_MAX_TAGS + 1] = {0}, *values[SIM_MAX_TAGS + 1] = {0};
    int any = 0;
    ret->n = 0;
    err_code rc = collect_tags(c, keys, values, &any);
    for (size_t n = 1; !rc && n <= SIM_MAX_TAGS; n++) {
        if (values[n] && (!keys[n] || !*keys[n]))
            return sim_fail(c, 400, "InvalidTag.Mismatch",
                            "The specified Tag.%zu.Key and Tag.%zu.Value are not match.", n, n);
        if (!keys[n] || !*keys[n])
            continue;
        ret->key[ret->n] = keys[n];
        ret->value[ret->n] = values[n] && *values[n] ? values[n] : NULL;
        ret->n++;
    }
    return rc;
}

cJSON *sim_tags_of(cJSON *res)
{
    cJSON *wrap = cJSON_GetObjectItemCaseSensitive(res, "Tags");
    if (!cJSON_IsObject(wrap)) {
        cJSON_DeleteItemFromObjectCaseSensitive(res, "Tags");
        wrap = cJSON_AddObjectToObject(res, "Tags");
    }
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(wrap, "Tag");
    if (!cJSON_IsArray(arr)) {
        cJSON_DeleteItemFromObjectCaseSensitive(wrap, "Tag");
        arr = cJSON_AddArrayToObject(wrap, "Tag");
    }
    return arr;
}

/* ECS resources name a tag's parts TagKey/TagValue; the VPC product says Key/Value. */
static const char *tag_key(const cJSON *t)
{
    return cJSON_GetObjectItemCaseSensitive(t, "TagKey") ? sim_gets(t, "TagKey") : sim_gets(t, "Key");
}

static const char *tag_value(const cJSON *t)
{
    return cJSON_GetObjectItemCaseSensitive(t, "TagKey") ? sim_gets(t, "TagValue")
                                                         : sim_gets(t, "Value");
}

static const cJSON *find_tag(const cJSON *res, const char *key)
{
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(res, "Tags"), "Tag")) {
        if (strcmp(tag_key(t), key) == 0)
            return t;
    }
    return NULL;
}

int sim_tags_match(const struct sim_tag_filter *f, const cJSON *res)
{
    for (size_t i = 0; i < f->n; i++) {
        const cJSON *t = find_tag(res, f->key[i]);
        if (!t || (f->value[i] && strcmp(tag_value(t), f->value[i]) != 0))
            return 0;
    }
    return 1;
}

static int has_url(const char *s)
{
    return strstr(s, "http://") != NULL || strstr(s, "https://") != NULL;
}

static size_t chars(const char *s)
{
    return utf8_count(s, strlen(s));
}

err_code sim_tags_read(struct sim_ctx *c, cJSON **ret)
{
    const char *keys[SIM_MAX_TAGS + 1] = {0}, *values[SIM_MAX_TAGS + 1] = {0};
    int any = 0;
    *ret = NULL;
    err_code rc = collect_tags(c, keys, values, &any);
    if (rc)
        return rc;
    cJSON *arr = cJSON_CreateArray();
    for (size_t n = 1; n <= SIM_MAX_TAGS; n++) {
        if (!keys[n] && !values[n])
            continue;
        const char *k = keys[n] ? keys[n] : "", *v = values[n] ? values[n] : "";
        if (!*k || chars(k) > SIM_MAX_TAG_LEN || !utf8_valid(k, strlen(k)) ||
            strncmp(k, "aliyun", 6) == 0 || strncmp(k, "acs:", 4) == 0 || has_url(k)) {
            rc = sim_fail(c, 400, "InvalidTagKey.Malformed",
                          "The specified Tag.%zu.Key is not valid: 1 to %u characters, not "
                          "starting with aliyun or acs:, without http:// or https://.", n,
                          SIM_MAX_TAG_LEN);
            break;
        }
        if (chars(v) > SIM_MAX_TAG_LEN || !utf8_valid(v, strlen(v)) || strncmp(v, "acs:", 4) == 0 ||
            has_url(v)) {
            rc = sim_fail(c, 400, "InvalidTagValue.Malformed",
                          "The specified Tag.%zu.Value is not valid: at most %u characters, not "
                          "starting with acs:, without http:// or https://.", n, SIM_MAX_TAG_LEN);
            break;
        }
        const cJSON *t = NULL;
        cJSON_ArrayForEach(t, arr) {
            if (strcmp(sim_gets(t, "TagKey"), k) == 0)
                rc = sim_fail(c, 400, "Duplicate.TagKey", "The Tag.N.Key contain duplicate key.");
        }
        if (rc)
            break;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "TagKey", k);
        cJSON_AddStringToObject(o, "TagValue", v);
        cJSON_AddItemToArray(arr, o);
    }
    if (rc)
        cJSON_Delete(arr);
    else
        *ret = arr;
    return rc;
}

err_code sim_tags_add(struct sim_ctx *c, cJSON *res, const cJSON *tags)
{
    cJSON *have = sim_tags_of(res);
    size_t extra = 0;
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, tags)
        extra += find_tag(res, sim_gets(t, "TagKey")) == NULL;
    if ((size_t)cJSON_GetArraySize(have) + extra > SIM_MAX_TAGS)
        return sim_fail(c, 400, "OperationDenied.QuotaExceed",
                        "The quota of tags on resource is beyond permitted range (%u).",
                        SIM_MAX_TAGS);
    cJSON_ArrayForEach(t, tags) {
        cJSON *old = (cJSON *)find_tag(res, sim_gets(t, "TagKey"));
        if (old)
            sim_sets(old, "TagValue", sim_gets(t, "TagValue"));
        else
            cJSON_AddItemToArray(have, cJSON_Duplicate(t, 1));
    }
    return ERR_OK;
}

/* ---- Creation-time filters ------------------------------------------------------------------ */

/* Filter.N.Key -> the field it bounds and which side. */
static const struct {
    const char *key;
    const char *field;
    int upper;
    int expiry; /* 1 = only where the resource expires (instances) */
} time_keys[] = {
    {"CreationStartTime", "CreationTime", 0, 0},
    {"CreationEndTime", "CreationTime", 1, 0},
    {"ExpiredStartTime", "ExpiredTime", 0, 1},
    {"ExpiredEndTime", "ExpiredTime", 1, 1},
};

err_code sim_time_filter(struct sim_ctx *c, int with_expiry, struct sim_time_filter *ret)
{
    const char *keys[SIM_MAX_FILTERS + 1] = {0}, *values[SIM_MAX_FILTERS + 1] = {0};
    ret->n = 0;
    for (size_t i = 0; i < c->p->n; i++) {
        long n = 0;
        const char *field = NULL;
        if (!indexed(c->p->v[i].key, "Filter", &n, &field))
            continue;
        if (n < 1 || n > (long)SIM_MAX_FILTERS)
            return sim_fail(c, 400, "InvalidParameter",
                            "The simulator accepts Filter.1 to Filter.%u.", SIM_MAX_FILTERS);
        if (strcmp(field, "Key") == 0)
            keys[n] = c->p->v[i].val;
        else if (strcmp(field, "Value") == 0)
            values[n] = c->p->v[i].val;
    }
    for (size_t n = 1; n <= SIM_MAX_FILTERS; n++) {
        if (!keys[n] && !values[n])
            continue;
        size_t k = 0;
        while (k < ARRAY_LEN(time_keys) &&
               (!keys[n] || strcmp(keys[n], time_keys[k].key) != 0 ||
                (time_keys[k].expiry && !with_expiry)))
            k++;
        if (k == ARRAY_LEN(time_keys))
            return sim_fail(c, 404, "InvalidFilterKey.NotFound",
                            "The specified Filter.%zu.Key \"%s\" is not supported.", n,
                            keys[n] ? keys[n] : "");
        uint64_t at = 0;
        if (!values[n] || sim_time_parse(values[n], &at) != ERR_OK)
            return sim_fail(c, 400, "InvalidFilterValue",
                            "Filter.%zu.Value must be a UTC time such as 2024-05-01T08:00Z.", n);
        ret->field[ret->n] = time_keys[k].field;
        ret->upper[ret->n] = time_keys[k].upper;
        ret->at[ret->n] = at;
        ret->n++;
    }
    return ERR_OK;
}

int sim_time_match(const struct sim_time_filter *f, const cJSON *res)
{
    for (size_t i = 0; i < f->n; i++) {
        uint64_t t = 0;
        if (sim_time_parse(sim_gets(res, f->field[i]), &t) != ERR_OK)
            return 0;
        if (f->upper[i] ? t > f->at[i] : t < f->at[i])
            return 0;
    }
    return 1;
}

/* ---- TagResources / UntagResources / ListTagResources ------------------------------------------ */

/* ResourceType -> where such resources live. */
static const struct {
    const char *type;
    const char *kind;
    const char *id;
    const char *alt_id; /* a second name the resource answers to, or NULL */
} tag_types[] = {
    {"instance", "Instances", "InstanceId", NULL},
    {"disk", "Disks", "DiskId", NULL},
    {"snapshot", "Snapshots", "SnapshotId", NULL},
    {"image", "Images", "ImageId", NULL},
    {"securitygroup", "SecurityGroups", "SecurityGroupId", NULL},
    {"eni", "NetworkInterfaces", "NetworkInterfaceId", NULL},
    {"keypair", "KeyPairs", "KeyPairName", "KeyPairId"},
    {"snapshotpolicy", "AutoSnapshotPolicies", "AutoSnapshotPolicyId", NULL},
    {"command", "Commands", "CommandId", NULL},
};

static err_code type_arg(struct sim_ctx *c, size_t *ret)
{
    const char *type = sim_opt(c, "ResourceType");
    if (!type)
        return sim_fail(c, 404, "MissingParameter.ResourceType",
                        "The parameter - ResourceType should not be null");
    for (size_t i = 0; i < ARRAY_LEN(tag_types); i++) {
        if (strcmp(type, tag_types[i].type) == 0) {
            *ret = i;
            return ERR_OK;
        }
    }
    return sim_fail(c, 404, "InvalidResourceType.NotFound",
                    "The ResourceType \"%s\" is not supported by the simulator (instance, disk, "
                    "snapshot, image, securitygroup, eni, keypair, snapshotpolicy, command).", type);
}

/* A taggable resource of type row `t` in the request's region, or NULL. */
static cJSON *tag_target(struct sim_ctx *c, size_t t, const char *id)
{
    cJSON *it = NULL;
    cJSON_ArrayForEach(it, sim_kind(c->root, tag_types[t].kind)) {
        int named = strcmp(sim_gets(it, tag_types[t].id), id) == 0 ||
                    (tag_types[t].alt_id && strcmp(sim_gets(it, tag_types[t].alt_id), id) == 0);
        if (named && strcmp(sim_gets(it, "RegionId"), c->region) == 0 &&
            !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "_Hidden")))
            return it;
    }
    return NULL;
}

/* The resources named by ResourceId.N (at most 50): a new array of borrowed pointers. */
struct targets {
    cJSON **v; /* owned array; the resources themselves are borrowed */
    size_t n;
};

static err_code targets_arg(struct sim_ctx *c, size_t t, int required, struct targets *ret)
{
    const char **ids = NULL;
    size_t n = 0;
    ret->v = NULL;
    ret->n = 0;
    err_code rc = sim_list(c, "ResourceId", SIM_MAX_TAG_RESOURCES, 400, "NumberExceed.ResourceIds",
                           &ids, &n);
    if (!rc && n == 0 && required)
        rc = sim_fail(c, 400, "MissingParameter",
                      "The input parameter \"ResourceId.1\" that is mandatory for processing this "
                      "request is not supplied.");
    if (!rc && n > 0)
        ret->v = xcalloc(n, sizeof *ret->v);
    for (size_t i = 0; !rc && i < n; i++) {
        cJSON *res = tag_target(c, t, ids[i]);
        if (!res)
            rc = sim_fail(c, 404, "InvalidResourceId.NotFound",
                          "The specified ResourceIds are not found in our records (%s).", ids[i]);
        else if (strcmp(sim_gets(res, "ImageOwnerAlias"), "system") == 0)
            rc = sim_fail(c, 403, "InvalidResourceId.NotSupported",
                          "The specified ResourceId does not support tagging (%s).", ids[i]);
        else
            ret->v[ret->n++] = res;
    }
    free(ids);
    if (rc) {
        free(ret->v);
        ret->v = NULL;
        ret->n = 0;
    }
    return rc;
}

static err_code op_tag_resources(struct sim_ctx *c)
{
    size_t t = 0;
    struct targets tg = {0};
    cJSON *tags = NULL;
    err_code rc = type_arg(c, &t);
    if (!rc)
        rc = targets_arg(c, t, 1, &tg);
    if (!rc)
        rc = sim_tags_read(c, &tags);
    if (!rc && cJSON_GetArraySize(tags) == 0)
        rc = sim_fail(c, 404, "MissingParameter.Tags", "The parameter - Tags should not be null");
    for (size_t i = 0; !rc && i < tg.n; i++)
        rc = sim_tags_add(c, tg.v[i], tags);
    free(tg.v);
    cJSON_Delete(tags);
    return rc;
}

static err_code op_untag_resources(struct sim_ctx *c)
{
    size_t t = 0, n = 0;
    struct targets tg = {0};
    const char **keys = NULL;
    int all = 0;
    err_code rc = type_arg(c, &t);
    if (!rc)
        rc = targets_arg(c, t, 1, &tg);
    if (!rc)
        rc = sim_list(c, "TagKey", SIM_MAX_TAGS, 400, "NumberExceed.Tags", &keys, &n);
    if (!rc)
        rc = sim_bool(c, "All", 0, &all);
    for (size_t r = 0; !rc && r < tg.n; r++) {
        cJSON *have = sim_tags_of(tg.v[r]);
        for (cJSON *tag = have->child; tag;) {
            cJSON *next = tag->next;
            int drop = n == 0 && all;
            for (size_t i = 0; i < n; i++)
                drop |= strcmp(keys[i], sim_gets(tag, "TagKey")) == 0;
            if (drop)
                cJSON_Delete(cJSON_DetachItemViaPointer(have, tag));
            tag = next;
        }
    }
    free(keys);
    free(tg.v);
    return rc;
}

static void add_row(cJSON *rows, const char *type, const char *id, const cJSON *tag)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ResourceId", id);
    cJSON_AddStringToObject(o, "ResourceType", type);
    cJSON_AddStringToObject(o, "TagKey", sim_gets(tag, "TagKey"));
    cJSON_AddStringToObject(o, "TagValue", sim_gets(tag, "TagValue"));
    cJSON_AddItemToArray(rows, o);
}

/* Rows are (resource, tag) pairs: every tag of the resources asked for by ResourceId.N, or,
 * with Tag.N, the matching tags of the resources that carry all of them. */
static err_code op_list_tag_resources(struct sim_ctx *c)
{
    size_t t = 0;
    struct targets tg = {0};
    cJSON *rows = cJSON_CreateArray();
    struct sim_tag_filter f = {0};
    err_code rc = type_arg(c, &t);
    if (!rc)
        rc = targets_arg(c, t, 0, &tg);
    if (!rc)
        rc = sim_tag_filter(c, &f);
    if (!rc && tg.n == 0 && f.n == 0)
        rc = sim_fail(c, 400, "MissingParameter",
                      "One of ResourceId.N and Tag.N is required.");
    long start = 0;
    const char *tok = sim_opt(c, "NextToken");
    if (!rc && tok &&
        (strncmp(tok, "sim-", 4) != 0 || parse_long(tok + 4, 0, 1000000, &start) != ERR_OK))
        rc = sim_fail(c, 400, "InvalidParameter.NextToken", "The specified NextToken is not valid.");
    if (rc)
        goto cleanup;
    cJSON *res = NULL;
    cJSON_ArrayForEach(res, sim_kind(c->root, tag_types[t].kind)) {
        const char *id = sim_gets(res, tag_types[t].id);
        int asked = tg.n == 0;
        for (size_t i = 0; i < tg.n; i++)
            asked |= tg.v[i] == res;
        if (!asked || strcmp(sim_gets(res, "RegionId"), c->region) != 0 ||
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "_Hidden")) ||
            !sim_tags_match(&f, res))
            continue;
        const cJSON *tag = NULL;
        cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(res, "Tags"), "Tag")) {
            int wanted = f.n == 0;
            for (size_t i = 0; i < f.n; i++)
                wanted |= strcmp(f.key[i], sim_gets(tag, "TagKey")) == 0;
            if (wanted)
                add_row(rows, tag_types[t].type, id, tag);
        }
    }
    cJSON *arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(c->out, "TagResources"),
                                        "TagResource");
    long i = 0, total = cJSON_GetArraySize(rows);
    for (cJSON *row = rows->child; row;) {
        cJSON *next = row->next;
        if (i >= start && i < start + SIM_TAG_PAGE)
            cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(rows, row));
        i++;
        row = next;
    }
    char next_tok[32] = "";
    if (start + SIM_TAG_PAGE < total)
        snprintf(next_tok, sizeof next_tok, "sim-%ld", start + SIM_TAG_PAGE);
    cJSON_AddStringToObject(c->out, "NextToken", next_tok);
cleanup:
    free(tg.v);
    cJSON_Delete(rows);
    return rc;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_tags[] = {
    {"TagResources", "2014-05-26", op_tag_resources, 1, SIM_DRY_NONE, 0, 1,
     "ResourceType ResourceId.N Tag.N.Key Tag.N.Value"},
    {"UntagResources", "2014-05-26", op_untag_resources, 1, SIM_DRY_NONE, 0, 1,
     "ResourceType ResourceId.N TagKey.N All"},
    {"ListTagResources", "2014-05-26", op_list_tag_resources, 0, SIM_DRY_NONE, 0, 1,
     "ResourceType ResourceId.N Tag.N.Key Tag.N.Value NextToken"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
