/* utf8.c - strict UTF-8 decoding and encoding. Layer: base. */
#include "base/base.h"

int utf8_decode(const char *s, size_t len, size_t *i, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = len - *i;
    uint32_t c = p[0], min;
    size_t n;
    if (c < 0x80) {
        *cp = c;
        *i += 1;
        return 0;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2, c &= 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, c &= 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, c &= 0x07, min = 0x10000;
    } else {
        goto bad;
    }
    if (left < n)
        goto bad;
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xc0) != 0x80)
            goto bad;
        c = (c << 6) | (p[k] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        goto bad;
    *cp = c;
    *i += n;
    return 0;
bad:
    *cp = 0xfffd;
    *i += 1;
    return -1;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            return 0;
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    } else if (cp <= 0x10ffff) {
        o[0] = (unsigned char)(0xf0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (unsigned char)(0x80 | (cp & 0x3f));
        return 4;
    }
    return 0;
}

int utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    uint32_t cp;
    while (i < len) {
        if (utf8_decode(s, len, &i, &cp) < 0 || cp == 0)
            return 0;
    }
    return 1;
}

size_t utf8_count(const char *s, size_t len)
{
    size_t i = 0, n = 0;
    uint32_t cp;
    while (i < len) {
        utf8_decode(s, len, &i, &cp);
        n++;
    }
    return n;
}

int utf8_is_cjk(uint32_t cp)
{
    return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
           (cp >= 0x20000 && cp <= 0x2a6df) || (cp >= 0xf900 && cp <= 0xfaff);
}
