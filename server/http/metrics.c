/* metrics.c - Prometheus counters and histograms for the HTTP front end. Layer: server/http.
 * Fixed-size tables under one mutex: the series set is small and chosen by the server. */
#include "server/http/http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX_SERIES 128   /* (endpoint, status) pairs */
#define METRICS_MAX_ENDPOINTS 16 /* histograms, one per endpoint */
#define METRICS_ENDPOINT_MAX 64  /* bytes of an endpoint label */

/* Upper bounds of the latency buckets, in seconds. To add a bucket, add a row: the
 * histogram arrays are sized from this table. */
static const double metrics_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define METRICS_NBUCKETS ARRAY_LEN(metrics_buckets)

struct series {
    char endpoint[METRICS_ENDPOINT_MAX]; /* route pattern */
    unsigned status;                     /* HTTP status, 0 = overflow series */
    uint64_t count;                      /* requests */
};

struct histogram {
    char endpoint[METRICS_ENDPOINT_MAX];
    uint64_t buckets[METRICS_NBUCKETS]; /* non-cumulative counts per bucket */
    uint64_t count;                     /* observations, +Inf included */
    double sum_s;                       /* total seconds */
};

struct metrics {
    pthread_mutex_t lock;
    struct series series[METRICS_MAX_SERIES];
    size_t nseries;
    struct histogram hist[METRICS_MAX_ENDPOINTS];
    size_t nhist;
};

metrics *metrics_new(void)
{
    metrics *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void metrics_free(metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static void label_copy(char dst[METRICS_ENDPOINT_MAX], const char *src)
{
    snprintf(dst, METRICS_ENDPOINT_MAX, "%s", src ? src : "");
}

/* The series for (endpoint, status). The last slot is kept for the overflow series
 * {endpoint="overflow",status="0"}, which counts every pair that found the table full. */
static struct series *series_get(metrics *m, const char *endpoint, unsigned status)
{
    for (size_t i = 0; i < m->nseries; i++) {
        struct series *s = &m->series[i];
        if (s->status == status && strncmp(s->endpoint, endpoint, METRICS_ENDPOINT_MAX - 1) == 0)
            return s;
    }
    int overflow = strcmp(endpoint, "overflow") == 0 && status == 0;
    if (m->nseries >= METRICS_MAX_SERIES - 1 && !overflow)
        return series_get(m, "overflow", 0);
    struct series *s = &m->series[m->nseries++];
    label_copy(s->endpoint, endpoint);
    s->status = status;
    return s;
}

static struct histogram *hist_get(metrics *m, const char *endpoint)
{
    for (size_t i = 0; i < m->nhist; i++) {
        if (strncmp(m->hist[i].endpoint, endpoint, METRICS_ENDPOINT_MAX - 1) == 0)
            return &m->hist[i];
    }
    if (m->nhist == METRICS_MAX_ENDPOINTS)
        return NULL;
    struct histogram *h = &m->hist[m->nhist++];
    label_copy(h->endpoint, endpoint);
    return h;
}

void metrics_observe(metrics *m, const char *endpoint, unsigned status, uint64_t duration_ns)
{
    double secs = (double)duration_ns / 1e9;
    pthread_mutex_lock(&m->lock);
    struct series *s = series_get(m, endpoint, status);
    if (s)
        s->count++;
    struct histogram *h = hist_get(m, endpoint);
    if (h) {
        for (size_t i = 0; i < METRICS_NBUCKETS; i++) {
            if (secs <= metrics_buckets[i]) {
                h->buckets[i]++;
                break;
            }
        }
        h->count++;
        h->sum_s += secs;
    }
    pthread_mutex_unlock(&m->lock);
}

err_code metrics_render(metrics *m, size_t sessions_open, struct buf *out)
{
    err_code rc = ERR_OK;
    pthread_mutex_lock(&m->lock);
    rc = buf_puts(out, "# HELP skilld_http_requests_total HTTP requests answered, by route "
                       "and status.\n# TYPE skilld_http_requests_total counter\n");
    for (size_t i = 0; rc == ERR_OK && i < m->nseries; i++) {
        const struct series *s = &m->series[i];
        rc = buf_printf(out, "skilld_http_requests_total{endpoint=\"%s\",status=\"%u\"} %llu\n",
                        s->endpoint, s->status, (unsigned long long)s->count);
    }
    if (rc == ERR_OK)
        rc = buf_puts(out, "# HELP skilld_http_request_duration_seconds Time from the first "
                           "byte of a request to the end of its response.\n"
                           "# TYPE skilld_http_request_duration_seconds histogram\n");
    for (size_t i = 0; rc == ERR_OK && i < m->nhist; i++) {
        const struct histogram *h = &m->hist[i];
        uint64_t cumulative = 0;
        for (size_t b = 0; rc == ERR_OK && b < METRICS_NBUCKETS; b++) {
            cumulative += h->buckets[b];
            rc = buf_printf(out,
                            "skilld_http_request_duration_seconds_bucket{endpoint=\"%s\","
                            "le=\"%g\"} %llu\n",
                            h->endpoint, metrics_buckets[b], (unsigned long long)cumulative);
        }
        if (rc == ERR_OK)
            rc = buf_printf(out,
                            "skilld_http_request_duration_seconds_bucket{endpoint=\"%s\","
                            "le=\"+Inf\"} %llu\n"
                            "skilld_http_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n"
                            "skilld_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
                            h->endpoint, (unsigned long long)h->count, h->endpoint, h->sum_s,
                            h->endpoint, (unsigned long long)h->count);
    }
    if (rc == ERR_OK)
        rc = buf_printf(out,
                        "# HELP skilld_mcp_sessions_open MCP sessions currently open.\n"
                        "# TYPE skilld_mcp_sessions_open gauge\nskilld_mcp_sessions_open %zu\n",
                        sessions_open);
    pthread_mutex_unlock(&m->lock);
    return rc;
}
