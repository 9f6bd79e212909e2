/* analyze.c - the first step of rt_route: what a query says, before any skill is scored.
 * Layer: router. Normalises the query (typos fixed), finds its language, entities and
 * phrases, masks what is not about the product (other products' cues, chit-chat, the
 * material of a request, the payload of a command, instructions to the router), sets the
 * signals and the evidence classes, and turns the rest into weighted tokens. */
#include "router/rt_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BULK_MIN_COUNT 10  /* instances or disks counted in a query that mean "many" */
#define CAMEL_MIN 8        /* shortest CamelCase word read as an API field or status name */
#define CAMEL_WEIGHT 0.7f  /* a word from inside an API name or error code */
#define ID_NOUN_WEIGHT 0.6f /* the resource noun a resource id stands for */

int rt_span_has(const struct rt_query *q, size_t a, size_t b, unsigned bits)
{
    for (size_t i = a; i < b && i < q->len; i++)
        if (q->span[i] & bits)
            return 1;
    return 0;
}

static void span_set(struct rt_query *q, size_t a, size_t b, unsigned bits)
{
    for (size_t i = a; i < b && i < q->len; i++)
        q->span[i] |= (unsigned char)bits;
}

/* ---- Tokens ---------------------------------------------------------------------------- */

/* Add a weight: masked occurrences count for nothing but the whole-query sum, plain ones
 * (method words of a request) not as specific evidence. Returns the token's slot. */
static size_t add_qtok(struct rt_query *q, int id, float w, int masked, int plain)
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
            return i;
        }
    if (q->ntok == RT_QTOK_MAX)
        return RT_QTOK_MAX;
    size_t i = q->ntok++;
    q->ids[i] = id;
    q->qw[i] = w;
    q->qw_rest[i] = masked ? 0 : w;
    q->qw_spec[i] = masked || plain ? 0 : w;
    q->zh[i] = 0;
    return i;
}

static void qtok_cb(void *ud, const char *s, size_t len, float w, size_t start, size_t end)
{
    struct rt_query *q = ud;
    int id = rt_map_get(&q->x->dict, s, len);
    if (id < 0)
        return;
    size_t i = add_qtok(q, id, w, rt_span_has(q, start, end, SPAN_MASKED),
                        rt_span_has(q, start, end, SPAN_PLAIN));
    if (i < RT_QTOK_MAX)
        q->zh[i] = len > 0 && (unsigned char)s[0] >= 0x80;
}

static void qtok_extra_cb(void *ud, const char *s, size_t len, float w, size_t start,
                          size_t end)
{
    (void)start;
    (void)end;
    struct rt_query *q = ud;
    int id = rt_map_get(&q->x->dict, s, len);
    if (id >= 0)
        add_qtok(q, id, w * CAMEL_WEIGHT, 0, q->extra_plain);
}

/* The words of a CamelCase identifier ("ForceStop", "InvocationStatus") as query words. */
static void add_glued_words(struct rt_query *q, const char *w, size_t n)
{
    char words[2 * RT_TEXT_MAX + 8];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 < sizeof words; i++) {
        if (w[i] >= 'A' && w[i] <= 'Z' && i > 0 && w[i - 1] >= 'a' && w[i - 1] <= 'z')
            words[o++] = ' ';
        words[o++] = w[i];
    }
    char norm[RT_NORM_CAP(sizeof words)];
    size_t nl = rt_norm(words, o, norm, sizeof norm);
    rt_tokenize(norm, nl, qtok_extra_cb, q);
}

/* CamelCase words that no entity took (a field, status or option written as code). */
static void add_camel_idents(struct rt_query *q)
{
    const char *s = q->subject;
    size_t i = 0, len = q->flen;
    q->extra_plain = 0;
    while (i < len) {
        size_t a = i;
        int hump = 0;
        while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) {
            hump |= i > a && s[i] >= 'A' && s[i] <= 'Z' && s[i - 1] >= 'a' && s[i - 1] <= 'z';
            i++;
        }
        if (i - a >= CAMEL_MIN && i - a < RT_TEXT_MAX && hump && s[a] >= 'A' && s[a] <= 'Z' &&
            (i >= len || s[i] != '.') && (a == 0 || s[a - 1] != '.'))
            add_glued_words(q, s + a, i - a);
        if (i == a)
            i++;
    }
}

/* API names and error codes are glued CamelCase ("ImportImage",
 * "InvalidOperation.DeletionProtection"): their words count as query words too. */
