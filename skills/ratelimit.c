/* ratelimit.c - per-caller token buckets for changing calls. Layer: skills. */
#include "skills/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define CALLER_MAX 128 /* bytes of a caller id kept (longer ids are compared by prefix) */

struct bucket {
    char caller[CALLER_MAX];
    double tokens;
    uint64_t last_ns; /* 0: free slot */
};

struct sk_rate {
    double per_ns; /* tokens added per nanosecond */
    double burst;
    pthread_mutex_t lock;
    struct bucket *b; /* SK_RATE_CALLERS_MAX */
};

struct sk_rate *sk_rate_new(double per_minute, double burst)
{
    struct sk_rate *r = xcalloc(1, sizeof *r);
    r->per_ns = per_minute / 60e9;
    r->burst = burst < 1 ? 1 : burst;
    pthread_mutex_init(&r->lock, NULL);
    r->b = xcalloc(SK_RATE_CALLERS_MAX, sizeof *r->b);
    return r;
}

void sk_rate_free(struct sk_rate *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r->b);
    free(r);
}

double sk_rate_take(struct sk_rate *r, const char *caller, uint64_t now_ns)
{
    if (!r || r->per_ns <= 0)
        return 0;
    pthread_mutex_lock(&r->lock);
    struct bucket *hit = NULL, *oldest = &r->b[0];
    for (size_t i = 0; i < SK_RATE_CALLERS_MAX; i++) {
        struct bucket *b = &r->b[i];
        if (b->last_ns && strncmp(b->caller, caller, CALLER_MAX - 1) == 0) {
            hit = b;
            break;
        }
        if (b->last_ns < oldest->last_ns)
            oldest = b;
    }
    if (!hit) {
        /* A new caller starts with a full bucket, in a free or the least recent slot. */
        hit = oldest;
        memset(hit, 0, sizeof *hit);
        strncpy(hit->caller, caller, CALLER_MAX - 1);
        hit->tokens = r->burst;
        hit->last_ns = now_ns ? now_ns : 1;
    }
    if (now_ns > hit->last_ns) {
        hit->tokens += (double)(now_ns - hit->last_ns) * r->per_ns;
        if (hit->tokens > r->burst)
            hit->tokens = r->burst;
        hit->last_ns = now_ns;
    }
    double wait = 0;
    if (hit->tokens >= 1)
        hit->tokens -= 1;
    else
        wait = (1 - hit->tokens) / r->per_ns / 1e9;
    pthread_mutex_unlock(&r->lock);
    return wait;
}
