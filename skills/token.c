/* token.c - confirmation tokens: HMAC-SHA256 over (version, expiry, nonce, hashes of the tool,
 * the canonical arguments and the caller), a bounded set of redeemed nonces, and the
 * ClientToken derived from a token. Layer: skills. */
#include "skills/token.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN_PREFIX "sk1."
#define NONCE_LEN 16
/* Payload: version, expiry (8, big endian), nonce, then truncated SHA-256 of the tool (4),
 * the canonical arguments (8) and the caller (8). The MAC covers all of it, so once it
 * verifies, each hash says exactly which part of the request differs from the plan. */
#define PAYLOAD_LEN (1 + 8 + NONCE_LEN + 4 + 8 + 8)
#define MAC_LEN 32

struct used {
    unsigned char nonce[NONCE_LEN];
    uint64_t expires; /* 0: empty slot */
};

struct sk_tokens {
    unsigned char key[64];
    size_t key_len;
    pthread_mutex_t lock;
    struct used *used; /* open addressing, SK_TOKENS_USED_MAX slots */
    size_t nused;
    char *shared_dir;     /* spent tokens recorded here across replicas, or NULL */
    uint64_t pruned_at_s; /* when expired files were last removed from it */
};

#define SPENT_PRUNE_EVERY_S 60 /* expired spent-token files are removed at most this often */

