/* findings.c - the list of findings every check appends to. Layer: skills. */
#include "skills/skills.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sk_findings_init(struct sk_findings *f)
{
    f->n = 0;
}

/* Cut s at its last complete UTF-8 character (snprintf may split one). */
static void utf8_trim(char *s)
{
    size_t len = strlen(s);
    while (len && !utf8_valid(s, len))
        s[--len] = '\0';
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
    utf8_trim(x->message);
}

size_t sk_findings_denials(const struct sk_findings *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += f->v[i].severity == SK_DENY;
    return n;
}
