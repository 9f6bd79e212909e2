/* render.c - a route result as the /api/route JSON object, as Markdown and as terminal
 * text; a skill's whole page as Markdown and JSON; the limits as JSON. Layer: router. */
#include "router/rt_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Facts shown in an answer, and steps. */
#define ANSWER_FACTS_MAX 6

/* The words around an answer, per language. A Chinese or mixed question gets the Chinese row
 * when the chosen path has Chinese texts (kb_path.steps_zh ...). To add a language: a row here
 * and the matching *_zh-style fields in the knowledge. */
struct answer_words {
    const char *steps, *facts, *limits, *warnings, *tools, *alts, *page;
    const char *not_ecs, *instruction, *chit_chat;
    const char *other[2];  /* "...about " PRODUCT "." */
    const char *covers[2]; /* "What skilld covers for " ID "" */
};
static const struct answer_words words_en = {
    "Steps", "Key facts", "Limitations", "Warnings", "Suggested tools", "Alternatives",
    "Full skill page",
    "Not an ECS question",
    "This looks like an instruction to the assistant rather than a question; routing rules "
    "cannot be changed from a query.",
    "This does not look like a question about running ECS instances.",
    {"This question does not seem to be about ", "."},
    {"What skilld covers for ", ""},
};
static const struct answer_words words_zh = {
    "操作步骤", "要点", "限制", "注意", "建议的工具", "其他可能", "完整技能页面",
    "这不是 ECS 相关的问题",
    "这看起来是对助手的指令而不是问题；路由规则不能通过提问来修改。",
    "这看起来不是关于 ECS 实例的问题。",
    {"这个问题似乎与 ", " 无关。"},
    {"skilld 可以回答的 ", " 问题"},
};

/* 1 when the question was written in Chinese (alone or mixed with English terms). */
static int asked_in_chinese(const struct rt_result *res)
{
    return strcmp(res->lang, "zh") == 0 || strcmp(res->lang, "mixed") == 0;
}

/* 1 when the answer uses the path's Chinese texts. */
static int answer_in_chinese(const struct rt_result *res)
{
    return res->path && asked_in_chinese(res) && res->path->steps_zh.n > 0;
}

/* The Chinese text when wanted and present, else the English. */
static const char *pick(const char *en, const char *zh, int use_zh)
{
    return use_zh && zh && zh[0] ? zh : en;
}

static const struct kb_strs *pick_list(const struct kb_strs *en, const struct kb_strs *zh,
                                       int use_zh)
{
    return use_zh && zh->n ? zh : en;
}

static cJSON *strs_json(const struct kb_strs *l, size_t max)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < l->n && i < max; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i]));
    return a;
}

static cJSON *skill_ref(const struct kb_product *p, const struct kb_skill *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", s->id);
    cJSON_AddStringToObject(o, "title", s->title);
    char url[256];
    snprintf(url, sizeof url, "/skills/%s/%s", p->id, s->id);
    cJSON_AddStringToObject(o, "url", url);
    return o;
}

static cJSON *path_ref(const struct kb_path *pa)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", pa->id);
    cJSON_AddStringToObject(o, "title", pa->title);
    return o;
}

static const char *oos_name(enum rt_oos_reason r)
{
    static const char *const names[] = {"", "no_evidence", "other_topic", "chit_chat",
                                        "instruction"};
    return (unsigned)r < ARRAY_LEN(names) ? names[r] : "";
}

static double round3(double v)
{
    return (double)(long long)(v * 1000.0 + 0.5) / 1000.0;
}

