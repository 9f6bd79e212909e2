/* test_metrics.c - unit tests for server/http/metrics.c: counters per (endpoint, status),
 * cumulative histogram buckets, the sessions gauge and the exposition format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "server/http/http.h"

/* The value of the sample whose name-and-labels part is exactly `series`, or -1. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ') {
            double v;
            if (sscanf(p + n + 1, "%lf", &v) == 1)
                return v;
        }
    }
    return -1;
}

static void test_render(void **state)
{
    (void)state;
    metrics *m = metrics_new();
    metrics_observe(m, "/mcp", 200, 2000000);      /* 2 ms */
    metrics_observe(m, "/mcp", 200, 300000000);    /* 300 ms */
    metrics_observe(m, "/mcp", 404, 100000);       /* 0.1 ms */
    metrics_observe(m, "/healthz", 200, 20000000000ull); /* 20 s: only +Inf */
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(metrics_render(m, 3, &out), ERR_OK);
    const char *t = out.data;
    assert_true(sample(t, "skilld_http_requests_total{endpoint=\"/mcp\",status=\"200\"}") == 2);
    assert_true(sample(t, "skilld_http_requests_total{endpoint=\"/mcp\",status=\"404\"}") == 1);
    assert_true(sample(t, "skilld_http_requests_total{endpoint=\"/healthz\",status=\"200\"}") == 1);
    assert_true(sample(t, "skilld_http_request_duration_seconds_bucket{endpoint=\"/mcp\",le=\"0.0005\"}") == 1);
    assert_true(sample(t, "skilld_http_request_duration_seconds_bucket{endpoint=\"/mcp\",le=\"0.0025\"}") == 2);
    assert_true(sample(t, "skilld_http_request_duration_seconds_bucket{endpoint=\"/mcp\",le=\"0.25\"}") == 2);
    assert_true(sample(t, "skilld_http_request_duration_seconds_bucket{endpoint=\"/mcp\",le=\"0.5\"}") == 3);
    assert_true(sample(t, "skilld_http_request_duration_seconds_bucket{endpoint=\"/mcp\",le=\"+Inf\"}") == 3);
    assert_true(sample(t, "skilld_http_request_duration_seconds_count{endpoint=\"/mcp\"}") == 3);
    assert_true(sample(t, "skilld_http_request_duration_seconds_bucket{endpoint=\"/healthz\",le=\"10\"}") == 0);
    assert_true(sample(t, "skilld_http_request_duration_seconds_bucket{endpoint=\"/healthz\",le=\"+Inf\"}") == 1);
    double sum = sample(t, "skilld_http_request_duration_seconds_sum{endpoint=\"/mcp\"}");
    assert_true(sum > 0.3020 && sum < 0.3022);
    assert_true(sample(t, "skilld_mcp_sessions_open") == 3);
    assert_non_null(strstr(t, "# TYPE skilld_http_requests_total counter\n"));
    assert_non_null(strstr(t, "# TYPE skilld_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(t, "# TYPE skilld_mcp_sessions_open gauge\n"));
    buf_release(&out);
    metrics_free(m);
}

static void test_series_cap(void **state)
{
    (void)state;
    metrics *m = metrics_new();
    for (unsigned s = 100; s < 400; s++)
        metrics_observe(m, "/x", s, 1000);
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(metrics_render(m, 0, &out), ERR_OK);
    /* 127 series are kept; the rest are counted under the overflow series. */
    double overflow =
        sample(out.data, "skilld_http_requests_total{endpoint=\"overflow\",status=\"0\"}");
    double kept = 0;
    for (unsigned s = 100; s < 400; s++) {
        char series[96];
        snprintf(series, sizeof series, "skilld_http_requests_total{endpoint=\"/x\",status=\"%u\"}", s);
        double v = sample(out.data, series);
        kept += v > 0 ? v : 0;
    }
    assert_true(kept == 127);
    assert_true(overflow == 300 - 127);
    assert_true(sample(out.data, "skilld_http_request_duration_seconds_count{endpoint=\"/x\"}") == 300);
    buf_release(&out);
    metrics_free(m);
}

static void test_bounded_output(void **state)
{
    (void)state;
    metrics *m = metrics_new();
    metrics_observe(m, "/mcp", 200, 1);
    struct buf out;
    buf_init(&out, 64);
    assert_int_equal(metrics_render(m, 0, &out), ERR_TOO_BIG);
    buf_release(&out);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_series_cap),
        cmocka_unit_test(test_bounded_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
