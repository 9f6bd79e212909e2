/* skillpack.c - a skill of the knowledge base as an Agent Skill: SKILL.md (YAML frontmatter
 * and the page an agent loads first) and its reference files (paths, limits, FAQ, tools, and
 * the same in Chinese), for the MCP skills extension and for hosts that load skills from
 * disk. Layer: router (renders knowledge, like render.c). Output is a pure function of the
 * knowledge, so the bytes, and so their digests, are the same on every road and every run. */
#include "router/rt_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESCRIPTION_MAX 1024 /* bytes of an Agent Skills description */
#define MD "text/markdown"

/* The reference files, in the order SKILL.md lists them. To add one: a renderer below and a
 * row (path, what SKILL.md says of it). */
struct ref_row {
    const char *path;
    const char *about;
    void (*render)(struct buf *b, const struct kb_product *p, const struct kb_skill *s);
};

/* ---- Small writers ------------------------------------------------------------------------ */

static void list(struct buf *b, const char *title, const struct kb_strs *l, int numbered)
{
    if (!l->n)
        return;
    buf_printf(b, "\n%s\n\n", title);
    for (size_t i = 0; i < l->n; i++) {
        if (numbered)
            buf_printf(b, "%zu. %s\n", i + 1, l->v[i]);
        else
            buf_printf(b, "- %s\n", l->v[i]);
    }
}

static const char *effect_name(enum kb_effect e)
{
    static const char *const names[] = {[KB_EFFECT_READ] = "read-only",
                                        [KB_EFFECT_WRITE] = "changes resources",
                                        [KB_EFFECT_DESTRUCTIVE] = "destructive"};
    return (size_t)e < ARRAY_LEN(names) ? names[e] : "?";
}

static const struct kb_tool *tool_find(const struct kb_product *p, const char *name)
{
    for (size_t i = 0; i < p->ntools; i++)
        if (strcmp(p->tools[i].name, name) == 0)
            return &p->tools[i];
    return NULL;
}

/* A number as the knowledge wrote it: integers without a fraction. */
static void number(struct buf *b, double v)
{
    if (v == (double)(long long)v)
        buf_printf(b, "%lld", (long long)v);
    else
        buf_printf(b, "%g", v);
}

/* ---- Reference files ---------------------------------------------------------------------- */

static void render_paths(struct buf *b, const struct kb_product *p, const struct kb_skill *s)
{
    (void)p;
    buf_printf(b, "# %s: paths\n\nEach path is one way through the skill; `%s` is the default.\n",
               s->title, s->default_path->id);
    for (size_t i = 0; i < s->npaths; i++) {
        const struct kb_path *pa = &s->paths[i];
        buf_printf(b, "\n## `%s`: %s%s\n", pa->id, pa->title,
                   pa == s->default_path ? " (default)" : "");
        if (pa->best_for[0])
            buf_printf(b, "\nBest for: %s\n", pa->best_for);
        list(b, "### Steps", &pa->steps, 1);
        list(b, "### Key facts", &pa->facts, 0);
        list(b, "### Limitations", &pa->limitations, 0);
        if (pa->tools.n) {
            buf_puts(b, "\n### Tools\n\n");
            for (size_t k = 0; k < pa->tools.n; k++)
                buf_printf(b, "- `%s`\n", pa->tools.v[k]);
        }
    }
}

static void render_limits(struct buf *b, const struct kb_product *p, const struct kb_skill *s)
{
    (void)p;
    buf_printf(b, "# %s: documented limits\n\n", s->title);
    if (!s->nlimits) {
        buf_puts(b, "This skill defines no limits of its own.\n");
        return;
    }
    buf_puts(b, "| Limit | Value | Unit | Applies to | Statement |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < s->nlimits; i++) {
        const struct kb_limit *l = &s->limits[i];
        buf_printf(b, "| `%s` | ", l->id);
        if (l->values.n) {
            for (size_t k = 0; k < l->values.n; k++)
                buf_printf(b, "%s%s", k ? ", " : "", l->values.v[k]);
        } else {
            number(b, l->value);
            if (l->has_max) {
                buf_puts(b, " to ");
                number(b, l->max);
            }
        }
        buf_printf(b, " | %s | %s | %s |\n", l->unit, l->applies_to[0] ? l->applies_to : "-",
                   l->text);
    }
}

static void render_faq(struct buf *b, const struct kb_product *p, const struct kb_skill *s)
{
    (void)p;
    buf_printf(b, "# %s: FAQ\n", s->title);
    if (!s->nfaq)
        buf_puts(b, "\nNo questions recorded yet.\n");
    for (size_t i = 0; i < s->nfaq; i++)
        buf_printf(b, "\n## %s\n\n%s\n", s->faq[i].q, s->faq[i].a);
}

