/* driver.c - runs a fuzz target without libFuzzer: every seed file of a corpus folder, then a
 * fixed number of deterministic mutations of them (bit flips, byte edits, splices, inserted
 * dictionary tokens). It is a robustness test for CI, under ASan and UBSan, not a coverage-
 * guided fuzzer: built with clang and -DSKILLD_FUZZ=ON the same targets link against
 * libFuzzer instead. Usage: fuzz-X CORPUS_DIR [ITERATIONS]. Layer: tests. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEEDS_MAX 256
#define INPUT_MAX (64 * 1024)

/* Tokens worth inserting: JSON punctuation, protocol words, scripts and number edges. */
static const char *const dict[] = {
    "{", "}", "[", "]", "\"", ":", ",", "\\u0000", "\\ud800", "null", "true", "-1", "1e999",
    "9007199254740993", "\"jsonrpc\":\"2.0\"", "\"id\":", "\"method\":", "\"params\":",
    "\"tools/call\"", "\"arguments\":", "\"_meta\":{\"progressToken\":1}", "\"cursor\":\"",
    "\"query\":", "弹性网卡", "安全组", "ＥＣＳ", "\xff", "\xc0\xaf", "%", "%2", "=", "&",
    "sg-", "i-", "443", "65536", "0.0.0.0/0", "99999999999 GiB", "Signature=", "Credential=",
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

struct seed {
    uint8_t *data;
    size_t len;
};

static size_t load_seeds(const char *dir, struct seed *out)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *ent;
    while (d && n < SEEDS_MAX && (ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        uint8_t *buf = xmalloc(INPUT_MAX);
        size_t len = fread(buf, 1, INPUT_MAX, f);
        fclose(f);
        out[n].data = buf;
        out[n].len = len;
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* One mutation of in[0..len) into out (capacity INPUT_MAX); returns the new length. */
static size_t mutate(const struct seed *seeds, size_t nseeds, const uint8_t *in, size_t len,
                     uint8_t *out)
{
    memcpy(out, in, len);
    int rounds = 1 + (int)(rng() % 4);
    for (int r = 0; r < rounds; r++) {
        size_t pos = len ? (size_t)(rng() % (len + 1)) : 0;
        switch (rng() % 6) {
        case 0: /* flip a bit */
            if (len)
                out[pos % len] ^= (uint8_t)(1u << (rng() % 8));
            break;
        case 1: /* set a byte */
            if (len)
                out[pos % len] = (uint8_t)rng();
            break;
        case 2: /* delete a run */
            if (len) {
                size_t n = 1 + (size_t)(rng() % 8);
                size_t at = pos % len;
                if (n > len - at)
                    n = len - at;
                memmove(out + at, out + at + n, len - at - n);
                len -= n;
            }
            break;
        case 3: { /* insert a dictionary token */
            const char *t = dict[rng() % ARRAY_LEN(dict)];
            size_t n = strlen(t);
            if (len + n <= INPUT_MAX) {
                memmove(out + pos + n, out + pos, len - pos);
                memcpy(out + pos, t, n);
                len += n;
            }
            break;
        }
        case 4: { /* splice in part of another seed */
            const struct seed *o = &seeds[rng() % nseeds];
            if (o->len) {
                size_t from = (size_t)(rng() % o->len), n = 1 + (size_t)(rng() % 32);
                if (n > o->len - from)
                    n = o->len - from;
                if (len + n <= INPUT_MAX) {
                    memmove(out + pos + n, out + pos, len - pos);
                    memcpy(out + pos, o->data + from, n);
                    len += n;
                }
            }
            break;
        }
        default: /* duplicate a run (grows nesting and lists) */
            if (len) {
                size_t at = pos % len, n = 1 + (size_t)(rng() % 16);
                if (n > len - at)
                    n = len - at;
                if (len + n <= INPUT_MAX) {
                    memmove(out + at + n, out + at, len - at);
                    len += n;
                }
            }
            break;
        }
    }
    return len;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
        return 2;
    }
    long iterations = 2000;
    if (argc > 2 && parse_long(argv[2], 0, 100000000, &iterations) != ERR_OK) {
        fprintf(stderr, "bad ITERATIONS '%s'\n", argv[2]);
        return 2;
    }
    static struct seed seeds[SEEDS_MAX];
    size_t nseeds = load_seeds(argv[1], seeds);
    if (nseeds == 0) {
        fprintf(stderr, "no seeds in %s\n", argv[1]);
        return 2;
    }
    for (size_t i = 0; i < nseeds; i++)
        LLVMFuzzerTestOneInput(seeds[i].data, seeds[i].len);
    uint8_t *buf = xmalloc(INPUT_MAX);
    for (long i = 0; i < iterations; i++) {
        const struct seed *s = &seeds[rng() % nseeds];
        size_t len = mutate(seeds, nseeds, s->data, s->len, buf);
        LLVMFuzzerTestOneInput(buf, len);
    }
    free(buf);
    for (size_t i = 0; i < nseeds; i++)
        free(seeds[i].data);
    printf("%zu seeds, %ld mutations: no crash\n", nseeds, iterations);
    return 0;
}
