/* dispatch.c - the transport-free core of the simulator: find the operation row, check the
 * region, run DryRun checks on a scratch copy, honour ClientToken, apply writes atomically,
 * and shape success and error bodies the way the real gateway does. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"
#include "cloud/sign.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_VERSION_ECS "2014-05-26"
#define SIM_VERSION_VPC "2016-04-28"

/* The operation tables, one per area; a row is added in the area's file, a new area here. */
const struct sim_op *const sim_op_tables[] = {
    sim_ops_instances, sim_ops_launch, sim_ops_modify,   sim_ops_health, sim_ops_network,
    sim_ops_rules,     sim_ops_eni,    sim_ops_assist,   sim_ops_files,  sim_ops_images,
    sim_ops_disks,     sim_ops_volumes, sim_ops_policies, sim_ops_keypairs, sim_ops_tags,
    NULL,
};

static const struct sim_op *find_op(const char *action, const char *version)
{
    for (size_t t = 0; sim_op_tables[t]; t++)
        for (const struct sim_op *op = sim_op_tables[t]; op->action; op++)
            if (strcmp(op->action, action) == 0 && strcmp(op->version, version) == 0)
                return op;
    return NULL;
}

/* Parameters every operation accepts (the owner parameters are the gateway's own). */
static const char common_params[] =
    "RegionId DryRun OwnerId OwnerAccount ResourceOwnerId ResourceOwnerAccount";

/* 1 when the space-separated `list` holds `name` (already in its "N" form). */
static int word_listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && len > 0 && strncmp(p, name, n) == 0)
            return 1;
        p = end;
    }
    return 0;
}

/* "Tag.12.Key" -> "Tag.N.Key": every dot-separated part made of digits becomes N. */
static void param_pattern(const char *key, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = key; *p && o + 1 < cap;) {
        const char *end = strchr(p, '.');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int digits = len > 0 && strspn(p, "0123456789") == len;
        if (digits)
            out[o++] = 'N';
        for (size_t i = 0; !digits && i < len && o + 1 < cap; i++)
            out[o++] = p[i];
        if (end && o + 1 < cap)
            out[o++] = '.';
        p = end ? end + 1 : p + len;
    }
    out[o] = '\0';
}

/* Refuse, by name, the first parameter the operation does not accept (see struct sim_op). */
static err_code check_params(struct sim_ctx *c, const struct sim_op *op)
{
    char pat[SIM_MAX_PARAM_KEY + 1];
    for (size_t i = 0; i < c->p->n; i++) {
        const char *key = c->p->v[i].key;
        param_pattern(key, pat, sizeof pat);
        if (word_listed(common_params, pat) || word_listed(op->params, pat) ||
            (op->token && strcmp(pat, "ClientToken") == 0))
            continue;
        return sim_fail(c, 400, "InvalidParameter",
                        "The specified parameter \"%s\" is not supported by the simulator for %s.",
                        key, op->action);
    }
    return ERR_OK;
}

static void request_id(char out[37])
{
    uuid4(out);
    for (char *p = out; *p; p++)
        *p = (char)toupper((unsigned char)*p);
}

static cJSON *error_body(const char *rid, const char *host, const struct sim_fail *f,
                         const char *product)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "RequestId", rid);
    cJSON_AddStringToObject(b, "HostId", host);
    cJSON_AddStringToObject(b, "Code", f->code);
    cJSON_AddStringToObject(b, "Message", f->msg);
    char *rec = xasprintf("https://api.aliyun.com/troubleshoot?q=%s&product=%s&requestId=%s",
                          f->code, product, rid);
    cJSON_AddStringToObject(b, "Recommend", rec);
    free(rec);
    return b;
}

/* Hash of everything but the ClientToken itself: same token + same hash = a retry. Secret
 * values (Password, ...) stay out of it, so the remembered hash says nothing about them; a
 * retry that differs only in a secret counts as the same request. */
static void params_hash(const char *action, const struct sim_params *p, char out[65])
{
    struct sim_params sorted;
    sim_params_init(&sorted);
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].key, "ClientToken") != 0)
            sim_params_add(&sorted, p->v[i].key,
                           sim_param_is_secret(p->v[i].key) ? "" : p->v[i].val);
    sim_params_sort(&sorted);
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, action);
    for (size_t i = 0; i < sorted.n; i++) {
        buf_putc(&b, '\n');
        buf_puts(&b, sorted.v[i].key);
        buf_putc(&b, '=');
        buf_puts(&b, sorted.v[i].val);
    }
    cloud_sha256_hex(b.data, b.len, out);
    buf_release(&b);
    sim_params_release(&sorted);
}

static int token_ok(const char *tok)
{
    size_t n = strlen(tok);
    if (n > SIM_MAX_TOKEN_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)tok[i] < 0x21 || (unsigned char)tok[i] > 0x7e)
            return 0;
    return 1;
}

static cJSON *find_token(cJSON *root, const char *action, const char *tok)
{
    cJSON *it = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "ClientTokens")) {
        if (strcmp(sim_gets(it, "Token"), tok) == 0 && strcmp(sim_gets(it, "Action"), action) == 0)
            return it;
    }
    return NULL;
}

static void remember_token(cJSON *root, const char *action, const char *tok, const char *hash,
                           const cJSON *out)
{
    cJSON *arr = sim_kind(root, "ClientTokens");
    while ((size_t)cJSON_GetArraySize(arr) >= SIM_MAX_TOKENS)
        cJSON_DeleteItemFromArray(arr, 0);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "Token", tok);
    cJSON_AddStringToObject(e, "Action", action);
    cJSON_AddStringToObject(e, "Hash", hash);
    cJSON *body = cJSON_Duplicate(out, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(body, "RequestId");
    cJSON_AddItemToObject(e, "Body", body);
    cJSON_AddItemToArray(arr, e);
}