/* The top-level properties of a tool's input schema, required ones marked. */
static void tool_arguments(struct buf *b, const struct kb_tool *t)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(t->input_schema, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(t->input_schema, "required");
    if (!cJSON_IsObject(props) || !props->child)
        return;
    buf_puts(b, "- Arguments: ");
    for (const cJSON *a = props->child; a; a = a->next) {
        int required = 0;
        const cJSON *r;
        cJSON_ArrayForEach(r, req)
        {
            if (cJSON_IsString(r) && strcmp(r->valuestring, a->string) == 0)
                required = 1;
        }
        buf_printf(b, "%s`%s`%s", a == props->child ? "" : ", ", a->string,
                   required ? " (required)" : "");
    }
    buf_puts(b, "\n");
}

static void render_tools(struct buf *b, const struct kb_product *p, const struct kb_skill *s)
{
    buf_printf(b, "# %s: tools\n\n"
                  "skilld serves these as MCP tools. Every call goes through its guardrails: "
                  "schema and policy checks, documented limits, state checks; a change is "
                  "planned first and runs only once a person confirms it (a confirmation "
                  "question, or the plan's confirmation_token), and each decision is written to "
                  "the audit log.\n",
               s->title);
    for (size_t i = 0; i < s->tools.n; i++) {
        const struct kb_tool *t = tool_find(p, s->tools.v[i]);
        if (!t) {
            buf_printf(b, "\n## `%s`\n\nNot in the catalogue.\n", s->tools.v[i]);
            continue;
        }
        buf_printf(b, "\n## `%s`: %s\n\n%s\n\n- Effect: %s\n", t->name, t->title, t->description,
                   effect_name(t->effect));
        if (t->action)
            buf_printf(b, "- API: %s %s\n", t->product, t->action);
        for (size_t k = 0; k < t->calls.n; k++)
            buf_printf(b, "%s%s%s", k ? ", " : "- Calls: ", t->calls.v[k],
                       k + 1 == t->calls.n ? "\n" : "");
        tool_arguments(b, t);
    }
}

static void render_zh(struct buf *b, const struct kb_product *p, const struct kb_skill *s)
{
    (void)p;
    buf_printf(b, "# %s\n\n", s->title_zh[0] ? s->title_zh : s->title);
    buf_printf(b, "%s\n", s->summary_zh[0] ? s->summary_zh : s->summary);
    for (size_t i = 0; i < s->npaths; i++) {
        const struct kb_path *pa = &s->paths[i];
        int zh = pa->steps_zh.n > 0;
        buf_printf(b, "\n## 路径 `%s`：%s%s\n", pa->id, pa->title_zh[0] ? pa->title_zh : pa->title,
                   pa == s->default_path ? "（默认）" : "");
        const char *best = zh && pa->best_for_zh[0] ? pa->best_for_zh : pa->best_for;
        if (best[0])
            buf_printf(b, "\n适用：%s\n", best);
        list(b, "### 操作步骤", zh ? &pa->steps_zh : &pa->steps, 1);
        list(b, "### 要点", zh ? &pa->facts_zh : &pa->facts, 0);
        list(b, "### 限制", zh ? &pa->limitations_zh : &pa->limitations, 0);
    }
    if (s->nlimits) {
        buf_puts(b, "\n## 文档中的限制\n\n");
        for (size_t i = 0; i < s->nlimits; i++)
            buf_printf(b, "- `%s`：%s\n", s->limits[i].id,
                       s->limits[i].text_zh[0] ? s->limits[i].text_zh : s->limits[i].text);
    }
}

static const struct ref_row refs[] = {
    {"references/paths.md", "every path: steps, key facts, limitations, tools", render_paths},
    {"references/limits.md", "the documented limits this skill checks", render_limits},
    {"references/faq.md", "questions people ask, with answers", render_faq},
    {"references/tools.md", "the MCP tools, their API actions, effects and arguments",
     render_tools},
    {"references/zh.md", "中文版：概述、各路径的步骤与要点、限制", render_zh},
};

/* ---- SKILL.md ------------------------------------------------------------------------------ */

/* The summary cut to DESCRIPTION_MAX bytes on a character boundary. */
static char *description(const struct kb_skill *s)
{
    size_t n = strlen(s->summary);
    if (n > DESCRIPTION_MAX) {
        n = DESCRIPTION_MAX;
        while (n > 0 && ((unsigned char)s->summary[n] & 0xC0) == 0x80)
            n--;
    }
    return xstrndup(s->summary, n);
}

