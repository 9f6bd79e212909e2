/* auth.c - verification of ACS3-HMAC-SHA256 (V3) signed requests, with the same canonical
 * request code the client signs with (cloud/sign.h), plus the date window and nonce replay
 * checks of the real gateway. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"
#include "cloud/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIM_DATE_WINDOW_MS (15u * 60u * 1000u) /* x-acs-date must be this close to now */
#define SIM_NONCES 4096u                       /* remembered nonces (a ring) */
#define SIM_MAX_NONCE 128u                     /* bytes of one nonce */
#define SIM_MAX_SIGNED_HEADERS 2048u           /* bytes of the SignedHeaders list */

struct sim_auth {
    char *key_id;                        /* the one accepted AccessKeyId */
    char *secret;                        /* its secret; never leaves this file */
    char nonces[SIM_NONCES][SIM_MAX_NONCE + 1]; /* recently seen nonces */
    uint64_t nonce_at[SIM_NONCES];       /* when each was seen (ms) */
    size_t next;                         /* ring position */
};

/* Headers a request must carry and sign (notes §1.1). */
static const char *const required_headers[] = {
    "host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
    "x-acs-content-sha256",
};

struct sim_auth *sim_auth_new(const char *key_id, const char *secret)
{
    struct sim_auth *a = xcalloc(1, sizeof *a);
    a->key_id = xstrdup(key_id);
    a->secret = xstrdup(secret);
    return a;
}

void sim_auth_free(struct sim_auth *a)
{
    if (!a)
        return;
    free(a->key_id);
    if (a->secret) {
        volatile char *p = a->secret;
        while (*p)
            *p++ = 0;
    }
    free(a->secret);
    free(a);
}

const char *sim_http_header(const struct sim_http_req *r, const char *name)
{
    for (size_t i = 0; i < r->hdr_n; i++)
        if (strcmp(r->hdr_names[i], name) == 0)
            return r->hdr_values[i];
    return NULL;
}

static err_code deny(struct sim_fail *f, int status, const char *code, const char *msg)
{
    f->status = status;
    snprintf(f->code, sizeof f->code, "%s", code);
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    return ERR_DENIED;
}

/* Parse "yyyy-MM-ddTHH:mm:ssZ" into ms since the epoch; -1 when malformed. */
static long long parse_date(const char *s)
{
    struct tm tm = {0};
    char tail = 0;
    if (strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &tail) != 7 || tail != 'Z')
        return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return t < 0 ? -1 : (long long)t * 1000;
}

/* 1 when `name` is one of the ';'-separated entries of list. */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static int nonce_seen(struct sim_auth *a, const char *nonce, uint64_t now_ms)
{
    for (size_t i = 0; i < SIM_NONCES; i++)
        if (a->nonce_at[i] && now_ms - a->nonce_at[i] <= 2 * SIM_DATE_WINDOW_MS &&
            strcmp(a->nonces[i], nonce) == 0)
            return 1;
    snprintf(a->nonces[a->next], sizeof a->nonces[a->next], "%s", nonce);
    a->nonce_at[a->next] = now_ms ? now_ms : 1;
    a->next = (a->next + 1) % SIM_NONCES;
    return 0;
}

err_code sim_auth_verify(struct sim_auth *a, const struct sim_http_req *r, uint64_t now_ms,
                         struct sim_fail *f)
{
    struct buf signed_list, canon, my_list;
    buf_init(&signed_list, SIM_MAX_SIGNED_HEADERS);
    buf_init(&canon, SIM_MAX_BODY * 4);
    buf_init(&my_list, SIM_MAX_SIGNED_HEADERS);
    struct cloud_kv *query = NULL, *headers = NULL;
    err_code rc = ERR_OK;
    char msg[256];

