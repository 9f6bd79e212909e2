/* rt_query.h - private to router/: the state of one query as it passes the three steps of
 * rt_route: analysis (analyze.c: text, masks, signals, tokens; with evidence.c for the
 * evidence classes, instruct.c for instructions to the router, payload.c for what is to be
 * run or passed on, command.c for commands and their actions, scan.c for word scanning),
 * scoring (score.c: skill and path scores, product evidence) and the decision (decide.c:
 * scope, skill, path, confidence, alternatives). */
#ifndef SKILLD_ROUTER_RT_QUERY_H
#define SKILLD_ROUTER_RT_QUERY_H

#include "router/rt_int.h"

#define RT_HITS_MAX 256   /* phrase hits kept per query */
#define RT_QTOK_MAX 1024  /* distinct tokens kept per query */
#define RT_QNORM_CAP RT_NORM_CAP(RT_QUERY_MAX_BYTES)

/* What a byte of the normalised query is (bits of rt_query.span). */
enum {
    SPAN_MASKED = 1u << 0,  /* not about the product: OOS cue, chit-chat, request material */
    SPAN_PLAIN = 1u << 1,   /* a method word of a request or beside an OOS cue ("sdk") */
};

/* The state of one query. Built by rt_analyze, read by the later steps. */
struct rt_query {
    const struct rt_prod *x;
    char norm[RT_QNORM_CAP];      /* the subject text: normalised, typos fixed, payload out */
    char tmp[RT_QNORM_CAP];       /* scratch */
    char folded[RT_QUERY_MAX_BYTES + 1];  /* the query, full-width ASCII folded */
    char subject[RT_QUERY_MAX_BYTES + 1]; /* the same bytes with payload and instructions blanked */
    char lower[RT_QUERY_MAX_BYTES + 1];   /* folded, ASCII lower case (payload is found here) */
    char lsub[RT_QUERY_MAX_BYTES + 1];    /* subject, ASCII lower case (commands are read here) */
    size_t flen;                    /* bytes of folded and subject */
    size_t len;                   /* bytes of norm */
    unsigned char span[RT_QNORM_CAP]; /* [len] SPAN_* bits */
    struct rt_hit hits[RT_HITS_MAX];
    size_t nhits;
    int ids[RT_QTOK_MAX];         /* token ids */
    float qw[RT_QTOK_MAX];        /* weight of each token in the whole query */
    float qw_rest[RT_QTOK_MAX];   /* ... from occurrences outside masked spans */
    float qw_spec[RT_QTOK_MAX];   /* ... and outside method words */
    unsigned char zh[RT_QTOK_MAX]; /* 1 if the token is CJK text */
    size_t ntok;
    size_t latin, cjk;            /* letters seen, for the language */
    unsigned signals;             /* RT_SIG_* */
    unsigned anchors;             /* RT_EV_* evidence classes outside masked spans */
    int anchor_hit;               /* the first hit that is an anchor phrase, or -1 */
    int anchor_last;              /* the last such hit, or -1 */
    int nanchor;                  /* anchor phrases outside masked spans (overlaps once) */
    int vocab_latin;              /* ... of them Latin phrase spans */
    int vocab;                    /* distinct spans of skill vocabulary outside masked spans,
                                     ordinary words included */
    int oos_topic;                /* index of the matched out-of-scope topic, or -1 */
    int extra_plain;              /* CamelCase words being added count as method words */
    const char *action;           /* the API action a command names (command.c), or NULL */
    const char *act_skill;        /* the skill id that carries the action out, or NULL */
    const char *act_path;         /* its path for skills without an api path, or NULL */
    int act_weight;               /* how the action was named: 0 by its object, 1 by verb and
                                     object, 2 by a payload to run */
};

/* Per-query scores (score.c). Sizes are bounded by RT_SKILLS_MAX / RT_PATHS_MAX, checked
 * when the router is built. */
struct rt_scores {
    double skill[RT_SKILLS_MAX];
    double path_bonus[RT_PATHS_MAX]; /* cue, API-owner and command bonuses per path */
    double path[RT_PATHS_MAX];       /* the last choose_path's scores */
    double all;      /* product evidence of every token and phrase */
    double rest;     /* ... outside masked spans */
    double specific; /* ... outside masked spans, without the generic product terms */
    double method;   /* the part of rest on method words beside an OOS cue ("api", "sdk") */
    double rest_zh;  /* the part of rest on CJK tokens and phrases */
    double spec_zh;  /* the part of specific on CJK tokens and phrases */
};

/* ---- analyze.c ------------------------------------------------------------------------ */
/* Analyse query (len bytes, valid UTF-8, <= RT_QUERY_MAX_BYTES) for product x: fills q and the
 * language, entities, payload span and signals of res. Returns 0 when nothing is left of
 * the query after normalisation (the caller reports it empty). */
