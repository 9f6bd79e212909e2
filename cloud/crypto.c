/* crypto.c - SHA-256, HMAC-SHA256 and secret wiping through OpenSSL's libcrypto.
 * Layer: cloud. The client includes OpenSSL here and nowhere else (see crypto.h). */
#include "cloud/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

void cloud_crypto_sha256(const void *data, size_t len, unsigned char md[CLOUD_SHA256_LEN])
{
    SHA256(data, len, md);
}

void cloud_crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                              unsigned char md[CLOUD_SHA256_LEN])
{
    unsigned int out_len = CLOUD_SHA256_LEN;
    HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &out_len);
}

void cloud_crypto_wipe(void *p, size_t n)
{
    if (p)
        OPENSSL_cleanse(p, n);
}