cJSON *rt_result_json(const struct rt_result *res)
{
    const struct kb_product *p = res->product;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "product", p->id);
    cJSON_AddItemToObject(o, "skill", res->skill ? skill_ref(p, res->skill) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "path", res->path ? path_ref(res->path) : cJSON_CreateNull());
    cJSON_AddNumberToObject(o, "confidence", round3(res->confidence));
    char *md = rt_result_markdown(res);
    cJSON_AddStringToObject(o, "answer", md);
    free(md);
    int zh = answer_in_chinese(res);
    cJSON_AddItemToObject(o, "facts",
                          res->path ? strs_json(pick_list(&res->path->facts, &res->path->facts_zh,
                                                          zh),
                                                ANSWER_FACTS_MAX)
                                    : cJSON_CreateArray());
    cJSON *w = cJSON_AddArrayToObject(o, "warnings");
    for (size_t i = 0; i < res->nwarnings; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "limit", res->warnings[i].limit->id);
        cJSON_AddStringToObject(x, "entity", res->warnings[i].entity->text);
        cJSON_AddStringToObject(x, "message", res->warnings[i].text);
        cJSON_AddItemToArray(w, x);
    }
    cJSON *a = cJSON_AddArrayToObject(o, "alternatives");
    for (size_t i = 0; i < res->nalts; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToObject(x, "skill", skill_ref(p, res->alts[i].skill));
        cJSON_AddItemToObject(x, "path", path_ref(res->alts[i].path));
        cJSON_AddNumberToObject(x, "confidence", round3(res->alts[i].confidence));
        cJSON_AddItemToArray(a, x);
    }
    cJSON *t = cJSON_AddArrayToObject(o, "tools");
    for (size_t i = 0; i < res->ntools; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", res->tools[i].name);
        cJSON *args = cJSON_AddObjectToObject(x, "arguments");
        for (size_t k = 0; k < res->tools[i].nargs; k++) {
            const char *v = res->tools[i].arg_values[k];
            /* The length covers the terminator: cJSON checks for it inside the buffer. */
            cJSON *val = cJSON_ParseWithLengthOpts(v, strlen(v) + 1, NULL, 1);
            cJSON_AddItemToObject(args, res->tools[i].arg_names[k],
                                  val ? val : cJSON_CreateString(v));
        }
        cJSON_AddItemToArray(t, x);
    }
    cJSON *en = cJSON_AddArrayToObject(o, "entities");
    for (size_t i = 0; i < res->nentities; i++) {
        const struct rt_entity *e = &res->entities[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "kind", rt_entity_kind_name(e->kind));
        cJSON_AddStringToObject(x, "text", e->text);
        cJSON_AddStringToObject(x, "value", e->value);
        if (e->number != 0)
            cJSON_AddNumberToObject(x, "number", e->number);
        if (e->number2 != 0)
            cJSON_AddNumberToObject(x, "number2", e->number2);
        cJSON_AddItemToArray(en, x);
    }
    cJSON_AddStringToObject(o, "language", res->lang);
    if (!res->skill) {
        cJSON *x = cJSON_AddObjectToObject(o, "out_of_scope");
        cJSON_AddStringToObject(x, "reason", oos_name(res->oos));
        if (res->oos_topic)
            cJSON_AddStringToObject(x, "topic", res->oos_topic->topic);
    }
    return o;
}

static void md_list(struct buf *b, const char *title, const struct kb_strs *l, int numbered,
                    size_t max)
{
    if (l->n == 0)
        return;
    buf_printf(b, "\n### %s\n\n", title);
    for (size_t i = 0; i < l->n && i < max; i++)
    {
        if (numbered)
            buf_printf(b, "%zu. %s\n", i + 1, l->v[i]);
        else
            buf_printf(b, "- %s\n", l->v[i]);
    }
}

/* The out-of-scope answer: where the question belongs, and what skilld covers. */
static void md_oos(struct buf *b, const struct rt_result *res)
{
    const struct kb_product *p = res->product;
    int zh = asked_in_chinese(res);
    const struct answer_words *w = zh ? &words_zh : &words_en;
    buf_printf(b, "## %s\n\n", w->not_ecs);
    if (res->oos == RT_OOS_INSTRUCTION)
        buf_printf(b, "%s\n", w->instruction);
    else if (res->oos == RT_OOS_CHIT_CHAT)
        buf_printf(b, "%s\n", w->chit_chat);
    else
        buf_printf(b, "%s%s%s\n", w->other[0], p->title, w->other[1]);
    if (res->oos_topic && res->oos_topic->redirect[0])
        buf_printf(b, "\n**%s:** %s\n", res->oos_topic->topic,
                   pick(res->oos_topic->redirect, res->oos_topic->redirect_zh, zh));
    buf_printf(b, "\n### %s%s%s\n\n", w->covers[0], p->id, w->covers[1]);
    for (size_t i = 0; i < p->nskills; i++)
        buf_printf(b, "- **%s** (`%s`)\n", pick(p->skills[i].title, p->skills[i].title_zh, zh),
                   p->skills[i].id);
}

