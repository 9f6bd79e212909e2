/* session_key.c - the key that seals MCP session ids (HMAC-SHA256, OpenSSL) and the log line
 * for each session event. Layer: server/app: the engine (server/mcp) links no crypto, so it
 * is handed session_key_mac as its MAC and session_event_log as its event callback.
 *
 * The key file holds key material as text (64 hex digits when skilld writes it); whatever it
 * holds, at least SESSION_KEY_MIN bytes, is hashed with SHA-256 into the 32-byte HMAC key.
 * Replicas (and restarts) that read the same file accept each other's session ids. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/app/app.h"

#define SESSION_KEY_MIN 32       /* bytes of key material a key file must hold */
#define SESSION_KEY_FILE_MAX 4096 /* bytes of a key file read */

void session_key_random(struct session_key *k)
{
    random_bytes(k->key, sizeof k->key);
}

/* Create path with 64 random hex digits, mode 0600. EEXIST (a racing replica made it) is
 * fine: the caller reads whichever file won. */
static err_code key_file_create(const char *path, struct err *e)
{
    unsigned char raw[32];
    char hex[65];
    random_bytes(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    OPENSSL_cleanse(raw, sizeof raw);
    err_code rc = ERR_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
        rc = err_set(e, ERR_IO, "cannot create session key file %s: %s", path, strerror(errno));
    } else if (fd >= 0) {
        int ok = write(fd, hex, 64) == 64 && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
        close(fd);
        if (!ok) {
            unlink(path);
            rc = err_set(e, ERR_IO, "cannot write session key file %s", path);
        }
    }
    OPENSSL_cleanse(hex, sizeof hex);
    return rc;
}

err_code session_key_load(const char *path, struct session_key *k, int *ret_created,
                          struct err *e)
{
    unsigned char buf[SESSION_KEY_FILE_MAX + 1];
    size_t n = 0;
    ssize_t r;
    struct stat sb;
    err_code rc = ERR_OK;
    *ret_created = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        if ((rc = key_file_create(path, e)) != ERR_OK)
            return rc;
        *ret_created = 1;
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot open session key file %s: %s", path, strerror(errno));
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077))
        log_write(LOG_LEVEL_WARN, "session key file %s is readable by others (mode %03o); "
                  "anyone who reads it can mint session ids: chmod 600 it", path,
                  (unsigned)(sb.st_mode & 0777));
    while (n < sizeof buf && (r = read(fd, buf + n, sizeof buf - n)) > 0)
        n += (size_t)r;
    close(fd);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    if (n > SESSION_KEY_FILE_MAX)
        rc = err_set(e, ERR_INVALID, "session key file %s is larger than %d bytes", path,
                     SESSION_KEY_FILE_MAX);
    else if (n < SESSION_KEY_MIN)
        rc = err_set(e, ERR_INVALID,
                     "session key file %s holds %zu bytes; it needs at least %d bytes of key "
                     "material (delete it and skilld writes a new one)",
                     path, n, SESSION_KEY_MIN);
    else
        SHA256(buf, n, k->key);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

void session_key_mac(void *ud, const void *data, size_t len, unsigned char out[MCP_MAC_LEN])
{
    const struct session_key *k = ud;
    unsigned int n = MCP_MAC_LEN;
    if (!HMAC(EVP_sha256(), k->key, (int)sizeof k->key, data, len, out, &n) || n != MCP_MAC_LEN)
        memset(out, 0, MCP_MAC_LEN); /* cannot happen; a zero MAC matches no id sealed before */
}

void session_event_log(void *ud, const struct mcp_session_note *n)
{
    (void)ud;
    /* One row per event: its word in the log. */
    static const char *const words[] = {
        [MCP_SESSION_EXPIRED] = "expired",
        [MCP_SESSION_EVICTED] = "evicted",
        [MCP_SESSION_REBUILT] = "rebuilt",
        [MCP_SESSION_CLOSED] = "closed",
    };
    const char *word = (size_t)n->event < ARRAY_LEN(words) ? words[n->event] : "changed";
    log_write(LOG_LEVEL_INFO, "mcp session %s %s: %s (client %s %s, protocol %s; %zu live)",
              n->key, word, n->reason, n->client_name[0] ? n->client_name : "-",
              n->client_version[0] ? n->client_version : "-", n->version ? n->version : "-",
              n->live);
}
