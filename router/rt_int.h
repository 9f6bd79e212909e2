/* rt_int.h - private to router/: the index built at load time, the text pipeline
 * (normalise, tokenise, stem, phrases) and the entity extractor. */
#ifndef SKILLD_ROUTER_RT_INT_H
#define SKILLD_ROUTER_RT_INT_H

#include <stdint.h>

#include "router/router.h"

/* ---- String -> int hash map (open addressing; keys copied) -------------------------- */
struct rt_slot {
    char *key;
    uint32_t len;
    uint32_t hash;
    int val;
};
struct rt_map {
    struct rt_slot *slots;
    size_t cap; /* power of two */
    size_t n;
};
void rt_map_init(struct rt_map *m);
void rt_map_release(struct rt_map *m);
/* The value for key, or -1. */
int rt_map_get(const struct rt_map *m, const char *key, size_t len);
/* Insert key with val unless present; returns the value now stored. */
int rt_map_put(struct rt_map *m, const char *key, size_t len, int val);

/* ---- Text pipeline ------------------------------------------------------------------- */

/* Bytes that hold the normal form of len bytes, also after the typo pass (which may split
 * a glued word in up to three). */
#define RT_NORM_CAP(len) (2 * (len) + 8)
/* Normalise s into out (cap >= RT_NORM_CAP(len)); returns the length written. */
size_t rt_norm(const char *s, size_t len, char *out, size_t cap);

/* Copy s to out (cap >= len + 1) with full-width ASCII and the ideographic space folded
 * to ASCII; case and punctuation are kept (entities are extracted from this form). */
size_t rt_fold_width(const char *s, size_t len, char *out, size_t cap);

/* Query weights per token class. */
#define RT_W_WORD 1.0f
#define RT_W_NUMBER 0.4f
#define RT_W_BIGRAM 1.0f
#define RT_W_UNIGRAM 0.3f
#define RT_W_SYNONYM 1.2f

/* A token callback: s[0..len) is the token text, w its class weight, [start, end) its
 * byte span in the normalised text. */
typedef void (*rt_tok_fn)(void *ud, const char *s, size_t len, float w, size_t start,
                          size_t end);
/* Tokenise normalised text: stemmed Latin words without stop words, numbers, the unit of
 * a number with a unit, CJK bigrams and unigrams. */
void rt_tokenize(const char *norm, size_t len, rt_tok_fn fn, void *ud);
/* The light English stem of a lower-case word w[0..len) into out (>= len bytes); returns
 * its length. The same function serves the index, the query and the typo pass. */
size_t rt_stem(const char *w, size_t len, char *out);

/* ---- Phrases (synonyms, product terms, OOS cues, chit-chat, keywords, path cues) ---- */
enum rt_ph_kind {
    RT_PH_SYN,     /* synonym term -> target = group */
    RT_PH_TERM,    /* product term */
    RT_PH_OOS,     /* out-of-scope cue -> target = topic */
    RT_PH_CHIT,    /* chit-chat */
    RT_PH_KEYWORD, /* skill keyword -> target = skill */
    RT_PH_CUE,     /* path cue -> target = global path index */
    RT_PH_VETO,    /* another cloud provider (other_clouds) */
    RT_PH_INSTR,   /* an instruction to the router itself (injection) */
    RT_PH_REQUEST, /* a request type that is not a question: translate, write, poem */
    RT_PH_MIGRATE, /* moving to the product: keeps other-cloud names in scope */
    RT_PH_FAIL,    /* a failure signal: favours the skill's failure path */
    RT_PH_HOWTO,   /* a how/where question: favours the skill's default path */
    RT_PH_PROG,    /* a programmatic method named: API paths need one */
    RT_PH_NAME,    /* the product's own name ("ecs", "云服务器"): evidence alone */
};
struct rt_phrase {
    char *text;  /* normalised */
    size_t len;
    int kind;    /* enum rt_ph_kind */
    int target;  /* see kind */
    int next;    /* next phrase with the same first unit, or -1 */
    int anchor;  /* 1 if the phrase alone is evidence of the product (index.c) */
};
struct rt_hit {
    int ph;           /* phrase index */
    size_t start, end; /* span in the normalised query */
};
struct rt_phrases {
    struct rt_phrase *v;
    size_t n, cap;
    struct rt_map first; /* first unit -> head phrase index */
};
void rt_phrases_init(struct rt_phrases *ps);
void rt_phrases_release(struct rt_phrases *ps);
/* Add a phrase (raw text; normalised here). Empty phrases are ignored. */
void rt_phrases_add(struct rt_phrases *ps, const char *raw, int kind, int target);
/* Find every phrase occurrence in norm; returns the number of hits written (<= max). */
size_t rt_phrases_find(const struct rt_phrases *ps, const char *norm, size_t len,
                       struct rt_hit *out, size_t max);

/* ---- Number patterns (scheduling and bulk lists) ---------------------------------- */
/* Normalise a judgement pattern like rt_normalize, keeping each '#' as a number slot:
 * "every # minutes" -> "every#minutes". The caller frees the result. */
char *rt_pattern_norm(const char *raw);
/* 1 if the normalised pattern occurs in norm[0..len) as whole Latin words; a '#' slot
 * matches one run of digits with an optional space either side. */
int rt_pattern_find(const char *pat, const char *norm, size_t len);

/* 1 if raw[0..len) holds a CamelCase word of min letters or more, capital first: an API
 * field, status or error name written as code ("InvocationStatus", "PartialFailed"). */
