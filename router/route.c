/* route.c - rt_route: score the skills of a product for a query, pick the path, judge out
 * of scope, compute a confidence and collect entities, warnings and tools. Layer: router.
 *
 * Scoring is BM25F over each skill's text (index.c) plus bonuses for whole keyword and cue
 * phrases. Out-of-scope judgement weighs the product evidence that lies outside the spans
 * of out-of-scope cues and chit-chat against a threshold: "install MySQL on my ECS
 * instance" keeps its ECS evidence, "RDS MySQL replica lag" has none left. */
#include "router/rt_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Phrase bonuses (score units are BM25 points). */
#define BONUS_KEYWORD 2.0  /* a whole skill keyword phrase */
#define BONUS_CUE_SKILL 1.5 /* a whole path cue phrase, credited to its skill */
#define BONUS_CUE_PATH 3.0 /* ... and to its path */
#define BONUS_API_PATH 2.0 /* an API name entity, to paths whose cues speak of APIs */
#define PATH_TEXT_WEIGHT 0.3 /* path text vs whole cue phrases when choosing a path */
#define QTOK_MAX 1024      /* distinct tokens kept per query */
#define HITS_MAX 256       /* phrase hits kept per query */

struct rt_options rt_default_options(void)
{
    struct rt_options o = {
        .oos_min_evidence = 12.0,
        .oos_topic_margin = 80.0,
        .oos_chit_margin = 20.0,
        .oos_veto_override = 120.0,
        .path_margin = 0.5,
    };
    return o;
}

/* Per-call scratch: one allocation per query. */
struct query {
    char norm[RT_QUERY_MAX + 8];
    size_t len;
    struct rt_hit hits[HITS_MAX];
    size_t nhits;
    unsigned char *masked; /* [len] 1 where an OOS cue, chit-chat or veto phrase lies */
    int ids[QTOK_MAX];
    float qw[QTOK_MAX];
    float qw_rest[QTOK_MAX]; /* weight from occurrences outside masked spans */
    size_t ntok;
    const struct rt_prod *x;
    size_t latin, cjk; /* letters seen, for the language */
};

static void add_qtok(struct query *q, int id, float w, int masked)
{
    for (size_t i = 0; i < q->ntok; i++)
        if (q->ids[i] == id) {
            /* Repeats add a little: saturate at twice the first weight. */
            if (q->qw[i] < 2 * w)
                q->qw[i] += w * 0.5f;
            if (!masked && q->qw_rest[i] < 2 * w)
                q->qw_rest[i] += q->qw_rest[i] > 0 ? w * 0.5f : w;
            return;
        }
    if (q->ntok == QTOK_MAX)
        return;
    q->ids[q->ntok] = id;
    q->qw[q->ntok] = w;
    q->qw_rest[q->ntok] = masked ? 0 : w;
    q->ntok++;
}

static int span_masked(const struct query *q, size_t a, size_t b)
{
    for (size_t i = a; i < b && i < q->len; i++)
        if (q->masked[i])
            return 1;
    return 0;
}

static void qtok_cb(void *ud, const char *s, size_t len, float w, size_t start, size_t end)
{
    struct query *q = ud;
    int id = rt_map_get(&q->x->dict, s, len);
    if (id < 0)
        return;
    add_qtok(q, id, w, span_masked(q, start, end));
}

static void count_script(struct query *q)
{
    size_t i = 0;
    while (i < q->len) {
        uint32_t cp;
        unsigned char c = (unsigned char)q->norm[i];
        if (c < 0x80) {
            if (c >= 'a' && c <= 'z')
                q->latin++;
            i++;
            continue;
        }
        utf8_decode(q->norm, q->len, &i, &cp);
        if (utf8_is_cjk(cp))
            q->cjk++;
    }
}

static void set_lang(const struct query *q, struct rt_result *res)
{
    /* A CJK character carries about as much as a short word: weigh them 1 : 4 letters. */
    const char *lang = "en";
    if (q->cjk > 0 && q->latin > 0) {
        double zh = (double)q->cjk * 4, en = (double)q->latin;
        lang = zh > 3 * en ? "zh" : (en > 12 * zh ? "en" : "mixed");
    } else if (q->cjk > 0) {
        lang = "zh";
    }
    snprintf(res->lang, sizeof res->lang, "%s", lang);
}

static double squash(double x, double k)
{
    return 1.0 - exp(-x / k);
}

/* 1 if a path's cues speak of programmatic access (API, SDK, CLI or CamelCase names). */
static int path_is_api(const struct kb_path *p)
{
    for (size_t i = 0; i < p->cues.n; i++) {
        const char *c = p->cues.v[i];
        if (strstr(c, "API") || strstr(c, "api") || strstr(c, "SDK") || strstr(c, "sdk"))
            return 1;
        for (const char *k = c; k[0] && k[1]; k++)
            if (k[0] >= 'a' && k[0] <= 'z' && k[1] >= 'A' && k[1] <= 'Z')
                return 1;
    }
    return 0;
}