static void add_camel_words(struct rt_query *q, const struct rt_result *res)
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
        char norm[RT_NORM_CAP(sizeof words)];
        size_t nl = rt_norm(words, o, norm, sizeof norm);
        /* Beside an OOS cue an error code is the other product's ("InvalidApiKey"); an
         * operation name is still ours. */
        q->extra_plain = q->oos_topic >= 0 && en->kind == RT_ENT_ERROR_CODE;
        rt_tokenize(norm, nl, qtok_extra_cb, q);
    }
}

/* A resource id stands for its resource: "d-bp1..." says "disk" though the word is not
 * written. The noun is the canonical of a synonym group. To add one: a row. */
static const struct {
    enum rt_entity_kind kind;
    const char *canonical;
} id_nouns[] = {
    {RT_ENT_INSTANCE_ID, "instance"},     {RT_ENT_SG_ID, "security-group"},
    {RT_ENT_ENI_ID, "eni"},               {RT_ENT_DISK_ID, "disk"},
    {RT_ENT_SNAPSHOT_ID, "snapshot"},     {RT_ENT_IMAGE_ID, "image"},
    {RT_ENT_POLICY_ID, "auto-snapshot-policy"}, {RT_ENT_COMMAND_ID, "run-command"},
    {RT_ENT_INVOCATION_ID, "invocation"}, {RT_ENT_VSWITCH_ID, "vswitch"},
    {RT_ENT_VPC_ID, "vpc"},               {RT_ENT_SG_RULE_ID, "sg-rule"},
    {RT_ENT_EIP_ID, "eip"},               {RT_ENT_INSTANCE_TYPE, "instance-type"},
};

static void add_canonical(struct rt_query *q, const char *canonical, float w)
{
    char tmp[128];
    int n = snprintf(tmp, sizeof tmp, "=%s", canonical);
    int id = n > 0 && (size_t)n < sizeof tmp ? rt_map_get(&q->x->dict, tmp, (size_t)n) : -1;
    if (id >= 0)
        add_qtok(q, id, w, 0, 0);
}

static void add_id_nouns(struct rt_query *q, const struct rt_result *res)
{
    unsigned seen = 0;
    for (size_t i = 0; i < res->nentities; i++)
        for (size_t k = 0; k < ARRAY_LEN(id_nouns); k++)
            if (res->entities[i].kind == id_nouns[k].kind && !(seen & (1u << k))) {
                seen |= 1u << k;
                add_canonical(q, id_nouns[k].canonical, ID_NOUN_WEIGHT);
            }
}

static void add_synonyms(struct rt_query *q)
{
    const struct rt_prod *x = q->x;
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        if (p->kind != RT_PH_SYN)
            continue;
        char tmp[128];
        int n = snprintf(tmp, sizeof tmp, "=%s", x->p->syns[p->target].canonical);
        int id = n > 0 && (size_t)n < sizeof tmp ? rt_map_get(&x->dict, tmp, (size_t)n) : -1;
        if (id >= 0)
            add_qtok(q, id, RT_W_SYNONYM,
                     rt_span_has(q, q->hits[i].start, q->hits[i].end, SPAN_MASKED),
                     rt_span_has(q, q->hits[i].start, q->hits[i].end, SPAN_PLAIN));
    }
}

/* ---- Language ------------------------------------------------------------------------ */

static void count_script(struct rt_query *q)
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

static void set_lang(const struct rt_query *q, struct rt_result *res)
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

/* ---- Phrases and masks ----------------------------------------------------------------- */

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

static void drop_contained(struct rt_query *q)
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

/* Mask the normalised form of raw[a..b) where it occurs in the query, at or after from. */
static void mask_raw(struct rt_query *q, const char *a, const char *b, size_t from)
{
    char norm[RT_QNORM_CAP];
    size_t nl = rt_norm(a, (size_t)(b - a), norm, sizeof norm);
    int fixed;
    size_t cl = rt_typo_correct(&q->x->typo, norm, nl, q->tmp, sizeof q->tmp, &fixed);
    if (cl == 0 || from >= q->len)
        return;
    const char *at = strstr(q->norm + from, q->tmp);
    if (at)
        span_set(q, (size_t)(at - q->norm), (size_t)(at - q->norm) + cl, SPAN_MASKED);
}

/* Quoted text and text after a colon are the material of a request ("translate 'X'",
 * "翻译：X"), not its subject: mask them so they bring no product evidence. A colon only
 * introduces material after the request word: in "Windows 2022: run a one-liner" it ends
 * a preface, and what follows is the question itself. */
