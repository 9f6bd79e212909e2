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

err_code session_key_load(const char *path, struct session_key *k, int *ret_created,
                          struct err *e)
{
    unsigned char buf[SESSION_KEY_FILE_MAX];
    size_t n = 0;
    int flags = 0;
    err_code rc = key_file_load(path, "session key file", buf, sizeof buf, SESSION_KEY_MIN, &n,
                                &flags, e);
    *ret_created = (flags & KEY_FILE_CREATED) != 0;
    if (rc == ERR_OK) {
        if (flags & KEY_FILE_LOOSE)
            log_write(LOG_LEVEL_WARN, "session key file %s is readable by others; anyone who "
                      "reads it can mint session ids: chmod 600 it", path);
        SHA256(buf, n, k->key);
    }
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
