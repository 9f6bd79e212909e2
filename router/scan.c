/* scan.c - word and shape scanning over the lower-case query for the command and payload
 * rules: whole words (an identifier such as "ecs-execute-instances" is one word), substrings,
 * CJK characters, shell-like text, prose and resource-id shapes. Layer: router. */
#include "router/rt_query.h"

#include <string.h>

int rt_alnum_c(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 if s[i..] starts with w (ASCII case-insensitive; other bytes exact). */
int rt_at_ci(const char *s, size_t len, size_t i, const char *w)
{
    size_t n = strlen(w);
    if (i + n > len)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (lower(s[i + k]) != lower(w[k]))
            return 0;
    return 1;
}

/* A byte that continues a Latin word or an identifier ("ecs-execute-instances"). */
static int word_byte(unsigned char c)
{
    return rt_alnum_c(c) || c == '-' || c == '_';
}

/* 1 if w occurs at s[i] as a whole word (Latin words need non-word bytes around them). */
int rt_word_at(const char *s, size_t len, size_t i, const char *w)
{
    if (!rt_at_ci(s, len, i, w))
        return 0;
    size_t n = strlen(w);
    if ((unsigned char)w[0] >= 0x80)
        return 1;
    if (i > 0 && word_byte((unsigned char)s[i - 1]))
        return 0;
    return i + n >= len || !word_byte((unsigned char)s[i + n]);
}

/* The first occurrence of w[0..wn) in s[from..len), or len. */
size_t rt_find_sub(const char *s, size_t len, size_t from, const char *w, size_t wn)
{
    while (from + wn <= len) {
        const char *c = memchr(s + from, w[0], len - from - wn + 1);
        if (!c)
            return len;
        if (memcmp(c, w, wn) == 0)
            return (size_t)(c - s);
        from = (size_t)(c - s) + 1;
    }
    return len;
}

/* Offset just after the first whole-word occurrence of any of words (lower case) in the
 * lower-case text s[from..len), and its start in *ret_at; 0 when none. */
size_t rt_find_word(const char *s, size_t len, size_t from, const char *const *words,
                        size_t *ret_at)
{
    size_t best = len, best_end = 0;
    for (size_t k = 0; words[k]; k++) {
        size_t wn = strlen(words[k]);
        for (size_t i = rt_find_sub(s, len, from, words[k], wn); i < best;
             i = rt_find_sub(s, len, i + 1, words[k], wn))
            if (rt_word_at(s, len, i, words[k])) {
                best = i;
                best_end = i + wn;
                break;
            }
    }
    if (best_end && ret_at)
        *ret_at = best;
    return best_end;
}

/* The byte at s[i] starts a CJK character or CJK punctuation. */
int rt_cjk_at(const char *s, size_t len, size_t i)
{
    if ((unsigned char)s[i] < 0x80)
        return 0;
    uint32_t cp;
    size_t k = i;
    utf8_decode(s, len, &k, &cp);
    return utf8_is_cjk(cp) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

/* Shell-like text: a flag, an absolute or home path, an operator, a key=value or a
 * Windows path. Plain words ("a script") are not. */
int rt_shell_like(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i], p = i ? (unsigned char)s[i - 1] : ' ';
        unsigned char nx = i + 1 < n ? (unsigned char)s[i + 1] : ' ';
        if (c == '-' && (p == ' ' || i == 0) && (rt_alnum_c(nx) || nx == '-') &&
            !(nx >= '0' && nx <= '9'))
            return 1; /* -h, --no-pager */
        if (c == '/' && (p == ' ' || p == '~' || p == '.' || i == 0) && rt_alnum_c(nx))
            return 1; /* /var/log, ~/x, ./run.sh */
        if (c == '|' || c == ';' || c == '>' || c == '<' || c == '$' || c == '&')
            return 1;
        if (c == '=' && rt_alnum_c(p) && nx != ' ' && nx != '=')
            return 1;
        if (c == '\\' && p == ':')
            return 1; /* C:\deploy */
    }
    return 0;
}

/* Latin words in s[0..n). */
size_t rt_count_words(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] > ' ' && (unsigned char)s[i] < 0x80 &&
            (i == 0 || s[i - 1] == ' '))
            w++;
    return w;
}

/* 1 if s[0..n) reads as English prose rather than a command line. */
int rt_prose(const char *s, size_t n)
{
    static const char *const words[] = {"the", "to", "my", "need", "how", "what", "why",
                                        "can", "please", "we", "you", "should", NULL};
    if (memchr(s, '?', n))
        return 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; words[k]; k++)
            if (rt_word_at(s, n, i, words[k]))
                return 1;
    return 0;
}

/* 1 if s holds something shaped like a resource id ("i-bp1...", "sg-..."). */
int rt_has_id(const char *s, size_t len)
{
    static const char *const pre[] = {"i-", "sg-", "eni-", "d-", "s-", "m-", "sp-", "c-", "t-",
                                      "vsw-", "vpc-", "eip-", NULL};
    for (const char *dash = memchr(s, '-', len); dash; dash = memchr(dash + 1, '-',
                                                                      len - (size_t)(dash - s) - 1)) {
        size_t i = (size_t)(dash - s);
        while (i > 0 && s[i - 1] >= 'a' && s[i - 1] <= 'z' && (size_t)(dash - s) - i < 3)
            i--;
        if (i > 0 && rt_alnum_c((unsigned char)s[i - 1]))
            continue;
        for (size_t k = 0; pre[k]; k++)
            if (rt_at_ci(s, len, i, pre[k]) && s + i + strlen(pre[k]) == dash + 1) {
                size_t j = i + strlen(pre[k]), digits = 0, n = 0;
                while (j < len && rt_alnum_c((unsigned char)s[j])) {
                    digits += s[j] >= '0' && s[j] <= '9';
                    j++;
                    n++;
                }
                if (n >= 6 && digits)
                    return 1;
            }
    }
    return 0;
}

