/* paginate.c - collect every item of a list action across pages, following whichever paging
 * style the answers use (NextToken, or PageNumber with TotalCount; notes ecs-api.md §3.9).
 * Layer: cloud. */
#include "cloud/cloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOUD_MAX_PAGE_NUMBER 1000000000L /* a server's PageNumber we trust to count on from */

/* The value at a dotted path such as "Instances.Instance", or NULL. */
static cJSON *at_path(cJSON *root, const char *path)
{
    cJSON *cur = root;
    const char *s = path;
    while (cur && *s) {
        size_t n = strcspn(s, ".");
        char key[128];
        if (n == 0 || n >= sizeof key)
            return NULL;
        memcpy(key, s, n);
        key[n] = '\0';
        cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, key) : NULL;
        s += n + (s[n] == '.');
    }
    return cur;
}

/* Set name=value in the working parameter list (replacing, or appending into the spare slot). */
static void set_param(struct cloud_kv *kv, size_t *n, const char *name, const char *value)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(kv[i].name, name) == 0) {
            kv[i].value = value;
            return;
        }
    }
    kv[(*n)++] = (struct cloud_kv){name, value};
}

err_code cloud_paginate(cloud_client *c, const char *product, const char *action,
                        const struct cloud_kv *params, size_t nparams, const char *list_path,
                        size_t max_items, cJSON **ret_items, struct cloud_error *ret_error)
{
    struct cloud_error local;
    struct cloud_error *ce = ret_error ? ret_error : &local;
    *ret_items = NULL;
    if (nparams > CLOUD_MAX_PARAMS || !list_path || !*list_path) {
        memset(ce, 0, sizeof *ce);
        ce->code = nparams > CLOUD_MAX_PARAMS ? ERR_TOO_BIG : ERR_INVALID;
        snprintf(ce->message, sizeof ce->message, "bad pagination request");
        return ce->code;
    }
    struct cloud_kv *kv = xcalloc(nparams + 2, sizeof *kv);
    if (nparams)
        memcpy(kv, params, nparams * sizeof *kv);
    size_t n = nparams;
    cJSON *items = cJSON_CreateArray();
    cJSON *page = NULL;
    char *token = NULL;
    char page_number[32];
    size_t seen = 0, kept = 0; /* items in the answers / items in `items` */
    err_code rc = ERR_OK;
    for (int pages = 0;; pages++) {
        if (pages == CLOUD_MAX_PAGES) {
            rc = ERR_LIMIT;
            snprintf(ce->message, sizeof ce->message, "more than %d pages", CLOUD_MAX_PAGES);
            break;
        }
        rc = cloud_call(c, product, action, kv, n, &page, ce);
        if (rc)
            break;
        cJSON *list = at_path(page, list_path);
        if (list && !cJSON_IsArray(list)) {
            rc = ERR_PARSE;
            snprintf(ce->message, sizeof ce->message, "%.200s is not a list in the answer",
                     list_path);
            break;
        }
        size_t got = 0;
        /* kept is counted here, not with cJSON_GetArraySize: that walks the whole list (quadratic
         * over many pages) and returns an int that a size_t limit past INT_MAX would not fit. */
        while (list && list->child && (max_items == 0 || kept < max_items)) {
            cJSON_AddItemToArray(items, cJSON_DetachItemViaPointer(list, list->child));
            got++;
            kept++;
        }
        seen += got + (size_t)cJSON_GetArraySize(list); /* items dropped by max_items count too */
        if (max_items && kept >= max_items)
            break;
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(page, "NextToken");
        const cJSON *total = cJSON_GetObjectItemCaseSensitive(page, "TotalCount");
        const cJSON *number = cJSON_GetObjectItemCaseSensitive(page, "PageNumber");
        if (cJSON_IsString(next) && next->valuestring[0]) {
            if (token && strcmp(token, next->valuestring) == 0) {
                rc = ERR_REMOTE;
                snprintf(ce->message, sizeof ce->message, "the server repeated a NextToken");
                break;
            }
            free(token);
            token = xstrdup(next->valuestring);
            set_param(kv, &n, "NextToken", token);
        } else if (!token && cJSON_IsNumber(total) && got > 0 &&
                   (double)seen < total->valuedouble) {
            /* Compared as doubles: a negative or huge TotalCount/PageNumber from the server must
             * not reach a cast to an integer type, which would be undefined. */
            long current = cJSON_IsNumber(number) && number->valuedouble >= 1 &&
                                   number->valuedouble <= CLOUD_MAX_PAGE_NUMBER
                               ? (long)number->valuedouble
                               : pages + 1;
            snprintf(page_number, sizeof page_number, "%ld", current + 1);
            set_param(kv, &n, "PageNumber", page_number);
        } else {
            break;
        }
        cJSON_Delete(page);
        page = NULL;
    }
    cJSON_Delete(page);
    free(token);
    free(kv);
    if (rc) {
        ce->code = rc;
        cJSON_Delete(items);
        return rc;
    }
    *ret_items = items;
    return ERR_OK;
}