int rt_has_camel_word(const char *raw, size_t len, size_t min);

/* ---- Typo tolerance (typo.c) ------------------------------------------------------- */
#define RT_TYPO_MIN 5       /* shortest word corrected (one edit) */
#define RT_TYPO_WORD_MAX 32 /* longest word indexed or corrected */
#define RT_SPLIT_MIN 8      /* shortest glued word split into known words */
#define RT_SPLIT_PART 3     /* shortest part of a split */
struct rt_typo {
    struct rt_map words; /* known Latin word (normalised, unstemmed) -> index */
    char **word;         /* [nwords] the words */
    int *freq;           /* [nwords] occurrences in the knowledge */
    size_t nwords, capw;
    struct rt_map dels;  /* deletion variant -> head entry */
    struct rt_map stems; /* stem of a known word -> that word */
    int *ent_word;       /* [nent] word of an entry */
    int *ent_next;       /* [nent] next entry with the same variant, or -1 */
    size_t nent, capent;
};
void rt_typo_init(struct rt_typo *t);
void rt_typo_release(struct rt_typo *t);
/* Count the Latin words of normalised text as known. */
void rt_typo_add_text(struct rt_typo *t, const char *norm, size_t len);
/* Build the deletion index once every word is added. */
void rt_typo_build(struct rt_typo *t);
/* The known word closest to w[0..len) (an unknown word of letters only), or -1. */
int rt_typo_fix(const struct rt_typo *t, const char *w, size_t len);
/* Copy normalised text to out (cap bytes) with unknown words corrected (a glued word such
 * as "deletionprotection" split into known words, else a typo fixed); returns the length
 * written and the number of corrected words in *ret_fixed. */
size_t rt_typo_correct(const struct rt_typo *t, const char *norm, size_t len, char *out,
                       size_t cap, int *ret_fixed);

/* ---- Entities -------------------------------------------------------------------------- */
struct rt_patterns;
err_code rt_patterns_new(struct rt_patterns **ret, struct err *e);
void rt_patterns_free(struct rt_patterns *p);
size_t rt_patterns_extract(const struct rt_patterns *p, const char *s, size_t len,
                           struct rt_entity *out, size_t max);

/* ---- The index of one product ------------------------------------------------------- */
#define RT_SKILLS_MAX 32  /* skills of one product (rt_router_new refuses more) */
#define RT_PATHS_MAX 128  /* paths of one product, all skills together */
struct rt_prod {
    const struct kb_product *p;
    struct rt_map dict;        /* token -> id */
    size_t ntok;
    float *idf;                /* [ntok] */
    size_t nskills;
    size_t npaths;             /* paths of all skills, numbered globally */
    const struct kb_path **paths; /* [npaths] */
    int *path_skill;           /* [npaths] skill index of each path */
    int *default_path;         /* [nskills] global index of each skill's default path */
    float *w_skill;            /* [ntok * nskills] idf * saturated tf */
    float *w_path;             /* [ntok * npaths] idf * saturated tf (path text only) */
    float *w_any;              /* [ntok] max over skills (product evidence of a token) */
    int *oos_veto;             /* [noos] 1 other cloud, 2 instruction topic, 0 otherwise */
    unsigned char *generic;    /* [ntok] 1 for tokens of product terms ("server", "ecs") */
    unsigned char *vocab_tok;  /* [ntok] 1 for Latin words of synonym and keyword phrases */
    unsigned *syn_obj;         /* [nsyns] what a command on the group's word acts on */
    unsigned char *fail_path;  /* [npaths] 1 for paths named in failure_paths */
    unsigned char *prog_path;  /* [npaths] 1 for paths named in programmatic_paths */
    unsigned char *sched_path; /* [npaths] 1 for paths named in scheduling_paths */
    unsigned char *bulk_path;  /* [npaths] 1 for paths named in bulk_paths */
    char **sched_pat;          /* [nsched] normalised scheduling patterns */
    size_t nsched;
    char **bulk_pat;           /* [nbulk] normalised bulk patterns */
    size_t nbulk;
    struct rt_phrases ph;
    struct rt_typo typo;
    struct rt_map api_map;     /* API key (snake_case tool, lower-case cue) -> api_paths row */
    uint64_t (*api_paths)[2];  /* [napi] bit per path that owns the operation */
    size_t napi;
};

struct rt_router {
    const struct kb *kb;
    struct rt_options opt;
    struct rt_prod *prods;
    size_t nprods;
    struct rt_patterns *pat;
};

/* 1 if the path owns the API operation named api: one of its tools is the catalogue entry
 * whose api.action is api, or one of its cues is the name itself. */
int rt_path_owns_api(const struct kb_path *p, const char *api);

/* The paths that own the API operation api (as rt_path_owns_api says), one bit per global
 * path index, in out[0..2). */
void rt_api_owners(const struct rt_prod *x, const char *api, uint64_t out[2]);

/* The kinds of object (command.c) a synonym group's canonical names; 0 for none. */
unsigned rt_command_objects(const char *canonical);

/* Build / free the index of one product. */
void rt_prod_build(struct rt_prod *x, const struct kb_product *p);
void rt_prod_release(struct rt_prod *x);

/* ---- Answer composition (compose.c) ------------------------------------------------- */
void rt_compose_warnings(struct rt_result *res);
void rt_compose_tools(struct rt_result *res);

#endif
