/* index.c - the routing index built once per product at load: token ids, idf, BM25F term
 * weights per skill and per path, and the phrase table. Layer: router. */
#include "router/rt_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Field weights: how much a word in each part of a skill file counts. Cues and keywords
 * are written to route; steps and facts are written to answer, so they count less. The
 * not_when lists name other skills and are left out on purpose. */
#define FW_TITLE 3.0f
#define FW_KEYWORD 3.0f
#define FW_QUESTION 2.0f
#define FW_USE_WHEN 1.5f
#define FW_SUMMARY 1.0f
#define FW_FAQ_Q 1.5f
#define FW_FAQ_A 0.5f
#define FW_PATH_TITLE 2.0f
#define FW_CUE 2.5f
#define FW_BEST_FOR 1.0f
#define FW_STEP 0.5f
#define FW_FACT 0.5f
#define FW_LIMITATION 0.3f
#define FW_LIMIT 0.5f

/* BM25 parameters. */
#define BM25_K1 1.2f
#define BM25_B 0.5f

/* Growable per-token arrays during the build. */
struct build {
    struct rt_prod *x;
    float **tf_skill; /* [nskills][cap] */
    float **tf_path;  /* [npaths][cap] */
    float *len_skill, *len_path;
    int *df;          /* units containing the token */
    int *sf;          /* skills containing the token */
    int *last_unit;   /* last unit that counted the token */
    int *last_skill;
    size_t cap;
    int unit;         /* current unit number */
    int skill, path;  /* current doc, path -1 for skill-only text */
    float w;
    size_t nunits;
};

static void grow(struct build *b, size_t need)
{
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < need)
        cap *= 2;
    for (size_t s = 0; s < b->x->nskills; s++) {
        b->tf_skill[s] = xrealloc(b->tf_skill[s], cap * sizeof(float));
        memset(b->tf_skill[s] + b->cap, 0, (cap - b->cap) * sizeof(float));
    }
    for (size_t p = 0; p < b->x->npaths; p++) {
        b->tf_path[p] = xrealloc(b->tf_path[p], cap * sizeof(float));
        memset(b->tf_path[p] + b->cap, 0, (cap - b->cap) * sizeof(float));
    }
    b->df = xrealloc(b->df, cap * sizeof(int));
    b->sf = xrealloc(b->sf, cap * sizeof(int));
    b->last_unit = xrealloc(b->last_unit, cap * sizeof(int));
    b->last_skill = xrealloc(b->last_skill, cap * sizeof(int));
    for (size_t i = b->cap; i < cap; i++) {
        b->df[i] = b->sf[i] = 0;
        b->last_unit[i] = b->last_skill[i] = -1;
    }
    b->cap = cap;
}

static void add_token(struct build *b, const char *s, size_t len, float cls)
{
    struct rt_prod *x = b->x;
    int id = rt_map_put(&x->dict, s, len, (int)x->ntok);
    if ((size_t)id == x->ntok)
        x->ntok++;
    grow(b, x->ntok);
    /* Unigrams are weak evidence in documents as in queries. */
    float w = b->w * (cls < RT_W_WORD ? cls : 1.0f);
    b->tf_skill[b->skill][id] += w;
    b->len_skill[b->skill] += w;
    if (b->path >= 0) {
        b->tf_path[b->path][id] += w;
        b->len_path[b->path] += w;
    }
    if (b->last_unit[id] != b->unit) {
        b->last_unit[id] = b->unit;
        b->df[id]++;
    }
    if (b->last_skill[id] != b->skill) {
        b->last_skill[id] = b->skill;
        b->sf[id]++;
    }
}

static void tok_cb(void *ud, const char *s, size_t len, float w, size_t start, size_t end)
{
    (void)start;
    (void)end;
    add_token(ud, s, len, w);
}

