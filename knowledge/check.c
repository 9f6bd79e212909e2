/* check.c - `skilld knowledge check`: the rules of knowledge/SCHEMA.md beyond types (routing
 * labels, unique ids, tool names against the catalogue, reachable paths, string hygiene); the
 * catalogue's own rules are in check_tools.c. Layer: knowledge. */
#include "knowledge/kb_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The routing labels of ../shared/eval/LABELS.md: skill ids and their path ids, default
 * first. To add a skill: one row, paths as a space-separated list. */
static const struct {
    const char *product;
    const char *skill;
    const char *paths;
} labels[] = {
    {"ecs", "ecs-configure-instance", "console api troubleshoot"},
    {"ecs", "ecs-execute-instances", "console api"},
    {"ecs", "ecs-manage-images", "console api troubleshoot"},
    {"ecs", "ecs-manage-recovery", "console api cloud-assistant"},
    {"ecs", "ecs-troubleshoot-issues", "fix configure"},
    {"ecs", "ecs-choose-instance", "sizing pricing"},
    {"ecs", "ecs-launch-instance", "create lifecycle cloud-init access"},
    {"ecs", "ecs-manage-storage", "disk-types resize"},
    {"ecs", "ecs-monitor-instance", "metrics alerts maintenance"},
};

/* Units a limit may use. */
static const char *const units[] = {"count", "bytes", "GiB", "TiB", "chars", "days",
                                    "state", "scope", "enum"};

/* Minimums that make a path reachable and useful. */
#define CHECK_MIN_CUES 3
#define CHECK_MIN_STEPS 2
#define CHECK_MIN_FACTS 1

/* 1 if word is one of the space-separated words of list. */
static int in_list(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        const char *sp = strchr(p, ' ');
        size_t l = sp ? (size_t)(sp - p) : strlen(p);
        if (l == wl && strncmp(p, word, l) == 0)
            return 1;
        p += l + (sp ? 1 : 0);
    }
    return 0;
}

static int label_row(const char *product, const char *skill)
{
    for (size_t i = 0; i < ARRAY_LEN(labels); i++)
        if (strcmp(labels[i].product, product) == 0 && strcmp(labels[i].skill, skill) == 0)
            return (int)i;
    return -1;
}

/* Hygiene of one string: non-empty, valid UTF-8, no control characters. */
void kb_check_string(struct kb_report *r, const char *file, const char *where, const char *s)
{
    if (!s[0]) {
        kb_problem(r, "%s: %s: empty string", file, where);
        return;
    }
    size_t len = strlen(s);
    if (!utf8_valid(s, len)) {
        kb_problem(r, "%s: %s: not valid UTF-8", file, where);
        return;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            kb_problem(r, "%s: %s: control character", file, where);
            return;
        }
}

void kb_check_strs(struct kb_report *r, const char *file, const char *where,
                       const struct kb_strs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        char at[160];
        snprintf(at, sizeof at, "%s[%zu]", where, i);
        kb_check_string(r, file, at, l->v[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(l->v[i], l->v[k]) == 0)
                kb_problem(r, "%s: %s: duplicate of item %zu", file, at, k);
    }
}

/* Every name of a path's or skill's tools list is a catalogue tool (route and get_skill are
 * the server's own MCP tools, not catalogue entries). */
static void check_tools(struct kb_report *r, const struct kb_product *p, const char *file,
                        const char *where, const struct kb_strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (!kb_tool_find(p, l->v[i]))
            kb_problem(r, "%s: %s[%zu]: unknown tool \"%s\" (not in %s/_tools.json)", file,
                       where, i, l->v[i], p->id);
}

