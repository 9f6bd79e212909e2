/* route.c - rt_route: score the skills of a product for a query, pick the path, judge out
 * of scope, compute a confidence and collect entities, warnings and tools. Layer: router.
 *
 * Scoring is BM25F over each skill's text (index.c) plus bonuses for whole keyword and cue
 * phrases. Out-of-scope judgement weighs the product evidence that lies outside the spans
 * of out-of-scope cues and chit-chat against a threshold: "install MySQL on my ECS
 * instance" keeps its ECS evidence, "RDS MySQL replica lag" has none left. Before all this
 * the typo index (typo.c) rewrites unknown words; the judgement lists of _product.json
 * (requests, failure, how_to, programmatic, scheduling, bulk, ...) steer the scope and path
 * decisions, and an API name votes for the skill and path that own the operation. */
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
#define BONUS_FAIL_PATH 3.5 /* a failure signal, to the skill's failure path */
#define BONUS_HOWTO_PATH 1.5 /* a how/where question without a failure, to the default path */
#define BONUS_PROG_PATH 2.0 /* a programmatic word, to the programmatic path */
#define BONUS_NO_METHOD 100.0 /* taken from an API path when no method is named */
#define BONUS_SCHED_PATH 2.5 /* a schedule ("every 5 minutes"), to scheduling_paths */
#define BONUS_BULK_PATH 1.5 /* many resources ("on 40 machines"), to bulk_paths */
#define BONUS_API_OWNER_SKILL 2.5 /* an API name, to the skill whose path owns it */
#define BONUS_API_OWNER_PATH 3.0 /* ... and to that path */
#define API_OWNER_SKILLS_MAX 2 /* an API owned by more skills than this votes for none */
#define BULK_MIN_COUNT 10 /* instances or disks counted in a query that mean "many" */
#define CAMEL_MIN 8 /* shortest CamelCase word read as an API field or status name */
#define PATH_TEXT_WEIGHT 0.3 /* path text vs whole cue phrases when choosing a path */
#define CAMEL_WEIGHT 0.7f /* a word from inside an API name or error code */
#define QTOK_MAX 1024      /* distinct tokens kept per query */
/* Chinese text yields more scored units than English (a CJK bigram per character, against
 * one token per word): on the labelled sets in-scope Chinese queries carry about 1.65 times
 * the evidence of English ones. The scope margins divide Chinese evidence by this. */
#define CJK_EVIDENCE_SCALE 1.65
#define HITS_MAX 256       /* phrase hits kept per query */

struct rt_options rt_default_options(void)
{
    struct rt_options o = {
        .oos_min_evidence = 12.0,
        .oos_min_specific = 6.0,
        .oos_topic_margin = 80.0,
        .oos_chit_margin = 20.0,
        .oos_request_margin = 40.0,
        .oos_veto_override = 120.0,
        .path_margin = 0.5,
    };
    return o;
}

/* Calibration: raw in-scope score -> the share of answers at that score that were right
 * (skill and path), measured with `skilld-eval --reliability` on the team's independent
 * set A over knowledge that had not been tuned on it. Linear between rows. To recalibrate:
 * rerun, then replace the rows (raw ascending, right non-decreasing). */
static const struct {
    double raw, right;
} calibration[] = {
    {0.00, 0.05}, {0.30, 0.30}, {0.40, 0.45}, {0.47, 0.55}, {0.565, 0.71},
    {0.65, 0.88}, {0.75, 0.93}, {0.84, 0.95}, {0.95, 0.98}, {1.00, 0.99},
};

static double calibrate(double raw)
{
    if (raw <= calibration[0].raw)
        return calibration[0].right;
    for (size_t i = 1; i < ARRAY_LEN(calibration); i++)
        if (raw <= calibration[i].raw) {
            double t = (raw - calibration[i - 1].raw) /
                       (calibration[i].raw - calibration[i - 1].raw);
            return calibration[i - 1].right +
                   t * (calibration[i].right - calibration[i - 1].right);
        }
    return calibration[ARRAY_LEN(calibration) - 1].right;
}

