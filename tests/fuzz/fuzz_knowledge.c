/* fuzz_knowledge.c - fuzz target: the knowledge loader (knowledge/load.c, tools.c; --knowledge
 * DIR) and what is built on a loaded knowledge base (the router, the guardrails' registry).
 * A temporary copy of knowledge/ecs is made once; each input replaces one of its files and
 * kb_load_dir reads the folder. Input: byte 0's low six bits pick the file (modulo the count);
 * with bit 7 set the rest of the input is the file's whole new content (raw mode: the JSON
 * parser and size limits); without it, bytes 1-2 pick a node of the file's JSON tree
 * (pre-order, modulo the node count) and the rest, parsed as JSON, replaces that node (tree
 * mode: wrong types, missing and duplicate ids, odd strings deep inside an otherwise valid
 * file). Bit 6 picks what reads the folder: clear, kb_load_dir, then a router and a registry
 * over what loaded; set, kb_check (`skilld knowledge check`), which reads on past problems.
 * Each is a full load of 600 KB of JSON, so this target runs slowly (tens of inputs a second
 * without sanitizers). Oracles: no crash; a refused folder has an error code from the
 * documented set and a message; a loaded one builds a router and a registry, or is refused by
 * them with a message; kb_check always runs to the end. Layer: tests. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "knowledge/kb.h"
#include "router/router.h"
#include "skills/skills.h"

#ifndef KNOWLEDGE_DIR
#error "KNOWLEDGE_DIR must name the source knowledge/ecs folder"
#endif

#define FILES_MAX 64

static struct {
    char dir[96];         /* the temporary product folder, named ecs */
    char root[64];
    char *names[FILES_MAX];
    char *orig[FILES_MAX]; /* original contents, NUL-terminated */
    size_t orig_len[FILES_MAX];
    size_t n;
    cloud_client *cloud;
} rig;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_knowledge: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void write_file(size_t i, const char *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", rig.dir, rig.names[i]);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        die("cannot write", path);
}

static void fini(void)
{
    for (size_t i = 0; i < rig.n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", rig.dir, rig.names[i]);
        unlink(path);
        free(rig.names[i]);
        free(rig.orig[i]);
    }
    rmdir(rig.dir);
    rmdir(rig.root);
    cloud_client_free(rig.cloud);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void setup(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = xfree};
    cJSON_InitHooks(&hooks);
    snprintf(rig.root, sizeof rig.root, "/tmp/skilld-fuzz-kb-XXXXXX");
    if (!mkdtemp(rig.root))
        die("mkdtemp", NULL);
    snprintf(rig.dir, sizeof rig.dir, "%s/ecs", rig.root);
    if (mkdir(rig.dir, 0700) != 0)
        die("mkdir", rig.dir);
    DIR *d = opendir(KNOWLEDGE_DIR);
    struct dirent *de;
    while (d && (de = readdir(d)) && rig.n < FILES_MAX) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        rig.names[rig.n++] = xstrdup(de->d_name);
    }
    if (d)
        closedir(d);
    if (rig.n == 0)
        die("no knowledge files in", KNOWLEDGE_DIR);
    qsort(rig.names, rig.n, sizeof *rig.names, name_cmp);
    for (size_t i = 0; i < rig.n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", KNOWLEDGE_DIR, rig.names[i]);
        FILE *f = fopen(path, "rb");
        struct buf b;
        buf_init(&b, 0);
        char chunk[8192];
        size_t k;
        while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&b, chunk, k);
        if (!f || b.len == 0)
            die("cannot read", path);
        fclose(f);
        rig.orig[i] = buf_steal(&b, &rig.orig_len[i]);
        write_file(i, rig.orig[i], rig.orig_len[i]);
    }
    struct cloud_credentials creds = {0};
    cloud_credentials_set(&creds, "fuzz-key", "fuzz-secret", NULL, "fuzz");
    struct cloud_config cc;
    cloud_config_defaults(&cc);
    cc.region = "cn-hangzhou";
    cc.ecs_endpoint = cc.vpc_endpoint = "127.0.0.1:1";
    cc.scheme = "http";
    cc.credentials = &creds;
    struct err e = {0};
    rig.cloud = cloud_client_new(&cc, &e);
    cloud_credentials_release(&creds);
    if (!rig.cloud)
        die("cloud client", e.msg);
    atexit(fini);
}

/* The k-th node of tree in pre-order (the root is 0), or NULL past the end; *seen counts. */
static cJSON *nth_node(cJSON *tree, size_t k, size_t *seen)
{
    if ((*seen)++ == k)
        return tree;
    for (cJSON *c = tree->child; c; c = c->next) {
        cJSON *hit = nth_node(c, k, seen);
        if (hit)
            return hit;
    }
    return NULL;
}

