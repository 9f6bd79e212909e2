/* load.c - turns knowledge JSON files into the typed model of kb.h. Layer: knowledge.
 * Parsing is strict about types (a wrong type is a problem naming file and field) and
 * lenient about absence of optional lists; the checker adds the semantic rules. */
#include "knowledge/kb_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kb_bad(struct kb_ctx *c, const char *where, const char *what)
{
    kb_problem(c->rep, "%s: %s: %s", c->file, where, what);
    c->bad++;
}

void kb_problem(struct kb_report *r, const char *fmt, ...)
{
    if (!r)
        return;
    r->count++;
    if (!r->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(r->out, fmt, ap);
    va_end(ap);
    buf_putc(r->out, '\n');
}

static int json_depth(const cJSON *j, int d)
{
    int m = d;
    for (const cJSON *c = j ? j->child : NULL; c; c = c->next) {
        int x = json_depth(c, d + 1);
        if (x > m)
            m = x;
    }
    return m;
}

/* A string field; "" when absent and optional. NULL on a problem. */
char *kb_get_str(struct kb_ctx *c, const cJSON *o, const char *key, int required,
                     const char *where)
{
    char at[256];
    snprintf(at, sizeof at, "%s%s%s", where, *where ? "." : "", key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            kb_bad(c, at, "missing");
        return required ? NULL : xstrdup("");
    }
    if (!cJSON_IsString(v)) {
        kb_bad(c, at, "must be a string");
        return NULL;
    }
    if (strlen(v->valuestring) > KB_STRING_MAX) {
        kb_bad(c, at, "string too long");
        return NULL;
    }
    return xstrdup(v->valuestring);
}

/* A nullable string field: NULL when absent or null. */
char *kb_get_opt_str(struct kb_ctx *c, const cJSON *o, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    return kb_get_str(c, o, key, 0, where);
}

void kb_strs_free(struct kb_strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* A list of strings; empty when absent. */
void kb_get_strs(struct kb_ctx *c, const cJSON *o, const char *key, const char *where,
                     struct kb_strs *ret)
{
    char at[256];
    snprintf(at, sizeof at, "%s%s%s", where, *where ? "." : "", key);
    ret->v = NULL;
    ret->n = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return;
    if (!cJSON_IsArray(v)) {
        kb_bad(c, at, "must be an array of strings");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(v);
    ret->v = xcalloc(n ? n : 1, sizeof(char *));
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it)) {
            kb_bad(c, at, "every item must be a string");
            continue;
        }
        if (strlen(it->valuestring) > KB_STRING_MAX) {
            kb_bad(c, at, "string too long");
            continue;
        }
        ret->v[ret->n++] = xstrdup(it->valuestring);
    }
}

/* An array field's items; NULL (and no problem) when absent. */
const cJSON *kb_get_arr(struct kb_ctx *c, const cJSON *o, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsArray(v)) {
        char at[256];
        snprintf(at, sizeof at, "%s%s%s", where, *where ? "." : "", key);
        kb_bad(c, at, "must be an array");
        return NULL;
    }
    return v;
}

static void path_release(struct kb_path *p)
{
    free((char *)p->id);
    free((char *)p->title);
    free((char *)p->title_zh);
    free((char *)p->best_for);
    kb_strs_free(&p->cues);
    kb_strs_free(&p->steps);
    kb_strs_free(&p->facts);
    kb_strs_free(&p->limitations);
    kb_strs_free(&p->tools);
    free(p->tool_entries);
    free((char *)p->best_for_zh);
    kb_strs_free(&p->steps_zh);
    kb_strs_free(&p->facts_zh);
    kb_strs_free(&p->limitations_zh);
}

static void limit_release(struct kb_limit *l)
{
    free((char *)l->id);
    free((char *)l->name);
    free((char *)l->unit);
    free((char *)l->applies_to);
    free((char *)l->entity);
    free((char *)l->text);
    free((char *)l->text_zh);
    free((char *)l->skill_id);
    kb_strs_free(&l->values);
    kb_strs_free(&l->paths);
}

