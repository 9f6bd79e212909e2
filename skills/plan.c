/* plan.c - what a plan shows and a token binds: canonical arguments, redaction of secrets,
 * the RPC parameters a call sends, and the equivalent aliyun CLI command. Layer: skills. */
#include "skills/sk_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int cmp_members(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

static void canon(const cJSON *v, struct buf *b)
{
    if (cJSON_IsObject(v)) {
        size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
        const cJSON **m = xmalloc((n ? n : 1) * sizeof *m);
        for (const cJSON *c = v->child; c; c = c->next)
            m[i++] = c;
        qsort(m, n, sizeof *m, cmp_members);
        buf_putc(b, '{');
        for (i = 0; i < n; i++) {
            cJSON *key = cJSON_CreateString(m[i]->string);
            char *k = cJSON_PrintUnformatted(key);
            buf_printf(b, "%s%s:", i ? "," : "", k);
            free(k);
            cJSON_Delete(key);
            canon(m[i], b);
        }
        buf_putc(b, '}');
        free(m);
    } else if (cJSON_IsArray(v)) {
        buf_putc(b, '[');
        int first = 1;
        for (const cJSON *c = v->child; c; c = c->next) {
            if (!first)
                buf_putc(b, ',');
            first = 0;
            canon(c, b);
        }
        buf_putc(b, ']');
    } else {
        char *s = cJSON_PrintUnformatted(v);
        buf_puts(b, s ? s : "null");
        free(s);
    }
}

char *sk_canonical_json(const cJSON *v)
{
    struct buf b;
    buf_init(&b, 0);
    canon(v, &b);
    return buf_steal(&b, NULL);
}

int sk_secret_name(const char *name, const struct kb_strs *secret)
{
    for (size_t i = 0; secret && i < secret->n; i++)
        if (strcmp(secret->v[i], name) == 0)
            return 1;
    /* Tokens that page or deduplicate are not secrets. */
    if (strcmp(name, "NextToken") == 0 || strcmp(name, "ClientToken") == 0)
        return 0;
    /* The whole name is examined, however long: an argument the schema refuses is still shown
     * in the denial, and "<140 letters>Password" must not slip past a fixed-size copy. */
    static const char *const words[] = {"password", "secret", "privatekey", "token"};
    for (const char *start = name; *start; start++) {
        for (size_t i = 0; i < ARRAY_LEN(words); i++) {
            const char *p = start, *w = words[i];
            while (*w && *p) {
                if (*p == '_' || *p == '-') {
                    p++;
                    continue;
                }
                if (tolower((unsigned char)*p) != *w)
                    break;
                p++;
                w++;
            }
            if (!*w)
                return 1;
        }
    }
    return 0;
}

cJSON *sk_redact(const cJSON *args, const struct kb_strs *secret)
{
    if (cJSON_IsArray(args)) {
        cJSON *out = cJSON_CreateArray();
        for (const cJSON *c = args->child; c; c = c->next)
            cJSON_AddItemToArray(out, sk_redact(c, secret));
        return out;
    }
    if (!cJSON_IsObject(args))
        return cJSON_Duplicate(args, 1);
    cJSON *out = cJSON_CreateObject();
    for (const cJSON *c = args->child; c; c = c->next)
        cJSON_AddItemToObject(out, c->string,
                              sk_secret_name(c->string, secret) ? cJSON_CreateString("<redacted>")
                                                                : sk_redact(c, secret));
    return out;
}

/* skilld's own arguments: never sent to the API. */
static const char *const own_args[] = {"confirmation_token", "wait"};

err_code sk_wire_params(const cJSON *args, const struct kb_tool *entry, cloud_params *p,
                        struct err *e)
{
    for (const cJSON *a = args ? args->child : NULL; a; a = a->next) {
        int skip = 0, json = 0;
        for (size_t i = 0; entry && i < ARRAY_LEN(own_args); i++)
            skip |= strcmp(own_args[i], a->string) == 0;
        for (size_t i = 0; entry && i < entry->nwire; i++) {
            if (strcmp(entry->wire[i].arg, a->string) != 0)
                continue;
            skip |= entry->wire[i].mode == KB_WIRE_ENDPOINT || entry->wire[i].mode == KB_WIRE_LOCAL;
            json |= entry->wire[i].mode == KB_WIRE_JSON;
        }
        if (skip)
            continue;
        err_code rc = json ? cloud_params_add_json(p, a->string, a)
                           : cloud_params_add_flat(p, a->string, a);
        if (rc)
            return err_set(e, rc, "argument %s cannot be sent: %s", a->string,
                           rc == ERR_TOO_BIG ? "too large for one request" : "invalid value");
    }
    return ERR_OK;
}

/* Single-quote for a POSIX shell unless the value is plainly safe. */
static void shell_quote(struct buf *b, const char *v)
{
    int plain = *v != '\0';
    for (const char *p = v; *p && plain; p++)
        plain = isalnum((unsigned char)*p) || strchr("-_./:=,@+%", *p);
    if (plain) {
        buf_puts(b, v);
        return;
    }
    buf_putc(b, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '\'')
            buf_puts(b, "'\\''");
        else
            buf_putc(b, *p);
    }
    buf_putc(b, '\'');
}

char *sk_cli_line(const char *product, const char *action, const cloud_params *p,
                  const struct kb_strs *secret)
{
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "aliyun %s %s", product, action);
    size_t n = 0;
    const struct cloud_kv *kv = cloud_params_items(p, &n);
    for (size_t i = 0; i < n; i++) {
        /* Name.N.Field -> the base name decides secrecy. */
        char base[128];
        size_t k = 0;
        while (kv[i].name[k] && kv[i].name[k] != '.' && k < sizeof base - 1) {
            base[k] = kv[i].name[k];
            k++;
        }
        base[k] = '\0';
        buf_printf(&b, " --%s ", kv[i].name);
        shell_quote(&b, sk_secret_name(base, secret) ? "<redacted>" : kv[i].value);
    }
    return buf_steal(&b, NULL);
}
