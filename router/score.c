/* score.c - the second step of rt_route: skill and path scores and product evidence of an
 * analysed query. Layer: router.
 *
 * Scoring is BM25F over each skill's text (index.c) plus bonuses for whole keyword and cue
 * phrases, votes of the API operation a query names or a command gives for the skill and
 * path that own it, and the path rules of _product.json (failure, how-to, programmatic,
 * scheduling, bulk). Product evidence sums the same weights outside masked spans. */
#include "router/rt_query.h"

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
#define PATH_TEXT_WEIGHT 0.3 /* path text vs whole cue phrases when choosing a path */
#define BONUS_ACTION_SKILL 8.0 /* a command's action, to the skill that carries it out when
                                  named by its object alone; times 2 by verb and object */
#define BONUS_PAYLOAD_SKILL 100.0 /* a payload to run decides: Cloud Assistant runs it */
#define BONUS_ACTION_PATH 6.0 /* ... and to the path of its topic (skills without api) */
#define BONUS_COMMAND_PATH 100.0/* a command, to the programmatic path: an agent acts */

int rt_skill_fails(const struct rt_prod *x, int s)
{
    for (size_t g = 0; g < x->npaths; g++)
        if (x->path_skill[g] == s && x->fail_path[g])
            return 1;
    return 0;
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

static int has_entity(const struct rt_result *res, enum rt_entity_kind kind)
{
    for (size_t i = 0; i < res->nentities; i++)
        if (res->entities[i].kind == kind)
            return 1;
    return 0;
}

/* An API name votes for the skill and path that own the operation, when few skills do. */
static void vote_api(const struct rt_query *q, const char *api, struct rt_scores *sc)
{
    const struct rt_prod *x = q->x;
    int failing = (q->signals & RT_SIG_FAIL) != 0;
    unsigned long owners = 0; /* bit per skill (nskills <= RT_SKILLS_MAX) */
    size_t nowners = 0;
    uint64_t own[2];
    rt_api_owners(x, api, own);
    for (size_t g = 0; g < x->npaths; g++) {
        int s = x->path_skill[g];
        if (!(own[g / 64] >> (g % 64) & 1))
            continue;
        if (!(owners & (1UL << s)))
            nowners++;
        owners |= 1UL << s;
    }
    if (nowners == 0 || nowners > API_OWNER_SKILLS_MAX)
        return;
    for (size_t s = 0; s < x->nskills; s++)
        if (owners & (1UL << s))
            sc->skill[s] += BONUS_API_OWNER_SKILL / (double)nowners;
    /* A failure reported about the operation belongs on the failure path. */
    for (size_t g = 0; g < x->npaths; g++)
        if ((owners & (1UL << x->path_skill[g])) && (own[g / 64] >> (g % 64) & 1) &&
            !(failing && rt_skill_fails(x, x->path_skill[g])))
            sc->path_bonus[g] += BONUS_API_OWNER_PATH;
}

void rt_score(const struct rt_query *q, const struct rt_result *res, struct rt_scores *sc)
{
    const struct rt_prod *x = q->x;
    memset(sc, 0, sizeof *sc);
    for (size_t i = 0; i < q->ntok; i++) {
        size_t t = (size_t)q->ids[i];
        const float *w = &x->w_skill[t * x->nskills];
        for (size_t s = 0; s < x->nskills; s++)
            sc->skill[s] += q->qw[i] * w[s];
        double any = x->w_any[t];
        sc->all += q->qw[i] * any;
        sc->rest += q->qw_rest[i] * any;
        sc->method += (q->qw_rest[i] - q->qw_spec[i]) * any;
        sc->rest_zh += q->zh[i] ? q->qw_rest[i] * any : 0;
        if (!x->generic[t]) {
            sc->specific += q->qw_spec[i] * any;
            sc->spec_zh += q->zh[i] ? q->qw_spec[i] * any : 0;
        }
    }
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        int masked = rt_span_has(q, q->hits[i].start, q->hits[i].end, SPAN_MASKED);
        double lenf = p->len >= 12 ? 1.5 : (p->len >= 6 ? 1.0 : 0.6);
        double b = 0;
        if (p->kind == RT_PH_KEYWORD) {
            b = BONUS_KEYWORD * lenf;
            sc->skill[p->target] += b;
        } else if (p->kind == RT_PH_CUE) {
            b = BONUS_CUE_SKILL * lenf;
            sc->skill[x->path_skill[p->target]] += b;
            /* A cue inside another product's phrase ("rds whitelist") picks no path. */
            if (!masked)
                sc->path_bonus[p->target] += BONUS_CUE_PATH;
        }
        sc->all += b;
        sc->rest += masked ? 0 : b;
        sc->method += !masked && rt_span_has(q, q->hits[i].start, q->hits[i].end, SPAN_PLAIN)
                          ? b
                          : 0;
        sc->specific += masked ? 0 : b;
        if ((unsigned char)q->norm[q->hits[i].start] >= 0x80) {
            sc->rest_zh += masked ? 0 : b;
            sc->spec_zh += masked ? 0 : b;
        }
    }
    for (size_t e = 0; e < res->nentities; e++)
        if (res->entities[e].kind == RT_ENT_API)
            vote_api(q, res->entities[e].value, sc);
    /* The action a command names votes for its skill and, where given, its path. */
    if (q->act_skill)
        for (size_t s = 0; s < x->nskills; s++)
            if (strcmp(x->p->skills[s].id, q->act_skill) == 0) {
                sc->skill[s] += q->act_weight == 2 ? BONUS_PAYLOAD_SKILL
                                                   : BONUS_ACTION_SKILL * (1 + q->act_weight);
                for (size_t g = 0; q->act_path && g < x->npaths; g++)
                    if (x->path_skill[g] == (int)s && strcmp(x->paths[g]->id, q->act_path) == 0)
                        sc->path_bonus[g] += BONUS_ACTION_PATH;
            }
}