static void mask_material(struct rt_query *q, const char *raw, size_t len)
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
        size_t ol = strlen(open[k]);
        const char *a = NULL;
        for (size_t i = 0; i + ol <= len; i++)
            if (memcmp(raw + i, open[k], ol) == 0) {
                a = raw + i + ol;
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
        /* After a colon: only material that follows the request word. */
        mask_raw(q, a, b, close[k] ? 0 : req_end);
    }
}

/* Find phrases, set the phrase signals and mask the spans that are not about the product. */
static void scan_phrases(struct rt_query *q, const char *raw, size_t rawlen)
{
    const struct rt_prod *x = q->x;
    drop_contained(q);
    q->oos_topic = -1;
    for (size_t i = 0; i < q->nhits; i++) {
        switch (x->ph.v[q->hits[i].ph].kind) {
        case RT_PH_VETO:
            q->signals |= RT_SIG_VETO;
            break;
        case RT_PH_MIGRATE:
            q->signals |= RT_SIG_MIGRATE;
            break;
        case RT_PH_REQUEST:
            q->signals |= RT_SIG_REQUEST;
            break;
        default:
            break;
        }
    }
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        int mask = 1;
        switch (p->kind) {
        case RT_PH_VETO:
        case RT_PH_REQUEST:
            break;
        case RT_PH_INSTR:
            q->signals |= RT_SIG_INSTR;
            break;
        case RT_PH_CHIT:
            q->signals |= RT_SIG_CHIT;
            break;
        case RT_PH_OOS:
            /* Moving from another cloud: its names are the source, not the subject. */
            if ((q->signals & RT_SIG_MIGRATE) && x->oos_veto[p->target] == 1)
                break;
            if (q->oos_topic < 0 || x->oos_veto[p->target])
                q->oos_topic = p->target;
            break;
        default:
            mask = 0;
            break;
        }
        if (mask)
            span_set(q, q->hits[i].start, q->hits[i].end, SPAN_MASKED);
    }
    if (q->oos_topic >= 0)
        q->signals |= RT_SIG_TOPIC;
    if (q->signals & RT_SIG_REQUEST)
        mask_material(q, raw, rawlen);
    /* Failure and how-to signals count only outside masked spans. */
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
        if (rt_span_has(q, q->hits[i].start, q->hits[i].end, SPAN_MASKED))
            continue;
        q->signals |= p->kind == RT_PH_FAIL ? RT_SIG_FAIL : 0;
        q->signals |= p->kind == RT_PH_HOWTO ? RT_SIG_HOWTO : 0;
        q->signals |= p->kind == RT_PH_PROG ? RT_SIG_PROG : 0;
        /* "write a python script ...", "call the Qwen API": the method of a request, or of
         * a question about another product, says nothing about ECS. */
        if ((q->signals & RT_SIG_REQUEST || q->oos_topic >= 0) && p->kind == RT_PH_PROG)
            span_set(q, q->hits[i].start, q->hits[i].end, SPAN_PLAIN);
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
static void scan_method(struct rt_query *q, const char *raw, size_t rawlen,
                        const struct rt_result *res)
{
    const struct rt_prod *x = q->x;
    if (any_pattern(x->sched_pat, x->nsched, q->norm, q->len))
        q->signals |= RT_SIG_SCHED;
    if (any_pattern(x->bulk_pat, x->nbulk, q->norm, q->len))
        q->signals |= RT_SIG_BULK;
    for (size_t i = 0; i < res->nentities; i++) {
        const struct rt_entity *en = &res->entities[i];
        if ((en->kind == RT_ENT_COUNT_INSTANCES || en->kind == RT_ENT_COUNT_DISKS) &&
            en->number >= BULK_MIN_COUNT)
            q->signals |= RT_SIG_BULK;
        if (en->kind == RT_ENT_ERROR_CODE)
            q->signals |= RT_SIG_FAIL;
    }
    if (rt_has_camel_word(raw, rawlen, CAMEL_MIN))
        q->signals |= RT_SIG_CAMEL;
}

/* An API name that a path of the product owns. */
static void scan_own_api(struct rt_query *q, const struct rt_result *res)
{
    const struct rt_prod *x = q->x;
    for (size_t e = 0; e < res->nentities; e++) {
        if (res->entities[e].kind != RT_ENT_API)
            continue;
        uint64_t own[2];
        rt_api_owners(x, res->entities[e].value, own);
        if (own[0] || own[1]) {
            q->signals |= RT_SIG_OWN_API;
            return;
        }
    }
}

/* The offset in the query of byte off of its folded form (rt_fold_width turns a full-width
 * character or the ideographic space into one ASCII byte). */
