/* fuzz_sign.c - fuzz target: the parts of the V3 signing code that read untrusted text (the
 * simulator verifies requests with them): Authorization parsing and percent-decoding.
 * Oracles: no crash; decode(encode(x)) == x for whatever decode accepted. Layer: tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cloud.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size);
    char key[128], sig[65];
    struct buf signed_headers, decoded, encoded, again;
    buf_init(&signed_headers, 4096);
    buf_init(&decoded, 1 << 20);
    buf_init(&encoded, 3u << 20);
    buf_init(&again, 1 << 20);
    cloud_parse_authorization(text, key, sizeof key, &signed_headers, sig);
    if (cloud_percent_decode((const char *)data, size, &decoded) == ERR_OK) {
        if (cloud_percent_encode(decoded.data ? decoded.data : "", decoded.len, &encoded) !=
                ERR_OK ||
            cloud_percent_decode(encoded.data ? encoded.data : "", encoded.len, &again) !=
                ERR_OK ||
            again.len != decoded.len ||
            (decoded.len && memcmp(again.data, decoded.data, decoded.len) != 0)) {
            fprintf(stderr, "percent-encoding round trip failed\n");
            abort();
        }
    }
    buf_release(&signed_headers);
    buf_release(&decoded);
    buf_release(&encoded);
    buf_release(&again);
    free(text);
    return 0;
}
