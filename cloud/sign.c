/* sign.c - ACS3-HMAC-SHA256 request signing: percent-encoding, the canonical request, the
 * HMAC and the Authorization header, in both directions (build and parse). Layer: cloud. */
#include "cloud/sign.h"

#include "cloud/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

err_code cloud_percent_encode(const char *s, size_t len, struct buf *out)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        err_code rc;
        if (is_unreserved(c)) {
            rc = buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex_upper[c >> 4], hex_upper[c & 15]};
            rc = buf_append(out, esc, 3);
        }
        if (rc)
            return rc;
    }
    return ERR_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

err_code cloud_percent_decode(const char *s, size_t len, struct buf *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\0') /* a raw NUL would cut the value short wherever it is used as a string */
            return ERR_PARSE;
        if (c == '%') {
            if (len - i < 3)
                return ERR_PARSE;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return ERR_PARSE;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        err_code rc = buf_putc(out, c);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

int cloud_header_is_signed(const char *name)
{
    if (strcasecmp(name, "host") == 0 || strcasecmp(name, "content-type") == 0)
        return 1;
    return strncasecmp(name, "x-acs-", 6) == 0;
}

/* One entry of the sorted lists below; both strings owned. */
struct pair {
    char *name;
    char *value;
};

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static void pairs_free(struct pair *p, size_t n)
{
    if (!p)
        return;
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].value);
    }
    free(p);
}

static char *encode_dup(const char *s)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, ""); /* never NULL, even for "" */
    cloud_percent_encode(s, strlen(s), &b);
    return buf_steal(&b, NULL);
}

/* Encode, sort and join the query: "a=1&b=". */
static err_code put_query(const struct cloud_kv *query, size_t n, struct buf *out)
{
    err_code rc = ERR_OK;
    struct pair *p = xcalloc(n ? n : 1, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        p[i].name = encode_dup(query[i].name);
        p[i].value = encode_dup(query[i].value ? query[i].value : "");
    }
    qsort(p, n, sizeof *p, pair_cmp);
    for (size_t i = 0; i < n && !rc; i++)
        rc = buf_printf(out, "%s%s=%s", i ? "&" : "", p[i].name, p[i].value);
    pairs_free(p, n);
    return rc;
}

static int header_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > CLOUD_SIGN_MAX_NAME)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!is_unreserved(c) || c == '~')
            return 0;
    }
    return 1;
}