/* Index one string of the current skill (and path, if any) with field weight w. */
static void add_text(struct build *b, const char *text, float w)
{
    if (!text || !*text)
        return;
    size_t tl = strlen(text);
    char *norm = xmalloc(RT_NORM_CAP(tl));
    size_t len = rt_norm(text, tl, norm, RT_NORM_CAP(tl));
    b->w = w;
    b->unit++;
    b->nunits++;
    rt_tokenize(norm, len, tok_cb, b);
    rt_typo_add_text(&b->x->typo, norm, len);
    struct rt_hit hits[64];
    size_t nh = rt_phrases_find(&b->x->ph, norm, len, hits, ARRAY_LEN(hits));
    for (size_t i = 0; i < nh; i++) {
        const struct rt_phrase *p = &b->x->ph.v[hits[i].ph];
        if (p->kind != RT_PH_SYN)
            continue;
        const char *canon = b->x->p->syns[p->target].canonical;
        char tmp[128];
        int n = snprintf(tmp, sizeof tmp, "=%s", canon);
        if (n > 0 && (size_t)n < sizeof tmp)
            add_token(b, tmp, (size_t)n, RT_W_WORD);
    }
    free(norm);
}

static void add_strs(struct build *b, const struct kb_strs *l, float w)
{
    for (size_t i = 0; i < l->n; i++)
        add_text(b, l->v[i], w);
}

static void add_phrases(struct rt_prod *x)
{
    const struct kb_product *p = x->p;
    rt_phrases_init(&x->ph);
    for (size_t g = 0; g < p->nsyns; g++) {
        for (size_t t = 0; t < p->syns[g].terms.n; t++)
            rt_phrases_add(&x->ph, p->syns[g].terms.v[t], RT_PH_SYN, (int)g);
        rt_phrases_add(&x->ph, p->syns[g].canonical, RT_PH_SYN, (int)g);
    }
    for (size_t i = 0; i < p->terms.n; i++)
        rt_phrases_add(&x->ph, p->terms.v[i], RT_PH_TERM, 0);
    for (size_t i = 0; i < p->names.n; i++)
        rt_phrases_add(&x->ph, p->names.v[i], RT_PH_NAME, 0);
    for (size_t o = 0; o < p->noos; o++)
        for (size_t i = 0; i < p->oos[o].cues.n; i++)
            rt_phrases_add(&x->ph, p->oos[o].cues.v[i], RT_PH_OOS, (int)o);
    for (size_t i = 0; i < p->chit_chat.n; i++)
        rt_phrases_add(&x->ph, p->chit_chat.v[i], RT_PH_CHIT, 0);
    for (size_t s = 0; s < p->nskills; s++)
        for (size_t i = 0; i < p->skills[s].keywords.n; i++)
            rt_phrases_add(&x->ph, p->skills[s].keywords.v[i], RT_PH_KEYWORD, (int)s);
    for (size_t g = 0; g < x->npaths; g++)
        for (size_t i = 0; i < x->paths[g]->cues.n; i++)
            rt_phrases_add(&x->ph, x->paths[g]->cues.v[i], RT_PH_CUE, (int)g);
    /* The judgement lists of _product.json. To add a list: a row. */
    const struct {
        const struct kb_strs *l;
        int kind;
    } lists[] = {
        {&p->other_clouds, RT_PH_VETO}, {&p->injection, RT_PH_INSTR},
        {&p->requests, RT_PH_REQUEST},  {&p->migration, RT_PH_MIGRATE},
        {&p->failure, RT_PH_FAIL},      {&p->how_to, RT_PH_HOWTO},
        {&p->programmatic, RT_PH_PROG},
    };
    for (size_t k = 0; k < ARRAY_LEN(lists); k++)
        for (size_t i = 0; i < lists[k].l->n; i++)
            rt_phrases_add(&x->ph, lists[k].l->v[i], lists[k].kind, 0);
    /* Every phrase word is known to the typo index, so none is "corrected" away. */
    for (size_t i = 0; i < x->ph.n; i++)
        rt_typo_add_text(&x->typo, x->ph.v[i].text, x->ph.v[i].len);
}

/* Skill vocabulary is evidence: a synonym or keyword phrase is an anchor unless it is one
 * of the product's ordinary words (its normal form, or for one Latin word its stem, is on
 * the list) or its synonym group is ("=canonical" on the list marks a whole group). */