char *rt_result_markdown(const struct rt_result *res)
{
    struct buf b;
    buf_init(&b, 0);
    if (!res->skill) {
        md_oos(&b, res);
        return buf_steal(&b, NULL);
    }
    const struct kb_path *pa = res->path;
    int zh = answer_in_chinese(res);
    const struct answer_words *w = zh ? &words_zh : &words_en;
    buf_printf(&b, "## %s — %s\n\n", pick(res->skill->title, res->skill->title_zh, zh),
               pick(pa->title, pa->title_zh, zh));
    const char *best = pick(pa->best_for, pa->best_for_zh, zh);
    if (best[0])
        buf_printf(&b, "%s\n", best);
    if (res->nwarnings) {
        buf_printf(&b, "\n### %s\n\n", w->warnings);
        for (size_t i = 0; i < res->nwarnings; i++)
            buf_printf(&b, "- ⚠ %s\n", res->warnings[i].text);
    }
    md_list(&b, w->steps, pick_list(&pa->steps, &pa->steps_zh, zh), 1, (size_t)-1);
    md_list(&b, w->facts, pick_list(&pa->facts, &pa->facts_zh, zh), 0, ANSWER_FACTS_MAX);
    md_list(&b, w->limits, pick_list(&pa->limitations, &pa->limitations_zh, zh), 0, (size_t)-1);
    if (res->ntools) {
        buf_printf(&b, "\n### %s\n\n", w->tools);
        for (size_t i = 0; i < res->ntools; i++) {
            buf_printf(&b, "- `%s`", res->tools[i].name);
            if (res->tools[i].nargs) {
                buf_puts(&b, " {");
                for (size_t k = 0; k < res->tools[i].nargs; k++)
                    buf_printf(&b, "%s\"%s\": %s", k ? ", " : "", res->tools[i].arg_names[k],
                               res->tools[i].arg_values[k]);
                buf_puts(&b, "}");
            }
            buf_putc(&b, '\n');
        }
    }
    if (res->nalts) {
        buf_printf(&b, "\n### %s\n\n", w->alts);
        for (size_t i = 0; i < res->nalts; i++)
            buf_printf(&b, "- %s — %s (`%s` / `%s`)\n",
                       pick(res->alts[i].skill->title, res->alts[i].skill->title_zh, zh),
                       pick(res->alts[i].path->title, res->alts[i].path->title_zh, zh),
                       res->alts[i].skill->id, res->alts[i].path->id);
    }
    buf_printf(&b, "\n%s: /skills/%s/%s\n", w->page, res->product->id, res->skill->id);
    return buf_steal(&b, NULL);
}

char *rt_result_text(const struct rt_result *res)
{
    struct buf b;
    buf_init(&b, 0);
    if (res->skill)
        buf_printf(&b, "skill: %s\npath:  %s\nconfidence: %.2f\n\n", res->skill->id,
                   res->path->id, res->confidence);
    else
        buf_printf(&b, "skill: (out of scope)\nconfidence: %.2f\n\n", res->confidence);
    char *md = rt_result_markdown(res);
    buf_puts(&b, md);
    free(md);
    return buf_steal(&b, NULL);
}

char *rt_skill_markdown(const struct kb_product *p, const struct kb_skill *s)
{
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "# %s\n\n", s->title);
    if (s->title_zh[0])
        buf_printf(&b, "_%s_ · `%s/%s`\n\n", s->title_zh, p->id, s->id);
    buf_printf(&b, "%s\n", s->summary);
    md_list(&b, "Use when", &s->use_when, 0, (size_t)-1);
    md_list(&b, "Not when", &s->not_when, 0, (size_t)-1);
    for (size_t i = 0; i < s->npaths; i++) {
        const struct kb_path *pa = &s->paths[i];
        buf_printf(&b, "\n## Path `%s`: %s%s\n\n", pa->id, pa->title,
                   pa == s->default_path ? " (default)" : "");
        if (pa->best_for[0])
            buf_printf(&b, "%s\n", pa->best_for);
        md_list(&b, "Steps", &pa->steps, 1, (size_t)-1);
        md_list(&b, "Key facts", &pa->facts, 0, (size_t)-1);
        md_list(&b, "Limitations", &pa->limitations, 0, (size_t)-1);
        md_list(&b, "Tools", &pa->tools, 0, (size_t)-1);
    }
    if (s->nlimits) {
        buf_puts(&b, "\n## Limits\n\n");
        for (size_t i = 0; i < s->nlimits; i++)
            buf_printf(&b, "- `%s`: %s\n", s->limits[i].id, s->limits[i].text);
    }
    if (s->nfaq) {
        buf_puts(&b, "\n## FAQ\n");
        for (size_t i = 0; i < s->nfaq; i++)
            buf_printf(&b, "\n**%s**\n\n%s\n", s->faq[i].q, s->faq[i].a);
    }
    return buf_steal(&b, NULL);
}

