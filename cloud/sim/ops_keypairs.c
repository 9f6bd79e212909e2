/* ops_keypairs.c - simulated SSH key pairs: create (a real RSA key made with OpenSSL whose
 * private half is answered once and never kept), import (an OpenSSH public key line), describe,
 * attach to and detach from Linux instances, delete. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <fnmatch.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_KEYPAIRS_PER_REGION 500 /* key pairs one region holds */
#define SIM_MAX_KEYPAIR_TARGETS 50      /* InstanceIds of Attach/DetachKeyPair */
#define SIM_MAX_KEYPAIR_NAMES 100       /* KeyPairNames of DeleteKeyPairs */
#define SIM_MAX_PUBLIC_KEY 16384        /* bytes of an imported public key line */
#define SIM_RSA_BITS 2048               /* CreateKeyPair key size */

/* Key types ImportKeyPair accepts, as the first word of an OpenSSH public key line. */
static const char *const key_types[] = {"ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256",
                                        "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"};

/* Names: 2-128 characters of letters, digits, ':', '_' and '-', starting with a letter. */
static int keypair_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 128 || !((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z'))
        return 0;
    if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-") == n;
}

static cJSON *find_keypair(struct sim_ctx *c, const char *name)
{
    cJSON *k = NULL;
    cJSON_ArrayForEach(k, sim_kind(c->root, "KeyPairs")) {
        if (strcmp(sim_gets(k, "KeyPairName"), name) == 0 &&
            strcmp(sim_gets(k, "RegionId"), c->region) == 0)
            return k;
    }
    return NULL;
}

/* MD5 of the public key blob as colon-separated hex (the RFC 4716 fingerprint form). */
static void fingerprint(const unsigned char *blob, size_t len, char out[48])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(blob, len, md, &n, EVP_md5(), NULL);
    size_t o = 0;
    for (unsigned i = 0; i < n && o + 3 < 48; i++)
        o += (size_t)snprintf(out + o, 48 - o, i ? ":%02x" : "%02x", md[i]);
    out[o] = '\0';
}

static void put_u32(struct buf *b, size_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    buf_append(b, x, 4);
}

/* An SSH "mpint": big-endian magnitude, a zero byte first when the top bit is set. */
static void put_mpint(struct buf *b, const BIGNUM *bn)
{
    size_t n = (size_t)BN_num_bytes(bn);
    unsigned char *tmp = xmalloc(n + 1);
    tmp[0] = 0;
    BN_bn2bin(bn, tmp + 1);
    int pad = n > 0 && (tmp[1] & 0x80);
    put_u32(b, n + (size_t)pad);
    buf_append(b, pad ? tmp : tmp + 1, n + (size_t)pad);
    free(tmp);
}

/* Make an RSA key: the PKCS#1 PEM private key (*ret_pem, new, wiped by the caller), the
 * OpenSSH public key line (*ret_pub, new) and its fingerprint. */
static err_code make_rsa(char **ret_pem, char **ret_pub, char fp[48])
{
    err_code rc = ERR_INTERNAL;
    EVP_PKEY *key = EVP_RSA_gen(SIM_RSA_BITS);
    BIO *bio = BIO_new(BIO_s_mem());
    BIGNUM *n = NULL, *e = NULL;
    char *mem = NULL;
    long len = 0;
    struct buf blob;
    buf_init(&blob, 0);
    *ret_pem = *ret_pub = NULL;
    if (!key || !bio || !PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL) ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e))
        goto cleanup;
    len = BIO_get_mem_data(bio, &mem);
    if (len <= 0)
        goto cleanup;
    *ret_pem = xstrndup(mem, (size_t)len);
    put_u32(&blob, 7);
    buf_append(&blob, "ssh-rsa", 7);
    put_mpint(&blob, e);
    put_mpint(&blob, n);
    char *b64 = xmalloc(sim_b64_len(blob.len) + 1);
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)blob.data, (int)blob.len);
    *ret_pub = xasprintf("ssh-rsa %s", b64);
    free(b64);
    fingerprint((const unsigned char *)blob.data, blob.len, fp);
    rc = ERR_OK;
cleanup:
    if (bio) {
        /* The PEM passed through this buffer: wipe it before it goes back to the heap. */
        len = BIO_get_mem_data(bio, &mem);
        if (len > 0)
            OPENSSL_cleanse(mem, (size_t)len);
        BIO_free(bio);
    }
    EVP_PKEY_free(key);
    BN_free(n);
    BN_free(e);
    buf_release(&blob);
    return rc;
}

/* Check an OpenSSH public key line "<type> <base64 blob> [comment]": a known type whose blob
 * starts with the same type name and carries key material. *ret_line gets the normalised
 * "<type> <base64>" (new); fp the blob's fingerprint. */