static void mark_anchors(struct rt_prod *x)
{
    struct rt_map ord;
    rt_map_init(&ord);
    for (size_t i = 0; i < x->p->ordinary.n; i++) {
        const char *o = x->p->ordinary.v[i];
        if (o[0] == '=') {
            rt_map_put(&ord, o, strlen(o), 1);
            continue;
        }
        char *norm = rt_normalize(o, strlen(o));
        size_t nl = strlen(norm);
        rt_map_put(&ord, norm, nl, 1);
        char stem[64];
        if (nl < sizeof stem && !strchr(norm, ' '))
            rt_map_put(&ord, stem, rt_stem(norm, nl, stem), 1);
        free(norm);
    }
    for (size_t i = 0; i < x->ph.n; i++) {
        struct rt_phrase *p = &x->ph.v[i];
        if (p->kind != RT_PH_SYN && p->kind != RT_PH_KEYWORD)
            continue;
        int ordinary = rt_map_get(&ord, p->text, p->len) >= 0;
        char stem[64];
        if (!ordinary && p->len < sizeof stem && !memchr(p->text, ' ', p->len) &&
            (unsigned char)p->text[0] < 0x80)
            ordinary = rt_map_get(&ord, stem, rt_stem(p->text, p->len, stem)) >= 0;
        if (!ordinary && p->kind == RT_PH_SYN) {
            char key[128];
            int n = snprintf(key, sizeof key, "=%s", x->p->syns[p->target].canonical);
            ordinary = n > 0 && (size_t)n < sizeof key && rt_map_get(&ord, key, (size_t)n) >= 0;
        }
        /* One or two Latin letters ("m", "t6") say too little on their own. */
        int tiny = (unsigned char)p->text[0] < 0x80 && p->len < 3;
        p->anchor = !ordinary && !tiny;
    }
    rt_map_release(&ord);
}

/* Latin words that are synonym or keyword phrases on their own: the vocabulary a query's
 * words are counted in. */
static void vocab_cb(void *ud, const char *s, size_t len, float w, size_t start, size_t end)
{
    (void)start;
    (void)end;
    struct rt_prod *x = ud;
    int id = w >= RT_W_WORD && (unsigned char)s[0] < 0x80 ? rt_map_get(&x->dict, s, len) : -1;
    if (id >= 0)
        x->vocab_tok[id] = 1;
}

static void mark_vocab(struct rt_prod *x)
{
    x->vocab_tok = xcalloc(x->ntok ? x->ntok : 1, 1);
    for (size_t i = 0; i < x->ph.n; i++)
        if ((x->ph.v[i].kind == RT_PH_SYN || x->ph.v[i].kind == RT_PH_KEYWORD) &&
            !memchr(x->ph.v[i].text, ' ', x->ph.v[i].len))
            rt_tokenize(x->ph.v[i].text, x->ph.v[i].len, vocab_cb, x);
}

/* Tokens of the product terms are generic: they say "a server" but not which question. */
static void gen_cb(void *ud, const char *s, size_t len, float w, size_t start, size_t end)
{
    (void)w;
    (void)start;
    (void)end;
    struct rt_prod *x = ud;
    int id = rt_map_get(&x->dict, s, len);
    if (id >= 0)
        x->generic[id] = 1;
}

/* Set mark[g] for each path named by a "skill-id/path-id" ref of l. */
static void mark_refs(struct rt_prod *x, const struct kb_strs *l, unsigned char *mark)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *ref = l->v[i], *slash = strchr(ref, '/');
        if (!slash)
            continue;
        size_t sl = (size_t)(slash - ref);
        for (size_t g = 0; g < x->npaths; g++) {
            const char *sid = x->p->skills[x->path_skill[g]].id;
            if (strlen(sid) == sl && strncmp(sid, ref, sl) == 0 &&
                strcmp(x->paths[g]->id, slash + 1) == 0)
                mark[g] = 1;
        }
    }
}

