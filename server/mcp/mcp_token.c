/* mcp_token.c - sealed session ids: what a session negotiated, packed into bytes, MACed with
 * the caller's function and written as visible ASCII; and the capability bits they carry.
 * Layer: server/mcp (the MAC itself is a callback: this room links no crypto library).
 *
 * Wire form of the sealed state (format 1), every field in this order:
 *   format (1) | nonce (16) | version index, 0xff none (1) | capability bits (1) |
 *   log level, 0xff none (1) | name length (1) | name | client version length (1) | version
 * The id is base64url(state) "." base64url(first MCP_TAG_LEN bytes of mac(state)), no
 * padding. Reading checks the tag in constant time before trusting any field, then every
 * length and index. */
#include "server/mcp/mcp_internal.h"

#include <string.h>

#define TOKEN_FORMAT 1
#define NONE_BYTE 0xff
#define STATE_MAX (5 + MCP_NONCE_LEN + MCP_CLIENT_NAME_MAX + MCP_CLIENT_VERSION_MAX + 1)

/* ---- Capability bits ------------------------------------------------------------------------
 * One row per client capability the server's behaviour depends on. To track another: a bit in
 * mcp_internal.h and a row here (ids sealed before keep reading: unknown bits are ignored). */
static const struct {
    const char *path;
    unsigned bit;
} cap_rows[] = {
    {"elicitation", MCP_CAP_ELICIT},
    {"elicitation.form", MCP_CAP_ELICIT_FORM},
    {"elicitation.url", MCP_CAP_ELICIT_URL},
    {"sampling", MCP_CAP_SAMPLING},
    {"sampling.tools", MCP_CAP_SAMPLING_TOOLS},
    {"sampling.context", MCP_CAP_SAMPLING_CTX},
    {"roots", MCP_CAP_ROOTS},
    {"roots.listChanged", MCP_CAP_ROOTS_CHANGED},
};

unsigned mcp_cap_bit(const char *path)
{
    for (size_t i = 0; path && i < ARRAY_LEN(cap_rows); i++)
        if (strcmp(cap_rows[i].path, path) == 0)
            return cap_rows[i].bit;
    return 0;
}

/* 1 if the dotted path names a member of caps that is present and not null or false. */
static int declared(const cJSON *caps, const char *path)
{
    char part[32];
    const cJSON *node = caps;
    while (*path && node) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof part)
            return 0;
        memcpy(part, path, n);
        part[n] = '\0';
        node = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, part) : NULL;
        path += n + (path[n] == '.');
    }
    return node && !cJSON_IsNull(node) && !cJSON_IsFalse(node);
}

unsigned mcp_caps_from_json(const cJSON *caps)
{
    unsigned bits = 0;
    for (size_t i = 0; cJSON_IsObject(caps) && i < ARRAY_LEN(cap_rows); i++)
        if (declared(caps, cap_rows[i].path))
            bits |= cap_rows[i].bit;
    return bits;
}

/* ---- Encoding -------------------------------------------------------------------------------*/

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void mcp_hex(const unsigned char *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Append base64url(b[0..n)) without padding at out[*pos], keeping room for the NUL. */
int mcp_b64url_put(const unsigned char *b, size_t n, char *out, size_t cap, size_t *pos)
{
    if (*pos + (n * 4 + 2) / 3 >= cap)
        return -1;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)b[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)b[i + 1] << 8;
        if (i + 2 < n)
            v |= b[i + 2];
        out[(*pos)++] = b64url[(v >> 18) & 63];
        out[(*pos)++] = b64url[(v >> 12) & 63];
        if (i + 1 < n)
            out[(*pos)++] = b64url[(v >> 6) & 63];
        if (i + 2 < n)
            out[(*pos)++] = b64url[v & 63];
    }
    out[*pos] = '\0';
    return 0;
}

static int b64_val(char ch)
{
    const char *p = ch ? strchr(b64url, ch) : NULL;
    return p ? (int)(p - b64url) : -1;
}

/* Decode n characters of base64url into out (room for cap bytes); returns the byte count or
 * -1 (bad character, impossible length, non-zero leftover bits, too long). */
long mcp_b64url_get(const char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t len = 0;
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        size_t k = n - i < 4 ? n - i : 4;
        unsigned v = 0;
        for (size_t j = 0; j < 4; j++) {
            int d = j < k ? b64_val(s[i + j]) : 0;
            if (d < 0)
                return -1;
            v = (v << 6) | (unsigned)d;
        }
        size_t bytes = k - 1;
        if (len + bytes > cap)
            return -1;
        /* A short group must leave its unused low bits zero (one spelling per id). */
        if ((k == 2 && (v & 0xffff)) || (k == 3 && (v & 0xff)))
            return -1;
        for (size_t j = 0; j < bytes; j++)
            out[len++] = (unsigned char)(v >> (16 - 8 * j));
    }
    return (long)len;
}

/* ---- Versions as bytes ----------------------------------------------------------------------*/

/* The byte of each version in a sealed id. Append only: ids already issued keep their
 * meaning. */
static const char *const version_bytes[] = {"2024-11-05", "2025-03-26", "2025-06-18",
                                            "2025-11-25"};