static size_t raw_offset(const char *query, size_t len, size_t off)
{
    size_t i = 0, f = 0;
    while (i < len && f < off) {
        size_t a = i;
        uint32_t cp;
        utf8_decode(query, len, &i, &cp);
        f += (cp >= 0xFF01 && cp <= 0xFF5E) || cp == 0x3000 ? 1 : i - a;
    }
    return i;
}

/* Normalise the subject, fix typos, find the entities and phrases. */
static void read_subject(const struct rt_router *r, struct rt_query *q, struct rt_result *res)
{
    size_t nl = rt_norm(q->subject, q->flen, q->tmp, sizeof q->tmp);
    int fixed = 0;
    q->len = rt_typo_correct(&q->x->typo, q->tmp, nl, q->norm, sizeof q->norm, &fixed);
    res->typos = fixed;
    res->nentities =
        rt_patterns_extract(r->pat, q->subject, q->flen, res->entities, RT_ENTITIES_MAX);
}

int rt_analyze(const struct rt_router *r, const struct rt_prod *x, const char *query,
               size_t len, struct rt_query *q, struct rt_result *res)
{
    q->x = x;
    q->nhits = q->ntok = q->latin = q->cjk = 0;
    q->signals = q->anchors = 0;
    q->vocab = q->vocab_latin = 0;
    q->anchor_hit = q->anchor_last = -1;
    q->nanchor = 0;
    q->oos_topic = -1;
    q->extra_plain = 0;
    q->action = q->act_skill = q->act_path = NULL;
    q->act_weight = 0;
    res->product = x->p;
    q->flen = rt_fold_width(query, len, q->folded, sizeof q->folded);
    memcpy(q->subject, q->folded, q->flen + 1);
    for (size_t i = 0; i <= q->flen; i++) {
        char c = q->folded[i];
        q->lower[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    memcpy(q->lsub, q->lower, q->flen + 1);
    /* Payload first: what the query asks to run, not what it reports was run ("sysctl -p
     * says unknown key" is the OS problem itself). Text inside it never instructs. */
    read_subject(r, q, res);
    q->nhits = rt_phrases_find(&x->ph, q->norm, q->len, q->hits, RT_HITS_MAX);
    int reread = !rt_command_reported(q) && rt_command_payload(q, res);
    if (rt_has_instr_form(q, q->lsub, q->flen, 1)) {
        rt_blank_instructions(q);
        reread = 1;
    }
    if (reread) {
        read_subject(r, q, res);
        q->nhits = rt_phrases_find(&x->ph, q->norm, q->len, q->hits, RT_HITS_MAX);
    }
    if (!(q->signals & RT_SIG_INSTR)) {
        /* An injection phrase anywhere: blank its clause and read the rest again. */
        for (size_t i = 0; i < q->nhits; i++) {
            const struct rt_phrase *p = &x->ph.v[q->hits[i].ph];
            if (p->kind == RT_PH_INSTR || (p->kind == RT_PH_OOS && x->oos_veto[p->target] == 2)) {
                rt_blank_instructions(q);
                q->signals |= RT_SIG_INSTR;
                read_subject(r, q, res);
                q->nhits = rt_phrases_find(&x->ph, q->norm, q->len, q->hits, RT_HITS_MAX);
                break;
            }
        }
    }
    if (res->payload_len) {
        size_t a = raw_offset(query, len, res->payload_off);
        size_t b = raw_offset(query, len, res->payload_off + res->payload_len);
        res->payload_off = a;
        res->payload_len = b - a;
    }
    if (q->len == 0) {
        /* Nothing but an instruction (or payload) is nothing to route. */
        if (!(q->signals & (RT_SIG_INSTR | RT_SIG_PAYLOAD)))
            return 0;
        q->norm[0] = '\0';
    }
    memset(q->span, 0, q->len + 1);
    count_script(q);
    set_lang(q, res);

    scan_phrases(q, q->subject, q->flen);
    scan_method(q, q->subject, q->flen, res);
    scan_own_api(q, res);
    rt_scan_evidence(q, res);
    rt_tokenize(q->norm, q->len, qtok_cb, q);
    add_camel_words(q, res);
    if ((q->signals & RT_SIG_CAMEL) && !(q->signals & RT_SIG_OWN_API))
        add_camel_idents(q);
    add_synonyms(q);
    rt_count_vocab_words(q);
    q->vocab += (q->signals & RT_SIG_CAMEL) != 0; /* a field or status name written as code */
    rt_command_detect(q, res);
    if (q->signals & RT_SIG_COMMAND)
        add_id_nouns(q, res);
    res->signals = q->signals;
    return 1;
}
