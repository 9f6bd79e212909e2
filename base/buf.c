/* buf.c - growable byte buffers with a hard maximum (curl's dynbuf idea). Layer: base. */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t buf_limit(const struct buf *b)
{
    return b->max ? b->max : SIZE_MAX / 2;
}

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_release(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Make room for n more bytes plus the terminator. */
static err_code buf_reserve(struct buf *b, size_t n)
{
    if (n > buf_limit(b) - b->len)
        return ERR_TOO_BIG;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return ERR_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    return ERR_OK;
}

err_code buf_append(struct buf *b, const void *p, size_t n)
{
    err_code rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ERR_OK;
}

err_code buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

err_code buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

err_code buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    /* Format straight into the spare room; only text that does not fit is formatted twice
     * (measure, grow, write). Rendering answers is mostly small appends to a grown buffer, and
     * formatting each once was a fifth of /api/route's time. */
    size_t room = b->cap > b->len ? b->cap - b->len : 0; /* terminator included */
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        if (b->data)
            b->data[b->len] = '\0';
        return ERR_INVALID;
    }
    if ((size_t)n < room) {
        if ((size_t)n > buf_limit(b) - b->len) {
            b->data[b->len] = '\0'; /* past the maximum: the text is not kept */
            return ERR_TOO_BIG;
        }
        b->len += (size_t)n;
        return ERR_OK;
    }
    if (b->data)
        b->data[b->len] = '\0';
    err_code rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return ERR_OK;
}

err_code buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_code rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_steal(struct buf *b, size_t *ret_len)
{
    if (!b->data) {
        buf_reserve(b, 0);
        b->data[0] = '\0';
    }
    char *p = b->data;
    if (ret_len)
        *ret_len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
