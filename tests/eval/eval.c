/* eval.c - skilld-eval: runs a labelled JSONL set (../shared/eval/routing-dev.jsonl, or an
 * actions file, whose rows carry skill and path too) through the router and prints skill and
 * path accuracy, out-of-scope precision and recall, accuracy per language, and how well the
 * confidence is calibrated (a reliability table and the expected calibration error); exits 1
 * below the thresholds, 77 (skip) when the file is absent. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/kb.h"
#include "router/router.h"

#define EVAL_LINE_MAX 16384 /* bytes in one JSONL line */
#define EVAL_SKIP 77        /* ctest SKIP_RETURN_CODE */
#define EVAL_BANDS 10       /* confidence bands of the reliability table */
#define EVAL_SURE 0.8       /* answers at or above this confidence must be right ... */
#define EVAL_OOS_CONF 0.5   /* ... and out-of-scope queries never get a skill above this */

struct tally {
    size_t n, skill_ok, path_ok;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: skilld-eval [--dev FILE] [--knowledge DIR] [--min-skill X] [--min-path Y]\n"
               "                   [--min-oos Z] [--min-sure X] [--max-ece X] [--fold 1|2]\n"
               "                   [--reliability] [--verbose] [--dump] [--query TEXT]\n\n"
               "  --dev FILE       labelled JSONL (default ../shared/eval/routing-dev.jsonl)\n"
               "  --knowledge DIR  knowledge folder instead of the embedded copy\n"
               "  --min-skill X    fail (exit 1) if skill accuracy is below X\n"
               "  --min-path Y     fail if path accuracy (skill and path right) is below Y\n"
               "  --min-oos Z      fail if out-of-scope precision or recall is below Z\n"
               "  --fold K         only lines of half K (odd lines 1, even lines 2): a sanity\n"
               "                   check for over-fitting when tuning on the other half\n"
               "  --verbose        list every misrouted query\n"
               "  --reliability    print how often answers are right per confidence band\n"
               "  --min-sure X     fail if answers with confidence >= 0.8 are right less often\n"
               "                   than X, or an out-of-scope query gets a skill with\n"
               "                   confidence > 0.5\n"
               "  --max-ece X      fail if the expected calibration error is above X\n"
               "  --dump           one tab-separated line of diagnostics per query\n"
               "  --query TEXT     route one query and print its decision and diagnostics\n");
}

