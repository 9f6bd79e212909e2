/* schema_int.h - private interfaces of the JSON Schema validator: the compiled form shared by
 * schema_compile.c and schema.c, and the JSON helpers of schema_json.c (bounded rendering for
 * messages, paths, deep equality, the depth and duplicate-member scan). Layer: skills (private). */
#ifndef SKILLD_SKILLS_SCHEMA_INT_H
#define SKILLD_SKILLS_SCHEMA_INT_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stdint.h>

#include "skills/skills.h"

/* ---- Named limits ------------------------------------------------------------------------
 * Schemas come from our catalogue, instances from clients: every size that grows the work is
 * bounded here, and a hostile instance or pattern ends in a finding, never a hang. */
#define SCHEMA_DEPTH_MAX 64         /* nested objects and arrays in a schema or an instance */
#define SCHEMA_QUOTE_MAX 60         /* code points of a quoted value or name in a message */
#define SCHEMA_PATTERN_SHOWN 100    /* code points of a pattern in a message */
#define SCHEMA_PATH_SHOWN 160       /* bytes of a field path in a message (the tail is kept) */
#define SCHEMA_ENUM_SHOWN 200       /* bytes of the allowed-values list in an enum message */
#define SCHEMA_MATCH_LIMIT 100000u  /* pcre2_match calls of the matcher per match */
#define SCHEMA_MATCH_DEPTH 1000u    /* pcre2 backtracking depth per match */
#define SCHEMA_MATCH_HEAP_KIB 1024u /* pcre2 heap per match, KiB */
#define SCHEMA_DIALECT "https://json-schema.org/draft/2020-12/schema"

/* Buffers that hold any rendering above (a code point takes at most 6 bytes, as \u001f). */
#define SCHEMA_VALUE_BUF (SCHEMA_QUOTE_MAX * 6 + 16)
#define SCHEMA_PATH_BUF (SCHEMA_PATH_SHOWN + 8)

/* ---- The compiled schema ------------------------------------------------------------------ */

/* Instance types as a bit set ("integer" is a number with no fractional part). */
enum {
    ST_NULL = 1u << 0,
    ST_BOOLEAN = 1u << 1,
    ST_OBJECT = 1u << 2,
    ST_ARRAY = 1u << 3,
    ST_NUMBER = 1u << 4,
    ST_STRING = 1u << 5,
    ST_INTEGER = 1u << 6,
    ST_PRESENT = 1u << 7, /* in snode.types: the type keyword is there */
};

/* The numeric bounds; a bound is present when its bit is in snode.bounds. */
enum sbound {
    SB_MIN_LENGTH,
    SB_MAX_LENGTH,
    SB_MINIMUM,
    SB_MAXIMUM,
    SB_EXCL_MINIMUM,
    SB_EXCL_MAXIMUM,
    SB_MULTIPLE_OF,
    SB_MIN_ITEMS,
    SB_MAX_ITEMS,
    SB_MIN_PROPERTIES,
    SB_MAX_PROPERTIES,
    SB__COUNT
};

/* The keywords that hold one subschema. */
enum ssub { SS_ADDITIONAL, SS_ITEMS, SS_NOT, SS__COUNT };

/* The keywords that hold a non-empty array of subschemas. */
enum slist { SL_PREFIX_ITEMS, SL_ALL_OF, SL_ANY_OF, SL_ONE_OF, SL__COUNT };

struct snode;

/* A compiled regular expression with its source (for messages). */
struct spattern {
    char *source;   /* owned, the schema's text */
    pcre2_code *re; /* owned */
};

struct sprop {
    char *name;           /* owned */
    struct snode *schema; /* owned */
};

struct spatprop {
    struct spattern pat;
    struct snode *schema; /* owned */
};

struct slist_v {
    struct snode **v; /* owned array of owned nodes */
    size_t n;
};

/* One schema. A boolean schema has is_bool set and only accept is read. Everything is owned
 * by the node and freed by snode_free; nothing points back into the source cJSON tree. */