static void skill_release(struct kb_skill *s)
{
    free((char *)s->id);
    free((char *)s->title);
    free((char *)s->title_zh);
    free((char *)s->summary);
    free((char *)s->summary_zh);
    kb_strs_free(&s->use_when);
    kb_strs_free(&s->not_when);
    kb_strs_free(&s->keywords);
    kb_strs_free(&s->typical_questions);
    for (size_t i = 0; i < s->npaths; i++)
        path_release(&s->paths[i]);
    free(s->paths);
    for (size_t i = 0; i < s->nlimits; i++)
        limit_release(&s->limits[i]);
    free(s->limits);
    for (size_t i = 0; i < s->nfaq; i++) {
        free((char *)s->faq[i].q);
        free((char *)s->faq[i].a);
    }
    free(s->faq);
    kb_strs_free(&s->tools);
    /* The slot is reused when a malformed skill is dropped from a partial model: nothing of
     * it may survive (a stale npaths let the next skill write past its paths). */
    memset(s, 0, sizeof *s);
}

static void product_release(struct kb_product *p)
{
    free((char *)p->id);
    free((char *)p->title);
    free((char *)p->summary);
    kb_strs_free(&p->terms);
    for (size_t i = 0; i < p->noos; i++) {
        free((char *)p->oos[i].topic);
        free((char *)p->oos[i].redirect);
        free((char *)p->oos[i].redirect_zh);
        kb_strs_free(&p->oos[i].cues);
    }
    free(p->oos);
    kb_strs_free(&p->names);
    kb_strs_free(&p->ordinary);
    kb_strs_free(&p->chit_chat);
    kb_strs_free(&p->requests);
    kb_strs_free(&p->other_clouds);
    kb_strs_free(&p->injection);
    kb_strs_free(&p->migration);
    kb_strs_free(&p->failure);
    kb_strs_free(&p->failure_paths);
    kb_strs_free(&p->how_to);
    kb_strs_free(&p->programmatic_paths);
    kb_strs_free(&p->programmatic);
    kb_strs_free(&p->scheduling);
    kb_strs_free(&p->scheduling_paths);
    kb_strs_free(&p->bulk);
    kb_strs_free(&p->bulk_paths);
    for (size_t i = 0; i < p->nsyns; i++) {
        free((char *)p->syns[i].canonical);
        kb_strs_free(&p->syns[i].terms);
    }
    free(p->syns);
    for (size_t i = 0; i < p->nskills; i++)
        skill_release(&p->skills[i]);
    free(p->skills);
    kb_tools_release(p);
}

void kb_free(struct kb *kb)
{
    if (!kb)
        return;
    for (size_t i = 0; i < kb->n; i++)
        product_release(&kb->products[i]);
    free(kb->products);
    free(kb);
}

/* Parse a file into a JSON object; NULL with a problem reported. */
static cJSON *parse_file(struct kb_ctx *c, const struct kb_file *f)
{
    if (f->len > KB_FILE_MAX) {
        kb_bad(c, "file", "larger than KB_FILE_MAX");
        return NULL;
    }
    if (!utf8_valid(f->data, f->len)) {
        kb_bad(c, "file", "not valid UTF-8");
        return NULL;
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(f->data, f->len, &end, 0);
    if (!j) {
        char at[64];
        snprintf(at, sizeof at, "byte %zu", end ? (size_t)(end - f->data) : (size_t)0);
        kb_bad(c, at, "not valid JSON");
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        kb_bad(c, "file", "must be a JSON object");
        cJSON_Delete(j);
        return NULL;
    }
    if (json_depth(j, 0) > KB_JSON_DEPTH_MAX) {
        kb_bad(c, "file", "nested too deeply");
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static void parse_product(struct kb_ctx *c, const cJSON *j, const char *folder, struct kb_product *p)
{
    char *id = kb_get_str(c, j, "product", 1, "");
    if (id && strcmp(id, folder) != 0)
        kb_bad(c, "product", "must equal the folder name");
    free(id);
    p->id = xstrdup(folder);
    p->title = kb_get_str(c, j, "title", 1, "");
    p->summary = kb_get_str(c, j, "summary", 0, "");
    kb_get_strs(c, j, "terms", "", &p->terms);
    kb_get_strs(c, j, "names", "", &p->names);
    kb_get_strs(c, j, "ordinary", "", &p->ordinary);
    kb_get_strs(c, j, "chit_chat", "", &p->chit_chat);
    kb_get_strs(c, j, "requests", "", &p->requests);
    kb_get_strs(c, j, "other_clouds", "", &p->other_clouds);
    kb_get_strs(c, j, "injection", "", &p->injection);
    kb_get_strs(c, j, "migration", "", &p->migration);
    kb_get_strs(c, j, "failure", "", &p->failure);
    kb_get_strs(c, j, "failure_paths", "", &p->failure_paths);
    kb_get_strs(c, j, "how_to", "", &p->how_to);
    kb_get_strs(c, j, "programmatic_paths", "", &p->programmatic_paths);
    kb_get_strs(c, j, "programmatic", "", &p->programmatic);
    kb_get_strs(c, j, "scheduling", "", &p->scheduling);
    kb_get_strs(c, j, "scheduling_paths", "", &p->scheduling_paths);
    kb_get_strs(c, j, "bulk", "", &p->bulk);
    kb_get_strs(c, j, "bulk_paths", "", &p->bulk_paths);
    const cJSON *arr = kb_get_arr(c, j, "out_of_scope", "");
    size_t n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    p->oos = xcalloc(n ? n : 1, sizeof *p->oos);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        char where[64];
        snprintf(where, sizeof where, "out_of_scope[%zu]", i++);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, where, "must be an object");
            continue;
        }
        struct kb_oos *o = &p->oos[p->noos++];
        o->topic = kb_get_str(c, it, "topic", 1, where);
        o->redirect = kb_get_str(c, it, "redirect", 0, where);
        o->redirect_zh = kb_get_str(c, it, "redirect_zh", 0, where);
        kb_get_strs(c, it, "cues", where, &o->cues);
    }
}

