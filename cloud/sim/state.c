/* state.c - the simulator's state store: one cJSON tree in the seed/state file shape, its
 * validation on load, timed transitions, atomic persistence and small helpers for handlers.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sim_state {
    cJSON *root;            /* the whole account, owned */
    unsigned transition_ms; /* duration of one timed transition */
};

/* The resource kinds a state document may hold, with the field that names each resource.
 * To add a kind: add a row here, then handlers can use sim_kind/sim_find with it. */
static const struct {
    const char *kind;
    const char *id;
} kinds[] = {
    {"Regions", "RegionId"},
    {"Vpcs", "VpcId"},
    {"VSwitches", "VSwitchId"},
    {"Instances", "InstanceId"},
    {"SecurityGroups", "SecurityGroupId"},
    {"NetworkInterfaces", "NetworkInterfaceId"},
    {"Disks", "DiskId"},
    {"Images", "ImageId"},
    {"Snapshots", "SnapshotId"},
    {"SnapshotGroups", "SnapshotGroupId"},
    {"AutoSnapshotPolicies", "AutoSnapshotPolicyId"},
    {"Commands", "CommandId"},
    {"Invocations", "InvokeId"},
    {"SendFiles", "InvokeId"},
    {"KeyPairs", "KeyPairName"},
    {"InstanceEvents", "EventId"},
    {"ClientTokens", "Token"},
};

err_code sim_state_new(const char *json, size_t len, const char *what, unsigned transition_ms,
                       struct sim_state **ret, struct err *e)
{
    *ret = NULL;
    /* json[len] is the terminating NUL; embedded NULs before it are rejected by cJSON. */
    cJSON *root = cJSON_ParseWithLengthOpts(json, len + 1, NULL, 1);
    err_code rc = ERR_OK;
    if (!cJSON_IsObject(root)) {
        rc = err_set(e, ERR_PARSE, "%s: not a JSON object (corrupt simulator state?)", what);
        goto cleanup;
    }
    for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, kinds[k].kind);
        if (!arr)
            continue;
        if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) > SIM_MAX_PER_KIND) {
            rc = err_set(e, ERR_PARSE, "%s: \"%s\" must be an array of at most %u objects", what,
                         kinds[k].kind, SIM_MAX_PER_KIND);
            goto cleanup;
        }
        const cJSON *it = NULL;
        cJSON_ArrayForEach(it, arr) {
            if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, kinds[k].id))) {
                rc = err_set(e, ERR_PARSE, "%s: an entry of \"%s\" has no string \"%s\"", what,
                             kinds[k].kind, kinds[k].id);
                goto cleanup;
            }
        }
    }
    const cJSON *regions = cJSON_GetObjectItemCaseSensitive(root, "Regions");
    if (cJSON_GetArraySize(regions) < 1) {
        rc = err_set(e, ERR_PARSE, "%s: \"Regions\" must list at least one region", what);
        goto cleanup;
    }
    struct sim_state *st = xcalloc(1, sizeof *st);
    st->root = root;
    st->transition_ms = transition_ms ? transition_ms : SIM_DEFAULT_TRANSITION_MS;
    root = NULL;
    *ret = st;
cleanup:
    cJSON_Delete(root);
    return rc;
}

void sim_state_free(struct sim_state *st)
{
    if (!st)
        return;
    cJSON_Delete(st->root);
    free(st);
}

char *sim_state_dump(const struct sim_state *st)
{
    return cJSON_PrintUnformatted(st->root);
}

cJSON *sim_state_root(struct sim_state *st)
{
    return st->root;
}

unsigned sim_state_transition_ms(const struct sim_state *st)
{
    return st->transition_ms;
}

cJSON *sim_state_swap_root(struct sim_state *st, cJSON *root)
{
    cJSON *old = st->root;
    st->root = root;
    return old;
}

/* ---- Timed transitions -------------------------------------------------------------------- */