/* Per-call scratch: one allocation per query. */
struct query {
    char norm[RT_NORM_CAP(RT_QUERY_MAX_BYTES)];
    char tmp[RT_NORM_CAP(RT_QUERY_MAX_BYTES)];
    size_t len;
    struct rt_hit hits[HITS_MAX];
    size_t nhits;
    unsigned char *masked; /* [len] 1 where an OOS cue, chit-chat, request or veto lies */
    int ids[QTOK_MAX];
    float qw[QTOK_MAX];
    float qw_rest[QTOK_MAX]; /* weight from occurrences outside masked spans */
    float qw_spec[QTOK_MAX]; /* ... and outside method words (see plain) */
    unsigned char zh[QTOK_MAX]; /* 1 if the token is CJK text */
    unsigned char *plain; /* [len] 1 where a method word of a request or beside an OOS cue lies */
    size_t ntok;
    const struct rt_prod *x;
    size_t latin, cjk; /* letters seen, for the language */
    /* Phrase signals (rt_phrase kinds seen outside contained hits). */
    int veto, instr, chit, request, migrate, fail, howto, prog, oos_topic;
    int sched; /* a scheduling pattern matched */
    int bulk;  /* a bulk pattern matched, or many instances or disks counted */
    int camel; /* a CamelCase word (InvocationStatus, PartialFailed) in the raw query */
    int extra_plain; /* the CamelCase words being added count as method words */
    int own_api; /* an API name that a path of the product owns (DescribeInstances) */
};

/* Add a weight: masked occurrences count for nothing but the whole-query sum, plain ones
 * (method words of a request) not as specific evidence. */
static void add_qtok(struct query *q, int id, float w, int masked, int plain)
{
    for (size_t i = 0; i < q->ntok; i++)
        if (q->ids[i] == id) {
            /* Repeats add a little: saturate at twice the first weight. */
            if (q->qw[i] < 2 * w)
                q->qw[i] += w * 0.5f;
            if (!masked && q->qw_rest[i] < 2 * w)
                q->qw_rest[i] += q->qw_rest[i] > 0 ? w * 0.5f : w;
            if (!masked && !plain && q->qw_spec[i] < 2 * w)
                q->qw_spec[i] += q->qw_spec[i] > 0 ? w * 0.5f : w;
            return;
        }
    if (q->ntok == QTOK_MAX)
        return;
    q->ids[q->ntok] = id;
    q->qw[q->ntok] = w;
    q->qw_rest[q->ntok] = masked ? 0 : w;
    q->qw_spec[q->ntok] = masked || plain ? 0 : w;
    q->zh[q->ntok] = 0;
    q->ntok++;
}