/* Pick the best path of skill s. Returns the global path index. */
static int choose_path(const struct rt_router *r, const struct query *q, const double *path_bonus,
                       const struct rt_result *res, int s, int *ret_from_cues,
                       double *ret_scores)
{
    const struct rt_prod *x = q->x;
    int def = x->default_path[s];
    int has_api = 0;
    for (size_t i = 0; i < res->nentities; i++)
        has_api |= res->entities[i].kind == RT_ENT_API;
    int best = def;
    for (size_t g = 0; g < x->npaths; g++) {
        if (x->path_skill[g] != s)
            continue;
        double sc = path_bonus[g];
        for (size_t i = 0; i < q->ntok; i++)
            sc += PATH_TEXT_WEIGHT * q->qw[i] * x->w_path[(size_t)q->ids[i] * x->npaths + g];
        if (has_api && path_is_api(x->paths[g]))
            sc += BONUS_API_PATH;
        ret_scores[g] = sc;
    }
    for (size_t g = 0; g < x->npaths; g++)
        if (x->path_skill[g] == s && ret_scores[g] > ret_scores[best])
            best = (int)g;
    if (best != def && ret_scores[best] < ret_scores[def] + r->opt.path_margin)
        best = def;
    *ret_from_cues = best != def || ret_scores[def] > 0;
    return best;
}

err_code rt_route(const rt_router *r, const char *product, const char *query, size_t len,
                  struct rt_result *ret, struct err *e)
{
    err_code rc = ERR_OK;
    struct query *q = NULL;
    double *skill = NULL, *path_bonus = NULL, *path_score = NULL;
    if (!product)
        product = "ecs";
    const struct rt_prod *x = NULL;
    for (size_t i = 0; i < r->nprods; i++)
        if (strcmp(r->prods[i].p->id, product) == 0)
            x = &r->prods[i];
    if (!x)
        return err_set(e, ERR_NOT_FOUND, "unknown product '%.64s'", product);
    if (len > RT_QUERY_MAX)
        return err_set(e, ERR_TOO_BIG, "query is %zu bytes; the limit is %d", len,
                       RT_QUERY_MAX);
    if (!utf8_valid(query, len))
        return err_set(e, ERR_INVALID, "query is not valid UTF-8");

    q = xcalloc(1, sizeof *q);
    q->x = x;
    q->len = rt_norm(query, len, q->norm, sizeof q->norm);
    if (q->len == 0) {
        rc = err_set(e, ERR_INVALID, "query is empty");
        goto cleanup;
    }
    memset(ret, 0, sizeof *ret);
    ret->product = x->p;
    count_script(q);
    set_lang(q, ret);
    ret->nentities = rt_patterns_extract(r->pat, query, len, ret->entities, RT_ENTITIES_MAX);

