/* skilld-bench: in-process routing throughput and per-query latency (p50, p99) over the
 * queries of a JSONL file, and the resident memory with the knowledge loaded. Run by
 * scripts/bench.sh; it prints numbers and asserts nothing. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/kb.h"
#include "router/router.h"

#define BENCH_LINE_MAX 16384
#define BENCH_QUERIES_MAX 100000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* VmRSS of this process in KiB, from /proc/self/status (0 if unknown). */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

int main(int argc, char **argv)
{
    const char *dev = argc > 1 ? argv[1] : "../shared/eval/routing-dev.jsonl";
    long rounds = 20;
    if (argc > 2 && parse_long(argv[2], 1, 10000, &rounds) != ERR_OK) {
        fprintf(stderr, "usage: skilld-bench [DEV_JSONL [ROUNDS]]\n");
        return 2;
    }
    long rss0 = rss_kib();
    struct kb *kb = NULL;
    rt_router *r = NULL;
    struct err e;
    err_clear(&e);
    if (kb_load_embedded(&kb, &e) != ERR_OK || rt_router_new(kb, NULL, &r, &e) != ERR_OK) {
        fprintf(stderr, "skilld-bench: %s\n", e.msg);
        return 1;
    }
    long rss1 = rss_kib();
    FILE *f = fopen(dev, "r");
    if (!f) {
        fprintf(stderr, "skilld-bench: cannot open %s\n", dev);
        return 1;
    }
    char **qs = NULL;
    size_t nq = 0;
    char *line = xmalloc(BENCH_LINE_MAX);
    while (nq < BENCH_QUERIES_MAX && fgets(line, BENCH_LINE_MAX, f)) {
        cJSON *j = cJSON_ParseWithLengthOpts(line, strlen(line), NULL, 0);
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "query");
        if (cJSON_IsString(q)) {
            qs = xrealloc(qs, (nq + 1) * sizeof *qs);
            qs[nq++] = xstrdup(q->valuestring);
        }
        cJSON_Delete(j);
    }
    fclose(f);
    free(line);
    size_t total = nq * (size_t)rounds;
    uint64_t *lat = xcalloc(total ? total : 1, sizeof *lat);
    struct rt_result *res = xmalloc(sizeof *res);
    uint64_t t0 = now_ns();
    for (long k = 0; k < rounds; k++)
        for (size_t i = 0; i < nq; i++) {
            uint64_t a = now_ns();
            rt_route(r, "ecs", qs[i], strlen(qs[i]), res, NULL);
            lat[(size_t)k * nq + i] = now_ns() - a;
        }
    uint64_t el = now_ns() - t0;
    qsort(lat, total, sizeof *lat, cmp_u64);
    printf("queries:     %zu x %ld rounds\n", nq, rounds);
    if (total) {
        printf("throughput:  %.0f queries/s (one thread)\n", (double)total * 1e9 / (double)el);
        printf("latency p50: %.1f us\n", (double)lat[total / 2] / 1000.0);
        printf("latency p99: %.1f us\n", (double)lat[total * 99 / 100] / 1000.0);
    }
    printf("rss:         %.1f MB with knowledge and router loaded (%.1f MB before)\n",
           (double)rss1 / 1024.0, (double)rss0 / 1024.0);
    free(res);
    free(lat);
    for (size_t i = 0; i < nq; i++)
        free(qs[i]);
    free(qs);
    rt_router_free(r);
    kb_free(kb);
    return 0;
}
