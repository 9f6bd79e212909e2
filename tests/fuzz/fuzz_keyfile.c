/* fuzz_keyfile.c - fuzz target: the key-file loader (base/keyfile.c) and its two users, the
 * confirmation-token key (skills/token.c, --confirm-key-file) and the session-id key
 * (server/app/session_key.c, --session-key-file). The input is the file's content; an empty
 * input means no file (it is created). Oracles: no crash; key_file_load accepts exactly the
 * files of 32..4096 bytes once trailing newlines and spaces are dropped, and hands back those
 * bytes; a created file holds 64 hex digits and a newline, mode 0600; the three loaders agree
 * on accepting a file; an error message never depends on the key material (it is the same for
 * a file of the same length and trailing white space with every other byte changed), so it
 * cannot carry it; a confirmation token issued under a file's key is accepted by another token
 * book loaded from the same file and refused by one loaded from a different key. Layer: tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/app/app.h"
#include "skills/token.h"

#define CAP 4096
#define MIN 32

static char path[64], other[64];

static void fini(void)
{
    unlink(path);
    unlink(other);
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_keyfile: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void put(const char *p, const uint8_t *data, size_t size)
{
    unlink(p);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        die("cannot write", p);
    chmod(p, 0600);
}

static int is_ws(uint8_t c)
{
    return c == '\n' || c == '\r' || c == ' ';
}

/* The three loaders over one file: key_file_load's code, length and bytes; whether the token
 * book and the session key loaded; each error message. */
struct seen {
    err_code rc, rc_tokens, rc_session;
    size_t len;
    unsigned char key[CAP];
    char msg[3][ERR_MSG_MAX];
};

static void load_all(const char *p, struct seen *s)
{
    struct err e = {0};
    int flags = 0;
    memset(s, 0, sizeof *s);
    s->rc = key_file_load(p, "fuzz key file", s->key, CAP, MIN, &s->len, &flags, &e);
    snprintf(s->msg[0], sizeof s->msg[0], "%s", e.msg);
    struct sk_tokens *t = NULL;
    err_clear(&e);
    s->rc_tokens = sk_tokens_new(p, &t, &e);
    snprintf(s->msg[1], sizeof s->msg[1], "%s", e.msg);
    sk_tokens_free(t);
    struct session_key k;
    int created = 0;
    err_clear(&e);
    s->rc_session = session_key_load(p, &k, &created, &e);
    snprintf(s->msg[2], sizeof s->msg[2], "%s", e.msg);
}

/* A token issued by a book on key file a is accepted (1) or refused (0) by a book on b. */
static int token_crosses(const char *a, const char *b)
{
    struct sk_tokens *ta = NULL, *tb = NULL;
    struct err e = {0};
    if (sk_tokens_new(a, &ta, &e) || sk_tokens_new(b, &tb, &e))
        die("a token book did not load", e.msg);
    char tok[SK_TOKEN_MAX], ct[SK_CLIENT_TOKEN_LEN + 1];
    uint64_t exp = 0;
    sk_token_issue(ta, "ecs_stop_instance", "{}", "fuzz", 1000, 300, tok, &exp);
    struct sk_findings f;
    sk_findings_init(&f);
    int ok = sk_token_redeem(tb, tok, "ecs_stop_instance", "{}", "fuzz", 1001, 0, ct, &f) == ERR_OK;
    sk_tokens_free(ta);
    sk_tokens_free(tb);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/skilld-fuzz-key-%ld", (long)getpid());
        snprintf(other, sizeof other, "/tmp/skilld-fuzz-key-%ld.other", (long)getpid());
        atexit(fini);
        log_set_level(LOG_LEVEL_OFF);
    }
    static struct seen s, c;
    if (size == 0) {
        unlink(path);
        load_all(path, &s);
        struct stat st;
        if (s.rc != ERR_OK || s.len != 64 || stat(path, &st) != 0 || (st.st_mode & 0777) != 0600)
            die("a missing key file was not created as 64 hex digits, mode 0600", s.msg[0]);
        for (size_t i = 0; i < 64; i++)
            if (!strchr("0123456789abcdef", s.key[i]))
                die("a created key is not hex", NULL);
        return 0;
    }
    put(path, data, size);
    load_all(path, &s);
    size_t n = size;
    while (n && is_ws(data[n - 1]))
        n--;
    int want = size <= CAP && n >= MIN;
    if ((s.rc == ERR_OK) != want)
        die(want ? "a good key file was refused" : "a bad key file was accepted", s.msg[0]);
    if (want && (s.len != n || memcmp(s.key, data, n) != 0))
        die("the key read is not the file's content without trailing white space", NULL);
    if ((s.rc_tokens == ERR_OK) != want || (s.rc_session == ERR_OK) != want)
        die("the confirmation and session loaders disagree with key_file_load", NULL);
    if (!want && (s.rc != ERR_INVALID || s.rc_tokens != ERR_INVALID || s.rc_session != ERR_INVALID))
        die("a bad key file is not ERR_INVALID", s.msg[0]);

    /* The same shape with other key material: same verdicts, same messages, other key. */
    uint8_t *ctl = xmalloc(size);
    for (size_t i = 0; i < size; i++)
        ctl[i] = i < n ? (uint8_t)(data[i] == 'x' ? 'y' : 'x') : data[i];
    put(other, ctl, size);
    free(ctl);
    load_all(other, &c);
    if (c.rc != s.rc || c.rc_tokens != s.rc_tokens || c.rc_session != s.rc_session)
        die("the verdict depends on the key material", NULL);
    for (size_t i = 0; i < 3; i++) {
        char a[ERR_MSG_MAX], b[ERR_MSG_MAX];
        /* The messages name their own file; compare them with the names taken out. */
        const char *pa = strstr(s.msg[i], path), *pb = strstr(c.msg[i], other);
        snprintf(a, sizeof a, "%.*s|%s", pa ? (int)(pa - s.msg[i]) : (int)strlen(s.msg[i]),
                 s.msg[i], pa ? pa + strlen(path) : "");
        snprintf(b, sizeof b, "%.*s|%s", pb ? (int)(pb - c.msg[i]) : (int)strlen(c.msg[i]),
                 c.msg[i], pb ? pb + strlen(other) : "");
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "%s\n%s\n", s.msg[i], c.msg[i]);
            die("an error message depends on the key material", NULL);
        }
    }
    if (want) {
        if (!token_crosses(path, path))
            die("a token is not accepted by a book on the same key file", NULL);
        if (token_crosses(path, other))
            die("a token is accepted under a different key", NULL);
    }
    return 0;
}
