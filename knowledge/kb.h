/* kb.h - the knowledge base: a typed, read-only model of the knowledge/<product> JSON files (skills,
 * paths, cues, steps, facts, limits, FAQ, synonyms). Layer: knowledge (uses base only).
 * The files are embedded in the binary at build time; a directory may replace them. */
#ifndef SKILLD_KNOWLEDGE_KB_H
#define SKILLD_KNOWLEDGE_KB_H

#include <stddef.h>

#include "base/base.h"

/* Named limits on what the loader accepts (checked before work). */
#define KB_FILE_MAX (1024 * 1024)   /* bytes in one knowledge file */
#define KB_FILES_MAX 256            /* files in one product folder */
#define KB_PRODUCTS_MAX 32          /* product folders */
#define KB_STRING_MAX 4096          /* bytes in one string of a file */
#define KB_JSON_DEPTH_MAX 16        /* nesting of a file */

/* A list of strings (owned by the model). */
struct kb_strs {
    char **v; /* v[0..n) NUL-terminated UTF-8 */
    size_t n; /* number of strings */
};

/* One documented limit. A range has has_max = 1; an enum has values. */
struct kb_limit {
    const char *id;         /* unique across the product, e.g. "sg_per_instance" */
    const char *name;       /* human name */
    double value;           /* the number, or the minimum of a range (0 for an enum) */
    double max;             /* the maximum of a range (valid when has_max) */
    int has_max;            /* 1 when the limit is a range [value, max] */
    const char *unit;       /* count, bytes, GiB, TiB, chars, days, state, scope, enum */
    const char *applies_to; /* the thing limited (instance, command, image, ...) or "" */
    const char *entity;     /* extracted entity compared with it (size_bytes, ...) or NULL */
    const char *text;       /* one sentence stating the limit */
    const char *text_zh;    /* the same in Chinese, or "" */
    struct kb_strs values;  /* accepted values of an enum limit (empty otherwise) */
    struct kb_strs paths;   /* path ids the limit is worth a warning on (empty: every path) */
    const char *skill_id;   /* id of the skill file that defines it */
};

/* One path of a skill's decision tree. */
struct kb_path {
    const char *id;             /* path id from LABELS.md, e.g. "console" */
    const char *title;          /* English title */
    const char *title_zh;       /* Chinese title, or "" */
    const char *best_for;       /* one sentence, or "" */
    struct kb_strs cues;        /* words and phrases that pick this path */
    struct kb_strs steps;       /* imperative steps, in order */
    struct kb_strs facts;       /* key facts */
    struct kb_strs limitations; /* known limitations */
    struct kb_strs tools;       /* tool names */
    /* Chinese versions for answers to Chinese questions: "" or empty when absent, else item
     * for item the same as the English lists (the checker enforces it). Never indexed for
     * routing: they only change the language of the answer. */
    const char *best_for_zh;
    struct kb_strs steps_zh;
    struct kb_strs facts_zh;
    struct kb_strs limitations_zh;
};

/* One FAQ entry. */
struct kb_faq {
    const char *q; /* question */
    const char *a; /* answer */
};

/* One skill (one file). */
struct kb_skill {
    const char *id;                 /* e.g. "ecs-configure-instance" */
    const char *title;              /* English title */
    const char *title_zh;           /* Chinese title, or "" */
    const char *summary;            /* two or three sentences */
    const char *summary_zh;         /* the summary in Chinese, or "" */
    struct kb_strs use_when;        /* when to use it */
    struct kb_strs not_when;        /* when not to (naming the other skill) */
    struct kb_strs keywords;        /* skill-level cues, English and Chinese */
    struct kb_strs typical_questions; /* example questions */
    const struct kb_path *default_path; /* one of paths */
    struct kb_path *paths;          /* paths[0..npaths) */
    size_t npaths;
    struct kb_limit *limits;        /* limits[0..nlimits) defined in this file */
    size_t nlimits;
    struct kb_faq *faq;             /* faq[0..nfaq) */
    size_t nfaq;
    struct kb_strs tools;           /* tool names used by the skill as a whole */
};

/* An out-of-scope topic: another product or cloud, with where it belongs. */
struct kb_oos {
    const char *topic;    /* e.g. "Managed databases (RDS, PolarDB)" */
    const char *redirect; /* one sentence: what to use instead */
    const char *redirect_zh; /* the same in Chinese, or "" */
    struct kb_strs cues;  /* words that mean this topic */
};