static void tick_node(cJSON *node, uint64_t now)
{
    if (cJSON_IsObject(node)) {
        cJSON *tr = cJSON_GetObjectItemCaseSensitive(node, "_Transitions");
        if (cJSON_IsArray(tr)) {
            cJSON *it = tr->child;
            while (it) {
                cJSON *next = it->next;
                double at = sim_getn(it, "At");
                if (at <= (double)now) {
                    const cJSON *set = cJSON_GetObjectItemCaseSensitive(it, "Set");
                    const cJSON *f = NULL;
                    cJSON_ArrayForEach(f, set) {
                        cJSON_DeleteItemFromObjectCaseSensitive(node, f->string);
                        cJSON_AddItemToObject(node, f->string, cJSON_Duplicate(f, 1));
                    }
                    cJSON_Delete(cJSON_DetachItemViaPointer(tr, it));
                }
                it = next;
            }
            if (cJSON_GetArraySize(tr) == 0)
                cJSON_DeleteItemFromObjectCaseSensitive(node, "_Transitions");
        }
    }
    cJSON *child = NULL;
    cJSON_ArrayForEach(child, node) {
        if (cJSON_IsObject(child) || cJSON_IsArray(child))
            tick_node(child, now);
    }
}

void sim_state_tick(struct sim_state *st, uint64_t now_ms)
{
    tick_node(st->root, now_ms);
}

void sim_schedule(struct sim_ctx *c, cJSON *obj, uint64_t delay, const char *field,
                  const char *value)
{
    cJSON *tr = cJSON_GetObjectItemCaseSensitive(obj, "_Transitions");
    if (!tr)
        tr = cJSON_AddArrayToObject(obj, "_Transitions");
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddNumberToObject(entry, "At", (double)(c->now + delay));
    cJSON *set = cJSON_AddObjectToObject(entry, "Set");
    cJSON_AddStringToObject(set, field, value);
    cJSON_AddItemToArray(tr, entry);
}

/* ---- Files ------------------------------------------------------------------------------- */

err_code sim_read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct err *e)
{
    *ret = NULL;
    *ret_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return err_set(e, ERR_NOT_FOUND, "%s: no such file", path);
        return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
    }
    struct buf b;
    buf_init(&b, max);
    err_code rc = ERR_OK;
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, got) != ERR_OK) {
            rc = err_set(e, ERR_TOO_BIG, "%s: larger than %zu bytes", path, max);
            goto cleanup;
        }
    }
    if (ferror(f)) {
        rc = err_set(e, ERR_IO, "%s: read error", path);
        goto cleanup;
    }
    *ret = buf_steal(&b, ret_len);
cleanup:
    buf_release(&b);
    fclose(f);
    return rc;
}

/* Why this order: the data reaches the disk under a temporary name first (fsync), the rename
 * then swaps it in atomically, and the directory fsync makes the rename itself durable. A kill
 * at any point leaves either the old file or the new one, never a torn mix. */
err_code sim_write_atomic(const char *path, const char *data, size_t len, struct err *e)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else {
        free(dir);
        dir = xstrdup(".");
    }
    err_code rc = ERR_OK;
    int created = 0; /* tmp exists and must go if we fail */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = err_set(e, ERR_IO, "%s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    created = 1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = err_set(e, ERR_IO, "%s: %s", tmp, strerror(errno));
            goto cleanup;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = err_set(e, ERR_IO, "%s: fsync: %s", tmp, strerror(errno));
        goto cleanup;
    }
    close(fd);
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = err_set(e, ERR_IO, "%s: rename: %s", path, strerror(errno));
        goto cleanup;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
cleanup:
    if (fd >= 0)
        close(fd);
    if (rc && created)
        unlink(tmp); /* a failed rename too: no stray temp file beside the state */
    free(tmp);
    free(dir);
    return rc;
}

/* ---- Helpers for handlers ------------------------------------------------------------------ */

cJSON *sim_kind(cJSON *root, const char *kind)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, kind);
    if (!arr)
        arr = cJSON_AddArrayToObject(root, kind);
    return arr;
}

cJSON *sim_find(cJSON *root, const char *kind, const char *id_field, const char *id)
{
    if (!id)
        return NULL;
    cJSON *it = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, kind)) {
        if (strcmp(sim_gets(it, id_field), id) == 0)
            return it;
    }
    return NULL;
}

const char *sim_gets(const cJSON *obj, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    return cJSON_IsString(v) ? v->valuestring : "";
}

double sim_getn(const cJSON *obj, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void sim_sets(cJSON *obj, const char *field, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, field);
    cJSON_AddStringToObject(obj, field, v ? v : "");
}

void sim_setn(cJSON *obj, const char *field, double v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, field);
    cJSON_AddNumberToObject(obj, field, v);
}

void sim_setb(cJSON *obj, const char *field, int v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, field);
    cJSON_AddBoolToObject(obj, field, v);
}