static void parse_synonyms(struct kb_ctx *c, const cJSON *j, struct kb_product *p)
{
    const cJSON *arr = kb_get_arr(c, j, "groups", "");
    size_t n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    p->syns = xcalloc(n ? n : 1, sizeof *p->syns);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        char where[64];
        snprintf(where, sizeof where, "groups[%zu]", i++);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, where, "must be an object");
            continue;
        }
        struct kb_syn *s = &p->syns[p->nsyns++];
        s->canonical = kb_get_str(c, it, "canonical", 1, where);
        kb_get_strs(c, it, "terms", where, &s->terms);
    }
}

static void parse_path(struct kb_ctx *c, const cJSON *j, const char *where, struct kb_path *p)
{
    p->id = kb_get_str(c, j, "id", 1, where);
    p->title = kb_get_str(c, j, "title", 1, where);
    p->title_zh = kb_get_str(c, j, "title_zh", 0, where);
    p->best_for = kb_get_str(c, j, "best_for", 0, where);
    kb_get_strs(c, j, "cues", where, &p->cues);
    kb_get_strs(c, j, "steps", where, &p->steps);
    kb_get_strs(c, j, "facts", where, &p->facts);
    kb_get_strs(c, j, "limitations", where, &p->limitations);
    kb_get_strs(c, j, "tools", where, &p->tools);
    p->best_for_zh = kb_get_str(c, j, "best_for_zh", 0, where);
    kb_get_strs(c, j, "steps_zh", where, &p->steps_zh);
    kb_get_strs(c, j, "facts_zh", where, &p->facts_zh);
    kb_get_strs(c, j, "limitations_zh", where, &p->limitations_zh);
}

static void parse_limit(struct kb_ctx *c, const cJSON *j, const char *where, const char *skill,
                        struct kb_limit *l)
{
    l->id = kb_get_str(c, j, "id", 1, where);
    l->name = kb_get_str(c, j, "name", 0, where);
    l->unit = kb_get_str(c, j, "unit", 1, where);
    l->applies_to = kb_get_str(c, j, "applies_to", 0, where);
    l->entity = kb_get_opt_str(c, j, "entity", where);
    l->text = kb_get_str(c, j, "text", 1, where);
    l->text_zh = kb_get_str(c, j, "text_zh", 0, where);
    l->skill_id = xstrdup(skill);
    kb_get_strs(c, j, "values", where, &l->values);
    kb_get_strs(c, j, "paths", where, &l->paths);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
    if (cJSON_IsNumber(v))
        l->value = v->valuedouble;
    else if (v && !cJSON_IsNull(v))
        kb_bad(c, where, "value must be a number or null");
    else if (l->values.n == 0 && l->unit && strcmp(l->unit, "state") != 0 &&
             strcmp(l->unit, "scope") != 0)
        kb_bad(c, where, "value missing (only enum, state and scope limits may omit it)");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "max");
    if (cJSON_IsNumber(m)) {
        l->max = m->valuedouble;
        l->has_max = 1;
    } else if (m && !cJSON_IsNull(m)) {
        kb_bad(c, where, "max must be a number or null");
    }
}

