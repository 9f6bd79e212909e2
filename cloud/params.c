/* params.c - the RPC parameter builder: owned name/value pairs, flattened the ways the ECS
 * API expects (X.N, X.N.Field, X.Field, JSON text). Layer: cloud. */
#include "cloud/cloud.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cloud_params {
    struct cloud_kv *items; /* names and values owned (cast away const on free) */
    size_t n;               /* items used */
    size_t cap;             /* items allocated */
};

cloud_params *cloud_params_new(void)
{
    return xcalloc(1, sizeof(cloud_params));
}

void cloud_params_free(cloud_params *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free((char *)p->items[i].name);
        free((char *)p->items[i].value);
    }
    free(p->items);
    free(p);
}

static int name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > CLOUD_MAX_PARAM_NAME)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

const char *cloud_params_get(const cloud_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return p->items[i].value;
    return NULL;
}

err_code cloud_params_add(cloud_params *p, const char *name, const char *value)
{
    if (!name || !value)
        return ERR_INVALID;
    if (p->n >= CLOUD_MAX_PARAMS || strlen(name) > CLOUD_MAX_PARAM_NAME ||
        strlen(value) > CLOUD_MAX_PARAM_VALUE)
        return ERR_TOO_BIG;
    if (!name_ok(name) || cloud_params_get(p, name))
        return ERR_INVALID;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->items = xrealloc(p->items, p->cap * sizeof *p->items);
    }
    p->items[p->n].name = xstrdup(name);
    p->items[p->n].value = xstrdup(value);
    p->n++;
    return ERR_OK;
}

err_code cloud_params_add_list(cloud_params *p, const char *name, const char *const *values,
                               size_t n)
{
    if (n > CLOUD_MAX_PARAMS)
        return ERR_TOO_BIG;
    err_code rc = ERR_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        char key[CLOUD_MAX_PARAM_NAME + 32];
        snprintf(key, sizeof key, "%s.%zu", name, i + 1);
        rc =
            strlen(name) > CLOUD_MAX_PARAM_NAME ? ERR_TOO_BIG : cloud_params_add(p, key, values[i]);
    }
    return rc;
}

err_code cloud_params_add_field(cloud_params *p, const char *name, size_t index, const char *field,
                                const char *value)
{
    if (index == 0 || !name || !field)
        return ERR_INVALID;
    if (strlen(name) + strlen(field) > CLOUD_MAX_PARAM_NAME)
        return ERR_TOO_BIG;
    char key[2 * CLOUD_MAX_PARAM_NAME + 32];
    snprintf(key, sizeof key, "%s.%zu.%s", name, index, field);
    return cloud_params_add(p, key, value);
}

err_code cloud_params_add_json(cloud_params *p, const char *name, const cJSON *value)
{
    if (!value)
        return ERR_INVALID;
    char *text = cJSON_PrintUnformatted(value);
    if (!text)
        return ERR_INVALID;
    err_code rc = cloud_params_add(p, name, text);
    cJSON_free(text);
    return rc;
}

/* The wire text of a JSON scalar into out (out_cap bytes); ERR_INVALID for non-finite numbers. */
static err_code scalar_text(const cJSON *v, char *out, size_t out_cap, const char **ret)
{
    if (cJSON_IsString(v)) {
        *ret = v->valuestring;
    } else if (cJSON_IsBool(v)) {
        *ret = cJSON_IsTrue(v) ? "true" : "false";
    } else {
        double d = v->valuedouble;
        if (!isfinite(d))
            return ERR_INVALID;
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            snprintf(out, out_cap, "%.0f", d);
        else
            snprintf(out, out_cap, "%.17g", d);
        *ret = out;
    }
    return ERR_OK;
}

/* Recursive flattening; depth bounded by the name length limit (each level adds a char). */
static err_code add_flat(cloud_params *p, const char *name, const cJSON *value)
{
    if (strlen(name) > CLOUD_MAX_PARAM_NAME)
        return ERR_TOO_BIG;
    if (cJSON_IsNull(value))
        return ERR_OK;
    if (cJSON_IsString(value) || cJSON_IsBool(value) || cJSON_IsNumber(value)) {
        char num[64];
        const char *text = NULL;
        err_code rc = scalar_text(value, num, sizeof num, &text);
        return rc ? rc : cloud_params_add(p, name, text);
    }
    if (!cJSON_IsArray(value) && !cJSON_IsObject(value))
        return ERR_INVALID;
    err_code rc = ERR_OK;
    size_t index = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, value)
    {
        index++;
        char *key = cJSON_IsArray(value) ? xasprintf("%s.%zu", name, index)
                                         : xasprintf("%s.%s", name, item->string);
        rc = add_flat(p, key, item);
        free(key);
        if (rc)
            break;
    }
    return rc;
}

err_code cloud_params_add_flat(cloud_params *p, const char *name, const cJSON *value)
{
    if (!name || !value)
        return ERR_INVALID;
    return add_flat(p, name, value);
}

const struct cloud_kv *cloud_params_items(const cloud_params *p, size_t *ret_n)
{
    *ret_n = p->n;
    return p->items;
}
