/* decide.c - the last step of rt_route: is the query in scope, which skill and path, how
 * sure, and the alternatives. Layer: router.
 *
 * Scope: each rule weighs the product evidence left outside the spans of its cue, on the
 * English scale, against a margin. Confidence is a probability: a raw score from the
 * skill and path margins mapped through a calibration table measured on labelled sets. */
#include "router/rt_query.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Chinese text yields more scored units than English (a CJK bigram per character, against
 * one token per word): on the labelled sets in-scope Chinese queries carry about 1.65 times
 * the evidence of English ones. The scope margins divide Chinese evidence by this. */
#define CJK_EVIDENCE_SCALE 1.65

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

/* Confidence is a probability. A logistic model of the chance that skill and path are both
 * right, over the skill score and margin, the path margin, whether a command's action
 * agrees with the skill, and whether the product is named (a resource id, an API name, its
 * own name); fitted with `skilld-eval --dump` on the labelled sets (dev, proxy 1-4, the
 * command, injection and distractor sets; never proxy5) over the answers that are not
 * capped below. To refit: dump, fit a logistic regression on these six features, replace
 * the weights, and check `skilld-eval --min-sure 0.95` on every set. */
static const double cal_w[] = {
    -0.638, /* bias */
    1.512,  /* raw: squashed skill score times its margin */
    3.299,  /* path margin */
    -0.513, /* a command whose action belongs to the chosen skill */
    -2.322, /* a command whose action belongs to another skill */
    2.690,  /* skill margin */
    -0.811, /* the product named (id, API, name) */
};
#define CAL_SURE 0.95  /* a probability at or above this is shown as 0.8 or more ... */
#define CAL_SHOWN 0.80 /* ... so answers at 0.8 or more are right at least 95% of the time */
#define CAP_CONTESTED 0.5 /* beside another product, chit-chat, a request or an instruction,
                             or with no evidence class at all: at most even odds */

/* The shown confidence for probability p: below CAL_SURE scaled under CAL_SHOWN, above it
 * spread over [CAL_SHOWN, 0.99]. */
static double shown(double p)
{
    if (p < CAL_SURE)
        return p * (CAL_SHOWN - 0.01) / CAL_SURE;
    return CAL_SHOWN + (p - CAL_SURE) / (1.0 - CAL_SURE) * (0.99 - CAL_SHOWN);
}

static double squash(double x, double k)
{
    return 1.0 - exp(-x / k);
}

/* Evidence on the English scale: the CJK part divided by CJK_EVIDENCE_SCALE. */
static double en_scale(double all, double zh)
{
    return all - zh * (1.0 - 1.0 / CJK_EVIDENCE_SCALE);
}

/* Out of scope? The reason, or RT_OOS_NONE. A request ("translate", "写一篇") needs
 * specific evidence (skill words, not "server" or "ECS" alone) to stay in scope. */
