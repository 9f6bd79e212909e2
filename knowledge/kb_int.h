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

#endif
