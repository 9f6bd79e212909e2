/* reqlog.c - the simulator's request log: a bounded ring of what each request asked for and
 * what it was answered, with secret-looking values redacted before they are stored. Tests read
 * it to prove that a refused call never reached the backend. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_REQLOG_MAX 1024u        /* entries kept (the oldest is dropped first) */
#define SIM_REQLOG_VALUE 256u       /* bytes of one parameter value kept */
#define SIM_REQLOG_ENTRY (4u << 10) /* bytes of names and values kept per entry */
#define SIM_REQLOG_REDACTED "<redacted>"

struct sim_reqlog {
    cJSON *ring[SIM_REQLOG_MAX]; /* entries, owned; ring[seq % MAX] */
    unsigned long last;          /* newest sequence number assigned (0 = none yet) */
};

struct sim_reqlog *sim_reqlog_new(void)
{
    return xcalloc(1, sizeof(struct sim_reqlog));
}

void sim_reqlog_free(struct sim_reqlog *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < SIM_REQLOG_MAX; i++)
        cJSON_Delete(l->ring[i]);
    free(l);
}

/* Case-insensitive substring test. */
static int contains_word(const char *name, const char *word)
{
    size_t n = strlen(name), w = strlen(word);
    for (size_t i = 0; i + w <= n; i++) {
        size_t k = 0;
        while (k < w && tolower((unsigned char)name[i + k]) == word[k])
            k++;
        if (k == w)
            return 1;
    }
    return 0;
}

int sim_param_is_secret(const char *name)
{
    static const char *const words[] = {"password", "privatekey", "secret", "token"};
    if (strcmp(name, "ClientToken") == 0 || strcmp(name, "NextToken") == 0)
        return 0;
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
        if (contains_word(name, words[i]))
            return 1;
    return 0;
}

/* The value as logged: redacted, or cut to SIM_REQLOG_VALUE bytes on a UTF-8 boundary. */
static char *logged_value(const char *name, const char *val)
{
    if (sim_param_is_secret(name))
        return xstrdup(SIM_REQLOG_REDACTED);
    size_t len = strlen(val);
    if (len <= SIM_REQLOG_VALUE)
        return xstrdup(val);
    size_t cut = SIM_REQLOG_VALUE;
    while (cut > 0 && ((unsigned char)val[cut] & 0xC0) == 0x80)
        cut--;
    return xasprintf("%.*s...(%zu bytes)", (int)cut, val, len);
}

unsigned long sim_reqlog_add(struct sim_reqlog *l, uint64_t now_ms, const char *action,
                             const char *version, const struct sim_params *p, int status,
                             const char *code)
{
    unsigned long seq = ++l->last;
    char when[32];
    sim_iso_time(now_ms, when);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "seq", (double)seq);
    cJSON_AddStringToObject(e, "time", when);
    cJSON_AddNumberToObject(e, "time_ms", (double)now_ms);
    if (action)
        cJSON_AddStringToObject(e, "action", action);
    else
        cJSON_AddNullToObject(e, "action");
    if (version)
        cJSON_AddStringToObject(e, "version", version);
    else
        cJSON_AddNullToObject(e, "version");
    const char *region = p ? sim_params_get(p, "RegionId") : NULL;
    if (!region && p)
        region = sim_params_get(p, "regionId");
    if (region)
        cJSON_AddStringToObject(e, "region", region);
    else
        cJSON_AddNullToObject(e, "region");
    cJSON *params = cJSON_AddObjectToObject(e, "params");
    size_t used = 0, dropped = 0;
    for (size_t i = 0; p && i < p->n; i++) {
        char *v = logged_value(p->v[i].key, p->v[i].val);
        size_t cost = strlen(p->v[i].key) + strlen(v);
        if (used + cost > SIM_REQLOG_ENTRY) {
            dropped++;
        } else {
            used += cost;
            cJSON_AddStringToObject(params, p->v[i].key, v);
        }
        free(v);
    }
    if (dropped)
        cJSON_AddNumberToObject(e, "params_dropped", (double)dropped);
    cJSON_AddNumberToObject(e, "status", status);
    cJSON_AddStringToObject(e, "code", code ? code : "OK");
    size_t slot = seq % SIM_REQLOG_MAX;
    cJSON_Delete(l->ring[slot]);
    l->ring[slot] = e;
    return seq;
}

cJSON *sim_reqlog_since(const struct sim_reqlog *l, unsigned long since, unsigned long *ret_next)
{
    cJSON *arr = cJSON_CreateArray();
    unsigned long first = l->last >= SIM_REQLOG_MAX ? l->last - SIM_REQLOG_MAX + 1 : 1;
    if (since + 1 > first)
        first = since + 1;
    for (unsigned long seq = first; seq <= l->last; seq++) {
        const cJSON *e = l->ring[seq % SIM_REQLOG_MAX];
        if (e)
            cJSON_AddItemToArray(arr, cJSON_Duplicate(e, 1));
    }
    if (ret_next)
        *ret_next = l->last;
    return arr;
}