/* A synonym group: every term stands for the canonical token. */
struct kb_syn {
    const char *canonical; /* e.g. "security-group" */
    struct kb_strs terms;  /* phrases, matched after normalisation */
};

/* One product (one folder). */
struct kb_product {
    const char *id;           /* folder / "product" value, e.g. "ecs" */
    const char *title;        /* "Elastic Compute Service (ECS)" */
    const char *summary;      /* one paragraph */
    struct kb_strs terms;     /* words that say "this is about the product" */
    struct kb_strs names;     /* the product's own names ("ecs", "云服务器"): evidence alone */
    struct kb_strs ordinary;  /* everyday words of the knowledge ("image", "stop", "端口"):
                                 never evidence of the product on their own */
    struct kb_oos *oos;       /* oos[0..noos) */
    size_t noos;
    struct kb_strs chit_chat; /* greetings and small talk */
    struct kb_strs requests;  /* request types that are not questions: translate, write, poem */
    struct kb_strs other_clouds; /* names of other cloud providers and their products */
    struct kb_strs injection; /* phrases that try to instruct the router itself */
    struct kb_strs migration; /* cues of moving to the product ("migrate", "迁移") */
    struct kb_strs failure;   /* failure signals: "fails", "报错", "doesn't work" */
    struct kb_strs failure_paths; /* path ids that answer failures ("troubleshoot", "fix") */
    struct kb_strs programmatic; /* "sdk", "terraform", "脚本": the asker works through code */
    struct kb_strs programmatic_paths; /* path ids that answer through code ("api") */
    struct kb_strs how_to;    /* "how do I", "在哪": questions a skill's default path answers */
    struct kb_strs scheduling; /* "every # minutes", "每隔": runs on a schedule ('#' = a number) */
    struct kb_strs scheduling_paths; /* "skill-id/path-id" refs that answer scheduled runs */
    struct kb_strs bulk;      /* "all instances", "所有实例": work on many resources at once */
    struct kb_strs bulk_paths; /* "skill-id/path-id" refs that answer work on many resources */
    struct kb_syn *syns;      /* syns[0..nsyns) */
    size_t nsyns;
    struct kb_skill *skills;  /* skills[0..nskills), sorted by id */
    size_t nskills;
};

/* The whole model; opaque. Read-only once loaded, so any number of threads may read it. */
struct kb;

/* Load the knowledge embedded at build time into *ret (caller frees with kb_free).
 * ERR_NOT_FOUND when nothing was embedded; ERR_PARSE / ERR_INVALID with e naming the file
 * and field when a file is malformed. */
err_code kb_load_embedded(struct kb **ret, struct err *e);

/* Load from a directory: either a folder of product folders (knowledge/) or one product
 * folder (knowledge/ecs/, recognised by its _product.json). Same errors as above, plus
 * ERR_IO for an unreadable folder and ERR_TOO_BIG past the KB_* limits. */
err_code kb_load_dir(const char *dir, struct kb **ret, struct err *e);

/* Free the model. Accepts NULL. */
void kb_free(struct kb *kb);

/* Products, in folder-name order. */
size_t kb_product_count(const struct kb *kb);
const struct kb_product *kb_product_at(const struct kb *kb, size_t i);
/* The product with this id, or NULL. */
const struct kb_product *kb_product_find(const struct kb *kb, const char *id);
/* The skill with this id in p, or NULL. */
const struct kb_skill *kb_skill_find(const struct kb_product *p, const char *id);
/* The path with this id in s, or NULL. */
const struct kb_path *kb_path_find(const struct kb_skill *s, const char *id);
/* The limit with this id anywhere in p, or NULL (the guardrails read limits this way). */
const struct kb_limit *kb_limit_find(const struct kb_product *p, const char *id);

/* Validate knowledge: dir (as for kb_load_dir), or the embedded files when dir is NULL.
 * Appends one line per problem to out ("ecs/ecs-x.json: paths[1]: ...") and writes the
 * number of problems to *ret_count. Checks the schema, ids against the routing labels,
 * duplicate ids, unknown tool names, reachability of every path and string hygiene.
 * Returns ERR_OK when the check ran (whatever it found), ERR_IO if dir is unreadable. */
err_code kb_check(const char *dir, struct buf *out, size_t *ret_count);

/* 1 if name is in the tool catalogue of knowledge/SCHEMA.md. */
int kb_tool_known(const char *name);

#endif
