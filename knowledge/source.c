/* source.c - where knowledge files come from: the copy embedded at build time, or a folder
 * given with --knowledge. Layer: knowledge. */
#include "knowledge/kb_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

err_code kb_load_embedded(struct kb **ret, struct err *e)
{
    if (kb_embedded_count == 0)
        return err_set(e, ERR_NOT_FOUND, "no knowledge was embedded at build time");
    return kb_build(kb_embedded_files, kb_embedded_count, NULL, 0, ret, e);
}

/* Read one whole file (bounded by KB_FILE_MAX). */
static err_code read_file(const char *path, char **ret, size_t *ret_len, struct err *e)
{
    err_code rc = ERR_OK;
    struct buf b;
    buf_init(&b, KB_FILE_MAX);
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot open %s: %s", path, strerror(errno));
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, n) != ERR_OK) {
            rc = err_set(e, ERR_TOO_BIG, "%s is larger than %d bytes", path, KB_FILE_MAX);
            goto cleanup;
        }
    }
    if (ferror(f)) {
        rc = err_set(e, ERR_IO, "cannot read %s", path);
        goto cleanup;
    }
    *ret = buf_steal(&b, ret_len);
cleanup:
    fclose(f);
    buf_release(&b);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the entries of dir that satisfy want (NULL: all but dot files). */
static err_code list_dir(const char *dir, int want_dirs, char ***ret, size_t *ret_n,
                         struct err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, ERR_IO, "cannot open folder %s: %s", dir, strerror(errno));
    size_t n = 0, cap = 16;
    char **names = xcalloc(cap, sizeof *names);
    err_code rc = ERR_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *full = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        int is_dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        int is_reg = stat(full, &st) == 0 && S_ISREG(st.st_mode);
        free(full);
        size_t len = strlen(de->d_name);
        int ok = want_dirs ? is_dir
                           : is_reg && len > 5 && strcmp(de->d_name + len - 5, ".json") == 0;
        if (!ok)
            continue;
        if (n == KB_FILES_MAX) {
            rc = err_set(e, ERR_TOO_BIG, "more than %d entries in %s", KB_FILES_MAX, dir);
            break;
        }
        if (n == cap) {
            cap *= 2;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    *ret = names;
    *ret_n = n;
    return rc;
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

void kb_files_free(struct kb_file *files, size_t n)
{
    for (size_t i = 0; files && i < n; i++) {
        free((char *)files[i].name);
        free((char *)files[i].data);
    }
    free(files);
}

/* Append the .json files of one product folder as "<product>/<file>". */
static err_code read_product(const char *path, const char *product, struct kb_file **files,
                             size_t *n, size_t *cap, struct err *e)
{
    char **names = NULL;
    size_t nn = 0;
    err_code rc = list_dir(path, 0, &names, &nn, e);
    for (size_t i = 0; rc == ERR_OK && i < nn; i++) {
        if (*n == *cap) {
            *cap *= 2;
            *files = xrealloc(*files, *cap * sizeof **files);
        }
        char *full = xasprintf("%s/%s", path, names[i]);
        char *data = NULL;
        size_t len = 0;
        rc = read_file(full, &data, &len, e);
        free(full);
        if (rc == ERR_OK) {
            (*files)[*n].name = xasprintf("%s/%s", product, names[i]);
            (*files)[*n].data = data;
            (*files)[*n].len = len;
            (*n)++;
        }
    }
    names_free(names, nn);
    return rc;
}

/* The last path component of dir, without trailing slashes. */
static char *base_name(const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    size_t s = len;
    while (s > 0 && dir[s - 1] != '/')
        s--;
    return xstrndup(dir + s, len - s);
}

err_code kb_files_read(const char *dir, struct kb_file **ret, size_t *ret_n, struct err *e)
{
    size_t n = 0, cap = 16;
    struct kb_file *files = xcalloc(cap, sizeof *files);
    char **subs = NULL;
    size_t nsubs = 0;
    err_code rc = ERR_OK;
    char *probe = xasprintf("%s/_product.json", dir);
    struct stat st;
    int single = stat(probe, &st) == 0;
    free(probe);
    if (single) {
        char *product = base_name(dir);
        rc = read_product(dir, product, &files, &n, &cap, e);
        free(product);
        goto cleanup;
    }
    rc = list_dir(dir, 1, &subs, &nsubs, e);
    if (rc == ERR_OK && nsubs > KB_PRODUCTS_MAX)
        rc = err_set(e, ERR_TOO_BIG, "more than %d product folders in %s", KB_PRODUCTS_MAX, dir);
    for (size_t i = 0; rc == ERR_OK && i < nsubs; i++) {
        char *path = xasprintf("%s/%s", dir, subs[i]);
        char *probe2 = xasprintf("%s/_product.json", path);
        int is_product = stat(probe2, &st) == 0;
        free(probe2);
        if (is_product)
            rc = read_product(path, subs[i], &files, &n, &cap, e);
        free(path);
    }
cleanup:
    names_free(subs, nsubs);
    if (rc != ERR_OK) {
        kb_files_free(files, n);
        return rc;
    }
    *ret = files;
    *ret_n = n;
    return ERR_OK;
}

err_code kb_load_dir(const char *dir, struct kb **ret, struct err *e)
{
    struct kb_file *files = NULL;
    size_t n = 0;
    err_code rc = kb_files_read(dir, &files, &n, e);
    if (rc != ERR_OK)
        return rc;
    if (n == 0)
        rc = err_set(e, ERR_NOT_FOUND, "no product folder with a _product.json in %s", dir);
    else
        rc = kb_build(files, n, NULL, 0, ret, e);
    kb_files_free(files, n);
    return rc;
}
