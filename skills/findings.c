/* findings.c - the list of findings every check appends to. Layer: skills. */
#include "skills/skills.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sk_findings_init(struct sk_findings *f)
{
    f->n = 0;
}

/* Make a message safe to show: a sequence cut short at the end (snprintf may split one) is
 * dropped, any other invalid byte becomes '?', control characters become spaces. Linear. */
static void sanitize(char *s)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        size_t at = i;
        uint32_t cp = 0;
        if (utf8_decode(s, len, &i, &cp) == 0) {
            if (cp < 0x20 || cp == 0x7f)
                s[at] = ' ';
            continue;
        }
        if (len - at < 4 && (unsigned char)s[at] >= 0xc0) {
            /* A lead byte near the end: is the rest just cut off? */
            s[at] = '\0';
            return;
        }
        s[at] = '?';
        i = at + 1;
    }
}

void sk_findings_add(struct sk_findings *f, enum sk_severity sev, const char *rule,
                     const char *fmt, ...)
{
    if (f->n >= SK_FINDINGS_MAX)
        return;
    struct sk_finding *x = &f->v[f->n++];
    if (f->n == SK_FINDINGS_MAX) {
        x->severity = SK_DENY;
        snprintf(x->rule, sizeof x->rule, "findings.truncated");
        snprintf(x->message, sizeof x->message,
                 "More than %d findings; the rest are not listed.", SK_FINDINGS_MAX - 1);
        return;
    }
    x->severity = sev;
    snprintf(x->rule, sizeof x->rule, "%s", rule);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof x->message, fmt, ap);
    va_end(ap);
    sanitize(x->message);
}

size_t sk_findings_denials(const struct sk_findings *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += f->v[i].severity == SK_DENY;
    return n;
}