/* Lowercase name, trimmed value; ERR_INVALID for a value that would break the line format. */
static err_code header_pair(const struct cloud_kv *h, struct pair *ret)
{
    if (!header_name_ok(h->name))
        return ERR_INVALID;
    const char *v = h->value ? h->value : "";
    if (strpbrk(v, "\r\n"))
        return ERR_INVALID;
    size_t len = strlen(v);
    while (len && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    ret->name = xstrdup(h->name);
    for (char *c = ret->name; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    ret->value = xstrndup(v, len);
    return ERR_OK;
}

/* "name:v1,v2\n" per distinct name into canon, "a;b" into signed_headers. */
static err_code put_headers(const struct cloud_kv *headers, size_t n, struct buf *canon,
                            struct buf *signed_headers)
{
    err_code rc = ERR_OK;
    size_t made = 0;
    struct pair *p = xcalloc(n ? n : 1, sizeof *p);
    for (; made < n; made++) {
        rc = header_pair(&headers[made], &p[made]);
        if (rc)
            goto cleanup;
    }
    qsort(p, n, sizeof *p, pair_cmp);
    for (size_t i = 0; i < n && !rc; i++) {
        int first = i == 0 || strcmp(p[i].name, p[i - 1].name) != 0;
        int last = i + 1 == n || strcmp(p[i].name, p[i + 1].name) != 0;
        if (first) {
            rc = buf_printf(canon, "%s:", p[i].name);
            if (!rc)
                rc = buf_printf(signed_headers, "%s%s", i ? ";" : "", p[i].name);
        } else {
            rc = buf_putc(canon, ',');
        }
        if (!rc)
            rc = buf_puts(canon, p[i].value);
        if (!rc && last)
            rc = buf_putc(canon, '\n');
    }

cleanup:
    pairs_free(p, made);
    return rc;
}

/* The canonical URI: "/" for RPC, else each segment encoded with '/' kept. */
static err_code put_path(const char *path, struct buf *out)
{
    if (!path || !*path)
        return buf_putc(out, '/');
    for (const char *s = path; *s;) {
        size_t seg = strcspn(s, "/");
        err_code rc = cloud_percent_encode(s, seg, out);
        if (!rc && s[seg] == '/')
            rc = buf_putc(out, '/');
        if (rc)
            return rc;
        s += seg + (s[seg] == '/');
    }
    return ERR_OK;
}

err_code cloud_canonical_request(const char *method, const char *path, const struct cloud_kv *query,
                                 size_t nquery, const struct cloud_kv *headers, size_t nheaders,
                                 const char *payload_sha256_hex, struct buf *ret_canonical,
                                 struct buf *ret_signed_headers)
{
    if (nquery > CLOUD_SIGN_MAX_QUERY || nheaders > CLOUD_SIGN_MAX_HEADERS)
        return ERR_TOO_BIG;
    err_code rc = buf_printf(ret_canonical, "%s\n", method ? method : "");
    if (!rc)
        rc = put_path(path, ret_canonical);
    if (!rc)
        rc = buf_putc(ret_canonical, '\n');
    if (!rc)
        rc = put_query(query, nquery, ret_canonical);
    if (!rc)
        rc = buf_putc(ret_canonical, '\n');
    if (!rc)
        rc = put_headers(headers, nheaders, ret_canonical, ret_signed_headers);
    if (!rc)
        rc = buf_printf(ret_canonical, "\n%s\n%s",
                        ret_signed_headers->data ? ret_signed_headers->data : "",
                        payload_sha256_hex ? payload_sha256_hex : "");
    return rc;
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_lower[d[i] >> 4];
        out[2 * i + 1] = hex_lower[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void cloud_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[CLOUD_SHA256_LEN];
    cloud_crypto_sha256(data, len, md);
    to_hex(md, sizeof md, out);
}

void cloud_sign_v3(const char *canonical, size_t len, const char *secret, char out[65])
{
    char sts[sizeof CLOUD_SIGN_ALGORITHM + 65];
    char hashed[65];
    cloud_sha256_hex(canonical, len, hashed);
    int n = snprintf(sts, sizeof sts, "%s\n%s", CLOUD_SIGN_ALGORITHM, hashed);
    unsigned char mac[CLOUD_SHA256_LEN];
    cloud_crypto_hmac_sha256(secret, strlen(secret), sts, (size_t)n, mac);
    to_hex(mac, sizeof mac, out);
}

err_code cloud_authorization(const char *key_id, const char *signed_headers,
                             const char signature[65], struct buf *out)
{
    return buf_printf(out, "%s Credential=%s,SignedHeaders=%s,Signature=%.64s",
                      CLOUD_SIGN_ALGORITHM, key_id, signed_headers, signature);
}

/* The fields of an Authorization value, one row each: add a row to accept another field. */
enum { AUTH_CREDENTIAL, AUTH_SIGNED_HEADERS, AUTH_SIGNATURE, AUTH_NFIELDS };
static const char *const auth_prefixes[AUTH_NFIELDS] = {
    [AUTH_CREDENTIAL] = "Credential=",
    [AUTH_SIGNED_HEADERS] = "SignedHeaders=",
    [AUTH_SIGNATURE] = "Signature=",
};

/* A field's value as a span into the header value; p is NULL until seen. */
struct span {
    const char *p;
    size_t n;
};

/* Record one "Name=value" item; ERR_PARSE for an unknown, repeated or empty field. */
static err_code auth_field(struct span *fields, const char *item, size_t len)
{
    for (size_t i = 0; i < AUTH_NFIELDS; i++) {
        size_t plen = strlen(auth_prefixes[i]);
        if (len < plen || memcmp(item, auth_prefixes[i], plen) != 0)
            continue;
        if (fields[i].p || len == plen)
            return ERR_PARSE;
        fields[i].p = item + plen;
        fields[i].n = len - plen;
        return ERR_OK;
    }
    return ERR_PARSE;
}

err_code cloud_parse_authorization(const char *value, char *ret_key_id, size_t key_cap,
                                   struct buf *ret_signed_headers, char ret_signature[65])
{
    size_t alen = strlen(CLOUD_SIGN_ALGORITHM);
    if (!value)
        return ERR_PARSE;
    size_t word = strcspn(value, " ");
    if (word == 0)
        return ERR_PARSE;
    if (word != alen || memcmp(value, CLOUD_SIGN_ALGORITHM, alen) != 0)
        return ERR_UNSUPPORTED;
    struct span f[AUTH_NFIELDS] = {{0}};
    const char *s = value + alen;
    while (*s) {
        while (*s == ' ')
            s++;
        size_t len = strcspn(s, ",");
        size_t trimmed = len;
        while (trimmed && s[trimmed - 1] == ' ')
            trimmed--;
        if (auth_field(f, s, trimmed))
            return ERR_PARSE;
        s += len;
        if (*s == ',')
            s++;
    }
    const struct span *cred = &f[AUTH_CREDENTIAL], *sh = &f[AUTH_SIGNED_HEADERS],
                      *sig = &f[AUTH_SIGNATURE];
    if (!cred->p || !sh->p || !sig->p || sig->n != 64)
        return ERR_PARSE;
    for (size_t i = 0; i < 64; i++)
        if (hex_value(sig->p[i]) < 0 || (sig->p[i] >= 'A' && sig->p[i] <= 'F'))
            return ERR_PARSE;
    if (memchr(cred->p, ' ', cred->n) || memchr(sh->p, ' ', sh->n))
        return ERR_PARSE;
    if (cred->n >= key_cap)
        return ERR_TOO_BIG;
    memcpy(ret_key_id, cred->p, cred->n);
    ret_key_id[cred->n] = '\0';
    memcpy(ret_signature, sig->p, 64);
    ret_signature[64] = '\0';
    return buf_append(ret_signed_headers, sh->p, sh->n);
}