static err_code parse_public_key(const char *s, char **ret_line, char fp[48])
{
    size_t len = strlen(s);
    *ret_line = NULL;
    if (len > SIM_MAX_PUBLIC_KEY)
        return ERR_TOO_BIG;
    const char *sp = strchr(s, ' ');
    if (!sp)
        return ERR_INVALID;
    size_t tlen = (size_t)(sp - s);
    int known = 0;
    for (size_t i = 0; i < ARRAY_LEN(key_types); i++)
        known |= strlen(key_types[i]) == tlen && strncmp(s, key_types[i], tlen) == 0;
    const char *b = sp + 1;
    size_t blen = strcspn(b, " \r\n");
    if (!known || blen < 16 || blen % 4 != 0)
        return ERR_INVALID;
    unsigned char *raw = xmalloc(blen / 4 * 3 + 1);
    int got = EVP_DecodeBlock(raw, (const unsigned char *)b, (int)blen);
    size_t pad = (b[blen - 1] == '=') + (b[blen - 2] == '=');
    err_code rc = ERR_INVALID;
    if (got >= 0 && (size_t)got > pad) {
        size_t n = (size_t)got - pad;
        size_t name_len = n >= 4 ? ((size_t)raw[0] << 24 | (size_t)raw[1] << 16 |
                                    (size_t)raw[2] << 8 | raw[3]) : 0;
        if (n > 4 + tlen + 4 && name_len == tlen && memcmp(raw + 4, s, tlen) == 0) {
            fingerprint(raw, n, fp);
            *ret_line = xasprintf("%.*s %.*s", (int)tlen, s, (int)blen, b);
            rc = ERR_OK;
        }
    }
    free(raw);
    return rc;
}

/* The checks CreateKeyPair and ImportKeyPair share: a free, well-formed name and room. */
static err_code new_name_arg(struct sim_ctx *c, const char **ret)
{
    err_code rc = sim_req(c, "KeyPairName", ret);
    if (rc)
        return rc;
    if (!keypair_name_ok(*ret))
        return sim_fail(c, 400, "InvalidKeyPairName.Malformed",
                        "Specified Key Pair name is not valid: 2 to 128 letters, digits, ':', '_' "
                        "and '-', starting with a letter.");
    if (find_keypair(c, *ret))
        return sim_fail(c, 400, "KeyPair.AlreadyExist", "The key pair \"%s\" already exists.", *ret);
    int count = 0;
    const cJSON *k = NULL;
    cJSON_ArrayForEach(k, sim_kind(c->root, "KeyPairs"))
        count += strcmp(sim_gets(k, "RegionId"), c->region) == 0;
    if (count >= SIM_MAX_KEYPAIRS_PER_REGION)
        return sim_fail(c, 403, "QuotaExceed.KeyPair", "The key pair quota (%d per region) exceeds.",
                        SIM_MAX_KEYPAIRS_PER_REGION);
    return ERR_OK;
}

static cJSON *add_keypair(struct sim_ctx *c, const char *name, const char *pub, const char *fp,
                          cJSON *tags)
{
    char id[40], when[32];
    sim_new_id("skp-", id);
    sim_iso_time(c->now, when);
    cJSON *k = cJSON_CreateObject();
    cJSON_AddStringToObject(k, "KeyPairName", name);
    cJSON_AddStringToObject(k, "KeyPairId", id);
    cJSON_AddStringToObject(k, "KeyPairFingerPrint", fp);
    cJSON_AddStringToObject(k, "PublicKey", pub);
    cJSON_AddStringToObject(k, "RegionId", c->region);
    const char *rg = sim_opt(c, "ResourceGroupId");
    cJSON_AddStringToObject(k, "ResourceGroupId", rg ? rg : "");
    cJSON_AddStringToObject(k, "CreationTime", when);
    cJSON_AddItemToObject(cJSON_AddObjectToObject(k, "Tags"), "Tag", tags ? tags : cJSON_CreateArray());
    cJSON_AddItemToArray(sim_kind(c->root, "KeyPairs"), k);
    return k;
}

/* CreateKeyPair: the private key is in the answer and nowhere else; a DryRun-style check (a
 * failed call) never makes one. */
static err_code op_create_key_pair(struct sim_ctx *c)
{
    const char *name = NULL;
    cJSON *tags = NULL;
    err_code rc = new_name_arg(c, &name);
    if (!rc)
        rc = sim_tags_read(c, &tags);
    if (rc)
        return rc;
    char *pem = NULL, *pub = NULL, fp[48];
    if (make_rsa(&pem, &pub, fp) != ERR_OK) {
        cJSON_Delete(tags);
        return sim_fail(c, 500, "InternalError", "The key pair could not be generated.");
    }
    cJSON *k = add_keypair(c, name, pub, fp, tags);
    cJSON_AddStringToObject(c->out, "KeyPairId", sim_gets(k, "KeyPairId"));
    cJSON_AddStringToObject(c->out, "KeyPairName", name);
    cJSON_AddStringToObject(c->out, "KeyPairFingerPrint", fp);
    cJSON_AddStringToObject(c->out, "PrivateKeyBody", pem);
    OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
    free(pub);
    return ERR_OK;
}