static void parse_skill(struct kb_ctx *c, const cJSON *j, const char *fname, struct kb_skill *s)
{
    s->id = kb_get_str(c, j, "id", 1, "");
    if (s->id && strcmp(s->id, fname) != 0)
        kb_bad(c, "id", "must equal the file name");
    s->title = kb_get_str(c, j, "title", 1, "");
    s->title_zh = kb_get_str(c, j, "title_zh", 0, "");
    s->summary = kb_get_str(c, j, "summary", 1, "");
    s->summary_zh = kb_get_str(c, j, "summary_zh", 0, "");
    kb_get_strs(c, j, "use_when", "", &s->use_when);
    kb_get_strs(c, j, "not_when", "", &s->not_when);
    kb_get_strs(c, j, "keywords", "", &s->keywords);
    kb_get_strs(c, j, "typical_questions", "", &s->typical_questions);
    kb_get_strs(c, j, "tools", "", &s->tools);

    const cJSON *arr = kb_get_arr(c, j, "paths", "");
    size_t n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    if (n == 0)
        kb_bad(c, "paths", "a skill needs at least one path");
    s->paths = xcalloc(n ? n : 1, sizeof *s->paths);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        char where[64];
        snprintf(where, sizeof where, "paths[%zu]", i++);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, where, "must be an object");
            continue;
        }
        parse_path(c, it, where, &s->paths[s->npaths++]);
    }

    arr = kb_get_arr(c, j, "limits", "");
    n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    s->limits = xcalloc(n ? n : 1, sizeof *s->limits);
    i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        char where[64];
        snprintf(where, sizeof where, "limits[%zu]", i++);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, where, "must be an object");
            continue;
        }
        parse_limit(c, it, where, fname, &s->limits[s->nlimits++]);
    }

    arr = kb_get_arr(c, j, "faq", "");
    n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
    s->faq = xcalloc(n ? n : 1, sizeof *s->faq);
    i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        char where[64];
        snprintf(where, sizeof where, "faq[%zu]", i++);
        if (!cJSON_IsObject(it)) {
            kb_bad(c, where, "must be an object");
            continue;
        }
        struct kb_faq *f = &s->faq[s->nfaq++];
        f->q = kb_get_str(c, it, "q", 1, where);
        f->a = kb_get_str(c, it, "a", 1, where);
    }

    char *dp = kb_get_str(c, j, "default_path", 1, "");
    s->default_path = dp ? kb_path_find(s, dp) : NULL;
    if (dp && !s->default_path)
        kb_bad(c, "default_path", "names no path of this skill");
    if (!s->default_path && s->npaths)
        s->default_path = &s->paths[0];
    free(dp);
}

