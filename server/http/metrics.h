/* metrics.h - private to server/: request counters and latency histograms rendered in the
 * Prometheus text format. Layer: server. Transport-free: the HTTP layer records, /metrics
 * renders. */
#ifndef SKILLD_SERVER_METRICS_H
#define SKILLD_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

typedef struct metrics metrics;

/* A new, empty set of metrics. Never NULL. */
metrics *metrics_new(void);
/* Accepts NULL. */
void metrics_free(metrics *m);

/* Count one finished HTTP request: endpoint is a route pattern such as "/mcp" (a bounded
 * set chosen by the server, never a raw client path), status its HTTP status, duration_ns
 * its wall time. At most 127 (endpoint, status) pairs are kept; later new pairs are counted
 * under {endpoint="overflow",status="0"}. Histograms exist for the first 16 endpoints. */
void metrics_observe(metrics *m, const char *endpoint, unsigned status, uint64_t duration_ns);

/* Append the Prometheus text exposition (version 0.0.4) of every metric to out:
 * skilld_http_requests_total{endpoint,status}, skilld_http_request_duration_seconds
 * (histogram per endpoint) and the gauge skilld_mcp_sessions_open = sessions_open. */
err_code metrics_render(metrics *m, size_t sessions_open, struct buf *out);

#endif