static int span_plain(const struct query *q, size_t a, size_t b)
{
    for (size_t i = a; i < b && i < q->len; i++)
        if (q->plain[i])
            return 1;
    return 0;
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
    add_qtok(q, id, w, span_masked(q, start, end), span_plain(q, start, end));
    for (size_t i = q->ntok; i-- > 0;)
        if (q->ids[i] == id) {
            q->zh[i] = len > 0 && (unsigned char)s[0] >= 0x80;
            break;
        }
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

/* Which phrase kinds compete for the same words: a hit inside a longer hit of its class
 * is dropped, so "按量" inside "按量付费" counts once, for the longer phrase. */
static int ph_class(int kind)
{
    switch (kind) {
    case RT_PH_KEYWORD:
    case RT_PH_CUE:
        return 1;
    case RT_PH_FAIL:
    case RT_PH_HOWTO:
        return 2;
    default:
        return 0; /* synonyms, masks: every hit counts */
    }
}

static void drop_contained(struct query *q)
{
    const struct rt_phrases *ps = &q->x->ph;
    size_t n = 0;
    for (size_t i = 0; i < q->nhits; i++) {
        int ci = ph_class(ps->v[q->hits[i].ph].kind), keep = 1;
        for (size_t k = 0; ci && keep && k < q->nhits; k++) {
            const struct rt_hit *a = &q->hits[i], *b = &q->hits[k];
            if (k == i || b->start > a->start || b->end < a->end ||
                b->end - b->start <= a->end - a->start)
                continue;
            if (ph_class(ps->v[b->ph].kind) == ci)
                keep = 0;
            /* A failure phrase negates the cue inside it ("没放行", "not allowed"): that
             * cue says nothing for a path that does not answer failures. */
            if (ps->v[a->ph].kind == RT_PH_CUE && ps->v[b->ph].kind == RT_PH_FAIL &&
                !q->x->fail_path[ps->v[a->ph].target])
                keep = 0;
        }
        if (keep)
            q->hits[n++] = q->hits[i];
    }
    q->nhits = n;
}

/* Quoted text and text after a colon are the material of a request ("translate 'X'",
 * "翻译：X"), not its subject: mask them so they bring no product evidence. A colon only
 * introduces material after the request word: in "Windows 2022: run a one-liner" it ends
 * a preface, and what follows is the question itself. */
static void mask_material(struct query *q, const char *raw, size_t len)
{
    size_t req_end = q->len;
    for (size_t i = 0; i < q->nhits; i++)
        if (q->x->ph.v[q->hits[i].ph].kind == RT_PH_REQUEST && q->hits[i].end < req_end)
            req_end = q->hits[i].end;
    static const char *const open[] = {"'", "\"", "\xe2\x80\x9c", "\xe2\x80\x98",
                                       "\xe3\x80\x8c", "\xe3\x80\x8e", ":", "\xef\xbc\x9a"};
    static const char *const close[] = {"'", "\"", "\xe2\x80\x9d", "\xe2\x80\x99",
                                        "\xe3\x80\x8d", "\xe3\x80\x8f", NULL, NULL};
    for (size_t k = 0; k < ARRAY_LEN(open); k++) {
        const char *a = NULL;
        for (size_t i = 0; i + strlen(open[k]) <= len; i++)
            if (memcmp(raw + i, open[k], strlen(open[k])) == 0) {
                a = raw + i + strlen(open[k]);
                break;
            }
        if (!a)
            continue;
        const char *b = raw + len;
        if (close[k]) {
            size_t cl = strlen(close[k]);
            const char *c = a;
            while (c + cl <= raw + len && memcmp(c, close[k], cl) != 0)
                c++;
            if (c + cl > raw + len)
                continue;
            b = c;
        }
        char *norm = rt_normalize(a, (size_t)(b - a));
        int fixed;
        size_t nl = rt_typo_correct(&q->x->typo, norm, strlen(norm), q->tmp, sizeof q->tmp,
                                    &fixed);
        const char *at = nl ? strstr(q->norm, q->tmp) : NULL;
        if (at && !close[k] && (size_t)(at - q->norm) < req_end)
            at = NULL;
        if (at)
            memset(q->masked + (at - q->norm), 1, nl);
        free(norm);
    }
}

static void qtok_extra_cb(void *ud, const char *s, size_t len, float w, size_t start,
                          size_t end)
{
    (void)start;
    (void)end;
    struct query *q = ud;
    int id = rt_map_get(&q->x->dict, s, len);
    if (id >= 0)
        add_qtok(q, id, w * CAMEL_WEIGHT, 0, q->extra_plain);
}

/* API names and error codes are glued CamelCase ("ImportImage",
 * "InvalidOperation.DeletionProtection"): their words count as query words too. */
static void add_camel_words(struct query *q, const struct rt_result *res)
{
    for (size_t i = 0; i < res->nentities; i++) {
        const struct rt_entity *en = &res->entities[i];
        if (en->kind != RT_ENT_API && en->kind != RT_ENT_ERROR_CODE)
            continue;
        char words[2 * RT_TEXT_MAX + 8];
        size_t o = 0;
        for (const char *c = en->value; *c && o + 3 < sizeof words; c++) {
            if (*c >= 'A' && *c <= 'Z' && c > en->value && c[-1] >= 'a' && c[-1] <= 'z')
                words[o++] = ' ';
            words[o++] = *c;
        }
        char *norm = rt_normalize(words, o);
        /* Beside an OOS cue an error code is the other product's ("InvalidApiKey"); an
         * operation name is still ours. */
        q->extra_plain = q->oos_topic >= 0 && en->kind == RT_ENT_ERROR_CODE;
        rt_tokenize(norm, strlen(norm), qtok_extra_cb, q);
        free(norm);
    }
}

/* Find phrases, note the signals and mask the spans that are not about the product. */
static void scan_phrases(struct query *q, const char *raw, size_t rawlen)
{
    const struct rt_prod *x = q->x;
    q->nhits = rt_phrases_find(&x->ph, q->norm, q->len, q->hits, HITS_MAX);
    drop_contained(q);
    q->oos_topic = -1;
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        q->veto |= p->kind == RT_PH_VETO;
        q->migrate |= p->kind == RT_PH_MIGRATE;
        q->request |= p->kind == RT_PH_REQUEST;
    }
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        int mask = 1;
        switch (p->kind) {
        case RT_PH_VETO:
            break;
        case RT_PH_INSTR:
            q->instr = 1;
            break;
        case RT_PH_CHIT:
            q->chit = 1;
            break;
        case RT_PH_REQUEST:
            break;
        case RT_PH_OOS:
            /* Moving from another cloud: its names are the source, not the subject. */
            if (q->migrate && x->oos_veto[p->target] == 1)
                break;
            if (q->oos_topic < 0 || x->oos_veto[p->target])
                q->oos_topic = p->target;
            break;
        default:
            mask = 0;
            break;
        }
        if (mask)
            memset(q->masked + q->hits[i].start, 1, q->hits[i].end - q->hits[i].start);
    }
    if (q->request)
        mask_material(q, raw, rawlen);
    /* Failure and how-to signals count only outside masked spans. */
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        if (span_masked(q, q->hits[i].start, q->hits[i].end))
            continue;
        q->fail |= p->kind == RT_PH_FAIL;
        q->howto |= p->kind == RT_PH_HOWTO;
        q->prog |= p->kind == RT_PH_PROG;
        /* "write a python script ...", "call the Qwen API": the method of a request, or of
         * a question about another product, says nothing about ECS. */
        if ((q->request || q->oos_topic >= 0) && p->kind == RT_PH_PROG)
            memset(q->plain + q->hits[i].start, 1, q->hits[i].end - q->hits[i].start);
    }
}