static const char *str_or_null(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

/* --query: route one query and print its decision and diagnostics. */
static int route_one(const char *query, const char *dir)
{
    struct kb *kb = NULL;
    rt_router *r = NULL;
    struct err e;
    err_clear(&e);
    struct rt_result *res = xmalloc(sizeof *res);
    struct rt_debug d;
    int rc = 1;
    if ((dir ? kb_load_dir(dir, &kb, &e) : kb_load_embedded(&kb, &e)) == ERR_OK &&
        rt_router_new(kb, NULL, &r, &e) == ERR_OK &&
        rt_route_debug(r, "ecs", query, strlen(query), res, &d, &e) == ERR_OK) {
        printf("%s/%s conf %.3f raw %.3f oos %d signals %#x anchors %#x (%s, %d) action %s "
               "vocab %d ev %.1f all %.1f spec %.1f payload %zu+%zu\n",
               res->skill ? res->skill->id : "null", res->path ? res->path->id : "null",
               res->confidence, d.raw, (int)res->oos, res->signals, d.anchors, d.anchor,
               d.nanchor, d.action ? d.action : "-", d.vocab, d.evidence, d.evidence_all,
               d.evidence_specific, res->payload_off, res->payload_len);
        for (size_t s = 0; s < d.nskills; s++)
            printf("  %-24s %.2f\n", kb_product_at(kb, 0)->skills[s].id, d.skill_score[s]);
        char *t = rt_debug_tokens(r, "ecs", query);
        printf("tokens: %s\n", t);
        free(t);
        rc = 0;
    } else {
        fprintf(stderr, "skilld-eval: %s\n", e.msg);
    }
    free(res);
    rt_router_free(r);
    kb_free(kb);
    return rc;
}

int main(int argc, char **argv)
{
    const char *dev = "../shared/eval/routing-dev.jsonl", *dir = NULL, *one = NULL;
    double min_skill = 0, min_path = 0, min_oos = 0, min_sure = 0, max_ece = 0;
    size_t bad_lines = 0;
    long fold = 0;
    int verbose = 0, dump = 0, reliability = 0, status = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dev") == 0 && i + 1 < argc)
            dev = argv[++i];
        else if (strcmp(argv[i], "--knowledge") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--min-skill") == 0 && i + 1 < argc)
            min_skill = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--min-path") == 0 && i + 1 < argc)
            min_path = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--min-oos") == 0 && i + 1 < argc)
            min_oos = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--min-sure") == 0 && i + 1 < argc)
            min_sure = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--max-ece") == 0 && i + 1 < argc)
            max_ece = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--fold") == 0 && i + 1 < argc &&
                 parse_long(argv[i + 1], 1, 2, &fold) == ERR_OK)
            i++;
        else if (strcmp(argv[i], "--reliability") == 0)
            reliability = 1;
        else if (strcmp(argv[i], "--dump") == 0)
            dump = 1;
        else if (strcmp(argv[i], "--query") == 0 && i + 1 < argc)
            one = argv[++i];
        else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (one)
        return route_one(one, dir);
    FILE *f = fopen(dev, "r");
    if (!f) {
        printf("skilld-eval: SKIPPED: dev set %s is absent\n", dev);
        return EVAL_SKIP;
    }
    struct kb *kb = NULL;
    rt_router *r = NULL;
    struct err e;
    err_clear(&e);
    char *line = xmalloc(EVAL_LINE_MAX);
    struct rt_result *res = xmalloc(sizeof *res);
    struct rt_debug dbg;
    if ((dir ? kb_load_dir(dir, &kb, &e) : kb_load_embedded(&kb, &e)) != ERR_OK ||
        rt_router_new(kb, NULL, &r, &e) != ERR_OK) {
        fprintf(stderr, "skilld-eval: %s\n", e.msg);
        goto cleanup;
    }
    struct tally all = {0}, lang[3] = {{0}};
    static const char *const langs[3] = {"en", "zh", "mixed"};
    size_t oos_pred = 0, oos_gold = 0, oos_both = 0, lineno = 0;
    size_t band_n[EVAL_BANDS] = {0}, band_ok[EVAL_BANDS] = {0};
    double band_conf[EVAL_BANDS] = {0};
    size_t sure_n = 0, sure_ok = 0, oos_sure = 0, actions = 0, action_tool = 0, action_named = 0;
    double oos_conf_max = 0;
    while (fgets(line, EVAL_LINE_MAX, f)) {
        lineno++;
        if (fold && (long)((lineno - 1) % 2) != fold - 1)
            continue;
        cJSON *j = cJSON_ParseWithLengthOpts(line, strlen(line), NULL, 0);
        const char *q = str_or_null(j, "query");
        if (!q) { /* a labelled file with a broken line would silently shrink the test */
            if (strspn(line, " \t\r\n") != strlen(line)) {
                fprintf(stderr, "line %zu: not a labelled query\n", lineno);
                bad_lines++;
            }
            cJSON_Delete(j);
            continue;
        }
        const char *gs = str_or_null(j, "skill"), *gp = str_or_null(j, "path");
        const char *gl = str_or_null(j, "lang");
        err_clear(&e);
        if (rt_route_debug(r, "ecs", q, strlen(q), res, &dbg, &e) != ERR_OK) {
            fprintf(stderr, "line %zu: %s\n", lineno, e.msg);
            cJSON_Delete(j);
            continue;
        }
        const char *ps = res->skill ? res->skill->id : NULL;
        const char *pp = res->path ? res->path->id : NULL;
        int sk = same(gs, ps), pa = sk && same(gp, pp);
        all.n++;
        all.skill_ok += sk;
        all.path_ok += pa;
        for (int k = 0; k < 3; k++)
            if (gl && strcmp(gl, langs[k]) == 0) {
                lang[k].n++;
                lang[k].skill_ok += sk;
                lang[k].path_ok += pa;
            }
        int band = (int)(res->confidence * EVAL_BANDS);
        band = band < 0 ? 0 : (band >= EVAL_BANDS ? EVAL_BANDS - 1 : band);
        band_n[band]++;
        band_ok[band] += pa;
        band_conf[band] += res->confidence;
        oos_pred += !ps;
        oos_gold += !gs;
        oos_both += !ps && !gs;
        if (res->confidence >= EVAL_SURE) {
            sure_n++;
            sure_ok += pa;
        }
        if (!gs && ps) {
            oos_sure += res->confidence > EVAL_OOS_CONF;
            if (res->confidence > oos_conf_max)
                oos_conf_max = res->confidence;
        }
        /* Actions files: does the first suggested tool carry out the labelled action? */
        const char *act = str_or_null(j, "action");
        if (act) {
            char snake[128];
            size_t o = 0;
            for (const char *c = act; *c && o + 3 < sizeof snake; c++) {
                if (*c >= 'A' && *c <= 'Z') {
                    if (c > act)
                        snake[o++] = '_';
                    snake[o++] = (char)(*c - 'A' + 'a');
                } else {
                    snake[o++] = *c;
                }
            }
            snake[o] = '\0';
            actions++;
            action_tool += res->ntools > 0 && strcmp(res->tools[0].name, snake) == 0;
            action_named += res->action && strcmp(res->action, act) == 0;
        }
        if (dump)
            printf("DUMP\t%s/%s\t%s/%s\t%d\t%.2f\t%.2f\t%.2f\t%#x\t%#x\t%s\t%.3f\t%.3f\t"
                   "%.3f\t%.3f\t%d\t%d\t%s\n",
                   gs ? gs : "null", gp ? gp : "null", ps ? ps : "null", pp ? pp : "null", pa,
                   dbg.evidence, dbg.evidence_all, dbg.evidence_specific, res->signals,
                   dbg.anchors, dbg.anchor[0] ? dbg.anchor : (dbg.action ? dbg.action : "-"), dbg.raw, res->confidence,
                   dbg.skill_margin, dbg.path_margin, dbg.agree, dbg.vocab * 100 + dbg.nanchor, q);
        if (verbose && !pa)
            printf("MISS %-5s %s/%s -> %s/%s (conf %.2f, ev %.1f)\n     %s\n",
                   str_or_null(j, "id") ? str_or_null(j, "id") : "?", gs ? gs : "null",
                   gp ? gp : "null", ps ? ps : "null", pp ? pp : "null", res->confidence,
                   dbg.evidence, q);
        cJSON_Delete(j);
    }
    double sa = ratio(all.skill_ok, all.n), pa = ratio(all.path_ok, all.n);
    printf("queries:          %zu%s\n", all.n, fold ? (fold == 1 ? " (fold 1)" : " (fold 2)") : "");
    printf("skill accuracy:   %.3f\n", sa);
    printf("path accuracy:    %.3f\n", pa);
    printf("oos precision:    %.3f (%zu/%zu)\n", ratio(oos_both, oos_pred), oos_both, oos_pred);
    printf("oos recall:       %.3f (%zu/%zu)\n", ratio(oos_both, oos_gold), oos_both, oos_gold);
    for (int k = 0; k < 3; k++)
        printf("%-6s skill %.3f  path %.3f  (%zu)\n", langs[k], ratio(lang[k].skill_ok, lang[k].n),
               ratio(lang[k].path_ok, lang[k].n), lang[k].n);
    /* Expected calibration error: the gap between mean confidence and accuracy per band,
     * weighted by the band's share of the answers. */
    double ece = 0;
    for (int b = 0; b < EVAL_BANDS; b++)
        if (band_n[b])
            ece += (double)band_n[b] / (double)all.n *
                   fabs(band_conf[b] / (double)band_n[b] - ratio(band_ok[b], band_n[b]));
    if (reliability) {
        printf("confidence band   queries  mean conf  right\n");
        for (int b = 0; b < EVAL_BANDS; b++)
            if (band_n[b])
                printf("  %.1f-%.1f        %5zu     %.3f    %.3f\n", (double)b / EVAL_BANDS,
                       (double)(b + 1) / EVAL_BANDS, band_n[b], band_conf[b] / band_n[b],
                       ratio(band_ok[b], band_n[b]));
    }
    printf("calibration:      ECE %.3f; confidence >= %.1f: %zu answers, %.3f right; "
           "out-of-scope given a skill above %.1f: %zu (max %.2f)\n",
           ece, EVAL_SURE, sure_n, sure_n ? ratio(sure_ok, sure_n) : 1.0, EVAL_OOS_CONF, oos_sure,
           oos_conf_max);
    if (actions)
        printf("actions:          %zu; named by the router: %.3f; first tool carries it out: "
               "%.3f\n",
               actions, ratio(action_named, actions), ratio(action_tool, actions));
    status = 0;
    double op = ratio(oos_both, oos_pred), orc = ratio(oos_both, oos_gold);
    int sure_fail = min_sure > 0 && ((sure_n && ratio(sure_ok, sure_n) < min_sure) || oos_sure);
    if (all.n == 0 || bad_lines || sa < min_skill || pa < min_path ||
        (min_oos > 0 && (op < min_oos || orc < min_oos)) || sure_fail ||
        (max_ece > 0 && ece > max_ece)) {
        printf("FAIL: below the thresholds (skill %.2f, path %.2f, oos %.2f, sure %.2f, "
               "ece %.2f) or %zu bad lines\n",
               min_skill, min_path, min_oos, min_sure, max_ece, bad_lines);
        status = 1;
    }
cleanup:
    fclose(f);
    free(line);
    free(res);
    rt_router_free(r);
    kb_free(kb);
    return status;
}