/* Each item of a ref list is "skill-id/path-id" naming an existing path. */
static void check_refs(struct kb_report *r, const struct kb_product *p, const char *file,
                       const char *where, const struct kb_strs *l)
{
    kb_check_strs(r, file, where, l);
    for (size_t i = 0; i < l->n; i++) {
        const char *ref = l->v[i], *slash = strchr(ref, '/');
        int found = 0;
        for (size_t s = 0; slash && !found && s < p->nskills; s++) {
            const struct kb_skill *sk = &p->skills[s];
            if (strlen(sk->id) != (size_t)(slash - ref) ||
                strncmp(sk->id, ref, (size_t)(slash - ref)) != 0)
                continue;
            for (size_t k = 0; k < sk->npaths; k++)
                found |= strcmp(sk->paths[k].id, slash + 1) == 0;
        }
        if (!found)
            kb_problem(r, "%s: %s[%zu]: \"%s\" is not a skill-id/path-id of the product", file,
                       where, i, ref);
    }
}

static void check_path(struct kb_report *r, const struct kb_product *prod, const char *file,
                       const struct kb_path *p, const char *where)
{
    char at[160];
    kb_check_string(r, file, where, p->title);
    if (p->cues.n < CHECK_MIN_CUES)
        kb_problem(r, "%s: %s (%s): unreachable: %zu cue(s), need %d", file, where, p->id,
                   p->cues.n, CHECK_MIN_CUES);
    if (p->steps.n < CHECK_MIN_STEPS)
        kb_problem(r, "%s: %s (%s): %zu step(s), need %d", file, where, p->id, p->steps.n,
                   CHECK_MIN_STEPS);
    if (p->facts.n < CHECK_MIN_FACTS)
        kb_problem(r, "%s: %s (%s): no fact", file, where, p->id);
    snprintf(at, sizeof at, "%s.cues", where);
    kb_check_strs(r, file, at, &p->cues);
    snprintf(at, sizeof at, "%s.steps", where);
    kb_check_strs(r, file, at, &p->steps);
    snprintf(at, sizeof at, "%s.facts", where);
    kb_check_strs(r, file, at, &p->facts);
    snprintf(at, sizeof at, "%s.limitations", where);
    kb_check_strs(r, file, at, &p->limitations);
    snprintf(at, sizeof at, "%s.tools", where);
    kb_check_strs(r, file, at, &p->tools);
    check_tools(r, prod, file, at, &p->tools);
    /* Chinese versions are optional, but when present they match the English item for item. */
    static const char *const zh_names[] = {"steps", "facts", "limitations"};
    const struct kb_strs *en[] = {&p->steps, &p->facts, &p->limitations};
    const struct kb_strs *zh[] = {&p->steps_zh, &p->facts_zh, &p->limitations_zh};
    for (size_t i = 0; i < ARRAY_LEN(zh_names); i++) {
        if (zh[i]->n == 0)
            continue;
        snprintf(at, sizeof at, "%s.%s_zh", where, zh_names[i]);
        kb_check_strs(r, file, at, zh[i]);
        if (zh[i]->n != en[i]->n)
            kb_problem(r, "%s: %s (%s): %zu item(s), but %s has %zu", file, at, p->id,
                       zh[i]->n, zh_names[i], en[i]->n);
    }
}

static void check_limit(struct kb_report *r, const char *file, const struct kb_skill *s,
                        const struct kb_limit *l, const char *where)
{
    for (size_t i = 0; i < l->paths.n; i++)
        if (!kb_path_find(s, l->paths.v[i]))
            kb_problem(r, "%s: %s (%s): paths names \"%s\", not a path of this skill", file,
                       where, l->id, l->paths.v[i]);
    int unit_ok = 0;
    for (size_t i = 0; i < ARRAY_LEN(units); i++)
        unit_ok |= strcmp(units[i], l->unit) == 0;
    if (!unit_ok)
        kb_problem(r, "%s: %s (%s): unknown unit \"%s\"", file, where, l->id, l->unit);
    if (strcmp(l->unit, "enum") == 0 && l->values.n == 0)
        kb_problem(r, "%s: %s (%s): an enum limit needs values", file, where, l->id);
    if (l->has_max && l->max < l->value)
        kb_problem(r, "%s: %s (%s): max is below value", file, where, l->id);
    kb_check_string(r, file, where, l->text);
}