int rt_choose_path(const struct rt_router *r, const struct rt_query *q,
                   const struct rt_result *res, struct rt_scores *sc, int s, int *ret_from_cues)
{
    const struct rt_prod *x = q->x;
    int def = x->default_path[s];
    int has_api = has_entity(res, RT_ENT_API), has_code = has_entity(res, RT_ENT_ERROR_CODE);
    int failing = (q->signals & RT_SIG_FAIL) != 0;
    unsigned sig = q->signals;
    /* A skill without a failure path answers a failure reported in API terms (status
     * fields, error codes, operation names) on its programmatic path. */
    int fail_api = failing && !rt_skill_fails(x, s) && (has_api || has_code || (sig & RT_SIG_CAMEL));
    int best = def;
    for (size_t g = 0; g < x->npaths; g++) {
        if (x->path_skill[g] != s)
            continue;
        double v = sc->path_bonus[g];
        for (size_t i = 0; i < q->ntok; i++)
            v += PATH_TEXT_WEIGHT * q->qw[i] * x->w_path[(size_t)q->ids[i] * x->npaths + g];
        /* An API path answers a question asked through code: without an API name or a
         * programmatic word, a command ("set up daily snapshots") falls to the default. */
        if (has_api && path_is_api(x->paths[g]))
            v += BONUS_API_PATH;
        int sched = (sig & RT_SIG_SCHED) && x->sched_path[g];
        int bulk = (sig & RT_SIG_BULK) && x->bulk_path[g];
        int api_fail = fail_api && x->prog_path[g];
        /* A command on named resources is carried out by an agent through the API, unless
         * the console is named as the way to do it (LABELS.md, "Commands"). */
        int command = (sig & RT_SIG_COMMAND) && !(sig & RT_SIG_CONSOLE) &&
                      (!failing || (sig & RT_SIG_PAYLOAD));
        if (x->prog_path[g] && (int)g != def && !has_api && !(sig & RT_SIG_PROG) && !sched &&
            !bulk && !api_fail && !command)
            v -= BONUS_NO_METHOD;
        /* ... unless the action names the path itself (recovery's cloud-assistant). */
        if (x->prog_path[g] && command && !q->act_path)
            v += BONUS_COMMAND_PATH;
        if (x->prog_path[g] && (sig & RT_SIG_PROG))
            v += BONUS_PROG_PATH;
        if (sched)
            v += BONUS_SCHED_PATH;
        if (bulk)
            v += BONUS_BULK_PATH;
        if (api_fail)
            v += BONUS_FAIL_PATH;
        if (failing && x->fail_path[g])
            v += BONUS_FAIL_PATH * (has_code ? 1.5 : 1.0);
        if ((sig & RT_SIG_HOWTO) && !failing && (int)g == def)
            v += BONUS_HOWTO_PATH;
        sc->path[g] = v;
    }
    for (size_t g = 0; g < x->npaths; g++)
        if (x->path_skill[g] == s && sc->path[g] > sc->path[best])
            best = (int)g;
    if (best != def && sc->path[best] < sc->path[def] + r->opt.path_margin)
        best = def;
    *ret_from_cues = best != def || sc->path[def] > 0;
    return best;
}