static cJSON *limit_json(const struct kb_limit *l)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", l->id);
    cJSON_AddStringToObject(o, "name", l->name);
    if (l->values.n)
        cJSON_AddItemToObject(o, "values", strs_json(&l->values, (size_t)-1));
    else
        cJSON_AddNumberToObject(o, "value", l->value);
    if (l->has_max)
        cJSON_AddNumberToObject(o, "max", l->max);
    else
        cJSON_AddNullToObject(o, "max");
    cJSON_AddStringToObject(o, "unit", l->unit);
    cJSON_AddStringToObject(o, "applies_to", l->applies_to);
    if (l->entity)
        cJSON_AddStringToObject(o, "entity", l->entity);
    else
        cJSON_AddNullToObject(o, "entity");
    cJSON_AddStringToObject(o, "text", l->text);
    if (l->text_zh && l->text_zh[0])
        cJSON_AddStringToObject(o, "text_zh", l->text_zh);
    cJSON_AddStringToObject(o, "skill", l->skill_id);
    return o;
}

cJSON *rt_skill_json(const struct kb_product *p, const struct kb_skill *s)
{
    cJSON *o = skill_ref(p, s);
    cJSON_AddStringToObject(o, "product", p->id);
    cJSON_AddStringToObject(o, "title_zh", s->title_zh);
    cJSON_AddStringToObject(o, "summary", s->summary);
    if (s->summary_zh[0])
        cJSON_AddStringToObject(o, "summary_zh", s->summary_zh);
    cJSON_AddItemToObject(o, "use_when", strs_json(&s->use_when, (size_t)-1));
    cJSON_AddItemToObject(o, "not_when", strs_json(&s->not_when, (size_t)-1));
    cJSON_AddStringToObject(o, "default_path", s->default_path->id);
    cJSON *paths = cJSON_AddArrayToObject(o, "paths");
    for (size_t i = 0; i < s->npaths; i++) {
        const struct kb_path *pa = &s->paths[i];
        cJSON *x = path_ref(pa);
        cJSON_AddStringToObject(x, "best_for", pa->best_for);
        cJSON_AddItemToObject(x, "steps", strs_json(&pa->steps, (size_t)-1));
        cJSON_AddItemToObject(x, "facts", strs_json(&pa->facts, (size_t)-1));
        cJSON_AddItemToObject(x, "limitations", strs_json(&pa->limitations, (size_t)-1));
        if (pa->steps_zh.n) {
            cJSON_AddStringToObject(x, "title_zh", pa->title_zh);
            cJSON_AddStringToObject(x, "best_for_zh", pa->best_for_zh);
            cJSON_AddItemToObject(x, "steps_zh", strs_json(&pa->steps_zh, (size_t)-1));
            cJSON_AddItemToObject(x, "facts_zh", strs_json(&pa->facts_zh, (size_t)-1));
            cJSON_AddItemToObject(x, "limitations_zh",
                                  strs_json(&pa->limitations_zh, (size_t)-1));
        }
        cJSON_AddItemToObject(x, "tools", strs_json(&pa->tools, (size_t)-1));
        cJSON_AddItemToArray(paths, x);
    }
    cJSON *lim = cJSON_AddArrayToObject(o, "limits");
    for (size_t i = 0; i < s->nlimits; i++)
        cJSON_AddItemToArray(lim, limit_json(&s->limits[i]));
    cJSON *faq = cJSON_AddArrayToObject(o, "faq");
    for (size_t i = 0; i < s->nfaq; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "q", s->faq[i].q);
        cJSON_AddStringToObject(x, "a", s->faq[i].a);
        cJSON_AddItemToArray(faq, x);
    }
    cJSON_AddItemToObject(o, "tools", strs_json(&s->tools, (size_t)-1));
    return o;
}

cJSON *rt_limits_json(const struct kb_product *p)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t s = 0; s < p->nskills; s++)
        for (size_t i = 0; i < p->skills[s].nlimits; i++)
            cJSON_AddItemToArray(a, limit_json(&p->skills[s].limits[i]));
    return a;
}