struct snode {
    int is_bool, accept;
    unsigned types;          /* ST_* bits and ST_PRESENT; 0: the type keyword is absent */
    unsigned bounds;         /* 1u << SB_* for each bound present */
    double bound[SB__COUNT]; /* the values of the present bounds */
    int unique_items;        /* uniqueItems: true */
    struct sprop *props;     /* properties, sorted by name (strcmp) for bsearch */
    size_t nprops;
    struct spatprop *patprops; /* patternProperties, in schema order */
    size_t npatprops;
    char **required; /* owned strings, schema order */
    size_t nrequired;
    cJSON *enum_values;      /* owned copy of the enum array, or NULL */
    cJSON *const_value;      /* owned copy of const, or NULL when absent */
    struct spattern pattern; /* re NULL: absent */
    struct snode *sub[SS__COUNT];
    struct slist_v list[SL__COUNT];
};

struct sk_schema {
    struct snode *root;
    pcre2_general_context *gctx; /* PCRE2 allocates through xmalloc (out of memory aborts) */
    pcre2_match_context *mctx;   /* the match limits, shared read-only by every validation */
};

void snode_free(struct snode *n);

/* ---- Paths ------------------------------------------------------------------------------
 * A path is a stack of segments: a member name, or an array index when name is NULL.
 * Rendered "Tags[2].Key"; names that are not plain identifiers are quoted: Tags["a.b"]. */
struct spath_seg {
    const char *name; /* borrowed */
    size_t index;
};

struct spath {
    struct spath_seg seg[SCHEMA_DEPTH_MAX + 2];
    size_t n;
};

/* Push a segment (ignored past the stack's size: the depth limits stop work before). */
void spath_push_name(struct spath *p, const char *name);
void spath_push_index(struct spath *p, size_t index);
void spath_pop(struct spath *p);
/* Render into out (NUL-terminated, valid UTF-8); "(root)" for the empty path. A path longer
 * than SCHEMA_PATH_SHOWN bytes keeps its tail after "…". */
void spath_render(const struct spath *p, char *out, size_t cap);

/* ---- Rendering for messages -------------------------------------------------------------
 * Everything rendered is valid UTF-8 with no raw control character: C0, DEL and C1 controls
 * are escaped as in JSON, invalid bytes become U+FFFD, and at most max_cp code points of text
 * are shown, then "…". The output is always NUL-terminated and cut at a character boundary. */

/* s[0..len) as text; quoted adds JSON string quotes. */
void sjson_text(const char *s, size_t len, size_t max_cp, int quoted, char *out, size_t cap);
/* A JSON value in compact form, at most SCHEMA_QUOTE_MAX code points. */
void sjson_value(const cJSON *v, char *out, size_t cap);
/* A number the way JSON would write it (shortest form that reads back the same). */
void sjson_number(double d, char *out, size_t cap);
/* Cut a NUL-terminated string that was valid UTF-8 before a byte cut at a character
 * boundary. */
void sjson_trim_utf8(char *s);

/* ---- JSON helpers ------------------------------------------------------------------------ */

/* ST_* bit of a value's type (numbers: ST_NUMBER, plus ST_INTEGER when integral); 0 for a
 * cJSON node that is no JSON value (cJSON_Raw, cJSON_Invalid). */
unsigned sjson_type(const cJSON *v);
/* The ST_* bit of a type name of the type keyword ("integer"), or 0 for an unknown name. */
unsigned sjson_type_bit(const char *name);
/* The name of one ST_* bit: bare ("integer") or with its article ("an integer"). */
const char *sjson_type_word(unsigned bit, int article);

/* Deep equality as JSON Schema defines it: numbers by value (1 and 1.0 are equal), objects by
 * their members regardless of order. Both values must be within the depth limit and free of
 * duplicate member names (the scan checks instances; compilation checks schemas). */
int sjson_equal(const cJSON *a, const cJSON *b);
/* A hash consistent with sjson_equal (equal values hash equal). */
uint64_t sjson_hash(const cJSON *v);

/* What the scan reports; return nonzero to stop the scan. */
struct sjson_scan_cb {
    void *ctx;
    /* a member name that appears more than once in the object at p (p ends with the name) */
    int (*duplicate)(void *ctx, const struct spath *p);
    /* an object or array at p nested deeper than SCHEMA_DEPTH_MAX; not visited further */
    int (*too_deep)(void *ctx, const struct spath *p);
};

/* Visit every value under v and report duplicate member names (once per name and object) and
 * objects or arrays nested more than SCHEMA_DEPTH_MAX deep (v itself is at depth 1). p holds
 * the path of v and is restored on return. Returns nonzero if a callback stopped it. */
int sjson_scan(const cJSON *v, struct spath *p, const struct sjson_scan_cb *cb);

#endif
