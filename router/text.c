/* text.c - the router's text pipeline: normalisation, tokenisation (Latin words with a light
 * stemmer, numbers with units, CJK bigrams and unigrams), a string map and the phrase
 * matcher used for synonyms and cues. Layer: router. */
#include "router/rt_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- Hash map ---------------------------------------------------------------------- */

static uint32_t fnv1a(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

void rt_map_init(struct rt_map *m)
{
    m->cap = 64;
    m->n = 0;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
}

void rt_map_release(struct rt_map *m)
{
    for (size_t i = 0; m->slots && i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

int rt_map_get(const struct rt_map *m, const char *key, size_t len)
{
    uint32_t h = fnv1a(key, len);
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const struct rt_slot *s = &m->slots[i];
        if (!s->key)
            return -1;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s->val;
    }
}

static void map_grow(struct rt_map *m)
{
    size_t cap = m->cap * 2;
    struct rt_slot *slots = xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t k = m->slots[i].hash & (cap - 1);
        while (slots[k].key)
            k = (k + 1) & (cap - 1);
        slots[k] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

int rt_map_put(struct rt_map *m, const char *key, size_t len, int val)
{
    int old = rt_map_get(m, key, len);
    if (old >= 0)
        return old;
    if ((m->n + 1) * 2 > m->cap)
        map_grow(m);
    uint32_t h = fnv1a(key, len);
    size_t i = h & (m->cap - 1);
    while (m->slots[i].key)
        i = (i + 1) & (m->cap - 1);
    m->slots[i].key = xstrndup(key, len);
    m->slots[i].len = (uint32_t)len;
    m->slots[i].hash = h;
    m->slots[i].val = val;
    m->n++;
    return val;
}

/* ---- Normalisation ----------------------------------------------------------------- */

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* 1 for code points that separate words: punctuation and symbols of the common blocks. */
static int is_punct_cp(uint32_t cp)
{
    return (cp >= 0x2000 && cp <= 0x206F) || /* general punctuation: quotes, dashes, ... */
           (cp >= 0x3000 && cp <= 0x303F) || /* CJK symbols and punctuation */
           (cp >= 0xFE10 && cp <= 0xFE1F) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
           (cp >= 0x00A0 && cp <= 0x00BF) || cp == 0x00D7 || cp == 0x00F7 ||
           (cp >= 0xFF5F && cp <= 0xFF65) || cp == 0xFFFD || (cp >= 0x2190 && cp <= 0x23FF) ||
           (cp >= 0x2500 && cp <= 0x27BF);
}

size_t rt_norm(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    int space = 1; /* suppress leading and repeated spaces */
    while (i < len && o + 4 < cap) {
        uint32_t cp;
        utf8_decode(s, len, &i, &cp);
        if (cp >= 0xFF01 && cp <= 0xFF5E) /* full-width ASCII */
            cp -= 0xFEE0;
        if (cp < 0x80) {
            unsigned char c = (unsigned char)cp;
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            if (is_alnum(c)) {
                out[o++] = (char)c;
                space = 0;
            } else if (!space) {
                out[o++] = ' ';
                space = 1;
            }
            continue;
        }
        if (is_punct_cp(cp)) {
            if (!space) {
                out[o++] = ' ';
                space = 1;
            }
            continue;
        }
        o += utf8_encode(cp, out + o);
        space = 0;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return o;
}

size_t rt_fold_width(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < len && o + 4 < cap) {
        uint32_t cp;
        utf8_decode(s, len, &i, &cp);
        if (cp >= 0xFF01 && cp <= 0xFF5E) /* full-width ASCII */
            cp -= 0xFEE0;
        else if (cp == 0x3000) /* ideographic space */
            cp = ' ';
        o += utf8_encode(cp, out + o);
    }
    out[o] = '\0';
    return o;
}

char *rt_normalize(const char *s, size_t len)
{
    char *out = xmalloc(RT_NORM_CAP(len));
    rt_norm(s, len, out, RT_NORM_CAP(len));
    return out;
}

/* ---- Tokenisation ------------------------------------------------------------------ */

/* English words that carry no routing signal (comparison words too: "difference between
 * A and B" is about A and B). Sorted for bsearch. */
static const char *const stop_words[] = {
    "a", "about", "actually", "after", "all", "already", "also", "am", "an", "and", "any",
    "anymore", "anything", "are", "aren", "as", "at", "be", "been", "between", "but", "by",
    "can", "could", "did", "didn", "difference", "differences", "do", "does", "doesn", "doing",
    "don", "else", "etc", "for", "from", "get", "got", "had", "has", "have", "how", "i", "if",
    "im", "in", "into", "is", "isn", "it", "its", "just", "know", "like", "ll", "maybe", "me",
    "my", "need", "of", "ok", "okay", "on", "or", "our", "please", "re", "really", "should",
    "so", "some", "something", "still", "t", "than", "that", "the", "their", "them", "then",
    "there", "these", "thing", "things", "think", "this", "those", "to", "too", "up", "us",
    "ve", "versus", "very", "vs", "want", "wants", "was", "wasn", "we", "were", "what", "when",
    "where", "which", "while", "who", "why", "will", "with", "would", "you", "your",
};

/* CJK characters too common to mean anything on their own (unigrams only). */
static const char *const stop_chars[] = {
    "的", "了", "吗", "呢", "是", "我", "你", "在", "和", "就", "都", "也", "要", "会", "能",
    "把", "被", "有", "个", "一", "这", "那", "么", "吧", "啊", "怎", "什", "为", "到", "给",
    "用", "让", "还", "里", "上", "下", "后", "时", "可", "以", "不", "没", "中", "对", "该",
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stop_word(const char *w, size_t len)
{
    char tmp[16];
    if (len >= sizeof tmp)
        return 0;
    memcpy(tmp, w, len);
    tmp[len] = '\0';
    const char *k = tmp;
    return bsearch(&k, stop_words, ARRAY_LEN(stop_words), sizeof *stop_words, cmp_str) != NULL;
}

static int is_stop_char(const char *c, size_t len)
{
    for (size_t i = 0; i < ARRAY_LEN(stop_chars); i++)
        if (strlen(stop_chars[i]) == len && memcmp(stop_chars[i], c, len) == 0)
            return 1;
    return 0;
}

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* A light English stemmer, the same at index and query time: plural s/es/ies, -ing, -ed
 * (with a doubled consonant undone: running -> run), -tion of long words (deletion ->
 * delet, like delete), final e, and y -> i. */
size_t rt_stem(const char *w, size_t len, char *out)
{
    memcpy(out, w, len);
    if (len < 4)
        return len;
    if (out[0] >= '0' && out[0] <= '9')
        return len;
    if (len > 4 && memcmp(out + len - 3, "ies", 3) == 0)
        len -= 2; /* policies -> polici */
    else if (len > 4 && memcmp(out + len - 4, "sses", 4) == 0)
        len -= 2;
    else if (out[len - 1] == 's' && out[len - 2] != 's' && out[len - 2] != 'u' &&
             out[len - 2] != 'i')
        len -= 1;
    size_t before = len;
    if (len > 5 && memcmp(out + len - 3, "ing", 3) == 0)
        len -= 3;
    else if (len > 4 && memcmp(out + len - 2, "ed", 2) == 0)
        len -= 2;
    else if (len >= 8 && memcmp(out + len - 4, "tion", 4) == 0)
        len -= 3;
    if (len < before && len >= 4 && out[len - 1] == out[len - 2] && !is_vowel(out[len - 1]) &&
        out[len - 1] != 's' && out[len - 1] != 'l')
        len -= 1; /* running -> runn -> run */
    if (len > 4 && out[len - 1] == 'e')
        len -= 1;
    if (len > 3 && out[len - 1] == 'y')
        out[len - 1] = 'i';
    return len;
}

/* Latin units that may follow a number ("100kb", "8 vcpu", "30days"). */
static int unit_start(const char *w, size_t len, size_t *ret_digits)
{
    size_t d = 0;
    while (d < len && w[d] >= '0' && w[d] <= '9')
        d++;
    *ret_digits = d;
    return d > 0 && d < len && w[d] >= 'a' && w[d] <= 'z';
}

void rt_tokenize(const char *norm, size_t len, rt_tok_fn fn, void *ud)
{
    size_t i = 0;
    size_t prev_cjk = (size_t)-1, prev_cjk_len = 0; /* previous CJK char, if adjacent */
    while (i < len) {
        unsigned char c = (unsigned char)norm[i];
        if (c == ' ') {
            prev_cjk = (size_t)-1;
            i++;
            continue;
        }
        if (c < 0x80) {
            size_t s = i;
            while (i < len && is_alnum((unsigned char)norm[i]))
                i++;
            size_t wl = i - s;
            prev_cjk = (size_t)-1;
            if (wl == 0) {
                i++;
                continue;
            }
            if (is_stop_word(norm + s, wl))
                continue;
            char tmp[64];
            size_t digits;
            if (wl > sizeof tmp)
                continue; /* no knowledge word is that long */
            int all_digits = 1;
            for (size_t k = s; k < i; k++)
                all_digits &= norm[k] >= '0' && norm[k] <= '9';
            if (all_digits) {
                fn(ud, norm + s, wl, RT_W_NUMBER, s, i);
                continue;
            }
            size_t sl = rt_stem(norm + s, wl, tmp);
            fn(ud, tmp, sl, RT_W_WORD, s, i);
            if (unit_start(norm + s, wl, &digits)) {
                size_t ul = rt_stem(norm + s + digits, wl - digits, tmp);
                fn(ud, tmp, ul, RT_W_WORD, s + digits, i);
            }
            continue;
        }
        size_t s = i;
        uint32_t cp;
        utf8_decode(norm, len, &i, &cp);
        size_t cl = i - s;
        if (!utf8_is_cjk(cp)) {
            /* Other scripts: emit the character as a unigram so the text still counts. */
            fn(ud, norm + s, cl, RT_W_UNIGRAM, s, i);
            prev_cjk = (size_t)-1;
            continue;
        }
        if (!is_stop_char(norm + s, cl))
            fn(ud, norm + s, cl, RT_W_UNIGRAM, s, i);
        if (prev_cjk != (size_t)-1)
            fn(ud, norm + prev_cjk, prev_cjk_len + cl, RT_W_BIGRAM, prev_cjk, i);
        prev_cjk = s;
        prev_cjk_len = cl;
    }
}

/* ---- Phrases ----------------------------------------------------------------------- */

/* Length of the first unit at s: a Latin word, or one multi-byte character. */
static size_t first_unit(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if ((unsigned char)s[0] < 0x80) {
        size_t i = 0;
        while (i < len && is_alnum((unsigned char)s[i]))
            i++;
        return i ? i : 1;
    }
    size_t i = 0;
    uint32_t cp;
    utf8_decode(s, len, &i, &cp);
    return i;
}

void rt_phrases_init(struct rt_phrases *ps)
{
    ps->v = NULL;
    ps->n = ps->cap = 0;
    rt_map_init(&ps->first);
}

void rt_phrases_release(struct rt_phrases *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        free(ps->v[i].text);
    free(ps->v);
    rt_map_release(&ps->first);
}

void rt_phrases_add(struct rt_phrases *ps, const char *raw, int kind, int target)
{
    size_t rl = strlen(raw);
    char *t = xmalloc(RT_NORM_CAP(rl));
    size_t len = rt_norm(raw, rl, t, RT_NORM_CAP(rl));
    if (len == 0) {
        free(t);
        return;
    }
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 64;
        ps->v = xrealloc(ps->v, ps->cap * sizeof *ps->v);
    }
    int idx = (int)ps->n++;
    struct rt_phrase *p = &ps->v[idx];
    p->text = t;
    p->len = len;
    p->kind = kind;
    p->target = target;
    p->anchor = kind == RT_PH_NAME;
    size_t fu = first_unit(t, len);
    int head = rt_map_get(&ps->first, t, fu);
    p->next = -1;
    if (head < 0) {
        rt_map_put(&ps->first, t, fu, idx);
    } else {
        /* Append to the chain (keeps insertion order). */
        while (ps->v[head].next >= 0)
            head = ps->v[head].next;
        ps->v[head].next = idx;
    }
}

/* Does phrase p end at a word boundary at norm[end]? A Latin phrase may also take a
 * plural "s" or "es". Returns the end of the match, or 0 for no match. */
static size_t phrase_end(const struct rt_phrase *p, const char *norm, size_t len, size_t end)
{
    if (!is_alnum((unsigned char)p->text[p->len - 1]))
        return end;
    if (end >= len || !is_alnum((unsigned char)norm[end]))
        return end;
    if (norm[end] == 's' && (end + 1 >= len || !is_alnum((unsigned char)norm[end + 1])))
        return end + 1;
    if (norm[end] == 'e' && end + 1 < len && norm[end + 1] == 's' &&
        (end + 2 >= len || !is_alnum((unsigned char)norm[end + 2])))
        return end + 2;
    return 0;
}

size_t rt_phrases_find(const struct rt_phrases *ps, const char *norm, size_t len,
                       struct rt_hit *out, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        if (norm[i] == ' ') {
            i++;
            continue;
        }
        size_t fu = first_unit(norm + i, len - i);
        for (int k = rt_map_get(&ps->first, norm + i, fu); k >= 0 && n < max;
             k = ps->v[k].next) {
            const struct rt_phrase *p = &ps->v[k];
            if (p->len > len - i || memcmp(norm + i, p->text, p->len) != 0)
                continue;
            size_t e = phrase_end(p, norm, len, i + p->len);
            if (e == 0)
                continue;
            out[n].ph = k;
            out[n].start = i;
            out[n].end = e;
            n++;
        }
        /* Next unit start: after a Latin word, or after one multi-byte character. */
        i += fu;
    }
    return n;
}

/* ---- Number patterns ("every # minutes") ------------------------------------------- */

char *rt_pattern_norm(const char *raw)
{
    size_t len = strlen(raw);
    char *out = xmalloc(RT_NORM_CAP(len) + 1);
    size_t o = 0;
    const char *part = raw;
    for (;;) {
        const char *hash = strchr(part, '#');
        size_t plen = hash ? (size_t)(hash - part) : strlen(part);
        size_t n = rt_norm(part, plen, out + o, RT_NORM_CAP(len) + 1 - o);
        while (n > 0 && out[o + n - 1] == ' ')
            n--; /* the slot eats the spaces around it */
        o += n;
        if (!hash)
            break;
        out[o++] = '#';
        part = hash + 1;
        while (*part == ' ')
            part++;
    }
    out[o] = '\0';
    return out;
}

static int latin_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The length of norm[at..) matched by pat, or 0. */
static size_t pattern_at(const char *pat, const char *norm, size_t len, size_t at)
{
    size_t i = at;
    for (const char *p = pat; *p; p++) {
        if (*p != '#') {
            if (i >= len || norm[i] != *p)
                return 0;
            i++;
            continue;
        }
        if (i < len && norm[i] == ' ')
            i++;
        size_t d = i;
        while (i < len && norm[i] >= '0' && norm[i] <= '9')
            i++;
        if (i == d)
            return 0;
        if (p[1] && i < len && norm[i] == ' ')
            i++;
    }
    return i - at;
}

int rt_pattern_find(const char *pat, const char *norm, size_t len)
{
    size_t plen = strlen(pat);
    if (plen == 0)
        return 0;
    for (size_t at = 0; at < len; at++) {
        if (pat[0] != '#') {
            const char *c = memchr(norm + at, pat[0], len - at);
            if (!c)
                return 0;
            at = (size_t)(c - norm);
        }
        size_t n = pattern_at(pat, norm, len, at);
        if (n == 0)
            continue;
        /* Latin words match whole: no letter or digit glued on either side. */
        if (at > 0 && latin_byte(norm[at - 1]) && latin_byte(pat[0]))
            continue;
        if (at + n < len && latin_byte(norm[at + n]) && latin_byte(pat[plen - 1]))
            continue;
        return 1;
    }
    return 0;
}

/* ---- CamelCase words ------------------------------------------------------------- */

int rt_has_camel_word(const char *raw, size_t len, size_t min)
{
    size_t i = 0;
    while (i < len) {
        size_t a = i;
        int hump = 0;
        while (i < len && ((raw[i] >= 'a' && raw[i] <= 'z') || (raw[i] >= 'A' && raw[i] <= 'Z'))) {
            hump |= i > a && raw[i] >= 'A' && raw[i] <= 'Z' && raw[i - 1] >= 'a' &&
                    raw[i - 1] <= 'z';
            i++;
        }
        if (i - a >= min && hump && raw[a] >= 'A' && raw[a] <= 'Z')
            return 1;
        if (i == a)
            i++;
    }
    return 0;
}
