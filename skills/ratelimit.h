/* ratelimit.h - private to skills/: a token bucket per caller for changing calls, in a
 * bounded table (the least recently seen caller gives way). Layer: skills. */
#ifndef SKILLD_SKILLS_RATELIMIT_H
#define SKILLD_SKILLS_RATELIMIT_H

#include <stdint.h>

#define SK_RATE_CALLERS_MAX 4096 /* callers tracked at once */

struct sk_rate;

/* per_minute = 0 disables the limit. */
struct sk_rate *sk_rate_new(double per_minute, double burst);
void sk_rate_free(struct sk_rate *r);

/* Take one token for caller at now_ns. Returns 0 when allowed, else the seconds to wait. */
double sk_rate_take(struct sk_rate *r, const char *caller, uint64_t now_ns);

#endif
