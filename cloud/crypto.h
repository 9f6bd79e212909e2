/* crypto.h - private to cloud/: the two OpenSSL digests signing needs, behind plain C types,
 * so that OpenSSL's headers (and their many global names) stay inside crypto.c. Layer: cloud. */
#ifndef SKILLD_CLOUD_CRYPTO_H
#define SKILLD_CLOUD_CRYPTO_H

#include <stddef.h>

#define CLOUD_SHA256_LEN 32

/* SHA-256 of data[0..len) into md. */
void cloud_crypto_sha256(const void *data, size_t len, unsigned char md[CLOUD_SHA256_LEN]);

/* HMAC-SHA256 of data[0..len) under key[0..key_len) into md. */
void cloud_crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                              unsigned char md[CLOUD_SHA256_LEN]);

/* Overwrite n bytes at p with zeros in a way the compiler cannot drop (for secrets). */
void cloud_crypto_wipe(void *p, size_t n);

#endif
