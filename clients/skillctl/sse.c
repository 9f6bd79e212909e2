/* sse.c - an incremental text/event-stream parser (WHATWG HTML, "Server-sent events"):
 * bytes in, complete events out, every line and event bounded. Layer: clients. */
#include <stdlib.h>
#include <string.h>

#include "clients/skillctl/skillctl.h"

struct skc_sse {
    size_t max;         /* bound on one line and on one event's data */
    struct buf line;    /* the line being read (without its end) */
    int after_cr;       /* the last byte was CR: a following LF belongs to it */
    int started;        /* past the optional byte order mark */
    struct buf data;    /* data lines of the event being read, joined by LF */
    size_t lines;       /* data lines of the event so far */
    char type[64];      /* the event: field */
    struct buf last_id; /* persists across events */
    long retry_ms;
};

skc_sse *skc_sse_new(size_t event_max)
{
    skc_sse *p = xcalloc(1, sizeof *p);
    p->max = event_max;
    buf_init(&p->line, event_max + 64); /* a data line is its field name plus the data */
    buf_init(&p->data, event_max);
    buf_init(&p->last_id, SKC_HEADER_MAX - 1);
    buf_puts(&p->last_id, "");
    p->retry_ms = -1;
    return p;
}

void skc_sse_free(skc_sse *p)
{
    if (!p)
        return;
    buf_release(&p->line);
    buf_release(&p->data);
    buf_release(&p->last_id);
    free(p);
}

const char *skc_sse_last_id(const skc_sse *p)
{
    return p->last_id.data ? p->last_id.data : "";
}

long skc_sse_retry_ms(const skc_sse *p)
{
    return p->retry_ms;
}

/* A blank line: hand over the event if it has data, then start a new one. */
static err_code dispatch(skc_sse *p, skc_sse_fn fn, void *ctx)
{
    err_code rc = ERR_OK;
    /* An event whose data is empty (one empty data line, as in a priming event) is not
     * dispatched: the format drops it, and only its id counts. */
    if (p->data.len > 0 || p->lines > 1) {
        struct skc_sse_event ev = {
            .type = p->type[0] ? p->type : "message",
            .data = p->data.data ? p->data.data : "",
            .data_len = p->data.len,
            .id = skc_sse_last_id(p),
        };
        if (fn && fn(ctx, &ev))
            rc = ERR_CANCELLED;
    }
    buf_reset(&p->data);
    p->lines = 0;
    p->type[0] = '\0';
    return rc;
}

/* One complete line (without its end). */
static err_code process_line(skc_sse *p, skc_sse_fn fn, void *ctx, struct err *e)
{
    const char *l = p->line.data ? p->line.data : "";
    size_t n = p->line.len;
    if (n == 0)
        return dispatch(p, fn, ctx);
    if (l[0] == ':')
        return ERR_OK; /* a comment (keep-alive) */
    const char *colon = memchr(l, ':', n);
    size_t flen = colon ? (size_t)(colon - l) : n;
    const char *v = colon ? colon + 1 : l + n;
    if (colon && *v == ' ')
        v++;
    size_t vlen = (size_t)(l + n - v);
    if (flen == 4 && memcmp(l, "data", 4) == 0) {
        if ((p->lines && buf_putc(&p->data, '\n') != ERR_OK) ||
            buf_append(&p->data, v, vlen) != ERR_OK)
            return err_set(e, ERR_TOO_BIG, "an SSE event from skilld is larger than %zu bytes",
                           p->max);
        p->lines++;
    } else if (flen == 5 && memcmp(l, "event", 5) == 0) {
        size_t k = vlen < sizeof p->type - 1 ? vlen : sizeof p->type - 1;
        memcpy(p->type, v, k);
        p->type[k] = '\0';
    } else if (flen == 2 && memcmp(l, "id", 2) == 0) {
        if (!memchr(v, '\0', vlen)) {
            buf_reset(&p->last_id);
            if (buf_append(&p->last_id, v, vlen) != ERR_OK)
                return err_set(e, ERR_TOO_BIG,
                               "an SSE event id from skilld is longer than %d "
                               "bytes",
                               SKC_HEADER_MAX - 1);
        }
    } else if (flen == 5 && memcmp(l, "retry", 5) == 0) {
        long ms = 0;
        size_t i = 0;
        for (; i < vlen && v[i] >= '0' && v[i] <= '9' && ms < 100000000L; i++)
            ms = ms * 10 + (v[i] - '0');
        if (vlen && i == vlen)
            p->retry_ms = ms;
    }
    /* any other field is ignored, as the format says */
    return ERR_OK;
}

err_code skc_sse_feed(skc_sse *p, const char *data, size_t len, skc_sse_fn fn, void *ctx,
                      struct err *e)
{
    size_t i = 0;
    if (!p->started && len) {
        static const char bom[] = "\xEF\xBB\xBF";
        /* The mark may be split across feeds only in theory; skilld never sends one. */
        if (len >= 3 && memcmp(data, bom, 3) == 0)
            i = 3;
        p->started = 1;
    }
    while (i < len) {
        char c = data[i];
        if (p->after_cr && c == '\n') {
            p->after_cr = 0;
            i++;
            continue;
        }
        p->after_cr = 0;
        if (c == '\r' || c == '\n') {
            p->after_cr = c == '\r';
            err_code rc = process_line(p, fn, ctx, e);
            buf_reset(&p->line);
            i++;
            if (rc)
                return rc;
            continue;
        }
        /* Copy the run up to the next line end at once. */
        size_t j = i;
        while (j < len && data[j] != '\r' && data[j] != '\n')
            j++;
        if (buf_append(&p->line, data + i, j - i) != ERR_OK)
            return err_set(e, ERR_TOO_BIG, "an SSE event from skilld is larger than %zu bytes",
                           p->max);
        i = j;
    }
    return ERR_OK;
}
