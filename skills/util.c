/* util.c - small helpers the guardrails share: Base64. Layer: skills. */
#include "skills/sk_int.h"

#include <stdlib.h>
#include <string.h>

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

err_code sk_base64_decode(const char *s, char **ret, size_t *ret_len)
{
    *ret = NULL;
    *ret_len = 0;
    size_t len = strlen(s);
    if (len / 4 * 3 > SK_CONTENT_MAX)
        return ERR_TOO_BIG;
    char *out = xmalloc(len / 4 * 3 + 4);
    size_t o = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || pad) {
            free(out);
            return ERR_PARSE;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (pad > 2 || bits >= 6 || acc != 0) {
        free(out);
        return ERR_PARSE;
    }
    out[o] = '\0';
    *ret = out;
    *ret_len = o;
    return ERR_OK;
}

size_t sk_base64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

const char *sk_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}