static void mark_generic(struct rt_prod *x)
{
    x->generic = xcalloc(x->ntok ? x->ntok : 1, 1);
    for (size_t i = 0; i < x->p->terms.n; i++) {
        char *norm = rt_normalize(x->p->terms.v[i], strlen(x->p->terms.v[i]));
        rt_tokenize(norm, strlen(norm), gen_cb, x);
        free(norm);
    }
    x->fail_path = xcalloc(x->npaths ? x->npaths : 1, 1);
    for (size_t g = 0; g < x->npaths; g++)
        for (size_t i = 0; i < x->p->failure_paths.n; i++)
            if (strcmp(x->paths[g]->id, x->p->failure_paths.v[i]) == 0)
                x->fail_path[g] = 1;
    x->prog_path = xcalloc(x->npaths ? x->npaths : 1, 1);
    for (size_t g = 0; g < x->npaths; g++)
        for (size_t i = 0; i < x->p->programmatic_paths.n; i++)
            if (strcmp(x->paths[g]->id, x->p->programmatic_paths.v[i]) == 0)
                x->prog_path[g] = 1;
    x->sched_path = xcalloc(x->npaths ? x->npaths : 1, 1);
    x->bulk_path = xcalloc(x->npaths ? x->npaths : 1, 1);
    mark_refs(x, &x->p->scheduling_paths, x->sched_path);
    mark_refs(x, &x->p->bulk_paths, x->bulk_path);
}

/* Normalise a pattern list; its words are known to the typo index. */
static char **load_patterns(struct rt_prod *x, const struct kb_strs *l, size_t *ret_n)
{
    char **v = xcalloc(l->n ? l->n : 1, sizeof *v);
    for (size_t i = 0; i < l->n; i++) {
        v[i] = rt_pattern_norm(l->v[i]);
        char *plain = xstrdup(v[i]);
        for (char *c = plain; *c; c++)
            if (*c == '#')
                *c = ' ';
        rt_typo_add_text(&x->typo, plain, strlen(plain));
        free(plain);
    }
    *ret_n = l->n;
    return v;
}

/* A topic is a veto topic when one of its cues is an other_clouds or injection phrase
 * (the "other clouds" and "instructions to the assistant" topics of _product.json). */
static void mark_veto_topics(struct rt_prod *x)
{
    x->oos_veto = xcalloc(x->p->noos ? x->p->noos : 1, sizeof(int));
    struct rt_hit hits[16];
    for (size_t o = 0; o < x->p->noos; o++)
        for (size_t i = 0; i < x->p->oos[o].cues.n; i++) {
            const char *c = x->p->oos[o].cues.v[i];
            char *norm = rt_normalize(c, strlen(c));
            size_t nh = rt_phrases_find(&x->ph, norm, strlen(norm), hits, ARRAY_LEN(hits));
            for (size_t h = 0; h < nh; h++) {
                int k = x->ph.v[hits[h].ph].kind;
                if ((k == RT_PH_VETO || k == RT_PH_INSTR) && hits[h].start == 0 &&
                    hits[h].end == strlen(norm))
                    x->oos_veto[o] = k == RT_PH_VETO ? 1 : 2;
            }
            free(norm);
        }
}

static void build_api_map(struct rt_prod *x);

