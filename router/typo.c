/* typo.c - typo tolerance: a deletion-neighbourhood index (SymSpell style) over the Latin
 * words of the knowledge, and the query pass that rewrites an unknown word into the known
 * word one edit away. Layer: router.
 *
 * Why deletions: two words within edit distance 1 share a string reachable from both by at
 * most one deletion, so looking up the query word's deletions in a map of the vocabulary's
 * deletions finds every candidate without scanning the vocabulary. Candidates are then
 * verified with the real (optimal string alignment) distance, which also counts a swap of
 * two neighbours ("secuirty") as one edit.
 *
 * Why not two edits: indexing two-letter deletions of long words took 7 MB (of a 30 MB
 * budget for the whole server) and changed no routing decision on any of our query sets. */
#include "router/rt_int.h"

#include <stdlib.h>
#include <string.h>

static int is_letter(char c)
{
    return c >= 'a' && c <= 'z';
}

/* Allowed edits for a word of len letters: 0 (too short to guess, or too long) or 1. */
static int max_edits(size_t len)
{
    return len >= RT_TYPO_MIN && len <= RT_TYPO_WORD_MAX;
}

void rt_typo_init(struct rt_typo *t)
{
    memset(t, 0, sizeof *t);
    rt_map_init(&t->words);
    rt_map_init(&t->dels);
    rt_map_init(&t->stems);
}

void rt_typo_release(struct rt_typo *t)
{
    rt_map_release(&t->words);
    rt_map_release(&t->dels);
    rt_map_release(&t->stems);
    for (size_t i = 0; i < t->nwords; i++)
        free(t->word[i]);
    free(t->word);
    free(t->freq);
    free(t->ent_word);
    free(t->ent_next);
}

static void add_word(struct rt_typo *t, const char *w, size_t len)
{
    int id = rt_map_put(&t->words, w, len, (int)t->nwords);
    if ((size_t)id == t->nwords) {
        if (t->nwords == t->capw) {
            t->capw = t->capw ? t->capw * 2 : 1024;
            t->word = xrealloc(t->word, t->capw * sizeof *t->word);
            t->freq = xrealloc(t->freq, t->capw * sizeof *t->freq);
        }
        t->word[t->nwords] = xstrndup(w, len);
        char st[RT_TYPO_WORD_MAX + 1];
        if (len <= RT_TYPO_WORD_MAX)
            rt_map_put(&t->stems, st, rt_stem(w, len, st), (int)t->nwords);
        t->freq[t->nwords] = 0;
        t->nwords++;
    }
    t->freq[id]++;
}

void rt_typo_add_text(struct rt_typo *t, const char *norm, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (!is_letter(norm[i]) && !(norm[i] >= '0' && norm[i] <= '9')) {
            i++;
            continue;
        }
        size_t s = i;
        int letters = 1;
        while (i < len && (is_letter(norm[i]) || (norm[i] >= '0' && norm[i] <= '9'))) {
            letters &= is_letter(norm[i]);
            i++;
        }
        if (letters && i - s <= RT_TYPO_WORD_MAX)
            add_word(t, norm + s, i - s);
    }
}

/* Record that deleting letters from word id gives key (once per word and key). */
static void add_del(struct rt_typo *t, const char *key, size_t len, int id)
{
    if (t->nent == t->capent) {
        t->capent = t->capent ? t->capent * 2 : 4096;
        t->ent_word = xrealloc(t->ent_word, t->capent * sizeof *t->ent_word);
        t->ent_next = xrealloc(t->ent_next, t->capent * sizeof *t->ent_next);
    }
    int e = (int)t->nent;
    int head = rt_map_put(&t->dels, key, len, e);
    if (head != e) {
        /* Variants of one word are added together, so a repeat sits at the head. */
        for (int k = head; k >= 0; k = t->ent_next[k])
            if (t->ent_word[k] == id)
                return;
        t->ent_next[e] = t->ent_next[head];
        t->ent_next[head] = e;
    } else {
        t->ent_next[e] = -1;
    }
    t->ent_word[e] = id;
    t->nent++;
}

/* Call fn for every string made by deleting one letter. */
typedef void (*del_fn)(void *ud, const char *s, size_t len);
static void deletions(const char *w, size_t len, del_fn fn, void *ud)
{
    char a[RT_TYPO_WORD_MAX];
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && w[i] == w[i - 1])
            continue; /* deleting either of a double letter gives the same string */
        memcpy(a, w, i);
        memcpy(a + i, w + i + 1, len - i - 1);
        fn(ud, a, len - 1);
    }
}

struct build_ud {
    struct rt_typo *t;
    int id;
};

static void build_cb(void *ud, const char *s, size_t len)
{
    struct build_ud *b = ud;
    add_del(b->t, s, len, b->id);
}

void rt_typo_build(struct rt_typo *t)
{
    for (size_t i = 0; i < t->nwords; i++) {
        size_t len = strlen(t->word[i]);
        struct build_ud b = {.t = t, .id = (int)i};
        if (max_edits(len))
            deletions(t->word[i], len, build_cb, &b);
    }
}

/* Optimal string alignment distance, giving up (returning limit + 1) past limit. */
static int osa(const char *a, size_t n, const char *b, size_t m, int limit)
{
    int d[RT_TYPO_WORD_MAX + 1][RT_TYPO_WORD_MAX + 1];
    if (n > RT_TYPO_WORD_MAX || m > RT_TYPO_WORD_MAX)
        return limit + 1;
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int row_min = limit + 1;
        for (size_t j = 1; j <= m; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
            if (c < row_min)
                row_min = c;
        }
        if (row_min > limit)
            return limit + 1;
    }
    return d[n][m];
}