/* Run the handler on a copy of the state; returns the copy on success (NULL on failure). */
static cJSON *run_on_copy(struct sim_ctx *c, const struct sim_op *op)
{
    cJSON *copy = cJSON_Duplicate(c->root, 1);
    c->root = copy;
    if (op->fn(c) != ERR_OK) {
        cJSON_Delete(copy);
        return NULL;
    }
    return copy;
}

void sim_state_call(struct sim_state *st, const char *action, const char *version,
                    const struct sim_params *p, const char *host, uint64_t now_ms,
                    struct sim_reply *ret)
{
    char rid[37];
    request_id(rid);
    sim_state_tick(st, now_ms);
    ret->status = 200;
    ret->mutated = 0;
    ret->body = NULL;
    const char *product = strcmp(version ? version : "", SIM_VERSION_VPC) == 0 ? "Vpc" : "Ecs";
    if (!host || !*host)
        host = strcmp(product, "Vpc") == 0 ? "vpc.aliyuncs.com" : "ecs.aliyuncs.com";

    struct sim_ctx c = {0};
    c.st = st;
    c.root = sim_state_root(st);
    c.p = p;
    c.now = now_ms;
    c.transition_ms = sim_state_transition_ms(st);
    c.out = cJSON_CreateObject();
    cJSON_AddStringToObject(c.out, "RequestId", rid);
    cJSON *copy = NULL;
    char hash[65] = "";
    const char *tok = NULL;

    const struct sim_op *op = find_op(action ? action : "", version ? version : "");
    if (!op) {
        if (!version || (strcmp(version, SIM_VERSION_ECS) != 0 && strcmp(version, SIM_VERSION_VPC) != 0))
            sim_fail(&c, 400, "InvalidVersion", "Specified parameter Version is not valid.");
        else
            sim_fail(&c, 404, "InvalidAction.NotFound",
                     "Specified api is not found, please check your url and method.");
        goto failed;
    }
    c.region = sim_opt(&c, "RegionId");
    if (!c.region)
        c.region = sim_opt(&c, "regionId");
    if (op->region && !c.region) {
        sim_fail(&c, 400, "MissingParameter",
                 "The input parameter \"RegionId\" that is mandatory for processing this request "
                 "is not supplied.");
        goto failed;
    }
    if (c.region && !sim_find(c.root, "Regions", "RegionId", c.region)) {
        sim_fail(&c, 404, "InvalidRegionId.NotFound", "The specified RegionId does not exist.");
        goto failed;
    }
    if (check_params(&c, op) != ERR_OK)
        goto failed;
    int dry = 0;
    if (sim_bool(&c, "DryRun", 0, &dry) != ERR_OK)
        goto failed;
    if (dry) {
        if (op->dry == SIM_DRY_NONE) {
            sim_fail(&c, 400, "UnsupportedParameter",
                     "The parameter DryRun is not supported by %s.", op->action);
            goto failed;
        }
        c.dry_run = 1;
        copy = run_on_copy(&c, op);
        if (!copy)
            goto failed;
        cJSON_Delete(copy);
        copy = NULL;
        if (op->dry == SIM_DRY_BATCH)
            sim_fail(&c, 400, "DRYRUN.SUCCESS", "This request is a dryrun request with successful result.");
        else
            sim_fail(&c, 400, "DryRunOperation",
                     "Request validation has been passed with DryRun flag set.");
        goto failed;
    }
    tok = op->token ? sim_opt(&c, "ClientToken") : NULL;
    if (tok) {
        if (!token_ok(tok)) {
            sim_fail(&c, 400, "InvalidClientToken.ValueNotSupported",
                     "The ClientToken must be at most %u printable ASCII characters.",
                     SIM_MAX_TOKEN_LEN);
            goto failed;
        }
        params_hash(op->action, p, hash);
        const cJSON *seen = find_token(c.root, op->action, tok);
        if (seen) {
            if (strcmp(sim_gets(seen, "Hash"), hash) != 0) {
                sim_fail(&c, 400, "IdempotentParameterMismatch",
                         "The specified parameter ClientToken was used with different parameters.");
                goto failed;
            }
            const cJSON *f = NULL;
            cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(seen, "Body"))
                cJSON_AddItemToObject(c.out, f->string, cJSON_Duplicate(f, 1));
            ret->body = c.out;
            return;
        }
    }
    if (!op->mutating) {
        if (op->fn(&c) != ERR_OK)
            goto failed;
        ret->body = c.out;
        return;
    }
    /* Writes run on a copy that replaces the state only on success: a handler that fails
     * half-way (or a batch with AllTogether semantics) leaves nothing behind. */
    copy = run_on_copy(&c, op);
    if (!copy)
        goto failed;
    if (tok)
        remember_token(copy, op->action, tok, hash, c.out);
    cJSON_Delete(sim_state_swap_root(st, copy));
    ret->mutated = 1;
    ret->body = c.out;
    return;

failed:
    cJSON_Delete(c.out);
    ret->status = c.fail.status ? c.fail.status : 500;
    if (!c.fail.code[0])
        snprintf(c.fail.code, sizeof c.fail.code, "InternalError");
    ret->body = error_body(rid, host, &c.fail, product);
}
