/* http_guard.c - transport-free pieces of the HTTP front end: Accept, Content-Type, Host and
 * Origin checks, SSE framing and event ids. Layer: server/http. Pure functions, unit-tested. */
#include "server/http/http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HTTP_HOST_MAX 256 /* bytes of a host name taken from Host or Origin */

/* Media ranges and what they allow. To accept another alias, add a row. */
static const struct {
    const char *range;
    unsigned allows;
} accept_ranges[] = {
    {"application/json", HTTP_ACCEPT_JSON},
    {"text/event-stream", HTTP_ACCEPT_SSE},
    {"application/*", HTTP_ACCEPT_JSON},
    {"text/*", HTTP_ACCEPT_SSE},
    {"*/*", HTTP_ACCEPT_JSON | HTTP_ACCEPT_SSE},
    {"*", HTTP_ACCEPT_JSON | HTTP_ACCEPT_SSE},
};

/* Compare s[0..n) with a NUL-terminated word, ignoring case. */
static int word_eq(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* The media type of one list element: leading blanks skipped, up to ';' or ',' with trailing
 * blanks trimmed. Returns its length and stores its start. */
static size_t media_type(const char *p, const char **ret_start)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, ";,");
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    *ret_start = p;
    return n;
}

unsigned http_accept_parse(const char *accept)
{
    if (!accept || !*accept)
        return HTTP_ACCEPT_JSON | HTTP_ACCEPT_SSE;
    unsigned allows = 0;
    const char *p = accept;
    while (*p) {
        const char *type;
        size_t n = media_type(p, &type);
        for (size_t i = 0; i < ARRAY_LEN(accept_ranges); i++) {
            if (word_eq(type, n, accept_ranges[i].range))
                allows |= accept_ranges[i].allows;
        }
        const char *comma = strchr(p, ',');
        if (!comma)
            break;
        p = comma + 1;
    }
    return allows;
}

int http_content_type_is_json(const char *content_type)
{
    if (!content_type)
        return 0;
    const char *type;
    size_t n = media_type(content_type, &type);
    return word_eq(type, n, "application/json");
}

int http_host_name_is_loopback(const char *name)
{
    if (!name)
        return 0;
    if (strcasecmp(name, "localhost") == 0 || strcmp(name, "::1") == 0)
        return 1;
    /* 127.a.b.c in plain dotted decimal, each part 0..255. */
    unsigned parts[4];
    char tail;
    if (sscanf(name, "%3u.%3u.%3u.%3u%c", &parts[0], &parts[1], &parts[2], &parts[3],
               &tail) != 4)
        return 0;
    for (size_t i = 0; i < 4; i++) {
        if (parts[i] > 255)
            return 0;
    }
    for (const char *c = name; *c; c++) {
        if (!isdigit((unsigned char)*c) && *c != '.')
            return 0;
    }
    return parts[0] == 127;
}

err_code http_split_host_port(const char *s, char *host, size_t host_cap, unsigned *ret_port)
{
    const char *end;
    const char *h = s;
    size_t n;
    *ret_port = 0;
    if (!s || !*s)
        return ERR_INVALID;
    if (*s == '[') {
        end = strchr(s, ']');
        if (!end)
            return ERR_INVALID;
        h = s + 1;
        n = (size_t)(end - h);
        end++;
    } else {
        n = strcspn(s, ":");
        end = s + n;
    }
    if (n == 0 || n >= host_cap)
        return ERR_INVALID;
    memcpy(host, h, n);
    host[n] = '\0';
    if (*end == '\0')
        return ERR_OK;
    if (*end != ':')
        return ERR_INVALID;
    long port;
    if (parse_long(end + 1, 0, 65535, &port) != ERR_OK)
        return ERR_INVALID;
    *ret_port = (unsigned)port;
    return ERR_OK;
}

int http_host_header_ok(const char *host)
{
    char name[HTTP_HOST_MAX];
    unsigned port;
    if (http_split_host_port(host, name, sizeof name, &port) != ERR_OK)
        return 0;
    return http_host_name_is_loopback(name);
}

int http_origin_ok(const char *origin, int loopback, const char *const *allow, size_t nallow)
{
    if (!origin)
        return 1;
    const char *sep = strstr(origin, "://");
    if (!sep || sep == origin)
        return 0;
    for (const char *c = origin; c < sep; c++) {
        if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
            return 0;
    }
    const char *authority = sep + 3;
    if (strchr(authority, '/') || strchr(authority, '@'))
        return 0; /* an Origin is scheme://host[:port] only */
    char name[HTTP_HOST_MAX];
    unsigned port;
    if (http_split_host_port(authority, name, sizeof name, &port) != ERR_OK)
        return 0;
    if (loopback && http_host_name_is_loopback(name))
        return 1;
    for (size_t i = 0; i < nallow; i++) {
        const char *a = allow[i];
        if (strstr(a, "://") ? strcasecmp(a, origin) == 0 : strcasecmp(a, name) == 0)
            return 1;
    }
    return 0;
}

err_code http_sse_event(struct buf *out, const char *id, const char *json, size_t len)
{
    err_code rc = ERR_OK;
    if (id)
        rc = buf_printf(out, "id: %s\n", id);
    if (rc == ERR_OK && json)
        rc = buf_puts(out, "event: message\ndata: ");
    else if (rc == ERR_OK)
        rc = buf_puts(out, "data:");
    if (rc == ERR_OK && json)
        rc = buf_append(out, json, len);
    if (rc == ERR_OK)
        rc = buf_puts(out, "\n\n");
    return rc;
}

err_code http_parse_event_id(const char *s, char *stream, size_t cap, unsigned long *ret_seq)
{
    if (!s)
        return ERR_INVALID;
    const char *dash = strrchr(s, '-');
    if (!dash || dash == s || (size_t)(dash - s) >= cap)
        return ERR_INVALID;
    for (const char *c = s; c < dash; c++) {
        if (!isalnum((unsigned char)*c))
            return ERR_INVALID;
    }
    long seq;
    if (parse_long(dash + 1, 0, 1L << 30, &seq) != ERR_OK)
        return ERR_INVALID;
    memcpy(stream, s, (size_t)(dash - s));
    stream[dash - s] = '\0';
    *ret_seq = (unsigned long)seq;
    return ERR_OK;
}