void sim_new_id(const char *prefix, char out[40])
{
    static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    unsigned char r[20];
    random_bytes(r, sizeof r);
    size_t o = (size_t)snprintf(out, 16, "%s", prefix);
    for (size_t i = 0; i < sizeof r && o < 39; i++)
        out[o++] = alnum[r[i] % 36];
    out[o] = '\0';
}

void sim_iso_time(uint64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void strip_internal(cJSON *obj)
{
    cJSON *it = obj ? obj->child : NULL;
    while (it) {
        cJSON *next = it->next;
        if (it->string && it->string[0] == '_')
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, it));
        else if (cJSON_IsObject(it) || cJSON_IsArray(it))
            strip_internal(it);
        it = next;
    }
}

cJSON *sim_public(const cJSON *obj)
{
    cJSON *copy = cJSON_Duplicate(obj, 1);
    strip_internal(copy);
    return copy;
}

err_code sim_room(struct sim_ctx *c, const char *kind, const char *what)
{
    if ((size_t)cJSON_GetArraySize(sim_kind(c->root, kind)) >= SIM_MAX_PER_KIND)
        return sim_fail(c, 403, what, "The quota of %s in this simulator (%u) is reached.", kind,
                        SIM_MAX_PER_KIND);
    return ERR_OK;
}

err_code sim_page(struct sim_ctx *c, cJSON *items, const char *outer, const char *inner,
                  long def_size, long max_size, int token_ok)
{
    long total = cJSON_GetArraySize(items);
    long start = 0, size = def_size, page = 1;
    int token_mode = token_ok == SIM_PAGE_TOKENS ||
                     (token_ok && (sim_opt(c, "MaxResults") || sim_opt(c, "NextToken")));
    err_code rc = ERR_OK;
    if (token_mode) {
        rc = sim_long(c, "MaxResults", 0, 100000, def_size, &size);
        const char *tok = sim_opt(c, "NextToken");
        if (rc == ERR_OK && tok &&
            (strncmp(tok, "sim-", 4) != 0 || parse_long(tok + 4, 0, total, &start) != ERR_OK))
            rc = sim_fail(c, 400, "InvalidParameter.NextToken",
                          "The specified NextToken is not valid.");
    } else {
        rc = sim_long(c, "PageNumber", 1, 1000000, 1, &page);
        if (rc == ERR_OK)
            rc = sim_long(c, "PageSize", 1, 100000, def_size, &size);
    }
    if (rc != ERR_OK) {
        cJSON_Delete(items);
        return rc;
    }
    if (size < 1)
        size = 1;
    if (size > max_size)
        size = max_size;
    if (!token_mode)
        start = (page - 1) * size;
    cJSON *wrap = cJSON_AddObjectToObject(c->out, outer);
    cJSON *arr = cJSON_AddArrayToObject(wrap, inner);
    long i = 0;
    cJSON *it = items->child;
    while (it) {
        cJSON *next = it->next;
        if (i >= start && i < start + size)
            cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(items, it));
        i++;
        it = next;
    }
    cJSON_Delete(items);
    cJSON_AddNumberToObject(c->out, "TotalCount", (double)total);
    if (token_mode) {
        char next_tok[32] = "";
        if (start + size < total)
            snprintf(next_tok, sizeof next_tok, "sim-%ld", start + size);
        cJSON_AddStringToObject(c->out, "NextToken", next_tok);
        cJSON_AddNumberToObject(c->out, "MaxResults", (double)size);
    } else {
        cJSON_AddNumberToObject(c->out, "PageNumber", (double)page);
        cJSON_AddNumberToObject(c->out, "PageSize", (double)size);
    }
    return ERR_OK;
}

int sim_name_ok(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (!utf8_valid(s, len))
        return 0;
    size_t n = utf8_count(s, len);
    if (n < 2 || n > max)
        return 0;
    if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0)
        return 0;
    size_t i = 0;
    uint32_t cp = 0;
    utf8_decode(s, len, &i, &cp);
    return (cp < 128 && ((cp | 32) >= 'a' && (cp | 32) <= 'z')) || utf8_is_cjk(cp);
}

int sim_desc_ok(const char *s, size_t min, size_t max)
{
    if (!s || !*s)
        return 1;
    size_t len = strlen(s);
    if (!utf8_valid(s, len))
        return 0;
    size_t n = utf8_count(s, len);
    if (n < min || n > max)
        return 0;
    return strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0;
}
