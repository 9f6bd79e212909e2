/* args.c - tool arguments from the command line: NAME=VALUE words typed by the tool's
 * inputSchema (integer, number, boolean, array, object, string), NAME:=JSON, and --args JSON as
 * the base. Layer: clients. The server validates again; this side exists so that a person gets
 * a clear error naming the argument before anything is sent. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clients/skillctl/skillctl.h"

#define NAME_MAX_BYTES 256        /* bytes of an argument name */
#define REF_DEPTH_MAX 8           /* $ref hops followed before giving up (cycles) */
#define EXACT_INT_MAX (1LL << 53) /* larger integers do not survive a double */

/* ---- Schemas ----------------------------------------------------------------------------------*/

/* Follow local $refs ("#/$defs/X", "#/definitions/X") from root. */
static const cJSON *resolve(const cJSON *root, const cJSON *s)
{
    for (int hops = 0; hops < REF_DEPTH_MAX && cJSON_IsObject(s); hops++) {
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(s, "$ref");
        if (!cJSON_IsString(ref))
            return s;
        static const char *const prefixes[] = {"#/$defs/", "#/definitions/"};
        const cJSON *target = NULL;
        for (size_t i = 0; i < ARRAY_LEN(prefixes) && !target; i++) {
            size_t n = strlen(prefixes[i]);
            if (strncmp(ref->valuestring, prefixes[i], n) == 0) {
                char key[16];
                snprintf(key, sizeof key, "%.*s", (int)(n - 3), prefixes[i] + 2);
                target = cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(root, key), ref->valuestring + n);
            }
        }
        if (!target)
            return s; /* a remote or unknown ref: treat the property as untyped */
        s = target;
    }
    return s;
}

/* The JSON type a value for schema s should have, or NULL when the schema does not say;
 * *nullable when "null" is one of the types. */
static const char *schema_type(const cJSON *root, const cJSON *s, int *nullable)
{
    *nullable = 0;
    s = resolve(root, s);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "type");
    if (cJSON_IsString(type))
        return type->valuestring;
    if (cJSON_IsArray(type)) {
        const char *first = NULL;
        const cJSON *t;
        cJSON_ArrayForEach(t, type)
        {
            if (!cJSON_IsString(t))
                continue;
            if (strcmp(t->valuestring, "null") == 0)
                *nullable = 1;
            else if (!first)
                first = t->valuestring;
        }
        return first;
    }
    static const char *const unions[] = {"anyOf", "oneOf"};
    for (size_t i = 0; i < ARRAY_LEN(unions); i++) {
        const cJSON *alts = cJSON_GetObjectItemCaseSensitive(s, unions[i]);
        const cJSON *a;
        cJSON_ArrayForEach(a, (cJSON_IsArray(alts) ? alts : NULL))
        {
            int n = 0;
            const char *t = schema_type(root, a, &n);
            if (t)
                return t;
        }
    }
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(s, "enum");
    const cJSON *first = cJSON_IsArray(en) ? en->child : NULL;
    if (cJSON_IsString(first))
        return "string";
    if (cJSON_IsBool(first))
        return "boolean";
    if (cJSON_IsNumber(first))
        return "number";
    if (cJSON_GetObjectItemCaseSensitive(s, "properties"))
        return "object";
    if (cJSON_GetObjectItemCaseSensitive(s, "items"))
        return "array";
    return NULL;
}

/* The names a schema takes, comma-separated, into b. */
static void known_names(const cJSON *schema, struct buf *b)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *p;
    int i = 0;
    cJSON_ArrayForEach(p, (cJSON_IsObject(props) ? props : NULL))
        buf_printf(b, "%s%s", i++ ? ", " : "", p->string);
    if (!i)
        buf_puts(b, "(none)");
}

/* A JSON object with the same member name twice anywhere in v: writes the name. */
static int duplicate_key(const cJSON *v, const char **ret_name)
{
    if (cJSON_IsObject(v))
        for (const cJSON *a = v->child; a; a = a->next)
            for (const cJSON *b = a->next; b; b = b->next)
                if (strcmp(a->string, b->string) == 0) {
                    *ret_name = a->string;
                    return 1;
                }
    for (const cJSON *c = v ? v->child : NULL; c; c = c->next)
        if (duplicate_key(c, ret_name))
            return 1;
    return 0;
}

static cJSON *parse_json(const char *text)
{
    return cJSON_ParseWithOpts(text, NULL, 1);
}

/* ---- Values -----------------------------------------------------------------------------------*/