static enum rt_oos_reason judge_scope(const struct rt_options *o, const struct rt_query *q,
                                      const struct rt_scores *sc)
{
    const struct rt_prod *x = q->x;
    unsigned sig = q->signals;
    int topic_veto = q->oos_topic >= 0 ? x->oos_veto[q->oos_topic] : 0;
    double rest = en_scale(sc->rest, sc->rest_zh), spec = en_scale(sc->specific, sc->spec_zh);
    /* An instruction's clauses are blanked (analyze.c); a question may ride along. */
    enum rt_oos_reason none = (sig & RT_SIG_INSTR) ? RT_OOS_INSTRUCTION : RT_OOS_NO_EVIDENCE;
    if (topic_veto == 2)
        return RT_OOS_INSTRUCTION;
    /* A command on named resources of the product is never out of scope. */
    int command = (sig & RT_SIG_COMMAND) && (q->anchors & RT_EV_ID);
    if (command && !(sig & RT_SIG_REQUEST))
        return RT_OOS_NONE;
    /* Another cloud: strong evidence that names the product, or a move to it, overrides. */
    if (((sig & RT_SIG_VETO) || topic_veto == 1) && !(sig & RT_SIG_MIGRATE) &&
        rest < o->oos_veto_override)
        return RT_OOS_OTHER_TOPIC;
    /* Another product: naming one of our operations makes the product the subject; else
     * the product must be named (a name, an id) and carry evidence beyond the cue. */
    if (q->oos_topic >= 0 && !topic_veto && !(sig & RT_SIG_OWN_API) && !command &&
        rest - sc->method < o->oos_topic_margin)
        return RT_OOS_OTHER_TOPIC;
    if ((sig & RT_SIG_REQUEST) && spec < o->oos_request_margin)
        return RT_OOS_CHIT_CHAT;
    if ((sig & RT_SIG_CHIT) && rest < o->oos_chit_margin)
        return RT_OOS_CHIT_CHAT;
    if (sc->all < o->oos_min_evidence || sc->specific < o->oos_min_specific)
        return none;
    /* One ordinary word shared with a skill is no evidence ("a snapshot of my life"):
     * something must say the product, or two words of its vocabulary must meet. Beside
     * another product, chit-chat or a request only the former will do. */
    if (!q->anchors && (q->vocab < 2 || (sig & (RT_SIG_TOPIC | RT_SIG_CHIT | RT_SIG_REQUEST |
                                                 RT_SIG_VETO))))
        return none;
    return RT_OOS_NONE;
}

/* Alternatives: the runner-up path of the chosen skill, then the next skills. */
static void alternatives(const struct rt_router *r, const struct rt_query *q,
                         struct rt_scores *sc, struct rt_result *res, int best, int gp)
{
    const struct rt_prod *x = q->x;
    double s1 = sc->skill[best];
    int alt_path = -1;
    for (size_t g = 0; g < x->npaths; g++)
        if (x->path_skill[g] == best && (int)g != gp &&
            (alt_path < 0 || sc->path[g] > sc->path[alt_path]))
            alt_path = (int)g;
    if (alt_path >= 0 && sc->path[alt_path] > 0) {
        double pm = sc->path[gp] > 0 ? sc->path[alt_path] / sc->path[gp] : 0;
        res->alts[res->nalts].skill = res->skill;
        res->alts[res->nalts].path = x->paths[alt_path];
        res->alts[res->nalts].confidence = res->confidence * (pm < 1 ? pm : 1) * 0.9;
        res->nalts++;
    }
    for (int k = 0; k < 2 && res->nalts < RT_ALTS_MAX; k++) {
        int nb = -1;
        for (size_t s = 0; s < x->nskills; s++) {
            if ((int)s == best)
                continue;
            int used = 0;
            for (size_t a = 0; a < res->nalts; a++)
                used |= res->alts[a].skill == &x->p->skills[s];
            if (!used && sc->skill[s] > 0 && (nb < 0 || sc->skill[s] > sc->skill[nb]))
                nb = (int)s;
        }
        if (nb < 0)
            break;
        int fc;
        int np = rt_choose_path(r, q, res, sc, nb, &fc);
        res->alts[res->nalts].skill = &x->p->skills[nb];
        res->alts[res->nalts].path = x->paths[np];
        res->alts[res->nalts].confidence = res->confidence * sc->skill[nb] / s1;
        res->nalts++;
    }
}