/* Index of a canonical version string in version_bytes, or NONE_BYTE. */
static unsigned char version_byte(const char *v)
{
    for (size_t i = 0; v && i < ARRAY_LEN(version_bytes); i++)
        if (strcmp(version_bytes[i], v) == 0)
            return (unsigned char)i;
    return NONE_BYTE;
}

static const char *version_of_byte(unsigned char b, int *ok)
{
    *ok = b == NONE_BYTE || b < ARRAY_LEN(version_bytes);
    return b < ARRAY_LEN(version_bytes) ? mcp_version_canonical(version_bytes[b]) : NULL;
}

/* ---- Seal and read ---------------------------------------------------------------------------*/

static size_t state_pack(const struct mcp_session_state *st, unsigned char *b)
{
    size_t n = 0;
    b[n++] = TOKEN_FORMAT;
    memcpy(b + n, st->nonce, MCP_NONCE_LEN);
    n += MCP_NONCE_LEN;
    b[n++] = version_byte(st->version);
    b[n++] = (unsigned char)(st->caps & 0xff);
    b[n++] = st->log_level < 0 ? NONE_BYTE : (unsigned char)st->log_level;
    size_t ln = strnlen(st->client_name, MCP_CLIENT_NAME_MAX);
    b[n++] = (unsigned char)ln;
    memcpy(b + n, st->client_name, ln);
    n += ln;
    size_t lv = strnlen(st->client_version, MCP_CLIENT_VERSION_MAX);
    b[n++] = (unsigned char)lv;
    memcpy(b + n, st->client_version, lv);
    return n + lv;
}

void mcp_token_make(const mcp_engine *e, const struct mcp_session_state *st, char *out,
                    size_t cap)
{
    unsigned char b[STATE_MAX], mac[MCP_MAC_LEN];
    size_t pos = 0;
    if (!e->cfg.mac) {
        mcp_hex(st->nonce, MCP_NONCE_LEN, out); /* cap >= 33 by contract */
        return;
    }
    size_t n = state_pack(st, b);
    e->cfg.mac(e->cfg.mac_ud, b, n, mac);
    if (mcp_b64url_put(b, n, out, cap, &pos) != 0 || pos + 1 >= cap)
        goto fail;
    out[pos++] = '.';
    if (mcp_b64url_put(mac, MCP_TAG_LEN, out, cap, &pos) == 0)
        return;
fail: /* cannot happen with cap >= MCP_SESSION_ID_MAX: the state is at most STATE_MAX bytes */
    out[0] = '\0';
}

/* A client name or version as kept: printable ASCII only, others become '?'. */
static void copy_text(char *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    dst[n] = '\0';
}

static int read_hex_nonce(const char *id, unsigned char *nonce)
{
    if (strlen(id) != 2 * MCP_NONCE_LEN)
        return -1;
    for (size_t i = 0; i < MCP_NONCE_LEN; i++) {
        int v = 0;
        for (size_t j = 0; j < 2; j++) {
            char ch = id[2 * i + j];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0)
                return -1;
            v = v * 16 + d;
        }
        nonce[i] = (unsigned char)v;
    }
    return 0;
}

int mcp_token_read(const mcp_engine *e, const char *id, struct mcp_session_state *ret,
                   int *ret_sealed)
{
    unsigned char b[STATE_MAX + 1], tag[MCP_TAG_LEN + 1], mac[MCP_MAC_LEN];
    memset(ret, 0, sizeof *ret);
    ret->log_level = -1;
    *ret_sealed = 0;
    if (!id || strnlen(id, MCP_SESSION_ID_MAX) >= MCP_SESSION_ID_MAX)
        return -1;
    if (!e->cfg.mac)
        return read_hex_nonce(id, ret->nonce);
    const char *dot = strchr(id, '.');
    if (!dot)
        return -1;
    long n = mcp_b64url_get(id, (size_t)(dot - id), b, sizeof b - 1);
    long t = mcp_b64url_get(dot + 1, strlen(dot + 1), tag, sizeof tag - 1);
    if (n < 5 + MCP_NONCE_LEN + 1 || n > STATE_MAX || t != MCP_TAG_LEN)
        return -1;
    e->cfg.mac(e->cfg.mac_ud, b, (size_t)n, mac);
    if (ct_memcmp(mac, tag, MCP_TAG_LEN) != 0)
        return -1;
    /* Authentic: written by mcp_token_make with this key. Still check every field. */
    size_t p = 0;
    int ok;
    if (b[p++] != TOKEN_FORMAT)
        return -1;
    memcpy(ret->nonce, b + p, MCP_NONCE_LEN);
    p += MCP_NONCE_LEN;
    ret->version = version_of_byte(b[p++], &ok);
    ret->caps = b[p++];
    unsigned char lvl = b[p++];
    if (!ok || (lvl != NONE_BYTE && lvl > MCP_LOG_EMERGENCY))
        return -1;
    ret->log_level = lvl == NONE_BYTE ? -1 : lvl;
    size_t ln = b[p++];
    if (ln > MCP_CLIENT_NAME_MAX || p + ln + 1 > (size_t)n)
        return -1;
    copy_text(ret->client_name, b + p, ln);
    p += ln;
    size_t lv = b[p++];
    if (lv > MCP_CLIENT_VERSION_MAX || p + lv != (size_t)n)
        return -1;
    copy_text(ret->client_version, b + p, lv);
    *ret_sealed = 1;
    return 0;
}
