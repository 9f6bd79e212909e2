/* kb-overlap: checks that no knowledge string copies a dev query. Usage:
 *   kb-overlap KNOWLEDGE_PRODUCT_DIR DEV_JSONL
 * A copy is a run of KB_RUN_WORDS consecutive Latin words or KB_RUN_CJK consecutive CJK
 * characters (after normalisation) shared by a knowledge string and a query. Prints each
 * copy; exits 1 on any, 77 (skip) when the dev set is absent. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define KB_RUN_WORDS 8
#define KB_RUN_CJK 12
#define LINE_MAX_BYTES 16384

/* A window: its key text and where it came from. */
struct win {
    char *key;
    const char *src; /* borrowed: the query */
};

struct wins {
    struct win *v;
    size_t n, cap;
};

static void add_win(struct wins *w, char *key, const char *src)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1024;
        w->v = xrealloc(w->v, w->cap * sizeof *w->v);
    }
    w->v[w->n].key = key;
    w->v[w->n].src = src;
    w->n++;
}

/* Split s into lower-case Latin words and CJK characters (each a NUL-terminated token). */
static size_t split(const char *s, char ***ret_words, size_t *ret_nw, char ***ret_cjk,
                    size_t *ret_nc)
{
    size_t len = strlen(s), i = 0, nw = 0, nc = 0;
    char **words = xcalloc(len + 1, sizeof *words), **cjk = xcalloc(len + 1, sizeof *cjk);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            size_t st = i;
            while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                               (s[i] >= '0' && s[i] <= '9')))
                i++;
            if (i > st) {
                words[nw] = xstrndup(s + st, i - st);
                for (char *p = words[nw]; *p; p++)
                    if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
                nw++;
            } else {
                i++;
            }
            continue;
        }
        size_t st = i;
        uint32_t cp;
        utf8_decode(s, len, &i, &cp);
        if (utf8_is_cjk(cp))
            cjk[nc++] = xstrndup(s + st, i - st);
    }
    *ret_words = words;
    *ret_nw = nw;
    *ret_cjk = cjk;
    *ret_nc = nc;
    return nw + nc;
}

static void free_tokens(char **t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    free(t);
}

/* Every window of k tokens of t, joined with sep. */
static void windows(char **t, size_t n, size_t k, const char *sep, const char *src,
                    struct wins *out)
{
    for (size_t i = 0; n >= k && i + k <= n; i++) {
        struct buf b;
        buf_init(&b, 0);
        for (size_t j = 0; j < k; j++)
            buf_printf(&b, "%s%s", j ? sep : "", t[i + j]);
        add_win(out, buf_steal(&b, NULL), src);
    }
}

static int win_cmp(const void *a, const void *b)
{
    return strcmp(((const struct win *)a)->key, ((const struct win *)b)->key);
}

static void string_windows(const char *s, const char *src, struct wins *w)
{
    char **words, **cjk;
    size_t nw, nc;
    split(s, &words, &nw, &cjk, &nc);
    windows(words, nw, KB_RUN_WORDS, " ", src, w);
    windows(cjk, nc, KB_RUN_CJK, "", src, w);
    free_tokens(words, nw);
    free_tokens(cjk, nc);
}

/* Check every string in j against the sorted dev windows. */
static size_t check_json(const cJSON *j, const char *file, const struct wins *dev)
{
    size_t hits = 0;
    if (cJSON_IsString(j)) {
        struct wins w = {0};
        string_windows(j->valuestring, NULL, &w);
        for (size_t i = 0; i < w.n; i++) {
            struct win *f = bsearch(&w.v[i], dev->v, dev->n, sizeof *dev->v, win_cmp);
            if (f) {
                printf("%s: \"%s\" shares \"%s\" with dev query \"%s\"\n", file, j->valuestring,
                       w.v[i].key, f->src);
                hits++;
                break;
            }
        }
        for (size_t i = 0; i < w.n; i++)
            free(w.v[i].key);
        free(w.v);
    }
    for (const cJSON *c = j ? j->child : NULL; c; c = c->next)
        hits += check_json(c, file, dev);
    return hits;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kb-overlap KNOWLEDGE_PRODUCT_DIR DEV_JSONL\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        printf("kb-overlap: SKIPPED: dev set %s is absent\n", argv[2]);
        return 77;
    }
    struct wins dev = {0};
    char **queries = NULL;
    size_t nq = 0;
    char *line = xmalloc(LINE_MAX_BYTES);
    while (fgets(line, LINE_MAX_BYTES, f)) {
        cJSON *j = cJSON_ParseWithLengthOpts(line, strlen(line), NULL, 0);
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "query");
        if (cJSON_IsString(q)) {
            queries = xrealloc(queries, (nq + 1) * sizeof *queries);
            queries[nq] = xstrdup(q->valuestring);
            string_windows(queries[nq], queries[nq], &dev);
            nq++;
        }
        cJSON_Delete(j);
    }
    fclose(f);
    free(line);
    qsort(dev.v, dev.n, sizeof *dev.v, win_cmp);
    size_t hits = 0, files = 0;
    DIR *d = opendir(argv[1]);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        char *path = xasprintf("%s/%s", argv[1], de->d_name);
        FILE *jf = fopen(path, "rb");
        struct buf b;
        buf_init(&b, 4 * 1024 * 1024);
        char chunk[8192];
        size_t n;
        while (jf && (n = fread(chunk, 1, sizeof chunk, jf)) > 0)
            if (buf_append(&b, chunk, n) != ERR_OK)
                break;
        if (jf)
            fclose(jf);
        cJSON *j = b.data ? cJSON_ParseWithLengthOpts(b.data, b.len, NULL, 0) : NULL;
        hits += check_json(j, de->d_name, &dev);
        files++;
        cJSON_Delete(j);
        buf_release(&b);
        free(path);
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < dev.n; i++)
        free(dev.v[i].key);
    free(dev.v);
    for (size_t i = 0; i < nq; i++)
        free(queries[i]);
    free(queries);
    printf("kb-overlap: %zu file(s), %zu dev queries, %zu copied run(s)\n", files, nq, hits);
    return hits ? 1 : 0;
}
