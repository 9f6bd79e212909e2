/* sign.h - the ACS3-HMAC-SHA256 (signature V3) primitives, shared by the client in cloud/ and
 * by the simulator in cloud/sim/, which verifies requests with the very same code.
 * Layer: cloud. Pure functions over strings: no I/O, no clock, no randomness. */
#ifndef SKILLD_CLOUD_SIGN_H
#define SKILLD_CLOUD_SIGN_H

#include <stddef.h>

#include "base/base.h"

/* The one signing algorithm we speak (notes ecs-api.md §1.3). */
#define CLOUD_SIGN_ALGORITHM "ACS3-HMAC-SHA256"
/* Hex SHA-256 of the empty string: the x-acs-content-sha256 of a request without a body. */
#define CLOUD_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Limits checked before any work; a caller over them gets ERR_TOO_BIG. */
#define CLOUD_SIGN_MAX_QUERY 1024 /* query parameters in one canonical request */
#define CLOUD_SIGN_MAX_HEADERS 64 /* signed headers in one canonical request */
#define CLOUD_SIGN_MAX_NAME 128   /* bytes in one header name */

/* A query parameter or a header: both strings borrowed, NUL-terminated. */
struct cloud_kv {
    const char *name;  /* parameter name as sent (case-sensitive) or header name (any case) */
    const char *value; /* raw, unencoded value; "" for an empty value, never NULL */
};

/* Append s[0..len) to out percent-encoded the way V3 wants (RFC 3986): A-Z a-z 0-9 - _ . ~
 * are kept, every other byte becomes %XY with uppercase hex, so space is %20, '*' is %2A and
 * UTF-8 is encoded byte by byte. Returns ERR_TOO_BIG when out's limit is hit. */
err_code cloud_percent_encode(const char *s, size_t len, struct buf *out);

/* The reverse, for a server reading a query string: %XY (either hex case) becomes the byte,
 * everything else is copied (a '+' stays '+': V3 never encodes space as '+'). A bad or
 * truncated escape, a raw NUL byte or an escape producing NUL is ERR_PARSE. */
err_code cloud_percent_decode(const char *s, size_t len, struct buf *out);

/* 1 if a header of this name (any case) is signed by our client: host, content-type and every
 * x-acs-* header (notes §1.2 recommendation), else 0. A verifier does not need this: it signs
 * whatever the request's SignedHeaders lists. */
int cloud_header_is_signed(const char *name);

/* Build the CanonicalRequest of notes §1.2 into ret_canonical and the SignedHeaders line
 * (lowercase names, sorted, ';'-joined) into ret_signed_headers; both bufs are appended to
 * (pass them empty) and keep their own size limits.
 *   method            "GET" / "POST" as sent (the caller uppercases).
 *   path              "/" for RPC; NULL or "" also mean "/"; other paths are encoded per
 *                     segment with '/' kept.
 *   query             raw (unencoded) parameters in any order; they are encoded, then sorted by
 *                     encoded name and value; an empty value is written "name=".
 *   headers           exactly the headers to sign, in any order and any case: names are
 *                     lowercased, values trimmed of spaces and tabs, repeated names merged into
 *                     one line with their values sorted and joined by ','.
 *   payload_sha256_hex lowercase hex SHA-256 of the body (CLOUD_EMPTY_SHA256 for none).
 * Errors: ERR_TOO_BIG over a CLOUD_SIGN_MAX_* limit or a buf limit, ERR_INVALID for an empty
 * header name or one with a character outside [A-Za-z0-9-_.]. */
err_code cloud_canonical_request(const char *method, const char *path, const struct cloud_kv *query,
                                 size_t nquery, const struct cloud_kv *headers, size_t nheaders,
                                 const char *payload_sha256_hex, struct buf *ret_canonical,
                                 struct buf *ret_signed_headers);

/* Lowercase hex SHA-256 of data[0..len) into out (64 chars + NUL). */
void cloud_sha256_hex(const void *data, size_t len, char out[65]);

/* The V3 signature of a canonical request: hex(HMAC-SHA256(key = secret's bytes,
 * "ACS3-HMAC-SHA256\n" + hex(SHA256(canonical)))) into out (64 chars + NUL). The secret is
 * only read; nothing derived from it other than the signature leaves this function. */
void cloud_sign_v3(const char *canonical, size_t len, const char *secret, char out[65]);

/* Append the Authorization header value
 * "ACS3-HMAC-SHA256 Credential=<key_id>,SignedHeaders=<list>,Signature=<hex>" to out. */
err_code cloud_authorization(const char *key_id, const char *signed_headers,
                             const char signature[65], struct buf *out);

/* Parse an Authorization header value as built above. Spaces after the commas are tolerated,
 * the three fields may come in any order, each exactly once. Writes the AccessKeyId into
 * ret_key_id (key_cap bytes including NUL), appends the SignedHeaders list to
 * ret_signed_headers and copies the 64-hex signature into ret_signature.
 * Errors: ERR_UNSUPPORTED for another algorithm, ERR_PARSE for a malformed value (missing,
 * repeated or empty field, signature not 64 lowercase hex digits), ERR_TOO_BIG when the key id
 * does not fit key_cap. */
err_code cloud_parse_authorization(const char *value, char *ret_key_id, size_t key_cap,
                                   struct buf *ret_signed_headers, char ret_signature[65]);

#endif
