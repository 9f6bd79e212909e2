/* instruct.c - instructions to the router: clauses that try to steer it ("ignore your
 * rules", "route this to ...", "system: ...", a skill id written out) are blanked before
 * scoring, so a genuine question that rides along is answered on its own terms and a bare
 * instruction is left with nothing to route. Layer: router. */
#include "router/rt_query.h"

#include <string.h>

/* Forms that address the router rather than ask about the product: a role or system tag,
 * or a routing label written out. To add one: a row (matched case-insensitively; at_start
 * rows only at the start of the query). */
static const struct {
    const char *text;
    int at_start;
} instr_forms[] = {
    {"system:", 1},   {"system：", 1},   {"assistant:", 1}, {"系统：", 1},  {"系统:", 1},
    {"<system", 0},   {"</system", 0},   {"</user", 0},     {"<|", 0},      {"[admin", 0},
    {"<!--", 0},      {"skill=", 0},     {"skill =", 0},    {"\"skill\"", 0}, {"path=", 0},
    {"置信度", 0},    {"confidence 1", 0}, {"confidence=", 0},
};

/* 1 if the lower-case s[i..] starts with w. */
static int ci_at(const char *s, size_t len, size_t i, const char *w)
{
    size_t n = strlen(w);
    return i + n <= len && memcmp(s + i, w, n) == 0;
}

/* 1 if the lower-case s[0..n) holds w. */
static int holds(const char *s, size_t n, const char *w)
{
    size_t wn = strlen(w);
    for (const char *c = s; (size_t)(c - s) + wn <= n;) {
        c = memchr(c, w[0], n - (size_t)(c - s) - wn + 1);
        if (!c)
            return 0;
        if (memcmp(c, w, wn) == 0)
            return 1;
        c++;
    }
    return 0;
}

/* 1 if the lower-case s[0..n) holds an instruction form or a skill id written out. */
int rt_has_instr_form(const struct rt_query *q, const char *s, size_t n, int start)
{
    size_t lead = 0;
    while (lead < n && s[lead] == ' ')
        lead++;
    for (size_t k = 0; k < ARRAY_LEN(instr_forms); k++) {
        if (instr_forms[k].at_start) {
            if (start && ci_at(s, n, lead, instr_forms[k].text))
                return 1;
            continue;
        }
        if (holds(s, n, instr_forms[k].text))
            return 1;
    }
    for (size_t sk = 0; sk < q->x->nskills; sk++)
        if (holds(s, n, q->x->p->skills[sk].id))
            return 1;
    return 0;
}

/* Length of a clause terminator at s[i], or 0. */
static size_t clause_end(const char *s, size_t len, size_t i)
{
    static const char *const ends[] = {"\xe3\x80\x82", "\xef\xbc\x81", "\xef\xbc\x9f",
                                       "\xef\xbc\x9b", "\xef\xbc\x8c", "\xef\xbc\x9a", NULL};
    char c = s[i];
    if (c == '!' || c == '?' || c == ';' || c == '\n' || c == ',')
        return 1;
    if ((c == '.' || c == ':') && (i + 1 >= len || s[i + 1] == ' ' || s[i + 1] == '"'))
        return 1;
    for (size_t k = 0; ends[k]; k++)
        if (i + strlen(ends[k]) <= len && memcmp(s + i, ends[k], strlen(ends[k])) == 0)
            return strlen(ends[k]);
    return 0;
}

/* 1 if the clause s[0..n) holds an injection phrase or the cue of the instructions topic. */
static int clause_instructs(struct rt_query *q, const char *s, const char *ls, size_t n,
                            int start)
{
    if (rt_has_instr_form(q, ls, n, start))
        return 1;
    const struct rt_prod *x = q->x;
    size_t nl = rt_norm(s, n, q->tmp, sizeof q->tmp);
    struct rt_hit hits[32];
    size_t nh = rt_phrases_find(&x->ph, q->tmp, nl, hits, ARRAY_LEN(hits));
    for (size_t i = 0; i < nh; i++) {
        const struct rt_phrase *p = &x->ph.v[hits[i].ph];
        if (p->kind == RT_PH_INSTR || (p->kind == RT_PH_OOS && x->oos_veto[p->target] == 2))
            return 1;
    }
    return 0;
}

/* Blank every clause of the query that instructs the router ("ignore your rules", "route
 * this to ..."): what is left is the question that rides along, if any. A query that opens
 * as a system or assistant turn ("system: ...") is an instruction as a whole. */
void rt_blank_instructions(struct rt_query *q)
{
    size_t lead = 0;
    while (lead < q->flen && q->subject[lead] == ' ')
        lead++;
    for (size_t k = 0; k < ARRAY_LEN(instr_forms); k++)
        if (instr_forms[k].at_start && ci_at(q->lsub, q->flen, lead, instr_forms[k].text)) {
            memset(q->subject, ' ', q->flen);
            memset(q->lsub, ' ', q->flen);
            q->signals |= RT_SIG_INSTR;
            return;
        }
    size_t a = 0;
    for (size_t i = 0; i <= q->flen; i++) {
        size_t el = i < q->flen ? clause_end(q->subject, q->flen, i) : 1;
        if (!el)
            continue;
        if (i > a && clause_instructs(q, q->subject + a, q->lsub + a, i - a, a == 0)) {
            memset(q->subject + a, ' ', i - a);
            memset(q->lsub + a, ' ', i - a);
            q->signals |= RT_SIG_INSTR;
        }
        a = i + el;
        i = a - 1;
    }
}

