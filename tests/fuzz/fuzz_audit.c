/* fuzz_audit.c - fuzz target: the audit log's repair on open (skills/audit.c). The input is
 * what a log holds when skilld starts: whole records, a record torn by a kill -9, binary
 * garbage, no newline at all. Oracles: no crash; after sk_audit_open the file is exactly the
 * input cut back to its last newline (whole lines are never touched, a torn tail is always
 * removed); a record appended then is one more line, parses as JSON and carries "time" and
 * "replica" in front of the record's members; reopening changes nothing. Layer: tests. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skills/audit.h"

static char path[64];

static void fini(void)
{
    unlink(path);
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz_audit: %s\n", what);
    abort();
}

static char *slurp(size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    buf_init(&b, 0);
    char chunk[8192];
    size_t k;
    while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, k);
    if (!f)
        die("cannot read the log back");
    fclose(f);
    buf_putc(&b, '\0');
    char *s = buf_steal(&b, ret_len);
    (*ret_len)--;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/skilld-fuzz-audit-%ld.jsonl", (long)getpid());
        atexit(fini);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        die("cannot write the log");
    size_t keep = size;
    while (keep && data[keep - 1] != '\n')
        keep--;

    struct sk_audit *a = NULL;
    struct err e = {0};
    if (sk_audit_open(path, "fuzz-replica", &a, &e) != ERR_OK)
        die(e.msg);
    size_t len = 0;
    char *after = slurp(&len);
    if (len != keep || memcmp(after, data, keep) != 0)
        die("repair did not cut the log back to its last whole line");
    free(after);

    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "caller", "fuzz");
    cJSON_AddStringToObject(rec, "decision", "planned");
    if (sk_audit_write(a, rec) != ERR_OK)
        die("a record could not be appended");
    cJSON_Delete(rec);
    sk_audit_close(a);

    char *text = slurp(&len);
    if (len <= keep || memcmp(text, data, keep) != 0 || text[len - 1] != '\n')
        die("the appended record is not one more line after the kept ones");
    if (memchr(text + keep, '\n', len - keep - 1))
        die("the appended record spans several lines");
    cJSON *line = cJSON_ParseWithLength(text + keep, len - keep - 1);
    const cJSON *first = line ? line->child : NULL;
    if (!first || strcmp(first->string, "time") != 0 || !first->next ||
        strcmp(first->next->string, "replica") != 0 ||
        strcmp(cJSON_GetStringValue(first->next), "fuzz-replica") != 0 ||
        strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(line, "decision")),
               "planned") != 0)
        die("the appended record is not the record with time and replica in front");
    cJSON_Delete(line);

    /* A log that ends in a whole line is left as it is. */
    if (sk_audit_open(path, "fuzz-replica", &a, &e) != ERR_OK)
        die(e.msg);
    sk_audit_close(a);
    size_t len2 = 0;
    char *again = slurp(&len2);
    if (len2 != len || memcmp(again, text, len) != 0)
        die("reopening a whole log changed it");
    free(again);
    free(text);
    return 0;
}