static err_code op_import_key_pair(struct sim_ctx *c)
{
    const char *name = NULL, *body = NULL;
    cJSON *tags = NULL;
    err_code rc = new_name_arg(c, &name);
    if (!rc)
        rc = sim_req(c, "PublicKeyBody", &body);
    if (rc)
        return rc;
    char *line = NULL, fp[48];
    if (parse_public_key(body, &line, fp) != ERR_OK)
        return sim_fail(c, 400, "InvalidPublicKeyBody.Malformed",
                        "The PublicKeyBody format is not supported: give one OpenSSH public key "
                        "line (ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp* and Base64 key data).");
    rc = sim_tags_read(c, &tags);
    if (rc) {
        free(line);
        return rc;
    }
    add_keypair(c, name, line, fp, tags);
    free(line);
    cJSON_AddStringToObject(c->out, "KeyPairName", name);
    cJSON_AddStringToObject(c->out, "KeyPairFingerPrint", fp);
    return ERR_OK;
}

static err_code op_describe_key_pairs(struct sim_ctx *c)
{
    const char *name = sim_opt(c, "KeyPairName"), *fp = sim_opt(c, "KeyPairFingerPrint");
    const char *rg = sim_opt(c, "ResourceGroupId");
    int with_key = 0;
    struct sim_tag_filter tags;
    err_code rc = sim_bool(c, "IncludePublicKey", 0, &with_key);
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    if (rc)
        return rc;
    cJSON *items = cJSON_CreateArray();
    const cJSON *k = NULL;
    cJSON_ArrayForEach(k, sim_kind(c->root, "KeyPairs")) {
        /* KeyPairName takes '*' as a wildcard (names hold no other pattern character). */
        if (strcmp(sim_gets(k, "RegionId"), c->region) != 0 ||
            (name && fnmatch(name, sim_gets(k, "KeyPairName"), FNM_NOESCAPE) != 0) ||
            (fp && strcmp(fp, sim_gets(k, "KeyPairFingerPrint")) != 0) ||
            (rg && strcmp(rg, sim_gets(k, "ResourceGroupId")) != 0) || !sim_tags_match(&tags, k))
            continue;
        cJSON *o = sim_public(k);
        cJSON_DeleteItemFromObjectCaseSensitive(o, "RegionId");
        cJSON_DeleteItemFromObjectCaseSensitive(o, "KeyPairId");
        if (!with_key)
            cJSON_DeleteItemFromObjectCaseSensitive(o, "PublicKey");
        cJSON_AddItemToArray(items, o);
    }
    return sim_page(c, items, "KeyPairs", "KeyPair", 10, 50, 0);
}

/* The InstanceIds of Attach/DetachKeyPair: a JSON array of 1..50 ids. */
static err_code instance_ids_arg(struct sim_ctx *c, cJSON **ret)
{
    const char *v = NULL;
    err_code rc = sim_req(c, "InstanceIds", &v);
    if (rc)
        return rc;
    cJSON *arr = cJSON_ParseWithLengthOpts(v, strlen(v) + 1, NULL, 1);
    int ok = cJSON_IsArray(arr) && cJSON_GetArraySize(arr) >= 1 &&
             cJSON_GetArraySize(arr) <= SIM_MAX_KEYPAIR_TARGETS;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, arr)
        ok = ok && cJSON_IsString(it);
    if (!ok) {
        cJSON_Delete(arr);
        return sim_fail(c, 400, "InvalidInstanceIds.ValueNotSupported",
                        "The specified parameter InstanceIds is not valid: a JSON array of 1 to %d "
                        "instance IDs.", SIM_MAX_KEYPAIR_TARGETS);
    }
    *ret = arr;
    return ERR_OK;
}