    /* Phrases: mask OOS cues, chit-chat and vetoes; note topic and veto hits. */
    q->masked = xcalloc(q->len + 1, 1);
    q->nhits = rt_phrases_find(&x->ph, q->norm, q->len, q->hits, HITS_MAX);
    int veto = 0, instr = 0, chit = 0, oos_topic = -1;
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        int mask = 0;
        switch (p->kind) {
        case RT_PH_VETO:
            veto = 1;
            mask = 1;
            break;
        case RT_PH_INSTR:
            instr = 1;
            mask = 1;
            break;
        case RT_PH_CHIT:
            chit = 1;
            mask = 1;
            break;
        case RT_PH_OOS:
            if (oos_topic < 0 || x->oos_veto[p->target])
                oos_topic = p->target;
            mask = 1;
            break;
        default:
            break;
        }
        if (mask)
            memset(q->masked + q->hits[i].start, 1, q->hits[i].end - q->hits[i].start);
    }
    rt_tokenize(q->norm, q->len, qtok_cb, q);
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        if (p->kind != RT_PH_SYN)
            continue;
        char tmp[128];
        int n = snprintf(tmp, sizeof tmp, "=%s", x->p->syns[p->target].canonical);
        int id = n > 0 && (size_t)n < sizeof tmp ? rt_map_get(&x->dict, tmp, (size_t)n) : -1;
        if (id >= 0)
            add_qtok(q, id, RT_W_SYNONYM, span_masked(q, q->hits[i].start, q->hits[i].end));
    }

    /* Skill scores and product evidence. */
    skill = xcalloc(x->nskills + 1, sizeof *skill);
    path_bonus = xcalloc(x->npaths + 1, sizeof *path_bonus);
    path_score = xcalloc(x->npaths + 1, sizeof *path_score);
    double evidence = 0, rest = 0;
    for (size_t i = 0; i < q->ntok; i++) {
        size_t t = (size_t)q->ids[i];
        for (size_t s = 0; s < x->nskills; s++)
            skill[s] += q->qw[i] * x->w_skill[t * x->nskills + s];
        evidence += q->qw[i] * x->w_any[t];
        rest += q->qw_rest[i] * x->w_any[t];
    }
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        int masked = span_masked(q, q->hits[i].start, q->hits[i].end);
        double lenf = p->len >= 12 ? 1.5 : (p->len >= 6 ? 1.0 : 0.6);
        if (p->kind == RT_PH_KEYWORD) {
            skill[p->target] += BONUS_KEYWORD * lenf;
            evidence += BONUS_KEYWORD * lenf;
            rest += masked ? 0 : BONUS_KEYWORD * lenf;
        } else if (p->kind == RT_PH_CUE) {
            skill[x->path_skill[p->target]] += BONUS_CUE_SKILL * lenf;
            path_bonus[p->target] += BONUS_CUE_PATH;
            evidence += BONUS_CUE_SKILL * lenf;
            rest += masked ? 0 : BONUS_CUE_SKILL * lenf;
        }
    }
    int best = 0, second = -1;
    for (size_t s = 1; s < x->nskills; s++)
        if (skill[s] > skill[best])
            best = (int)s;
    for (size_t s = 0; s < x->nskills; s++)
        if ((int)s != best && (second < 0 || skill[s] > skill[second]))
            second = (int)s;
    ret->evidence = rest;
    ret->evidence_all = evidence;
    ret->signals = (oos_topic >= 0 ? RT_SIG_TOPIC : 0) | (chit ? RT_SIG_CHIT : 0) |
                   (veto ? RT_SIG_VETO : 0) | (instr ? RT_SIG_INSTR : 0);
    ret->oos_topic = oos_topic >= 0 ? &x->p->oos[oos_topic] : NULL;

    /* Out of scope? */
    const struct rt_options *o = &r->opt;
    enum rt_oos_reason why = RT_OOS_NONE;
    if (instr)
        why = RT_OOS_INSTRUCTION;
    else if ((veto || (oos_topic >= 0 && x->oos_veto[oos_topic])) && rest < o->oos_veto_override)
        why = oos_topic >= 0 && x->oos_veto[oos_topic] == 2 ? RT_OOS_INSTRUCTION
                                                            : RT_OOS_OTHER_TOPIC;
    else if (oos_topic >= 0 && rest < o->oos_topic_margin)
        why = RT_OOS_OTHER_TOPIC;
    else if (chit && rest < o->oos_chit_margin)
        why = RT_OOS_CHIT_CHAT;
    else if (evidence < o->oos_min_evidence)
        why = RT_OOS_NO_EVIDENCE;
    if (why != RT_OOS_NONE) {
        ret->oos = why;
        /* Sure when there is no product evidence left, less so as evidence grows. */
        ret->confidence = 1.0 - 0.7 * squash(rest, o->oos_topic_margin * 1.5);
        goto cleanup;
    }

    /* In scope: path, confidence, alternatives. */
    int from_cues = 0;
    int gp = choose_path(r, q, path_bonus, ret, best, &from_cues, path_score);
    ret->skill = &x->p->skills[best];
    ret->path = x->paths[gp];
    ret->path_from_cues = from_cues;
    double s1 = skill[best], s2 = second >= 0 ? skill[second] : 0;
    double margin = s1 > 0 ? (s1 - s2) / s1 : 0;
    ret->confidence = squash(s1, 12.0) * (0.45 + 0.55 * margin);
    if (ret->confidence > 1)
        ret->confidence = 1;
    /* Alternatives: the runner-up path of this skill, then the next skills. */
    int alt_path = -1;
    for (size_t g = 0; g < x->npaths; g++)
        if (x->path_skill[g] == best && (int)g != gp &&
            (alt_path < 0 || path_score[g] > path_score[alt_path]))
            alt_path = (int)g;
    if (alt_path >= 0 && path_score[alt_path] > 0) {
        double pm = path_score[gp] > 0 ? path_score[alt_path] / path_score[gp] : 0;
        ret->alts[ret->nalts].skill = ret->skill;
        ret->alts[ret->nalts].path = x->paths[alt_path];
        ret->alts[ret->nalts].confidence = ret->confidence * (pm < 1 ? pm : 1) * 0.9;
        ret->nalts++;
    }
    for (int k = 0; k < 2 && ret->nalts < RT_ALTS_MAX; k++) {
        int nb = -1;
        for (size_t s = 0; s < x->nskills; s++) {
            if ((int)s == best)
                continue;
            int used = 0;
            for (size_t a = 0; a < ret->nalts; a++)
                used |= ret->alts[a].skill == &x->p->skills[s];
            if (!used && skill[s] > 0 && (nb < 0 || skill[s] > skill[nb]))
                nb = (int)s;
        }
        if (nb < 0)
            break;
        int fc;
        int np = choose_path(r, q, path_bonus, ret, nb, &fc, path_score);
        ret->alts[ret->nalts].skill = &x->p->skills[nb];
        ret->alts[ret->nalts].path = x->paths[np];
        ret->alts[ret->nalts].confidence = ret->confidence * skill[nb] / s1;
        ret->nalts++;
    }
    rt_compose_warnings(ret);
    rt_compose_tools(ret);
cleanup:
    if (q)
        free(q->masked);
    free(q);
    free(skill);
    free(path_bonus);
    free(path_score);
    return rc;
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
        if (p->nskills == 0) {
            rt_router_free(r);
            return err_set(e, ERR_INVALID, "product '%s' has no skill", p->id);
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
    char *norm = xmalloc(ql + 8);
    size_t len = rt_norm(query, ql, norm, ql + 8);
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