/* The best candidate so far for one query word. */
struct pick {
    const struct rt_typo *t;
    const char *w;
    size_t len;
    int limit;
    int best, best_cost, best_freq;
};

static void consider(struct pick *p, int id)
{
    const char *c = p->t->word[id];
    size_t cl = strlen(c);
    if (max_edits(cl) == 0)
        return;
    int d = osa(p->w, p->len, c, cl, p->limit);
    if (d > p->limit)
        return;
    /* A first letter is rarely the mistyped one: a different one costs half an edit. */
    int cost = 2 * d + (c[0] != p->w[0]);
    int f = p->t->freq[id];
    if (p->best < 0 || cost < p->best_cost || (cost == p->best_cost && f > p->best_freq)) {
        p->best = id;
        p->best_cost = cost;
        p->best_freq = f;
    }
}

static void lookup(struct pick *p, const char *s, size_t len)
{
    int id = rt_map_get(&p->t->words, s, len);
    if (id >= 0)
        consider(p, id);
    for (int e = rt_map_get(&p->t->dels, s, len); e >= 0; e = p->t->ent_next[e])
        consider(p, p->t->ent_word[e]);
}

static void lookup_cb(void *ud, const char *s, size_t len)
{
    lookup(ud, s, len);
}

int rt_typo_fix(const struct rt_typo *t, const char *w, size_t len)
{
    int k = max_edits(len);
    if (k == 0 || rt_map_get(&t->words, w, len) >= 0)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (!is_letter(w[i]))
            return -1;
    struct pick p = {.t = t, .w = w, .len = len, .limit = k, .best = -1};
    lookup(&p, w, len);
    deletions(w, len, lookup_cb, &p);
    return p.best;
}

/* Split an unknown glued word into two or three known words ("invalidoperation" ->
 * "invalid operation"), preferring the fewest parts, then the most even. Writes the words
 * with spaces into out (>= len + 3 bytes); returns the length, or 0 for no split. */
static size_t split_word(const struct rt_typo *t, const char *w, size_t len, char *out)
{
    size_t best_a = 0, best_b = 0, best_min = 0;
    if (len < RT_SPLIT_MIN || len > RT_TYPO_WORD_MAX)
        return 0;
    for (int parts = 2; parts <= 3 && best_a == 0; parts++)
        for (size_t a = RT_SPLIT_PART; a + RT_SPLIT_PART <= len; a++) {
            if (rt_map_get(&t->words, w, a) < 0)
                continue;
            if (parts == 2) {
                size_t m = a < len - a ? a : len - a;
                if (rt_map_get(&t->words, w + a, len - a) >= 0 && m > best_min) {
                    best_a = a;
                    best_b = len;
                    best_min = m;
                }
                continue;
            }
            for (size_t b = a + RT_SPLIT_PART; b + RT_SPLIT_PART <= len; b++) {
                size_t m = a;
                if (b - a < m)
                    m = b - a;
                if (len - b < m)
                    m = len - b;
                if (m > best_min && rt_map_get(&t->words, w + a, b - a) >= 0 &&
                    rt_map_get(&t->words, w + b, len - b) >= 0) {
                    best_a = a;
                    best_b = b;
                    best_min = m;
                }
            }
        }
    if (best_a == 0)
        return 0;
    size_t o = 0;
    memcpy(out, w, best_a);
    o = best_a;
    out[o++] = ' ';
    memcpy(out + o, w + best_a, best_b - best_a);
    o += best_b - best_a;
    if (best_b < len) {
        out[o++] = ' ';
        memcpy(out + o, w + best_b, len - best_b);
        o += len - best_b;
    }
    return o;
}

size_t rt_typo_correct(const struct rt_typo *t, const char *norm, size_t len, char *out,
                       size_t cap, int *ret_fixed)
{
    size_t o = 0, i = 0;
    int fixed = 0;
    while (i < len && o + 1 < cap) {
        if (!is_letter(norm[i]) && !(norm[i] >= '0' && norm[i] <= '9')) {
            out[o++] = norm[i++];
            continue;
        }
        size_t s = i;
        while (i < len && (is_letter(norm[i]) || (norm[i] >= '0' && norm[i] <= '9')))
            i++;
        char split[RT_TYPO_WORD_MAX + 4];
        size_t sl = 0;
        int id = -1;
        const char *w = norm + s;
        size_t wl = i - s;
        int letters = 1;
        for (size_t k = s; k < i; k++)
            letters &= is_letter(norm[k]);
        char st[RT_TYPO_WORD_MAX + 1];
        /* Another form of a known word ("snapshotted" of "snapshot") is no typo. */
        if (letters && rt_map_get(&t->words, w, wl) < 0 &&
            (wl > RT_TYPO_WORD_MAX || rt_map_get(&t->stems, st, rt_stem(w, wl, st)) < 0)) {
            sl = split_word(t, w, wl, split);
            if (sl == 0)
                id = rt_typo_fix(t, w, wl);
        }
        if (sl > 0) {
            w = split;
            wl = sl;
        } else if (id >= 0) {
            w = t->word[id];
            wl = strlen(w);
        }
        int changed = sl > 0 || id >= 0;
        if (o + wl + 1 > cap) {
            w = norm + s;
            wl = i - s;
            changed = 0;
            if (o + wl + 1 > cap)
                break;
        }
        memcpy(out + o, w, wl);
        o += wl;
        fixed += changed;
    }
    out[o] = '\0';
    *ret_fixed = fixed;
    return o;
}