static size_t count_nodes(const cJSON *tree)
{
    size_t n = 1;
    for (const cJSON *c = tree->child; c; c = c->next)
        n += count_nodes(c);
    return n;
}

/* Replace node k of the file's tree with value (consumed). New text, or NULL. */
static char *replace_node(const char *orig, size_t k, cJSON *value)
{
    cJSON *tree = cJSON_Parse(orig);
    if (!tree)
        die("an original knowledge file does not parse", NULL);
    size_t total = count_nodes(tree), seen = 0;
    cJSON *node = nth_node(tree, k % total, &seen);
    char *text = NULL;
    if (node == tree) {
        cJSON_Delete(tree);
        tree = value;
    } else {
        /* Find the parent to swap the child in place, keeping its member name. */
        cJSON *stack[256];
        size_t sp = 0;
        stack[sp++] = tree;
        cJSON *parent = NULL;
        while (sp && !parent) {
            cJSON *p = stack[--sp];
            for (cJSON *c = p->child; c; c = c->next) {
                if (c == node) {
                    parent = p;
                    break;
                }
                if (c->child && sp < ARRAY_LEN(stack))
                    stack[sp++] = c;
            }
        }
        if (!parent) {
            cJSON_Delete(value);
            cJSON_Delete(tree);
            return NULL;
        }
        if (node->string) /* an object member keeps its name (cJSON frees it with the item) */
            value->string = xstrdup(node->string);
        cJSON_ReplaceItemViaPointer(parent, node, value);
    }
    text = cJSON_PrintUnformatted(tree);
    cJSON_Delete(tree);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rig.n)
        setup();
    if (size < 1)
        return 0;
    size_t file = (data[0] & 0x3f) % rig.n;
    int check_mode = (data[0] & 0x40) != 0;
    char *content = NULL;
    size_t clen = 0;
    if (data[0] & 0x80) {
        clen = size - 1; /* bytes, NULs included: a file may hold anything */
        content = xmalloc(clen + 1);
        memcpy(content, data + 1, clen);
        content[clen] = '\0';
    } else {
        if (size < 3)
            return 0;
        cJSON *value = cJSON_ParseWithLength((const char *)data + 3, size - 3);
        if (!value)
            return 0;
        content = replace_node(rig.orig[file], (size_t)data[1] << 8 | data[2], value);
        if (!content)
            return 0;
        clen = strlen(content);
    }
    write_file(file, content, clen);
    free(content);

    if (check_mode) {
        struct buf report;
        buf_init(&report, 1 << 20);
        size_t problems = 0;
        if (kb_check(rig.root, &report, &problems) != ERR_OK)
            die("kb_check did not run", NULL);
        if (problems && !report.len)
            die("kb_check counted problems it did not describe", NULL);
        buf_release(&report);
        write_file(file, rig.orig[file], rig.orig_len[file]);
        return 0;
    }
    struct kb *kb = NULL;
    struct err e = {0};
    err_code rc = kb_load_dir(rig.root, &kb, &e);
    if (rc != ERR_OK) {
        if (kb)
            die("a refused knowledge base was returned", NULL);
        if (rc != ERR_PARSE && rc != ERR_INVALID && rc != ERR_TOO_BIG && rc != ERR_NOT_FOUND &&
            rc != ERR_IO)
            die("an error code outside the documented set", err_name(rc));
        if (!e.msg[0])
            die("a refusal without a message", NULL);
    } else {
        struct err re = {0};
        rt_router *router = NULL;
        if (rt_router_new(kb, NULL, &router, &re) == ERR_OK) {
            struct rt_result *res = xmalloc(sizeof *res);
            static const char q[] = "open port 443 on sg-bp1web00000000000000 to 0.0.0.0/0";
            if (rt_route(router, "ecs", q, sizeof q - 1, res, &re) == ERR_OK) {
                cJSON *j = rt_result_json(res);
                cJSON_Delete(j);
            }
            free(res);
            rt_router_free(router);
        } else if (!re.msg[0]) {
            die("the router refused a knowledge base without a message", NULL);
        }
        const struct kb_product *p = kb_product_find(kb, "ecs");
        if (p) {
            struct sk_config sc = {.product = p, .cloud = rig.cloud, .backend = "sim",
                                   .region = "cn-hangzhou", .mode = SK_MODE_CONFIRM,
                                   .key_dir = rig.root};
            struct err se = {0};
            sk_registry *reg = sk_registry_new(&sc, &se);
            if (!reg && !se.msg[0])
                die("the registry refused a knowledge base without a message", NULL);
            sk_registry_free(reg);
        }
        kb_free(kb);
    }
    write_file(file, rig.orig[file], rig.orig_len[file]);
    return 0;
}