void rt_prod_build(struct rt_prod *x, const struct kb_product *p)
{
    memset(x, 0, sizeof *x);
    x->p = p;
    x->nskills = p->nskills;
    for (size_t s = 0; s < p->nskills; s++)
        x->npaths += p->skills[s].npaths;
    x->paths = xcalloc(x->npaths ? x->npaths : 1, sizeof *x->paths);
    x->path_skill = xcalloc(x->npaths ? x->npaths : 1, sizeof(int));
    x->default_path = xcalloc(x->nskills ? x->nskills : 1, sizeof(int));
    size_t g = 0;
    for (size_t s = 0; s < p->nskills; s++)
        for (size_t k = 0; k < p->skills[s].npaths; k++, g++) {
            x->paths[g] = &p->skills[s].paths[k];
            x->path_skill[g] = (int)s;
            if (x->paths[g] == p->skills[s].default_path)
                x->default_path[s] = (int)g;
        }
    rt_map_init(&x->dict);
    rt_typo_init(&x->typo);
    add_phrases(x);
    x->sched_pat = load_patterns(x, &p->scheduling, &x->nsched);
    x->bulk_pat = load_patterns(x, &p->bulk, &x->nbulk);
    mark_veto_topics(x);
    mark_anchors(x);

    struct build b = {.x = x, .skill = 0, .path = -1};
    b.tf_skill = xcalloc(x->nskills ? x->nskills : 1, sizeof(float *));
    b.tf_path = xcalloc(x->npaths ? x->npaths : 1, sizeof(float *));
    b.len_skill = xcalloc(x->nskills ? x->nskills : 1, sizeof(float));
    b.len_path = xcalloc(x->npaths ? x->npaths : 1, sizeof(float));
    grow(&b, 1024);
    g = 0;
    for (size_t s = 0; s < p->nskills; s++) {
        const struct kb_skill *sk = &p->skills[s];
        b.skill = (int)s;
        b.path = -1;
        add_text(&b, sk->title, FW_TITLE);
        add_text(&b, sk->title_zh, FW_TITLE);
        add_text(&b, sk->summary, FW_SUMMARY);
        add_strs(&b, &sk->keywords, FW_KEYWORD);
        add_strs(&b, &sk->use_when, FW_USE_WHEN);
        add_strs(&b, &sk->typical_questions, FW_QUESTION);
        for (size_t i = 0; i < sk->nfaq; i++) {
            add_text(&b, sk->faq[i].q, FW_FAQ_Q);
            add_text(&b, sk->faq[i].a, FW_FAQ_A);
        }
        for (size_t i = 0; i < sk->nlimits; i++) {
            add_text(&b, sk->limits[i].name, FW_LIMIT);
            add_text(&b, sk->limits[i].text, FW_LIMIT);
        }
        for (size_t k = 0; k < sk->npaths; k++, g++) {
            const struct kb_path *pa = &sk->paths[k];
            b.path = (int)g;
            add_text(&b, pa->title, FW_PATH_TITLE);
            add_text(&b, pa->title_zh, FW_PATH_TITLE);
            add_text(&b, pa->best_for, FW_BEST_FOR);
            add_strs(&b, &pa->cues, FW_CUE);
            add_strs(&b, &pa->steps, FW_STEP);
            add_strs(&b, &pa->facts, FW_FACT);
            add_strs(&b, &pa->limitations, FW_LIMITATION);
        }
    }

    /* idf over knowledge strings, damped for tokens that many skills share. */
    size_t nt = x->ntok;
    x->idf = xcalloc(nt ? nt : 1, sizeof(float));
    double ns = (double)(x->nskills ? x->nskills : 1);
    for (size_t t = 0; t < nt; t++) {
        double n = (double)b.nunits, df = (double)b.df[t];
        double idf = log(1.0 + (n - df + 0.5) / (df + 0.5));
        double spread = log(1.0 + ns / (b.sf[t] ? b.sf[t] : 1)) / log(1.0 + ns);
        x->idf[t] = (float)(idf * (0.4 + 0.6 * spread));
    }
    double avg_s = 0, avg_p = 0;
    for (size_t s = 0; s < x->nskills; s++)
        avg_s += b.len_skill[s] / ns;
    for (size_t q = 0; q < x->npaths; q++)
        avg_p += b.len_path[q] / (double)x->npaths;
    x->w_skill = xcalloc(nt * (x->nskills ? x->nskills : 1) + 1, sizeof(float));
    x->w_path = xcalloc(nt * (x->npaths ? x->npaths : 1) + 1, sizeof(float));
    x->w_any = xcalloc(nt ? nt : 1, sizeof(float));
    for (size_t t = 0; t < nt; t++) {
        for (size_t s = 0; s < x->nskills; s++) {
            float tf = b.tf_skill[s][t];
            if (tf <= 0)
                continue;
            double norm = 1.0 - BM25_B + BM25_B * b.len_skill[s] / (avg_s > 0 ? avg_s : 1);
            float w = (float)(x->idf[t] * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm));
            x->w_skill[t * x->nskills + s] = w;
            if (w > x->w_any[t])
                x->w_any[t] = w;
        }
        for (size_t q = 0; q < x->npaths; q++) {
            float tf = b.tf_path[q][t];
            if (tf <= 0)
                continue;
            double norm = 1.0 - BM25_B + BM25_B * b.len_path[q] / (avg_p > 0 ? avg_p : 1);
            x->w_path[t * x->npaths + q] =
                (float)(x->idf[t] * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm));
        }
    }
    mark_generic(x);
    mark_vocab(x);
    build_api_map(x);
    x->syn_obj = xcalloc(p->nsyns ? p->nsyns : 1, sizeof *x->syn_obj);
    for (size_t k = 0; k < p->nsyns; k++)
        x->syn_obj[k] = rt_command_objects(p->syns[k].canonical);
    rt_typo_build(&x->typo);
    for (size_t s = 0; s < x->nskills; s++)
        free(b.tf_skill[s]);
    for (size_t q = 0; q < x->npaths; q++)
        free(b.tf_path[q]);
    free(b.tf_skill);
    free(b.tf_path);
    free(b.len_skill);
    free(b.len_path);
    free(b.df);
    free(b.sf);
    free(b.last_unit);
    free(b.last_skill);
}

