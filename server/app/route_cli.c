/* route_cli.c - the subcommands `skilld route "QUERY"` (a one-shot answer in the terminal)
 * and `skilld knowledge check [DIR]` (validate knowledge files). Layer: server/app. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/kb.h"
#include "router/router.h"
#include "server/app/app.h"

static void route_usage(FILE *f)
{
    fprintf(f, "usage: skilld route [--json] [--product ID] [--knowledge DIR] QUERY...\n\n"
               "Route one question to a skill and path and print the answer.\n\n"
               "  --json            print the /api/route JSON object instead of text\n"
               "  --product ID      product to route for (default: ecs)\n"
               "  --knowledge DIR   load knowledge from DIR instead of the embedded copy\n"
               "  -h, --help        show this help\n");
}

int route_cli_main(int argc, char **argv)
{
    int json = 0, status = 1;
    const char *dir = NULL, *product = "ecs";
    struct buf query;
    buf_init(&query, RT_QUERY_MAX_BYTES + 1);
    struct app a;
    memset(&a, 0, sizeof a);
    struct err e;
    err_clear(&e);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            route_usage(stdout);
            status = 0;
            goto cleanup;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--knowledge") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--product") == 0 && i + 1 < argc) {
            product = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2]) {
            fprintf(stderr, "skilld route: unknown flag %s\n", argv[i]);
            route_usage(stderr);
            status = 2;
            goto cleanup;
        } else if ((query.len && buf_putc(&query, ' ') != ERR_OK) ||
                   buf_puts(&query, argv[i]) != ERR_OK) {
            fprintf(stderr, "skilld route: the query is longer than %d bytes\n",
                    RT_QUERY_MAX_BYTES);
            status = 2;
            goto cleanup;
        }
    }
    if (query.len == 0) {
        route_usage(stderr);
        status = 2;
        goto cleanup;
    }
    if (route_app_load(&a, dir, &e) != ERR_OK) {
        fprintf(stderr, "skilld route: %s\n", e.msg);
        goto cleanup;
    }
    struct rt_result *res = xmalloc(sizeof *res);
    if (rt_route(a.router, product, query.data, query.len, res, &e) != ERR_OK) {
        fprintf(stderr, "skilld route: %s\n", e.msg);
        free(res);
        goto cleanup;
    }
    if (json) {
        cJSON *o = rt_result_json(res);
        char *s = cJSON_Print(o);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(o);
    } else {
        char *s = rt_result_text(res);
        fputs(s, stdout);
        free(s);
    }
    free(res);
    status = 0;
cleanup:
    buf_release(&query);
    route_app_release(&a);
    return status;
}

static void knowledge_usage(FILE *f)
{
    fprintf(f, "usage: skilld knowledge check [DIR]\n\n"
               "Validate knowledge files: schema, duplicate ids, routing labels, tool names,\n"
               "reachable paths. DIR is a folder of products (knowledge/) or one product\n"
               "folder (knowledge/ecs/); without DIR the embedded knowledge is checked.\n"
               "Prints one line per problem and exits 1 if there is any.\n");
}

int knowledge_cli_main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        knowledge_usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "check") != 0 || argc > 3) {
        knowledge_usage(stderr);
        return 2;
    }
    if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        knowledge_usage(stdout);
        return 0;
    }
    const char *dir = argc == 3 ? argv[2] : NULL;
    struct buf out;
    buf_init(&out, 0);
    size_t n = 0;
    err_code rc = kb_check(dir, &out, &n);
    if (out.len)
        fputs(out.data, stdout);
    buf_release(&out);
    if (rc != ERR_OK)
        return 1;
    if (n) {
        printf("knowledge check: %zu problem(s)\n", n);
        return 1;
    }
    printf("knowledge check: ok (%s)\n", dir ? dir : "embedded");
    return 0;
}