cJSON *rt_skill_frontmatter(const struct kb_product *p, const struct kb_skill *s)
{
    cJSON *fm = cJSON_CreateObject();
    char *d = description(s);
    cJSON_AddStringToObject(fm, "name", s->id);
    cJSON_AddStringToObject(fm, "description", d);
    free(d);
    cJSON *meta = cJSON_AddObjectToObject(fm, "metadata");
    cJSON_AddStringToObject(meta, "product", p->id);
    cJSON_AddStringToObject(meta, "title", s->title);
    if (s->title_zh[0])
        cJSON_AddStringToObject(meta, "title-zh", s->title_zh);
    cJSON_AddStringToObject(meta, "generator", "skilld");
    return fm;
}

/* YAML for a frontmatter object of strings and objects of strings: every scalar is written
 * as a double-quoted string (JSON string syntax is valid YAML there), so parsing the YAML
 * gives back exactly the JSON. */
static void yaml(struct buf *b, const cJSON *o, int indent)
{
    for (const cJSON *f = o->child; f; f = f->next) {
        buf_printf(b, "%*s%s:", indent, "", f->string);
        if (cJSON_IsObject(f)) {
            buf_puts(b, "\n");
            yaml(b, f, indent + 2);
            continue;
        }
        char *v = cJSON_PrintUnformatted(f);
        buf_printf(b, " %s\n", v ? v : "\"\"");
        cJSON_free(v);
    }
}

static char *skill_md(const struct kb_product *p, const struct kb_skill *s)
{
    struct buf b;
    buf_init(&b, 0);
    cJSON *fm = rt_skill_frontmatter(p, s);
    buf_puts(&b, "---\n");
    yaml(&b, fm, 0);
    buf_puts(&b, "---\n\n");
    cJSON_Delete(fm);
    buf_printf(&b, "# %s\n\n", s->title);
    if (s->title_zh[0])
        buf_printf(&b, "_%s_ · %s\n\n", s->title_zh, p->title);
    buf_printf(&b, "%s\n", s->summary);
    list(&b, "## When to use", &s->use_when, 0);
    list(&b, "## When not to", &s->not_when, 0);
    buf_puts(&b, "\n## Paths\n\nPick the path that fits the question; the steps of each are in "
                 "[references/paths.md](references/paths.md).\n\n");
    for (size_t i = 0; i < s->npaths; i++) {
        const struct kb_path *pa = &s->paths[i];
        buf_printf(&b, "- `%s`%s: %s%s%s\n", pa->id, pa == s->default_path ? " (default)" : "",
                   pa->title, pa->best_for[0] ? ". " : "", pa->best_for);
    }
    if (s->tools.n) {
        buf_puts(&b, "\n## Tools\n\nThrough skilld's MCP server (changes are planned and "
                     "confirmed before they run; see [references/tools.md]"
                     "(references/tools.md)):\n\n");
        for (size_t i = 0; i < s->tools.n; i++) {
            const struct kb_tool *t = tool_find(p, s->tools.v[i]);
            buf_printf(&b, "- `%s`%s%s%s\n", s->tools.v[i], t ? ": " : "", t ? t->title : "",
                       t && t->effect != KB_EFFECT_READ ? (t->effect == KB_EFFECT_DESTRUCTIVE
                                                               ? " (destructive)"
                                                               : " (changes resources)")
                                                        : "");
        }
    }
    list(&b, "## Typical questions", &s->typical_questions, 0);
    buf_puts(&b, "\n## References\n\n");
    for (size_t i = 0; i < ARRAY_LEN(refs); i++)
        buf_printf(&b, "- [%s](%s): %s\n", refs[i].path, refs[i].path, refs[i].about);
    return buf_steal(&b, NULL);
}

size_t rt_skill_files(const struct kb_product *p, const struct kb_skill *s,
                      struct rt_skill_file out[RT_SKILL_FILES_MAX])
{
    _Static_assert(ARRAY_LEN(refs) + 1 <= RT_SKILL_FILES_MAX, "RT_SKILL_FILES_MAX too small");
    size_t n = 0;
    out[n].path = xstrdup("SKILL.md");
    out[n].mime_type = MD;
    out[n++].text = skill_md(p, s);
    for (size_t i = 0; i < ARRAY_LEN(refs); i++) {
        struct buf b;
        buf_init(&b, 0);
        refs[i].render(&b, p, s);
        out[n].path = xstrdup(refs[i].path);
        out[n].mime_type = MD;
        out[n++].text = buf_steal(&b, NULL);
    }
    return n;
}

void rt_skill_files_free(struct rt_skill_file *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++) {
        free(f[i].path);
        free(f[i].text);
        f[i].path = f[i].text = NULL;
    }
}