void rt_prod_release(struct rt_prod *x)
{
    rt_map_release(&x->dict);
    rt_phrases_release(&x->ph);
    free(x->idf);
    free(x->paths);
    free(x->path_skill);
    free(x->default_path);
    free(x->w_skill);
    free(x->w_path);
    free(x->w_any);
    free(x->oos_veto);
    free(x->generic);
    free(x->vocab_tok);
    rt_map_release(&x->api_map);
    free(x->syn_obj);
    free(x->api_paths);
    free(x->fail_path);
    free(x->prog_path);
    free(x->sched_path);
    free(x->bulk_path);
    for (size_t i = 0; i < x->nsched; i++)
        free(x->sched_pat[i]);
    free(x->sched_pat);
    for (size_t i = 0; i < x->nbulk; i++)
        free(x->bulk_pat[i]);
    free(x->bulk_pat);
    rt_typo_release(&x->typo);
}

/* api's snake_case form ("ResizeDisk" -> "resize_disk") into out (cap bytes). */
static size_t snake_of(const char *api, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *c = api; *c && o + 3 < cap; c++) {
        if (*c >= 'A' && *c <= 'Z') {
            if (c > api)
                out[o++] = '_';
            out[o++] = (char)(*c - 'A' + 'a');
        } else {
            out[o++] = *c;
        }
    }
    out[o] = '\0';
    return o;
}

static size_t lower_of(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++)
        out[o++] = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
    out[o] = '\0';
    return o;
}

static void api_own(struct rt_prod *x, const char *key, size_t n, size_t g)
{
    int row = rt_map_put(&x->api_map, key, n, (int)x->napi);
    if ((size_t)row == x->napi) {
        x->api_paths = xrealloc(x->api_paths, (x->napi + 1) * sizeof *x->api_paths);
        x->api_paths[x->napi][0] = x->api_paths[x->napi][1] = 0;
        x->napi++;
    }
    x->api_paths[row][g / 64] |= (uint64_t)1 << (g % 64);
}

/* Index which paths own which operations: tools by name, API-shaped cues by text. */
static void build_api_map(struct rt_prod *x)
{
    rt_map_init(&x->api_map);
    for (size_t g = 0; g < x->npaths; g++) {
        const struct kb_path *p = x->paths[g];
        for (size_t i = 0; i < p->tools.n; i++)
            api_own(x, p->tools.v[i], strlen(p->tools.v[i]), g);
        for (size_t i = 0; i < p->cues.n; i++) {
            char low[128];
            size_t n = lower_of(p->cues.v[i], low, sizeof low);
            api_own(x, low, n, g);
        }
    }
}

void rt_api_owners(const struct rt_prod *x, const char *api, uint64_t out[2])
{
    char key[128];
    out[0] = out[1] = 0;
    size_t n = snake_of(api, key, sizeof key);
    int row = rt_map_get(&x->api_map, key, n);
    if (row >= 0) {
        out[0] |= x->api_paths[row][0];
        out[1] |= x->api_paths[row][1];
    }
    n = lower_of(api, key, sizeof key);
    row = rt_map_get(&x->api_map, key, n);
    if (row >= 0) {
        out[0] |= x->api_paths[row][0];
        out[1] |= x->api_paths[row][1];
    }
}

int rt_path_owns_api(const struct kb_path *p, const char *api)
{
    for (size_t i = 0; i < p->tools.n; i++) {
        const struct kb_tool *t = p->tool_entries ? p->tool_entries[i] : NULL;
        if (t && t->action && strcmp(t->action, api) == 0)
            return 1;
    }
    for (size_t i = 0; i < p->cues.n; i++)
        if (strcasecmp(p->cues.v[i], api) == 0)
            return 1;
    return 0;
}