static const struct {
    const char *word;
    int value;
} booleans[] = {
    {"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1}, {"off", 0}, {"1", 1}, {"0", 0},
};

/* Check a converted value against the schema's enum, if it has one. */
static err_code check_enum(const cJSON *s, const char *name, const cJSON *v, struct err *e)
{
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(s, "enum");
    if (!cJSON_IsArray(en))
        return ERR_OK;
    const cJSON *x;
    cJSON_ArrayForEach(x, en) if (cJSON_Compare(x, v, 1)) return ERR_OK;
    char *allowed = cJSON_PrintUnformatted(en);
    err_set(e, ERR_INVALID, "argument '%s' must be one of %.300s", name, allowed ? allowed : "?");
    free(allowed);
    return ERR_INVALID;
}

/* Convert one text value to the type schema s asks for. *ret is new. */
static err_code convert(const cJSON *root, const cJSON *s, const char *name, const char *v,
                        cJSON **ret, struct err *e)
{
    *ret = NULL;
    s = resolve(root, s);
    int nullable = 0;
    const char *type = schema_type(root, s, &nullable);
    if (nullable && strcmp(v, "null") == 0) {
        *ret = cJSON_CreateNull();
        return ERR_OK;
    }
    if (!type || strcmp(type, "string") == 0) {
        *ret = cJSON_CreateString(v);
    } else if (strcmp(type, "integer") == 0) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (!(*v == '-' || (*v >= '0' && *v <= '9')) || *end || errno || n > EXACT_INT_MAX ||
            n < -EXACT_INT_MAX)
            return err_set(e, ERR_INVALID, "argument '%s' must be an integer, not '%.64s'", name,
                           v);
        *ret = cJSON_CreateNumber((double)n);
    } else if (strcmp(type, "number") == 0) {
        char *end = NULL;
        errno = 0;
        double d = strtod(v, &end);
        if (!*v || *end || errno || !isfinite(d) || strspn(v, "0123456789+-.eE") != strlen(v))
            return err_set(e, ERR_INVALID, "argument '%s' must be a number, not '%.64s'", name, v);
        *ret = cJSON_CreateNumber(d);
    } else if (strcmp(type, "boolean") == 0) {
        for (size_t i = 0; i < ARRAY_LEN(booleans) && !*ret; i++)
            if (strcasecmp(v, booleans[i].word) == 0)
                *ret = cJSON_CreateBool(booleans[i].value);
        if (!*ret)
            return err_set(e, ERR_INVALID, "argument '%s' must be true or false, not '%.64s'", name,
                           v);
    } else if (strcmp(type, "object") == 0) {
        cJSON *j = parse_json(v);
        if (!cJSON_IsObject(j)) {
            cJSON_Delete(j);
            return err_set(e, ERR_INVALID,
                           "argument '%s' must be a JSON object, e.g. %s='{\"Key\":"
                           "\"value\"}'",
                           name, name);
        }
        *ret = j;
    } else if (strcmp(type, "null") == 0) {
        if (strcmp(v, "null") != 0)
            return err_set(e, ERR_INVALID, "argument '%s' can only be null", name);
        *ret = cJSON_CreateNull();
    } else {
        /* array is handled by the caller; an unknown type name is sent as text */
        *ret = cJSON_CreateString(v);
    }
    err_code rc = check_enum(s, name, *ret, e);
    if (rc) {
        cJSON_Delete(*ret);
        *ret = NULL;
    }
    return rc;
}

/* Append the items of an array value ("a,b\,c" or a JSON array) to arr. */
static err_code add_items(const cJSON *root, const cJSON *s, const char *name, const char *v,
                          cJSON *arr, struct err *e)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
    if (v[0] == '[') {
        cJSON *j = parse_json(v);
        if (!cJSON_IsArray(j)) {
            cJSON_Delete(j);
            return err_set(e, ERR_INVALID, "argument '%s' starts with '[' but is not a JSON array",
                           name);
        }
        while (j->child)
            cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(j, j->child));
        cJSON_Delete(j);
        return ERR_OK;
    }
    if (!*v)
        return ERR_OK; /* NAME= sends an empty array */
    struct buf item;
    buf_init(&item, 0);
    err_code rc = ERR_OK;
    char label[NAME_MAX_BYTES + 16];
    for (const char *p = v;; p++) {
        if (*p == '\\' && p[1] == ',') {
            buf_putc(&item, ',');
            p++;
            continue;
        }
        if (*p != ',' && *p) {
            buf_putc(&item, *p);
            continue;
        }
        snprintf(label, sizeof label, "%s[%d]", name, cJSON_GetArraySize(arr));
        cJSON *x = NULL;
        rc = convert(root, items, label, item.data ? item.data : "", &x, e);
        if (rc)
            break;
        cJSON_AddItemToArray(arr, x);
        buf_reset(&item);
        if (!*p)
            break;
    }
    buf_release(&item);
    return rc;
}

/* ---- Building
 * -----------------------------------------------------------------------------------*/