static void check_skill(struct kb_report *r, const struct kb_product *p, const struct kb_skill *s)
{
    char file[256];
    snprintf(file, sizeof file, "%s/%s.json", p->id, s->id);
    int row = label_row(p->id, s->id);
    if (row < 0) {
        kb_problem(r, "%s: id \"%s\" is not a skill id of LABELS.md", file, s->id);
    } else {
        const char *list = labels[row].paths;
        for (const char *q = list; *q;) {
            const char *sp = strchr(q, ' ');
            size_t l = sp ? (size_t)(sp - q) : strlen(q);
            char id[64];
            snprintf(id, sizeof id, "%.*s", (int)l, q);
            if (!kb_path_find(s, id))
                kb_problem(r, "%s: path \"%s\" of LABELS.md is missing", file, id);
            q += l + (sp ? 1 : 0);
        }
        for (size_t i = 0; i < s->npaths; i++)
            if (!in_list(list, s->paths[i].id))
                kb_problem(r, "%s: paths[%zu]: id \"%s\" is not a path of this skill in LABELS.md",
                           file, i, s->paths[i].id);
    }
    kb_check_string(r, file, "title", s->title);
    kb_check_string(r, file, "summary", s->summary);
    kb_check_strs(r, file, "use_when", &s->use_when);
    kb_check_strs(r, file, "not_when", &s->not_when);
    kb_check_strs(r, file, "keywords", &s->keywords);
    kb_check_strs(r, file, "typical_questions", &s->typical_questions);
    kb_check_strs(r, file, "tools", &s->tools);
    check_tools(r, p, file, "tools", &s->tools);
    for (size_t i = 0; i < s->npaths; i++) {
        char where[64];
        snprintf(where, sizeof where, "paths[%zu]", i);
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->paths[i].id, s->paths[k].id) == 0)
                kb_problem(r, "%s: %s: duplicate path id \"%s\"", file, where, s->paths[i].id);
        check_path(r, p, file, &s->paths[i], where);
    }
    for (size_t i = 0; i < s->nlimits; i++) {
        char where[64];
        snprintf(where, sizeof where, "limits[%zu]", i);
        check_limit(r, file, s, &s->limits[i], where);
    }
    for (size_t i = 0; i < s->nfaq; i++) {
        char where[64];
        snprintf(where, sizeof where, "faq[%zu].q", i);
        kb_check_string(r, file, where, s->faq[i].q);
        snprintf(where, sizeof where, "faq[%zu].a", i);
        kb_check_string(r, file, where, s->faq[i].a);
    }
}