void rt_decide(const struct rt_router *r, const struct rt_query *q, struct rt_scores *sc,
               struct rt_result *res, struct rt_debug *dbg)
{
    const struct rt_prod *x = q->x;
    const struct rt_options *o = &r->opt;
    int best = 0, second = -1;
    for (size_t s = 1; s < x->nskills; s++)
        if (sc->skill[s] > sc->skill[best])
            best = (int)s;
    for (size_t s = 0; s < x->nskills; s++)
        if ((int)s != best && (second < 0 || sc->skill[s] > sc->skill[second]))
            second = (int)s;
    res->oos_topic = q->oos_topic >= 0 ? &x->p->oos[q->oos_topic] : NULL;
    res->action = (q->signals & RT_SIG_COMMAND) ? q->action : NULL;
    if (dbg) {
        dbg->evidence = sc->rest;
        dbg->evidence_all = sc->all;
        dbg->evidence_specific = sc->specific;
        dbg->anchors = q->anchors;
        dbg->vocab = q->vocab;
        dbg->nanchor = q->nanchor;
        if (q->anchor_hit >= 0)
            snprintf(dbg->anchor, sizeof dbg->anchor, "%s",
                     x->ph.v[q->hits[q->anchor_hit].ph].text);
        dbg->action = q->action;
        dbg->nskills = x->nskills < RT_DEBUG_SKILLS ? x->nskills : RT_DEBUG_SKILLS;
        for (size_t s = 0; s < dbg->nskills; s++)
            dbg->skill_score[s] = sc->skill[s];
    }
    enum rt_oos_reason why = judge_scope(o, q, sc);
    if (why != RT_OOS_NONE) {
        res->oos = why;
        /* Sure when there is no product evidence left, less so as evidence grows; below
         * CAL_SHOWN when words of the product's vocabulary or an evidence class remain. */
        res->confidence = 1.0 - 0.7 * squash(sc->rest, o->oos_topic_margin * 1.5);
        if (q->anchors || q->vocab >= 2)
            res->confidence = fmin(res->confidence, CAL_SHOWN - 0.05);
        return;
    }
    int from_cues = 0;
    int gp = rt_choose_path(r, q, res, sc, best, &from_cues);
    res->skill = &x->p->skills[best];
    res->path = x->paths[gp];
    double s1 = sc->skill[best], s2 = second >= 0 ? sc->skill[second] : 0;
    double margin = s1 > 0 ? (s1 - s2) / s1 : 0;
    double p1 = sc->path[gp], p2 = -1e9;
    for (size_t g = 0; g < x->npaths; g++)
        if (x->path_skill[g] == best && (int)g != gp && sc->path[g] > p2)
            p2 = sc->path[g];
    double pmargin = p2 <= -1e8 ? 1.0 : (p1 - p2) / (fabs(p1) > 1.0 ? fabs(p1) : 1.0);
    pmargin = pmargin < 0 ? 0 : (pmargin > 1 ? 1 : pmargin);
    int agree = q->act_skill && strcmp(q->act_skill, x->p->skills[best].id) == 0;
    double raw = squash(s1, 12.0) * (0.45 + 0.55 * margin);
    int cmd = (q->signals & RT_SIG_COMMAND) != 0;
    double z = cal_w[0] + cal_w[1] * raw + cal_w[2] * pmargin + cal_w[3] * (cmd && agree) +
               cal_w[4] * (cmd && !agree) + cal_w[5] * margin +
               cal_w[6] * ((q->anchors & (RT_EV_ID | RT_EV_API | RT_EV_NAME)) != 0);
    res->confidence = shown(1.0 / (1.0 + exp(-z)));
    /* Contested: beside another product, chit-chat, a request or an instruction; or with no
     * evidence class, or a single vocabulary phrase and nothing that names the product. */
    int named = (q->anchors & (RT_EV_ID | RT_EV_API | RT_EV_NAME)) != 0;
    if ((q->signals & (RT_SIG_TOPIC | RT_SIG_VETO | RT_SIG_CHIT | RT_SIG_REQUEST | RT_SIG_INSTR)) ||
        !q->anchors || (!named && q->nanchor < 2))
        res->confidence = fmin(res->confidence, CAP_CONTESTED);
    if (dbg) {
        dbg->raw = raw;
        dbg->path_from_cues = from_cues;
        dbg->skill_margin = margin;
        dbg->path_margin = pmargin;
        dbg->agree = agree;
    }
    alternatives(r, q, sc, res, best, gp);
    rt_compose_warnings(res);
    rt_compose_tools(res);
}