static int any_pattern(char *const *pat, size_t n, const char *norm, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (rt_pattern_find(pat[i], norm, len))
            return 1;
    return 0;
}

/* Scheduling, bulk and code-word signals (lists of _product.json plus counted entities). */
static void scan_method(struct query *q, const char *raw, size_t rawlen,
                        const struct rt_result *res)
{
    const struct rt_prod *x = q->x;
    q->sched = any_pattern(x->sched_pat, x->nsched, q->norm, q->len);
    q->bulk = any_pattern(x->bulk_pat, x->nbulk, q->norm, q->len);
    for (size_t i = 0; i < res->nentities; i++) {
        const struct rt_entity *en = &res->entities[i];
        if ((en->kind == RT_ENT_COUNT_INSTANCES || en->kind == RT_ENT_COUNT_DISKS) &&
            en->number >= BULK_MIN_COUNT)
            q->bulk = 1;
    }
    q->camel = rt_has_camel_word(raw, rawlen, CAMEL_MIN);
}

/* 1 if skill s has a failure path. */
static int skill_fails(const struct rt_prod *x, int s)
{
    for (size_t g = 0; g < x->npaths; g++)
        if (x->path_skill[g] == s && x->fail_path[g])
            return 1;
    return 0;
}

/* An API name votes for the skill and path that own the operation, when few skills do. */
static void vote_api_owners(struct query *q, const struct rt_result *res, double *skill,
                            double *path_bonus)
{
    const struct rt_prod *x = q->x;
    int failing = q->fail;
    for (size_t i = 0; i < res->nentities; i++)
        failing |= res->entities[i].kind == RT_ENT_ERROR_CODE;
    for (size_t e = 0; e < res->nentities; e++) {
        if (res->entities[e].kind != RT_ENT_API)
            continue;
        const char *api = res->entities[e].value;
        unsigned long owners = 0; /* bit per skill (nskills is small) */
        size_t nowners = 0;
        for (size_t g = 0; g < x->npaths; g++) {
            int s = x->path_skill[g];
            if (s >= 64 || !rt_path_owns_api(x->paths[g], api))
                continue;
            if (!(owners & (1UL << s)))
                nowners++;
            owners |= 1UL << s;
        }
        if (nowners == 0)
            continue;
        q->own_api = 1;
        if (nowners > API_OWNER_SKILLS_MAX)
            continue;
        for (size_t s = 0; s < x->nskills && s < 64; s++)
            if (owners & (1UL << s))
                skill[s] += BONUS_API_OWNER_SKILL / (double)nowners;
        /* A failure reported about the operation belongs on the failure path. */
        for (size_t g = 0; g < x->npaths; g++)
            if ((owners & (1UL << x->path_skill[g])) && rt_path_owns_api(x->paths[g], api) &&
                !(failing && skill_fails(x, x->path_skill[g])))
                path_bonus[g] += BONUS_API_OWNER_PATH;
    }
}