/* Attach (attach = 1) or detach a key pair: one result per instance, as the API answers. */
static err_code bind_keypair(struct sim_ctx *c, int attach)
{
    const char *name = NULL;
    cJSON *ids = NULL;
    err_code rc = sim_req(c, "KeyPairName", &name);
    if (!rc)
        rc = instance_ids_arg(c, &ids);
    if (rc)
        return rc;
    if (!find_keypair(c, name)) {
        cJSON_Delete(ids);
        return sim_fail(c, 400, "InvalidKeyPairName.NotFound",
                        "The specified KeyPairName \"%s\" does not exist in our records.", name);
    }
    cJSON *arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(c->out, "Results"), "Result");
    int fails = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, ids) {
        cJSON *inst = sim_find(c->root, "Instances", "InstanceId", it->valuestring);
        const char *code = "200", *msg = "successful";
        if (!inst || strcmp(sim_gets(inst, "RegionId"), c->region) != 0) {
            code = "InvalidInstanceId.NotFound";
            msg = "The specified InstanceId does not exist.";
        } else if (strcmp(sim_gets(inst, "OSType"), "windows") == 0) {
            code = "DependencyViolation.WindowsInstance";
            msg = "The instance is windows, cannot use ssh key pair to login.";
        } else if (strcmp(sim_gets(inst, "Status"), "Running") != 0 &&
                   strcmp(sim_gets(inst, "Status"), "Stopped") != 0) {
            code = "IncorrectInstanceStatus";
            msg = "The instance must be Running or Stopped.";
        } else if (attach) {
            sim_sets(inst, "KeyPairName", name);
        } else if (strcmp(sim_gets(inst, "KeyPairName"), name) == 0) {
            sim_sets(inst, "KeyPairName", "");
        }
        int ok = strcmp(code, "200") == 0;
        fails += !ok;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "InstanceId", it->valuestring);
        cJSON_AddStringToObject(r, "Code", code);
        cJSON_AddStringToObject(r, "Message", msg);
        cJSON_AddStringToObject(r, "Success", ok ? "true" : "false");
        cJSON_AddItemToArray(arr, r);
    }
    char total[16], failed[16];
    snprintf(total, sizeof total, "%d", cJSON_GetArraySize(ids));
    snprintf(failed, sizeof failed, "%d", fails);
    cJSON_AddStringToObject(c->out, "KeyPairName", name);
    cJSON_AddStringToObject(c->out, "TotalCount", total);
    cJSON_AddStringToObject(c->out, "FailCount", failed);
    cJSON_Delete(ids);
    return ERR_OK;
}

static err_code op_attach_key_pair(struct sim_ctx *c) { return bind_keypair(c, 1); }
static err_code op_detach_key_pair(struct sim_ctx *c) { return bind_keypair(c, 0); }

/* DeleteKeyPairs: unknown names are skipped; instances keep the name of a deleted key pair and
 * can still log in with it (the API's documented behaviour). */
static err_code op_delete_key_pairs(struct sim_ctx *c)
{
    const char *v = NULL;
    err_code rc = sim_req(c, "KeyPairNames", &v);
    if (rc)
        return rc;
    cJSON *names = cJSON_ParseWithLengthOpts(v, strlen(v) + 1, NULL, 1);
    int ok = cJSON_IsArray(names) && cJSON_GetArraySize(names) >= 1 &&
             cJSON_GetArraySize(names) <= SIM_MAX_KEYPAIR_NAMES;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, names)
        ok = ok && cJSON_IsString(it);
    if (!ok) {
        cJSON_Delete(names);
        return sim_fail(c, 400, "InvalidKeyPairNames.ValueNotSupported",
                        "The specified parameter \"KeyPairNames\" is not valid: a JSON array of 1 "
                        "to %d names.", SIM_MAX_KEYPAIR_NAMES);
    }
    cJSON_ArrayForEach(it, names) {
        cJSON *k = find_keypair(c, it->valuestring);
        if (k)
            cJSON_Delete(cJSON_DetachItemViaPointer(sim_kind(c->root, "KeyPairs"), k));
    }
    cJSON_Delete(names);
    return ERR_OK;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_keypairs[] = {
    {"CreateKeyPair", "2014-05-26", op_create_key_pair, 1, SIM_DRY_NONE, 0, 1,
     "KeyPairName ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"ImportKeyPair", "2014-05-26", op_import_key_pair, 1, SIM_DRY_NONE, 0, 1,
     "KeyPairName PublicKeyBody ResourceGroupId Tag.N.Key Tag.N.Value"},
    {"DescribeKeyPairs", "2014-05-26", op_describe_key_pairs, 0, SIM_DRY_NONE, 0, 1,
     "KeyPairName KeyPairFingerPrint IncludePublicKey ResourceGroupId Tag.N.Key Tag.N.Value "
     "PageNumber PageSize"},
    {"AttachKeyPair", "2014-05-26", op_attach_key_pair, 1, SIM_DRY_NONE, 0, 1,
     "KeyPairName InstanceIds"},
    {"DetachKeyPair", "2014-05-26", op_detach_key_pair, 1, SIM_DRY_NONE, 0, 1,
     "KeyPairName InstanceIds"},
    {"DeleteKeyPairs", "2014-05-26", op_delete_key_pairs, 1, SIM_DRY_NONE, 0, 1, "KeyPairNames"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