static int skill_cmp(const void *a, const void *b)
{
    const struct kb_skill *x = a, *y = b;
    return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

static int file_cmp(const void *a, const void *b)
{
    const struct kb_file *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* Build one product from its files (all named "<folder>/..."). */
static void build_product(const struct kb_file **files, size_t n, const char *folder,
                          struct kb_report *rep, int *ret_bad, struct kb_product *p)
{
    p->skills = xcalloc(n ? n : 1, sizeof *p->skills);
    int have_product = 0;
    for (size_t i = 0; i < n; i++) {
        const char *base = files[i]->name + strlen(folder) + 1;
        size_t blen = strlen(base);
        struct kb_ctx c = {.file = files[i]->name, .rep = rep, .bad = 0};
        if (blen < 6 || strcmp(base + blen - 5, ".json") != 0)
            continue;
        cJSON *j = parse_file(&c, files[i]);
        if (j) {
            if (strcmp(base, "_product.json") == 0) {
                parse_product(&c, j, folder, p);
                have_product = 1;
            } else if (strcmp(base, "_synonyms.json") == 0) {
                if (!p->syns)
                    parse_synonyms(&c, j, p);
            } else if (strcmp(base, "_tools.json") == 0) {
                kb_tools_parse(&c, j, p);
            } else if (base[0] == '_') {
                kb_bad(&c, "file", "unknown shared file (only _product.json, _synonyms.json and "
                                   "_tools.json)");
            } else {
                char *fname = xstrndup(base, blen - 5);
                parse_skill(&c, j, fname, &p->skills[p->nskills++]);
                free(fname);
                if (c.bad) /* keep only well-formed skills in a partial model */
                    skill_release(&p->skills[--p->nskills]);
            }
            cJSON_Delete(j);
        }
        *ret_bad += c.bad;
    }
    if (!have_product) {
        kb_problem(rep, "%s/_product.json: missing", folder);
        (*ret_bad)++;
        if (!p->id)
            p->id = xstrdup(folder);
        if (!p->title)
            p->title = xstrdup(folder);
        if (!p->summary)
            p->summary = xstrdup("");
        if (!p->oos)
            p->oos = xcalloc(1, sizeof *p->oos);
    }
    if (!p->syns)
        p->syns = xcalloc(1, sizeof *p->syns);
    qsort(p->skills, p->nskills, sizeof *p->skills, skill_cmp);
    if (!p->tools)
        p->tools = xcalloc(1, sizeof *p->tools);
    /* Limits and path tool names resolve against the whole product, so last. */
    *ret_bad += kb_tools_link(p, rep);
}

err_code kb_build(const struct kb_file *files, size_t n, struct kb_report *rep, int partial,
                  struct kb **ret, struct err *e)
{
    struct kb_report local = {0};
    if (!rep)
        rep = &local;
    size_t before = rep->count;
    err_code rc = ERR_OK;
    int nbad = 0;
    struct kb *kb = xcalloc(1, sizeof *kb);
    const struct kb_file **sorted = xcalloc(n ? n : 1, sizeof *sorted);
    if (n > (size_t)KB_FILES_MAX * KB_PRODUCTS_MAX) {
        rc = err_set(e, ERR_TOO_BIG, "too many knowledge files (%zu)", n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &files[i];
    qsort(sorted, n, sizeof *sorted, file_cmp);
    kb->products = xcalloc(KB_PRODUCTS_MAX, sizeof *kb->products);
    for (size_t i = 0; i < n;) {
        const char *slash = strchr(sorted[i]->name, '/');
        if (!slash) {
            kb_problem(rep, "%s: not inside a product folder", sorted[i]->name);
            nbad++;
            i++;
            continue;
        }
        size_t flen = (size_t)(slash - sorted[i]->name);
        size_t j = i;
        while (j < n && strncmp(sorted[j]->name, sorted[i]->name, flen + 1) == 0)
            j++;
        if (kb->n == KB_PRODUCTS_MAX) {
            rc = err_set(e, ERR_TOO_BIG, "more than %d product folders", KB_PRODUCTS_MAX);
            goto cleanup;
        }
        if (j - i > KB_FILES_MAX) {
            rc = err_set(e, ERR_TOO_BIG, "more than %d files in one product", KB_FILES_MAX);
            goto cleanup;
        }
        char *folder = xstrndup(sorted[i]->name, flen);
        build_product(sorted + i, j - i, folder, rep, &nbad, &kb->products[kb->n++]);
        free(folder);
        i = j;
    }
    if (kb->n == 0) {
        rc = err_set(e, ERR_NOT_FOUND, "no knowledge files found");
        goto cleanup;
    }
    if (nbad && partial) {
        *ret = kb;
        kb = NULL;
    }
    if (nbad) {
        rc = err_set(e, ERR_PARSE, "%zu problem(s) in the knowledge files%s%s",
                     rep->count - before, rep->out && rep->out->data ? "; first: " : "",
                     rep->out && rep->out->data ? rep->out->data : "");
        goto cleanup;
    }
    *ret = kb;
    kb = NULL;
cleanup:
    free(sorted);
    kb_free(kb);
    return rc;
}

size_t kb_product_count(const struct kb *kb)
{
    return kb ? kb->n : 0;
}

const struct kb_product *kb_product_at(const struct kb *kb, size_t i)
{
    return kb && i < kb->n ? &kb->products[i] : NULL;
}

const struct kb_product *kb_product_find(const struct kb *kb, const char *id)
{
    for (size_t i = 0; kb && id && i < kb->n; i++)
        if (strcmp(kb->products[i].id, id) == 0)
            return &kb->products[i];
    return NULL;
}

const struct kb_skill *kb_skill_find(const struct kb_product *p, const char *id)
{
    for (size_t i = 0; p && id && i < p->nskills; i++)
        if (p->skills[i].id && strcmp(p->skills[i].id, id) == 0)
            return &p->skills[i];
    return NULL;
}

const struct kb_path *kb_path_find(const struct kb_skill *s, const char *id)
{
    for (size_t i = 0; s && id && i < s->npaths; i++)
        if (s->paths[i].id && strcmp(s->paths[i].id, id) == 0)
            return &s->paths[i];
    return NULL;
}

const struct kb_limit *kb_limit_find(const struct kb_product *p, const char *id)
{
    for (size_t i = 0; p && id && i < p->nskills; i++)
        for (size_t k = 0; k < p->skills[i].nlimits; k++)
            if (p->skills[i].limits[k].id && strcmp(p->skills[i].limits[k].id, id) == 0)
                return &p->skills[i].limits[k];
    return NULL;
}