int rt_analyze(const struct rt_router *r, const struct rt_prod *x, const char *query,
               size_t len, struct rt_query *q, struct rt_result *res);
/* 1 if any byte of [a, b) of the normalised query has one of the SPAN_* bits. */
int rt_span_has(const struct rt_query *q, size_t a, size_t b, unsigned bits);

/* ---- evidence.c ----------------------------------------------------------------------- */
/* Evidence classes (q->anchors, q->nanchor, q->anchor_hit) from entities and phrase hits;
 * the count of vocabulary spans q->vocab. */
void rt_scan_evidence(struct rt_query *q, const struct rt_result *res);
/* Add to q->vocab the Latin vocabulary words that whole phrases missed (plural forms). */
void rt_count_vocab_words(struct rt_query *q);

/* ---- instruct.c ----------------------------------------------------------------------- */
/* 1 if the lower-case s[0..n) holds an instruction form or a skill id written out (role
 * forms such as "system:" only at the start when start is 1). */
int rt_has_instr_form(const struct rt_query *q, const char *s, size_t n, int start);
/* Blank in q->subject and q->lsub every clause that instructs the router; a query that
 * opens as a system or assistant turn is blanked whole. Sets RT_SIG_INSTR. */
void rt_blank_instructions(struct rt_query *q);

/* ---- scan.c: words and shapes in the lower-case query ----------------------------------- */
int rt_alnum_c(unsigned char c);
/* 1 if s[i..] starts with w (ASCII case-insensitive). */
int rt_at_ci(const char *s, size_t len, size_t i, const char *w);
/* 1 if w occurs at s[i] as a whole word (an identifier with '-' or '_' is one word). */
int rt_word_at(const char *s, size_t len, size_t i, const char *w);
/* The first occurrence of w[0..wn) in s[from..len), or len. */
size_t rt_find_sub(const char *s, size_t len, size_t from, const char *w, size_t wn);
/* Just after the first whole-word occurrence of any of words (NULL-terminated, lower case)
 * in s[from..len), its start in *ret_at; 0 when none. */
size_t rt_find_word(const char *s, size_t len, size_t from, const char *const *words,
                    size_t *ret_at);
/* 1 if s[i] starts a CJK character or CJK punctuation. */
int rt_cjk_at(const char *s, size_t len, size_t i);
/* 1 if s[0..n) looks like a command line: a flag, a path, an operator, key=value. */
int rt_shell_like(const char *s, size_t n);
/* Latin words in s[0..n). */
size_t rt_count_words(const char *s, size_t n);
/* 1 if s[0..n) reads as English prose rather than a command line. */
int rt_prose(const char *s, size_t n);
/* 1 if s[0..len) holds something shaped like a resource id ("i-bp1...", "sg-..."). */
int rt_has_id(const char *s, size_t len);

/* ---- payload.c, command.c --------------------------------------------------------------- */
/* Find the payload (shell text to run, file content, names) in q->lower: blank its bytes
 * in q->subject and q->lsub, store the shell text's span in res (folded offsets) and set
 * RT_SIG_PAYLOAD; returns the bytes blanked. Then, once
 * the query is analysed, rt_command_detect sets RT_SIG_COMMAND when it is an imperative on
 * named resources, and q->action to the API action it names (or NULL). */
size_t rt_command_payload(struct rt_query *q, struct rt_result *res);
/* 1 if the query reports what was run or asks why (a failure phrase among q->hits, or a
 * question word) rather than asking for a run, unless it opens with an imperative. */
int rt_command_reported(const struct rt_query *q);
void rt_command_detect(struct rt_query *q, const struct rt_result *res);

/* ---- score.c -------------------------------------------------------------------------- */
/* Skill scores, path bonuses and product evidence of an analysed query. */
void rt_score(const struct rt_query *q, const struct rt_result *res, struct rt_scores *sc);
/* Score the paths of skill s into sc->path; returns the best one's global index and sets
 * *ret_from_cues to 1 when it came from the query rather than the default. */
int rt_choose_path(const struct rt_router *r, const struct rt_query *q,
                   const struct rt_result *res, struct rt_scores *sc, int s, int *ret_from_cues);
/* 1 if skill s has a failure path. */
int rt_skill_fails(const struct rt_prod *x, int s);

/* ---- decide.c ------------------------------------------------------------------------- */
/* Judge the scope, then pick skill and path, confidence and alternatives; fills res and,
 * when dbg is not NULL, the diagnostics. */
void rt_decide(const struct rt_router *r, const struct rt_query *q, struct rt_scores *sc,
               struct rt_result *res, struct rt_debug *dbg);

#endif