    const char *auth = sim_http_header(r, "authorization");
    for (size_t i = 0; i < ARRAY_LEN(required_headers); i++) {
        if (!sim_http_header(r, required_headers[i])) {
            snprintf(msg, sizeof msg, "The request header \"%s\" that is mandatory for V3 signed "
                     "requests is not supplied.", required_headers[i]);
            rc = deny(f, 400, "MissingParameter", msg);
            goto cleanup;
        }
    }
    if (!auth) {
        rc = deny(f, 400, "MissingParameter",
                  "The request header \"Authorization\" that is mandatory is not supplied.");
        goto cleanup;
    }
    char key_id[128], sig[65];
    err_code prc = cloud_parse_authorization(auth, key_id, sizeof key_id, &signed_list, sig);
    if (prc != ERR_OK) {
        rc = deny(f, 400, "IncompleteSignature",
                  prc == ERR_UNSUPPORTED ? "The signature algorithm is not supported; use ACS3-HMAC-SHA256."
                                         : "The request signature does not conform to Aliyun standards.");
        goto cleanup;
    }
    if (strcmp(key_id, a->key_id) != 0) {
        rc = deny(f, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        goto cleanup;
    }
    long long when = parse_date(sim_http_header(r, "x-acs-date"));
    if (when < 0) {
        rc = deny(f, 400, "IllegalTimestamp",
                  "The x-acs-date header is not a UTC time of the form yyyy-MM-ddTHH:mm:ssZ.");
        goto cleanup;
    }
    long long skew = when - (long long)now_ms;
    if (skew > (long long)SIM_DATE_WINDOW_MS || -skew > (long long)SIM_DATE_WINDOW_MS) {
        rc = deny(f, 400, "InvalidTimeStamp.Expired",
                  "Specified time stamp or date value is expired.");
        goto cleanup;
    }
    for (size_t i = 0; i < ARRAY_LEN(required_headers); i++) {
        if (!listed(signed_list.data, required_headers[i])) {
            snprintf(msg, sizeof msg, "The header \"%s\" must be signed.", required_headers[i]);
            rc = deny(f, 400, "IncompleteSignature", msg);
            goto cleanup;
        }
    }
    if (sim_http_header(r, "content-type") && r->body_len > 0 &&
        !listed(signed_list.data, "content-type")) {
        rc = deny(f, 400, "IncompleteSignature", "The content-type header must be signed.");
        goto cleanup;
    }
    char body_hash[65];
    cloud_sha256_hex(r->body ? r->body : "", r->body_len, body_hash);
    if (strcmp(body_hash, sim_http_header(r, "x-acs-content-sha256")) != 0) {
        rc = deny(f, 400, "SignatureDoesNotMatch",
                  "The x-acs-content-sha256 header does not match the request body.");
        goto cleanup;
    }
    /* The headers to sign are exactly those SignedHeaders names (repeats kept: the canonical
     * form merges them). */
    headers = xcalloc(r->hdr_n ? r->hdr_n : 1, sizeof *headers);
    size_t nh = 0;
    for (size_t i = 0; i < r->hdr_n; i++)
        if (listed(signed_list.data, r->hdr_names[i]))
            headers[nh++] = (struct cloud_kv){r->hdr_names[i], r->hdr_values[i]};
    query = xcalloc(r->query->n ? r->query->n : 1, sizeof *query);
    for (size_t i = 0; i < r->query->n; i++)
        query[i] = (struct cloud_kv){r->query->v[i].key, r->query->v[i].val};
    if (cloud_canonical_request(r->method, "/", query, r->query->n, headers, nh, body_hash, &canon,
                                &my_list) != ERR_OK ||
        strcmp(my_list.data ? my_list.data : "", signed_list.data ? signed_list.data : "") != 0) {
        rc = deny(f, 400, "IncompleteSignature",
                  "SignedHeaders names a header the request does not carry, or is not sorted.");
        goto cleanup;
    }
    char expect[65];
    cloud_sign_v3(canon.data, canon.len, a->secret, expect);
    if (ct_memcmp(expect, sig, 64) != 0) {
        rc = deny(f, 400, "SignatureDoesNotMatch",
                  "Specified signature does not match our calculation.");
        goto cleanup;
    }
    const char *nonce = sim_http_header(r, "x-acs-signature-nonce");
    if (strlen(nonce) == 0 || strlen(nonce) > SIM_MAX_NONCE) {
        rc = deny(f, 400, "InvalidParameter", "The x-acs-signature-nonce header is not valid.");
        goto cleanup;
    }
    if (nonce_seen(a, nonce, now_ms)) {
        rc = deny(f, 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
        goto cleanup;
    }
cleanup:
    free(query);
    free(headers);
    buf_release(&signed_list);
    buf_release(&canon);
    buf_release(&my_list);
    return rc;
}
