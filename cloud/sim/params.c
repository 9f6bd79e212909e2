/* params.c - the decoded parameters of one simulator request (query string or form body)
 * and the typed readers operation handlers use. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_params_init(struct sim_params *p)
{
    p->v = NULL;
    p->n = 0;
    p->cap = 0;
}

void sim_params_release(struct sim_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].val);
    }
    free(p->v);
    sim_params_init(p);
}

err_code sim_params_add(struct sim_params *p, const char *key, const char *val)
{
    if (strlen(key) > SIM_MAX_PARAM_KEY)
        return ERR_TOO_BIG;
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            free(p->v[i].val);
            p->v[i].val = xstrdup(val);
            return ERR_OK;
        }
    }
    if (p->n >= SIM_MAX_PARAMS)
        return ERR_TOO_BIG;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n].key = xstrdup(key);
    p->v[p->n].val = xstrdup(val);
    p->n++;
    return ERR_OK;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decode s[0..len) into a new string; ERR_PARSE on a bad %XY or an embedded NUL. */
static err_code pct_decode(const char *s, size_t len, char **ret)
{
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return ERR_PARSE;
            }
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        out[o++] = ch;
    }
    out[o] = '\0';
    *ret = out;
    return ERR_OK;
}

err_code sim_params_parse_form(struct sim_params *p, const char *s, size_t len)
{
    size_t i = 0;
    err_code rc = ERR_OK;
    while (i < len && rc == ERR_OK) {
        size_t end = i;
        while (end < len && s[end] != '&')
            end++;
        size_t eq = i;
        while (eq < end && s[eq] != '=')
            eq++;
        if (end > i) {
            char *k = NULL, *v = NULL;
            rc = pct_decode(s + i, eq - i, &k);
            if (rc == ERR_OK)
                rc = pct_decode(s + (eq < end ? eq + 1 : end), eq < end ? end - eq - 1 : 0, &v);
            if (rc == ERR_OK)
                rc = sim_params_add(p, k, v);
            free(k);
            free(v);
        }
        i = end + 1;
    }
    return rc;
}

const char *sim_params_get(const struct sim_params *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].key, key) == 0)
            return p->v[i].val;
    return NULL;
}

static int cmp_param(const void *a, const void *b)
{
    return strcmp(((const struct sim_param *)a)->key, ((const struct sim_param *)b)->key);
}

void sim_params_sort(struct sim_params *p)
{
    if (p->n > 1)
        qsort(p->v, p->n, sizeof *p->v, cmp_param);
}

/* ---- Typed readers for handlers --------------------------------------------------------- */

err_code sim_fail(struct sim_ctx *c, int status, const char *code, const char *fmt, ...)
{
    c->fail.status = status;
    snprintf(c->fail.code, sizeof c->fail.code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->fail.msg, sizeof c->fail.msg, fmt, ap);
    va_end(ap);
    if (status == 404)
        return ERR_NOT_FOUND;
    if (status == 403)
        return ERR_WRONG_STATE;
    return ERR_INVALID;
}

const char *sim_opt(struct sim_ctx *c, const char *name)
{
    const char *v = sim_params_get(c->p, name);
    return v && *v ? v : NULL;
}

err_code sim_req(struct sim_ctx *c, const char *name, const char **ret)
{
    *ret = sim_opt(c, name);
    if (!*ret)
        return sim_fail(c, 400, "MissingParameter",
                        "The input parameter \"%s\" that is mandatory for processing this "
                        "request is not supplied.", name);
    return ERR_OK;
}

err_code sim_bool(struct sim_ctx *c, const char *name, int def, int *ret)
{
    const char *v = sim_opt(c, name);
    *ret = def;
    if (!v)
        return ERR_OK;
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0) {
        *ret = 1;
        return ERR_OK;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0) {
        *ret = 0;
        return ERR_OK;
    }
    return sim_fail(c, 400, "InvalidParameter", "The specified parameter \"%s\" is not a boolean.",
                    name);
}

err_code sim_tristate(struct sim_ctx *c, const char *name, int *ret)
{
    *ret = -1;
    if (!sim_opt(c, name))
        return ERR_OK;
    return sim_bool(c, name, 0, ret);
}

int sim_tristate_ok(int want, const cJSON *obj, const char *field)
{
    return want < 0 || want == cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, field));
}

err_code sim_long(struct sim_ctx *c, const char *name, long min, long max, long def, long *ret)
{
    const char *v = sim_opt(c, name);
    *ret = def;
    if (!v)
        return ERR_OK;
    if (parse_long(v, min, max, ret) != ERR_OK)
        return sim_fail(c, 400, "InvalidParameter",
                        "The specified parameter \"%s\" must be an integer in [%ld, %ld].", name,
                        min, max);
    return ERR_OK;
}

err_code sim_list(struct sim_ctx *c, const char *name, size_t max, int limit_status,
                  const char *limit_code, const char ***ret, size_t *ret_n)
{
    size_t n = 0;
    char key[SIM_MAX_PARAM_KEY + 16];
    /* Count first: the limit is checked before any list is built. */
    for (;;) {
        snprintf(key, sizeof key, "%s.%zu", name, n + 1);
        if (!sim_opt(c, key))
            break;
        n++;
        if (n > SIM_MAX_PARAMS)
            break;
    }
    *ret = NULL;
    *ret_n = 0;
    if (n > max)
        return sim_fail(c, limit_status, limit_code,
                        "The number of %s entries (%zu) exceeds the limit of %zu.", name, n, max);
    if (n == 0)
        return ERR_OK;
    const char **v = xcalloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s.%zu", name, i + 1);
        v[i] = sim_opt(c, key);
    }
    *ret = v;
    *ret_n = n;
    return ERR_OK;
}

err_code sim_json_list(struct sim_ctx *c, const char *name, size_t max, cJSON **ret)
{
    *ret = NULL;
    const char *v = sim_opt(c, name);
    if (!v)
        return ERR_OK;
    cJSON *arr = cJSON_ParseWithLengthOpts(v, strlen(v) + 1, NULL, 1);
    err_code rc = ERR_OK;
    if (!cJSON_IsArray(arr)) {
        rc = sim_fail(c, 400, "InvalidParameter",
                      "The specified parameter \"%s\" is not a JSON array of strings.", name);
        goto cleanup;
    }
    if ((size_t)cJSON_GetArraySize(arr) > max) {
        rc = sim_fail(c, 400, "InvalidParameter",
                      "The specified parameter \"%s\" has more than %zu entries.", name, max);
        goto cleanup;
    }
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, arr) {
        if (!cJSON_IsString(it)) {
            rc = sim_fail(c, 400, "InvalidParameter",
                          "The specified parameter \"%s\" is not a JSON array of strings.", name);
            goto cleanup;
        }
    }
    *ret = arr;
    arr = NULL;
cleanup:
    cJSON_Delete(arr);
    return rc;
}
