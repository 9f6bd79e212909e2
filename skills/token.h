/* token.h - private to skills/: confirmation tokens. A token is bound by HMAC-SHA256 to the
 * tool, the canonical arguments and the caller, expires, and is usable once; the ClientToken
 * sent to ECS derives from it, so even a replica that never saw the first use cannot make the
 * same change twice. Layer: skills. */
#ifndef SKILLD_SKILLS_TOKEN_H
#define SKILLD_SKILLS_TOKEN_H

#include <stdint.h>

#include "base/base.h"
#include "skills/skills.h"

#define SK_TOKEN_MAX 128          /* bytes of a token, NUL included */
#define SK_CLIENT_TOKEN_LEN 32    /* hex characters of the derived ClientToken */
#define SK_TOKENS_USED_MAX 65536  /* redeemed tokens remembered until they expire */
#define SK_KEY_FILE_MAX 4096      /* bytes of a key file */
#define SK_KEY_MIN 32             /* bytes of key material at least */

struct sk_tokens;

/* A token book. key_file: the shared key (created with 32 random bytes, mode 0600, when it
 * does not exist); NULL: a random key for this process only. ERR_IO / ERR_INVALID (a key file
 * shorter than SK_KEY_MIN bytes) with e naming the file, never its content. */
err_code sk_tokens_new(const char *key_file, struct sk_tokens **ret, struct err *e);
void sk_tokens_free(struct sk_tokens *t);

/* Issue a token for this tool, canonical argument text and caller, valid ttl_s seconds from
 * now_s. Writes it to out and its expiry (seconds since the epoch) to *ret_expires. */
void sk_token_issue(struct sk_tokens *t, const char *tool, const char *canon_args,
                    const char *caller, uint64_t now_s, unsigned ttl_s, char out[SK_TOKEN_MAX],
                    uint64_t *ret_expires);

/* Check a token against what the caller asks to execute now and write the ClientToken
 * derived from it. With consume = 1 it is also marked used, atomically (of two concurrent
 * redeems exactly one succeeds); with consume = 0 it is only checked, so state checks can
 * run before the token is spent. On failure adds one SK_DENY finding naming why
 * (confirmation.invalid, .other_tool, .arguments_changed, .other_caller, .expired, .used,
 * .busy) and returns ERR_DENIED. */
err_code sk_token_redeem(struct sk_tokens *t, const char *token, const char *tool,
                         const char *canon_args, const char *caller, uint64_t now_s, int consume,
                         char client_token[SK_CLIENT_TOKEN_LEN + 1], struct sk_findings *f);

/* ---- Spent tokens shared by replicas ------------------------------------------------------
 * The used set above is per process. For an action that takes a ClientToken that is enough:
 * a token sent again by a replica that never saw it spent carries the same ClientToken, and
 * ECS answers the first result without acting again. For the actions ECS cannot deduplicate
 * (StopInstance, RebootInstance, Delete*, Attach* ...) replicas that share a directory record
 * each spent token there as an empty file created with O_EXCL, so of two replicas exactly one
 * spends it. File names are <expiry>-<HMAC of the nonce>: they say nothing a token could be
 * rebuilt from; expired ones are removed now and then by whichever replica looks. */
#define SK_SPENT_NAME_MAX 64 /* bytes of one file name in the directory */

/* Share spent tokens through dir (created 0700 when missing). ERR_IO naming the directory. */
err_code sk_tokens_share(struct sk_tokens *t, const char *dir, struct err *e);

/* Record in the shared directory that token (which passed sk_token_redeem) is spent; with
 * check_only = 1 only look. ERR_OK when no directory is shared. On refusal adds one SK_DENY
 * finding — confirmation.used (another replica spent it) or confirmation.unrecorded (the
 * directory cannot be written: nothing is sent without the record) — and returns ERR_DENIED. */
err_code sk_token_spend_shared(struct sk_tokens *t, const char *token, uint64_t now_s,
                               int check_only, struct sk_findings *f);

#endif