static int seen(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

err_code skc_args_build(const cJSON *schema, const char *base_json, char *const *words,
                        size_t nwords, cJSON **ret, struct err *e)
{
    *ret = NULL;
    if (nwords > SKC_ARGS_MAX)
        return err_set(e, ERR_TOO_BIG, "more than %d arguments", SKC_ARGS_MAX);
    cJSON *args = NULL;
    const char *dup = NULL;
    if (base_json) {
        if (!utf8_valid(base_json, strlen(base_json)))
            return err_set(e, ERR_INVALID, "--args is not valid UTF-8");
        args = parse_json(base_json);
        if (!cJSON_IsObject(args)) {
            cJSON_Delete(args);
            return err_set(e, ERR_INVALID,
                           "--args must be a JSON object, e.g. --args "
                           "'{\"InstanceId\":\"i-...\"}'");
        }
        if (duplicate_key(args, &dup)) {
            err_set(e, ERR_INVALID, "--args names '%.128s' twice in one object", dup);
            cJSON_Delete(args);
            return ERR_INVALID;
        }
    } else {
        args = cJSON_CreateObject();
    }
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *addl = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    char **names = xcalloc(nwords + 1, sizeof *names);
    size_t nnames = 0;
    err_code rc = ERR_OK;
    for (size_t i = 0; i < nwords && rc == ERR_OK; i++) {
        const char *w = words[i];
        const char *eq = strchr(w, '=');
        if (!eq || eq == w || (eq == w + 1 && w[0] == ':')) {
            rc = err_set(e, ERR_INVALID, "'%.128s' is not NAME=VALUE (or NAME:=JSON)", w);
            break;
        }
        int raw = eq[-1] == ':';
        size_t nlen = (size_t)(eq - w) - (raw ? 1 : 0);
        if (nlen >= NAME_MAX_BYTES) {
            rc = err_set(e, ERR_INVALID, "argument name '%.64s...' is longer than %d bytes", w,
                         NAME_MAX_BYTES - 1);
            break;
        }
        if (!utf8_valid(w, strlen(w))) {
            rc = err_set(e, ERR_INVALID, "argument '%.*s' is not valid UTF-8", (int)nlen, w);
            break;
        }
        char *name = xstrndup(w, nlen);
        const char *value = eq + 1;
        names[nnames++] = name;
        const cJSON *ps =
            cJSON_IsObject(props) ? cJSON_GetObjectItemCaseSensitive(props, name) : NULL;
        if (!ps && cJSON_IsFalse(addl)) {
            struct buf known;
            buf_init(&known, 2048);
            known_names(schema, &known);
            rc = err_set(e, ERR_INVALID, "the tool takes no argument '%s'; it takes: %s", name,
                         known.data);
            buf_release(&known);
            break;
        }
        int again = seen(names, nnames - 1, name);
        int nullable = 0;
        const char *type = ps ? schema_type(schema, ps, &nullable) : NULL;
        cJSON *v = NULL;
        if (raw) {
            v = parse_json(value);
            if (!v) {
                rc = err_set(e, ERR_INVALID, "argument '%s' (given with :=) is not valid JSON",
                             name);
                break;
            }
            if (duplicate_key(v, &dup)) {
                rc = err_set(e, ERR_INVALID, "argument '%s' names '%.128s' twice in one object",
                             name, dup);
                cJSON_Delete(v);
                break;
            }
        } else if (type && strcmp(type, "array") == 0 && !(nullable && !strcmp(value, "null"))) {
            cJSON *arr = cJSON_GetObjectItemCaseSensitive(args, name);
            if (!again || !cJSON_IsArray(arr)) {
                cJSON_DeleteItemFromObjectCaseSensitive(args, name);
                arr = cJSON_AddArrayToObject(args, name);
            }
            rc = add_items(schema, resolve(schema, ps), name, value, arr, e);
            continue;
        } else {
            rc = convert(schema, ps, name, value, &v, e);
            if (rc)
                break;
        }
        if (again) {
            cJSON_Delete(v);
            rc = err_set(e, ERR_INVALID,
                         "argument '%s' is given twice (only arrays take "
                         "repeated values)",
                         name);
            break;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(args, name);
        cJSON_AddItemToObject(args, name, v);
    }
    /* Every required argument, once everything is in. */
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    const cJSON *r;
    cJSON_ArrayForEach(r, (rc == ERR_OK && cJSON_IsArray(req) ? req : NULL))
    {
        if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(args, r->valuestring)) {
            rc = err_set(e, ERR_INVALID, "missing required argument '%s'", r->valuestring);
            break;
        }
    }
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    if (rc) {
        cJSON_Delete(args);
        return rc;
    }
    *ret = args;
    return ERR_OK;
}
