/* kb_int.h - private to knowledge/: the model container, the file list the loader reads
 * (embedded or from a folder) and the problem report shared by loader and checker. */
#ifndef SKILLD_KNOWLEDGE_KB_INT_H
#define SKILLD_KNOWLEDGE_KB_INT_H

#include "knowledge/kb.h"

struct kb {
    struct kb_product *products; /* products[0..n), sorted by id */
    size_t n;
};

/* One knowledge file: "ecs/_product.json" and its bytes (not NUL-terminated). */
struct kb_file {
    const char *name;
    const char *data;
    size_t len;
};

/* Where problems go: each is one line in out (when out is not NULL) and counted. */
struct kb_report {
    struct buf *out;
    size_t count;
};

void kb_problem(struct kb_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- Parsing helpers shared by the loaders (load.c, tools.c) ------------------------ */
struct cJSON;

/* Parsing context: the file being read and where problems go. */
struct kb_ctx {
    const char *file;
    struct kb_report *rep;
    int bad; /* structural problems in this file */
};

/* Report a problem "file: where: what" and count it against the file. */
void kb_bad(struct kb_ctx *c, const char *where, const char *what);
/* A string field (where.key); "" when absent and optional, NULL (and a problem) when
 * required and absent or of another type. The caller owns the result. */
char *kb_get_str(struct kb_ctx *c, const struct cJSON *o, const char *key, int required,
                 const char *where);
/* A nullable string field: NULL when absent or null. */
char *kb_get_opt_str(struct kb_ctx *c, const struct cJSON *o, const char *key, const char *where);
/* A list of strings; empty when absent. */
void kb_get_strs(struct kb_ctx *c, const struct cJSON *o, const char *key, const char *where,
                 struct kb_strs *ret);
/* An array field; NULL (and no problem) when absent or null. */
const struct cJSON *kb_get_arr(struct kb_ctx *c, const struct cJSON *o, const char *key,
                               const char *where);
void kb_strs_free(struct kb_strs *s);

/* ---- The tool catalogue (tools.c) ---------------------------------------------------- */

/* Parse _tools.json into p->tools (once per product; a second file is a problem). With
 * partial, entries with problems are dropped instead of kept. */
void kb_tools_parse(struct kb_ctx *c, const struct cJSON *j, struct kb_product *p);
/* Once every file of p is parsed: resolve each tool limit to its kb_limit and each path's
 * tool names to catalogue entries. Problems (an unknown limit id) are reported to rep
 * naming the tool; returns their number. */
int kb_tools_link(struct kb_product *p, struct kb_report *rep);
/* Free the catalogue of p. */
void kb_tools_release(struct kb_product *p);

/* Build the model from files (grouped by the folder before the first '/'). Every
 * structural problem is reported to rep; returns ERR_PARSE (with e set to the first one)
 * if there was any, else ERR_OK with *ret filled. With partial, *ret is filled even on
 * ERR_PARSE, holding the well-formed skills only (for the checker). */
err_code kb_build(const struct kb_file *files, size_t n, struct kb_report *rep, int partial,
                  struct kb **ret, struct err *e);

/* The embedded files (generated at build time by embed.cmake). */
extern const struct kb_file kb_embedded_files[];
extern const size_t kb_embedded_count;

/* Read the files of dir (see kb_load_dir) into a new array of *ret_n files, each name and
 * data owned by the array; free with kb_files_free. */
err_code kb_files_read(const char *dir, struct kb_file **ret, size_t *ret_n, struct err *e);
void kb_files_free(struct kb_file *files, size_t n);

/* Semantic checks of a built model (labels, ids, tools, reachability). */
void kb_check_model(const struct kb *kb, struct kb_report *rep);
/* The catalogue rules of knowledge/SCHEMA.md for the tools of p (check_tools.c). */
void kb_check_tools(const struct kb_product *p, struct kb_report *rep);
/* String hygiene: non-empty, valid UTF-8, no control characters; lists without duplicates. */
void kb_check_string(struct kb_report *r, const char *file, const char *where, const char *s);
void kb_check_strs(struct kb_report *r, const char *file, const char *where,
                   const struct kb_strs *l);

#endif