static void sha256(const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

static void hmac(const struct sk_tokens *t, const void *p, size_t n, unsigned char out[MAC_LEN])
{
    unsigned int len = MAC_LEN;
    HMAC(EVP_sha256(), t->key, (int)t->key_len, p, n, out, &len);
}

/* ---- base64url without padding -------------------------------------------------------- */
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = b64[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = b64[v & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* Decode exactly `want` bytes from s[0..len); -1 on any other length or a bad character. */
static int b64url_decode(const char *s, size_t len, unsigned char *out, size_t want)
{
    if (len != (want * 4 + 2) / 3)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o < want)
                out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be zero: one token has exactly one spelling. */
    return o == want && acc == 0 ? 0 : -1;
}

/* ---- Key ------------------------------------------------------------------------------- */

static err_code load_key(struct sk_tokens *t, const char *path, struct err *e)
{
    unsigned char buf[SK_KEY_FILE_MAX];
    size_t n = 0;
    int flags = 0;
    err_code rc = key_file_load(path, "confirmation key file", buf, sizeof buf, SK_KEY_MIN, &n,
                                &flags, e);
    if (rc == ERR_OK) {
        /* Any length of key material becomes a 32-byte HMAC key. */
        sha256(buf, n, t->key);
        t->key_len = 32;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

err_code sk_tokens_new(const char *key_file, struct sk_tokens **ret, struct err *e)
{
    *ret = NULL;
    struct sk_tokens *t = xcalloc(1, sizeof *t);
    if (key_file) {
        err_code rc = load_key(t, key_file, e);
        if (rc) {
            OPENSSL_cleanse(t, sizeof *t);
            free(t);
            return rc;
        }
    } else {
        random_bytes(t->key, 32);
        t->key_len = 32;
    }
    t->used = xcalloc(SK_TOKENS_USED_MAX, sizeof *t->used);
    pthread_mutex_init(&t->lock, NULL);
    *ret = t;
    return ERR_OK;
}

void sk_tokens_free(struct sk_tokens *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t->used);
    free(t->shared_dir);
    OPENSSL_cleanse(t->key, sizeof t->key);
    free(t);
}

/* ---- The used set ------------------------------------------------------------------------ */

static size_t slot_of(const unsigned char nonce[NONCE_LEN])
{
    uint64_t h;
    memcpy(&h, nonce, sizeof h); /* the nonce is random: its bytes are a fine hash */
    return (size_t)(h % SK_TOKENS_USED_MAX);
}

/* Drop expired entries; rebuilds the table so probe chains stay intact. Lock held. */
static void purge(struct sk_tokens *t, uint64_t now_s)
{
    struct used *old = t->used;
    t->used = xcalloc(SK_TOKENS_USED_MAX, sizeof *t->used);
    t->nused = 0;
    for (size_t i = 0; i < SK_TOKENS_USED_MAX; i++) {
        if (!old[i].expires || old[i].expires < now_s)
            continue;
        size_t s = slot_of(old[i].nonce);
        while (t->used[s].expires)
            s = (s + 1) % SK_TOKENS_USED_MAX;
        t->used[s] = old[i];
        t->nused++;
    }
    free(old);
}

static struct used *find_used(struct sk_tokens *t, const unsigned char nonce[NONCE_LEN])
{
    size_t s = slot_of(nonce);
    for (size_t k = 0; k < SK_TOKENS_USED_MAX && t->used[s].expires; k++) {
        if (memcmp(t->used[s].nonce, nonce, NONCE_LEN) == 0)
            return &t->used[s];
        s = (s + 1) % SK_TOKENS_USED_MAX;
    }
    return NULL;
}

/* ---- Issue and redeem --------------------------------------------------------------------- */

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get_be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void digests(const char *tool, const char *args, const char *caller, unsigned char *out)
{
    unsigned char h[32];
    sha256(tool, strlen(tool), h);
    memcpy(out, h, 4);
    sha256(args, strlen(args), h);
    memcpy(out + 4, h, 8);
    sha256(caller, strlen(caller), h);
    memcpy(out + 12, h, 8);
}

void sk_token_issue(struct sk_tokens *t, const char *tool, const char *canon_args,
                    const char *caller, uint64_t now_s, unsigned ttl_s, char out[SK_TOKEN_MAX],
                    uint64_t *ret_expires)
{
    unsigned char payload[PAYLOAD_LEN], mac[MAC_LEN];
    uint64_t exp = now_s + ttl_s;
    payload[0] = 1;
    put_be64(payload + 1, exp);
    random_bytes(payload + 9, NONCE_LEN);
    digests(tool, canon_args, caller, payload + 9 + NONCE_LEN);
    hmac(t, payload, sizeof payload, mac);
    size_t o = strlen(TOKEN_PREFIX);
    memcpy(out, TOKEN_PREFIX, o);
    o += b64url_encode(payload, sizeof payload, out + o);
    out[o++] = '.';
    b64url_encode(mac, sizeof mac, out + o);
    *ret_expires = exp;
}

/* Split and authenticate a token; fills payload. -1 when it is not one of ours. */
static int parse_token(const struct sk_tokens *t, const char *token, unsigned char *payload)
{
    size_t plen = strlen(TOKEN_PREFIX);
    if (!token || strncmp(token, TOKEN_PREFIX, plen) != 0 || strlen(token) >= SK_TOKEN_MAX)
        return -1;
    const char *p = token + plen;
    const char *dot = strchr(p, '.');
    unsigned char mac[MAC_LEN], want[MAC_LEN];
    if (!dot || b64url_decode(p, (size_t)(dot - p), payload, PAYLOAD_LEN) ||
        b64url_decode(dot + 1, strlen(dot + 1), mac, MAC_LEN) || payload[0] != 1)
        return -1;
    hmac(t, payload, PAYLOAD_LEN, want);
    return CRYPTO_memcmp(mac, want, MAC_LEN) == 0 ? 0 : -1;
}

err_code sk_token_redeem(struct sk_tokens *t, const char *token, const char *tool,
                         const char *canon_args, const char *caller, uint64_t now_s, int consume,
                         char client_token[SK_CLIENT_TOKEN_LEN + 1], struct sk_findings *f)
{
    unsigned char payload[PAYLOAD_LEN], d[20];
    if (parse_token(t, token, payload)) {
        sk_findings_add(f, SK_DENY, "confirmation.invalid",
                        "confirmation_token is not a token this server issued, or it was altered; "
                        "call the tool without it to get a new plan");
        return ERR_DENIED;
    }
    digests(tool, canon_args, caller, d);
    const unsigned char *h = payload + 9 + NONCE_LEN;
    if (memcmp(h, d, 4) != 0) {
        sk_findings_add(f, SK_DENY, "confirmation.other_tool",
                        "confirmation_token was issued for another tool");
        return ERR_DENIED;
    }
    if (memcmp(h + 4, d + 4, 8) != 0) {
        sk_findings_add(f, SK_DENY, "confirmation.arguments_changed",
                        "the arguments differ from the ones the confirmation_token was issued "
                        "for; call without the token to plan the new arguments");
        return ERR_DENIED;
    }
    if (memcmp(h + 12, d + 12, 8) != 0) {
        sk_findings_add(f, SK_DENY, "confirmation.other_caller",
                        "confirmation_token was issued to another caller");
        return ERR_DENIED;
    }
    uint64_t exp = get_be64(payload + 1);
    if (exp < now_s) {
        sk_findings_add(f, SK_DENY, "confirmation.expired",
                        "confirmation_token expired %llu seconds ago; plan again",
                        (unsigned long long)(now_s - exp));
        return ERR_DENIED;
    }
    const unsigned char *nonce = payload + 9;
    pthread_mutex_lock(&t->lock);
    err_code rc = ERR_OK;
    if (find_used(t, nonce)) {
        sk_findings_add(f, SK_DENY, "confirmation.used",
                        "confirmation_token was already used; each token executes once");
        rc = ERR_DENIED;
    } else if (consume) {
        if (t->nused >= SK_TOKENS_USED_MAX * 3 / 4)
            purge(t, now_s);
        if (t->nused >= SK_TOKENS_USED_MAX * 3 / 4) {
            sk_findings_add(f, SK_DENY, "confirmation.busy",
                            "too many confirmations in flight; try again in a few minutes");
            rc = ERR_DENIED;
        } else {
            size_t s = slot_of(nonce);
            while (t->used[s].expires)
                s = (s + 1) % SK_TOKENS_USED_MAX;
            memcpy(t->used[s].nonce, nonce, NONCE_LEN);
            t->used[s].expires = exp;
            t->nused++;
        }
    }
    pthread_mutex_unlock(&t->lock);
    if (rc)
        return rc;
    /* ClientToken = HMAC(key, "client-token" || nonce), so every replica sharing the key
     * derives the same one and ECS itself refuses to act twice. */
    unsigned char in[12 + NONCE_LEN], mac[MAC_LEN];
    memcpy(in, "client-token", 12);
    memcpy(in + 12, nonce, NONCE_LEN);
    hmac(t, in, sizeof in, mac);
    for (size_t i = 0; i < SK_CLIENT_TOKEN_LEN / 2; i++)
        snprintf(client_token + 2 * i, 3, "%02x", mac[i]);
    return ERR_OK;
}

/* ---- Spent tokens shared by replicas --------------------------------------------------------- */

err_code sk_tokens_share(struct sk_tokens *t, const char *dir, struct err *e)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "cannot create the spent-token directory %s: %s", dir,
                       strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0)
        return err_set(e, ERR_IO, "the spent-token directory %s is not a writable folder", dir);
    free(t->shared_dir);
    t->shared_dir = xstrdup(dir);
    return ERR_OK;
}

/* Remove the files of tokens that expired (their name starts with the expiry). Other replicas
 * may race for the same files: a file already gone is fine. */
static void prune_spent(struct sk_tokens *t, uint64_t now_s)
{
    DIR *d = opendir(t->shared_dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char *end = NULL;
        unsigned long long exp = strtoull(de->d_name, &end, 10);
        if (end == de->d_name || *end != '-' || exp >= now_s)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", t->shared_dir, de->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
}

err_code sk_token_spend_shared(struct sk_tokens *t, const char *token, uint64_t now_s,
                               int check_only, struct sk_findings *f)
{
    unsigned char payload[PAYLOAD_LEN], mac[MAC_LEN];
    if (!t->shared_dir)
        return ERR_OK;
    if (parse_token(t, token, payload)) {
        sk_findings_add(f, SK_DENY, "confirmation.invalid",
                        "confirmation_token is not a token this server issued, or it was altered");
        return ERR_DENIED;
    }
    unsigned char in[5 + NONCE_LEN];
    memcpy(in, "spent", 5);
    memcpy(in + 5, payload + 9, NONCE_LEN);
    hmac(t, in, sizeof in, mac);
    char name[SK_SPENT_NAME_MAX], path[4096];
    int n = snprintf(name, sizeof name, "%llu-", (unsigned long long)get_be64(payload + 1));
    for (size_t i = 0; i < 16 && n + 2 < (int)sizeof name; i++)
        n += snprintf(name + n, sizeof name - (size_t)n, "%02x", mac[i]);
    snprintf(path, sizeof path, "%s/%s", t->shared_dir, name);
    if (check_only) {
        if (access(path, F_OK) == 0) {
            sk_findings_add(f, SK_DENY, "confirmation.used",
                            "confirmation_token was already used by another replica; each token "
                            "executes once");
            return ERR_DENIED;
        }
        return ERR_OK;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        sk_findings_add(f, SK_DENY, "confirmation.used",
                        "confirmation_token was already used by another replica; each token "
                        "executes once");
        return ERR_DENIED;
    }
    if (fd < 0) {
        sk_findings_add(f, SK_DENY, "confirmation.unrecorded",
                        "the spent token could not be recorded in %.200s (%.80s), so nothing was "
                        "sent; try again", t->shared_dir, strerror(errno));
        return ERR_DENIED;
    }
    close(fd);
    pthread_mutex_lock(&t->lock);
    int prune = now_s >= t->pruned_at_s + SPENT_PRUNE_EVERY_S;
    if (prune)
        t->pruned_at_s = now_s;
    pthread_mutex_unlock(&t->lock);
    if (prune)
        prune_spent(t, now_s);
    return ERR_OK;
}