/* Pick the best path of skill s. Returns the global path index. */
static int choose_path(const struct rt_router *r, const struct query *q, const double *path_bonus,
                       const struct rt_result *res, int s, int *ret_from_cues,
                       double *ret_scores)
{
    const struct rt_prod *x = q->x;
    int def = x->default_path[s];
    int has_api = 0, has_code = 0;
    for (size_t i = 0; i < res->nentities; i++) {
        has_api |= res->entities[i].kind == RT_ENT_API;
        has_code |= res->entities[i].kind == RT_ENT_ERROR_CODE;
    }
    int failing = q->fail || has_code;
    /* A skill without a failure path answers a failure reported in API terms (status
     * fields, error codes, operation names) on its programmatic path. */
    int fail_api = failing && !skill_fails(x, s) && (has_api || has_code || q->camel);
    int best = def;
    for (size_t g = 0; g < x->npaths; g++) {
        if (x->path_skill[g] != s)
            continue;
        double sc = path_bonus[g];
        for (size_t i = 0; i < q->ntok; i++)
            sc += PATH_TEXT_WEIGHT * q->qw[i] * x->w_path[(size_t)q->ids[i] * x->npaths + g];
        /* An API path answers a question asked through code: without an API name or a
         * programmatic word, a command ("set up daily snapshots") falls to the default. */
        if (has_api && path_is_api(x->paths[g]))
            sc += BONUS_API_PATH;
        int sched = q->sched && x->sched_path[g], bulk = q->bulk && x->bulk_path[g];
        int api_fail = fail_api && x->prog_path[g];
        if (x->prog_path[g] && (int)g != def && !has_api && !q->prog && !sched && !bulk &&
            !api_fail)
            sc -= BONUS_NO_METHOD;
        if (x->prog_path[g] && q->prog)
            sc += BONUS_PROG_PATH;
        if (sched)
            sc += BONUS_SCHED_PATH;
        if (bulk)
            sc += BONUS_BULK_PATH;
        if (api_fail)
            sc += BONUS_FAIL_PATH;
        if (failing && x->fail_path[g])
            sc += BONUS_FAIL_PATH * (has_code ? 1.5 : 1.0);
        if (q->howto && !failing && (int)g == def)
            sc += BONUS_HOWTO_PATH;
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

/* Evidence sums of a query (see struct rt_result). */
struct evidence {
    double all;      /* every token and phrase */
    double rest;     /* outside masked spans */
    double specific; /* outside masked spans, without the generic product terms */
    double method;   /* the part of rest on method words beside an OOS cue ("api", "sdk") */
    double rest_zh;  /* the part of rest on CJK tokens and phrases */
    double spec_zh;  /* the part of specific on CJK tokens and phrases */
};

/* Evidence on the English scale: the CJK part divided by CJK_EVIDENCE_SCALE. */
static double en_scale(double all, double zh)
{
    return all - zh * (1.0 - 1.0 / CJK_EVIDENCE_SCALE);
}

/* Out of scope? The reason, or RT_OOS_NONE. Each rule weighs the product evidence left
 * outside the spans of its cue, on the English scale (en_scale), against a margin; a
 * request ("translate", "写一篇") needs specific evidence (skill words, not "server" or "ECS" alone) to stay in scope. */
static enum rt_oos_reason judge_scope(const struct rt_options *o, const struct query *q,
                                      const struct evidence *ev)
{
    const struct rt_prod *x = q->x;
    int topic_veto = q->oos_topic >= 0 ? x->oos_veto[q->oos_topic] : 0;
    double rest = en_scale(ev->rest, ev->rest_zh), spec = en_scale(ev->specific, ev->spec_zh);
    if (q->instr || topic_veto == 2)
        return RT_OOS_INSTRUCTION;
    if ((q->veto || topic_veto == 1) && !q->migrate && rest < o->oos_veto_override)
        return RT_OOS_OTHER_TOPIC;
    /* Naming one of the product's own operations makes the product the subject. */
    if (q->oos_topic >= 0 && !topic_veto && !q->own_api &&
        rest - ev->method < o->oos_topic_margin)
        return RT_OOS_OTHER_TOPIC;
    if (q->request && spec < o->oos_request_margin)
        return RT_OOS_CHIT_CHAT;
    if (q->chit && rest < o->oos_chit_margin)
        return RT_OOS_CHIT_CHAT;
    if (ev->all < o->oos_min_evidence || ev->specific < o->oos_min_specific)
        return RT_OOS_NO_EVIDENCE;
    return RT_OOS_NONE;
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
    if (len > RT_QUERY_MAX_BYTES)
        return err_set(e, ERR_TOO_BIG, "query is %zu bytes; the limit is %d characters", len,
                       RT_QUERY_MAX);
    if (!utf8_valid(query, len))
        return err_set(e, ERR_INVALID, "query is not valid UTF-8");
    size_t chars = utf8_count(query, len);
    if (chars > RT_QUERY_MAX)
        return err_set(e, ERR_TOO_BIG, "query is %zu characters; the limit is %d", chars,
                       RT_QUERY_MAX);

    q = xcalloc(1, sizeof *q);
    q->x = x;
    size_t nl = rt_norm(query, len, q->tmp, sizeof q->tmp);
    int fixed = 0;
    q->len = rt_typo_correct(&x->typo, q->tmp, nl, q->norm, sizeof q->norm, &fixed);
    if (q->len == 0) {
        rc = err_set(e, ERR_INVALID, "query is empty");
        goto cleanup;
    }
    memset(ret, 0, sizeof *ret);
    ret->product = x->p;
    ret->typos = fixed;
    count_script(q);
    set_lang(q, ret);
    size_t fl = rt_fold_width(query, len, q->tmp, sizeof q->tmp);
    ret->nentities = rt_patterns_extract(r->pat, q->tmp, fl, ret->entities, RT_ENTITIES_MAX);

    q->masked = xcalloc(q->len + 1, 1);
    q->plain = xcalloc(q->len + 1, 1);
    scan_phrases(q, query, len);
    scan_method(q, query, len, ret);
    rt_tokenize(q->norm, q->len, qtok_cb, q);
    add_camel_words(q, ret);
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        if (p->kind != RT_PH_SYN)
            continue;
        char tmp[128];
        int n = snprintf(tmp, sizeof tmp, "=%s", x->p->syns[p->target].canonical);
        int id = n > 0 && (size_t)n < sizeof tmp ? rt_map_get(&x->dict, tmp, (size_t)n) : -1;
        if (id >= 0)
            add_qtok(q, id, RT_W_SYNONYM, span_masked(q, q->hits[i].start, q->hits[i].end),
                     span_plain(q, q->hits[i].start, q->hits[i].end));
    }

    /* Skill scores and product evidence. */
    skill = xcalloc(x->nskills + 1, sizeof *skill);
    path_bonus = xcalloc(x->npaths + 1, sizeof *path_bonus);
    path_score = xcalloc(x->npaths + 1, sizeof *path_score);
    struct evidence ev = {0};
    for (size_t i = 0; i < q->ntok; i++) {
        size_t t = (size_t)q->ids[i];
        for (size_t s = 0; s < x->nskills; s++)
            skill[s] += q->qw[i] * x->w_skill[t * x->nskills + s];
        ev.all += q->qw[i] * x->w_any[t];
        ev.rest += q->qw_rest[i] * x->w_any[t];
        ev.method += (q->qw_rest[i] - q->qw_spec[i]) * x->w_any[t];
        ev.rest_zh += q->zh[i] ? q->qw_rest[i] * x->w_any[t] : 0;
        if (!x->generic[t]) {
            ev.specific += q->qw_spec[i] * x->w_any[t];
            ev.spec_zh += q->zh[i] ? q->qw_spec[i] * x->w_any[t] : 0;
        }
    }
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        int masked = span_masked(q, q->hits[i].start, q->hits[i].end);
        double lenf = p->len >= 12 ? 1.5 : (p->len >= 6 ? 1.0 : 0.6);
        double b = 0;
        if (p->kind == RT_PH_KEYWORD) {
            b = BONUS_KEYWORD * lenf;
            skill[p->target] += b;
        } else if (p->kind == RT_PH_CUE) {
            b = BONUS_CUE_SKILL * lenf;
            skill[x->path_skill[p->target]] += b;
            /* A cue inside another product's phrase ("rds whitelist") picks no path. */
            if (!masked)
                path_bonus[p->target] += BONUS_CUE_PATH;
        }
        ev.all += b;
        ev.rest += masked ? 0 : b;
        ev.method += !masked && span_plain(q, q->hits[i].start, q->hits[i].end) ? b : 0;
        ev.specific += masked ? 0 : b;
        if ((unsigned char)q->norm[q->hits[i].start] >= 0x80) {
            ev.rest_zh += masked ? 0 : b;
            ev.spec_zh += masked ? 0 : b;
        }
    }
    vote_api_owners(q, ret, skill, path_bonus);
    int best = 0, second = -1;
    for (size_t s = 1; s < x->nskills; s++)
        if (skill[s] > skill[best])
            best = (int)s;
    for (size_t s = 0; s < x->nskills; s++)
        if ((int)s != best && (second < 0 || skill[s] > skill[second]))
            second = (int)s;
    ret->evidence = ev.rest;
    ret->evidence_all = ev.all;
    ret->evidence_specific = ev.specific;
    ret->signals = (q->oos_topic >= 0 ? RT_SIG_TOPIC : 0) | (q->chit ? RT_SIG_CHIT : 0) |
                   (q->veto ? RT_SIG_VETO : 0) | (q->instr ? RT_SIG_INSTR : 0) |
                   (q->request ? RT_SIG_REQUEST : 0) | (q->migrate ? RT_SIG_MIGRATE : 0) |
                   (q->fail ? RT_SIG_FAIL : 0) | (q->howto ? RT_SIG_HOWTO : 0);
    ret->oos_topic = q->oos_topic >= 0 ? &x->p->oos[q->oos_topic] : NULL;

    const struct rt_options *o = &r->opt;
    enum rt_oos_reason why = judge_scope(o, q, &ev);
    if (why != RT_OOS_NONE) {
        ret->oos = why;
        /* Sure when there is no product evidence left, less so as evidence grows. */
        ret->confidence = 1.0 - 0.7 * squash(ev.rest, o->oos_topic_margin * 1.5);
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
    double raw = squash(s1, 12.0) * (0.45 + 0.55 * margin);
    ret->confidence = calibrate(raw > 1 ? 1 : raw);
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
    if (q) {
        free(q->masked);
        free(q->plain);
    }
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