static void check_product(struct kb_report *r, const struct kb_product *p)
{
    char file[256];
    snprintf(file, sizeof file, "%s/_product.json", p->id);
    kb_check_string(r, file, "title", p->title);
    kb_check_strs(r, file, "terms", &p->terms);
    kb_check_strs(r, file, "names", &p->names);
    kb_check_strs(r, file, "ordinary", &p->ordinary);
    kb_check_strs(r, file, "chit_chat", &p->chit_chat);
    kb_check_strs(r, file, "requests", &p->requests);
    kb_check_strs(r, file, "other_clouds", &p->other_clouds);
    kb_check_strs(r, file, "injection", &p->injection);
    kb_check_strs(r, file, "migration", &p->migration);
    kb_check_strs(r, file, "failure", &p->failure);
    kb_check_strs(r, file, "failure_paths", &p->failure_paths);
    kb_check_strs(r, file, "how_to", &p->how_to);
    kb_check_strs(r, file, "programmatic_paths", &p->programmatic_paths);
    kb_check_strs(r, file, "programmatic", &p->programmatic);
    kb_check_strs(r, file, "scheduling", &p->scheduling);
    check_refs(r, p, file, "scheduling_paths", &p->scheduling_paths);
    kb_check_strs(r, file, "bulk", &p->bulk);
    check_refs(r, p, file, "bulk_paths", &p->bulk_paths);
    for (size_t i = 0; i < p->noos; i++) {
        char where[64];
        snprintf(where, sizeof where, "out_of_scope[%zu].cues", i);
        kb_check_strs(r, file, where, &p->oos[i].cues);
    }
    snprintf(file, sizeof file, "%s/_synonyms.json", p->id);
    for (size_t g = 0; g < p->nsyns; g++) {
        char where[64];
        snprintf(where, sizeof where, "groups[%zu].terms", g);
        kb_check_strs(r, file, where, &p->syns[g].terms);
        /* A term belongs to one group only. */
        for (size_t t = 0; t < p->syns[g].terms.n; t++)
            for (size_t h = 0; h < g; h++)
                for (size_t u = 0; u < p->syns[h].terms.n; u++)
                    if (strcmp(p->syns[g].terms.v[t], p->syns[h].terms.v[u]) == 0)
                        kb_problem(r, "%s: %s: \"%s\" is also in groups[%zu]", file, where,
                                   p->syns[g].terms.v[t], h);
    }
    for (size_t i = 0; i < p->nskills; i++) {
        if (i > 0 && strcmp(p->skills[i].id, p->skills[i - 1].id) == 0)
            kb_problem(r, "%s: duplicate skill id \"%s\"", p->id, p->skills[i].id);
        check_skill(r, p, &p->skills[i]);
    }
    for (size_t i = 0; i < ARRAY_LEN(labels); i++)
        if (strcmp(labels[i].product, p->id) == 0 && !kb_skill_find(p, labels[i].skill))
            kb_problem(r, "%s: skill \"%s\" of LABELS.md has no file", p->id, labels[i].skill);
    /* Limit ids are unique across the product. */
    for (size_t i = 0; i < p->nskills; i++)
        for (size_t k = 0; k < p->skills[i].nlimits; k++) {
            const struct kb_limit *l = &p->skills[i].limits[k];
            if (kb_limit_find(p, l->id) != l)
                kb_problem(r, "%s/%s.json: limits[%zu]: duplicate limit id \"%s\"", p->id,
                           p->skills[i].id, k, l->id);
        }
}

void kb_check_model(const struct kb *kb, struct kb_report *rep)
{
    for (size_t i = 0; i < kb->n; i++) {
        check_product(rep, &kb->products[i]);
        kb_check_tools(&kb->products[i], rep);
    }
}

err_code kb_check(const char *dir, struct buf *out, size_t *ret_count)
{
    struct kb_report rep = {.out = out, .count = 0};
    struct kb_file *files = NULL;
    size_t n = 0;
    struct kb *kb = NULL;
    struct err e;
    err_clear(&e);
    err_code rc = ERR_OK;
    if (dir) {
        rc = kb_files_read(dir, &files, &n, &e);
        if (rc != ERR_OK)
            goto cleanup;
    }
    const struct kb_file *src = dir ? files : kb_embedded_files;
    size_t nsrc = dir ? n : kb_embedded_count;
    if (nsrc == 0) {
        kb_problem(&rep, "%s: no product folder with a _product.json",
                   dir ? dir : "(embedded knowledge)");
        goto cleanup;
    }
    if (kb_build(src, nsrc, &rep, 1, &kb, &e) != ERR_OK && rep.count == 0)
        kb_problem(&rep, "%s", e.msg);
    if (kb)
        kb_check_model(kb, &rep);
cleanup:
    if (rc != ERR_OK && out)
        buf_printf(out, "%s\n", e.msg);
    *ret_count = rep.count;
    kb_free(kb);
    kb_files_free(files, n);
    return rc;
}
