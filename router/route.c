/* route.c - rt_route and the router's lifecycle. Layer: router. A query passes three steps:
 * analysis (analyze.c with evidence.c, instruct.c, payload.c, command.c, scan.c), scoring
 * (score.c) and the decision (decide.c); rt_query.h holds the state they share. */
#include "router/rt_query.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

err_code rt_route_debug(const rt_router *r, const char *product, const char *query, size_t len,
                        struct rt_result *ret, struct rt_debug *dbg, struct err *e)
{
    if (!product)
        product = "ecs";
    const struct rt_prod *x = NULL;
    for (size_t i = 0; i < r->nprods; i++)
        if (strcmp(r->prods[i].p->id, product) == 0)
            x = &r->prods[i];
    if (!x)
        return err_set(e, ERR_NOT_FOUND, "unknown product '%.64s'", product);
    if (len > RT_QUERY_MAX_BYTES)
        return err_set(e, ERR_TOO_BIG, "query is %zu bytes; the limit is %d characters", len,
                       RT_QUERY_MAX);
    if (!utf8_valid(query, len))
        return err_set(e, ERR_INVALID, "query is not valid UTF-8");
    size_t chars = utf8_count(query, len);
    if (chars > RT_QUERY_MAX)
        return err_set(e, ERR_TOO_BIG, "query is %zu characters; the limit is %d", chars,
                       RT_QUERY_MAX);
    /* One allocation per query, not zeroed: rt_analyze sets what the later steps read. */
    struct rt_query *q = xmalloc(sizeof *q);
    struct rt_scores *sc = xmalloc(sizeof *sc);
    err_code rc = ERR_OK;
    /* The result's arrays are read only up to their counts: clear the rest, not them. */
    memset(ret, 0, offsetof(struct rt_result, entities));
    ret->nentities = ret->nwarnings = ret->nalts = ret->ntools = 0;
    if (dbg)
        memset(dbg, 0, sizeof *dbg);
    if (!rt_analyze(r, x, query, len, q, ret)) {
        rc = err_set(e, ERR_INVALID, "query is empty");
        goto cleanup;
    }
    rt_score(q, ret, sc);
    rt_decide(r, q, sc, ret, dbg);
cleanup:
    free(q);
    free(sc);
    return rc;
}

err_code rt_route(const rt_router *r, const char *product, const char *query, size_t len,
                  struct rt_result *ret, struct err *e)
{
    return rt_route_debug(r, product, query, len, ret, NULL, e);
}

/* ---- Router lifecycle -------------------------------------------------------------- */

err_code rt_router_new(const struct kb *kb, const struct rt_options *opts, rt_router **ret,
                       struct err *e)
{
    size_t n = kb_product_count(kb);
    if (n == 0)
        return err_set(e, ERR_INVALID, "the knowledge has no product");
    struct rt_router *r = xcalloc(1, sizeof *r);
    r->kb = kb;
    r->opt = opts ? *opts : rt_default_options();
    err_code rc = rt_patterns_new(&r->pat, e);
    if (rc != ERR_OK) {
        rt_router_free(r);
        return rc;
    }
    r->prods = xcalloc(n, sizeof *r->prods);
    for (size_t i = 0; i < n; i++) {
        const struct kb_product *p = kb_product_at(kb, i);
        size_t np = 0;
        for (size_t s = 0; s < p->nskills; s++)
            np += p->skills[s].npaths;
        if (p->nskills == 0 || p->nskills > RT_SKILLS_MAX || np > RT_PATHS_MAX) {
            rt_router_free(r);
            return err_set(e, ERR_INVALID, "product '%s' has %zu skills and %zu paths; "
                           "the router takes 1 to %d skills and at most %d paths",
                           p->id, p->nskills, np, RT_SKILLS_MAX, RT_PATHS_MAX);
        }
        rt_prod_build(&r->prods[r->nprods++], p);
    }
    *ret = r;
    return ERR_OK;
}

void rt_router_free(rt_router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nprods; i++)
        rt_prod_release(&r->prods[i]);
    free(r->prods);
    rt_patterns_free(r->pat);
    free(r);
}

const struct kb *rt_router_kb(const rt_router *r)
{
    return r->kb;
}

/* Appends each token as written into the dictionary form (unknown ones marked '?'). */
struct dbg {
    struct buf *b;
    const struct rt_prod *x;
};

static void dbg_cb(void *ud, const char *s, size_t len, float w, size_t start, size_t end)
{
    struct dbg *d = ud;
    if (d->b->len)
        buf_putc(d->b, ' ');
    buf_append(d->b, s, len);
}

char *rt_debug_tokens(const rt_router *r, const char *product, const char *query)
{
    struct buf b;
    buf_init(&b, 0);
    const struct rt_prod *x = NULL;
    for (size_t i = 0; i < r->nprods; i++)
        if (strcmp(r->prods[i].p->id, product ? product : "ecs") == 0)
            x = &r->prods[i];
    size_t ql = strlen(query);
    char *norm = xmalloc(RT_NORM_CAP(ql));
    size_t len = rt_norm(query, ql, norm, RT_NORM_CAP(ql));
    if (x) {
        char *fixed = xmalloc(RT_NORM_CAP(ql));
        int nfixed;
        len = rt_typo_correct(&x->typo, norm, len, fixed, RT_NORM_CAP(ql), &nfixed);
        free(norm);
        norm = fixed;
    }
    struct dbg d = {.b = &b, .x = x};
    rt_tokenize(norm, len, dbg_cb, &d);
    if (x) {
        struct rt_hit hits[64];
        size_t nh = rt_phrases_find(&x->ph, norm, len, hits, ARRAY_LEN(hits));
        for (size_t i = 0; i < nh; i++) {
            const struct rt_phrase *p = &x->ph.v[hits[i].ph];
            if (p->kind == RT_PH_SYN)
                buf_printf(&b, "%s=%s", b.len ? " " : "", x->p->syns[p->target].canonical);
        }
    }
    free(norm);
    return buf_steal(&b, NULL);
}
