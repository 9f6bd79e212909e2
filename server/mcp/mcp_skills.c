/* mcp_skills.c - the skills extension (io.modelcontextprotocol/skills, SEP-2640): skills
 * registered as directories of files, skills/list, skills/get, resources/directory/read, and
 * the skill files for resources/read and resources/list. Layer: server/mcp. Registration
 * happens before serving; afterwards the rows are read-only and need no lock. */
#include "server/mcp/mcp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SKILL_SCHEME "skill://"
#define SKILL_MD "SKILL.md"
#define DIR_MIME "inode/directory"

/* ---- Registration ------------------------------------------------------------------------------*/

/* Agent Skills names: 1..64 of [a-z0-9-], no leading, trailing or double hyphen. */
static int name_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len == 0 || len > 64 || n[0] == '-' || n[len - 1] == '-' || strstr(n, "--"))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '-'))
            return 0;
    return 1;
}

/* A relative path of segments [A-Za-z0-9._-]+, none "." or "..", at most 255 bytes. */
static int path_ok(const char *p)
{
    size_t len = p ? strlen(p) : 0;
    if (len == 0 || len > 255 || p[0] == '/' || p[len - 1] == '/')
        return 0;
    for (const char *seg = p; *seg;) {
        size_t n = strcspn(seg, "/");
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        for (size_t i = 0; i < n; i++) {
            char ch = seg[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
                return 0;
        }
        seg += n + (seg[n] == '/');
    }
    return 1;
}

static int digest_ok(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
        return 0;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

static void skill_row_free(struct mcp_skill_row *r)
{
    free(r->name);
    free(r->title);
    free(r->description);
    free(r->uri);
    cJSON_Delete(r->frontmatter);
    for (size_t i = 0; i < r->nfiles; i++) {
        struct mcp_skill_file_row *f = &r->files[i];
        free(f->path);
        free(f->uri);
        free(f->mime_type);
        free(f->text);
        free(f->digest);
    }
    free(r->files);
}

void mcp_skills_free(mcp_engine *e)
{
    for (size_t i = 0; i < e->skills.n; i++)
        skill_row_free(&e->skills.v[i]);
    free(e->skills.v);
    e->skills.v = NULL;
    e->skills.n = e->skills.cap = 0;
}

/* The checks of one skill; ERR_OK or the first problem, naming the skill and the file. */
static err_code skill_check(const mcp_engine *engine, const struct mcp_skill *s, cJSON *fm,
                            struct err *e)
{
    if (!name_ok(s->name))
        return err_set(e, ERR_INVALID, "skill '%.64s': a name is 1 to 64 of a-z 0-9 - (no "
                       "leading, trailing or double hyphen)", s->name ? s->name : "");
    for (size_t i = 0; i < engine->skills.n; i++)
        if (strcmp(engine->skills.v[i].name, s->name) == 0)
            return err_set(e, ERR_EXISTS, "skill '%s' is registered already", s->name);
    if (!s->description || !*s->description)
        return err_set(e, ERR_INVALID, "skill '%s': the description is missing", s->name);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(fm, "name");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(fm, "description");
    if (!cJSON_IsObject(fm) || !cJSON_IsString(n) || strcmp(n->valuestring, s->name) != 0 ||
        !cJSON_IsString(d) || strcmp(d->valuestring, s->description) != 0)
        return err_set(e, ERR_INVALID, "skill '%s': the frontmatter must be a JSON object whose "
                       "name and description are the skill's", s->name);
    if (s->nfiles == 0 || s->nfiles > MCP_SKILL_FILES_MAX || !s->files)
        return err_set(e, ERR_INVALID, "skill '%s': 1 to %d files", s->name, MCP_SKILL_FILES_MAX);
    long total = 0;
    int manifest = 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        const struct mcp_skill_file *f = &s->files[i];
        if (!path_ok(f->path))
            return err_set(e, ERR_INVALID, "skill '%s': file %zu has a bad path", s->name, i);
        if (!f->text || !utf8_valid(f->text, strlen(f->text)) || !f->mime_type || !*f->mime_type)
            return err_set(e, ERR_INVALID, "skill '%s': file '%s' needs UTF-8 text and a "
                           "mimeType", s->name, f->path);
        if (!digest_ok(f->digest))
            return err_set(e, ERR_INVALID, "skill '%s': file '%s': the digest must be sha256: and "
                           "64 lowercase hex digits", s->name, f->path);
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->files[k].path, f->path) == 0)
                return err_set(e, ERR_EXISTS, "skill '%s': file '%s' is given twice", s->name,
                               f->path);
        manifest += strcmp(f->path, SKILL_MD) == 0;
        total += (long)strlen(f->text);
    }
    if (!manifest)
        return err_set(e, ERR_INVALID, "skill '%s': no " SKILL_MD, s->name);
    if (total > MCP_SKILL_BYTES_MAX)
        return err_set(e, ERR_LIMIT, "skill '%s': files over %ld bytes", s->name,
                       (long)MCP_SKILL_BYTES_MAX);
    return ERR_OK;
}

err_code mcp_engine_add_skill(mcp_engine *engine, const struct mcp_skill *s, struct err *e)
{
    if (!s)
        return err_set(e, ERR_INVALID, "skill (no row): nothing to register");
    cJSON *fm = s->frontmatter ? cJSON_Parse(s->frontmatter) : NULL;
    err_code rc = skill_check(engine, s, fm, e);
    if (rc != ERR_OK) {
        cJSON_Delete(fm);
        return rc;
    }
    if (engine->skills.n == engine->skills.cap) {
        engine->skills.cap = engine->skills.cap ? 2 * engine->skills.cap : 8;
        engine->skills.v = xrealloc(engine->skills.v, engine->skills.cap * sizeof *engine->skills.v);
    }
    struct mcp_skill_row *r = &engine->skills.v[engine->skills.n++];
    memset(r, 0, sizeof *r);
    r->name = xstrdup(s->name);
    r->title = s->title ? xstrdup(s->title) : NULL;
    r->description = xstrdup(s->description);
    r->uri = xasprintf(SKILL_SCHEME "%s/" SKILL_MD, s->name);
    r->frontmatter = fm;
    r->files = xcalloc(s->nfiles, sizeof *r->files);
    /* SKILL.md first, the others in the order given. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->nfiles; i++) {
            const struct mcp_skill_file *f = &s->files[i];
            if ((strcmp(f->path, SKILL_MD) == 0) != (pass == 0))
                continue;
            struct mcp_skill_file_row *x = &r->files[r->nfiles++];
            x->path = xstrdup(f->path);
            x->uri = xasprintf(SKILL_SCHEME "%s/%s", s->name, f->path);
            x->mime_type = xstrdup(f->mime_type);
            x->text = xstrdup(f->text);
            x->digest = xstrdup(f->digest);
            x->size = strlen(f->text);
        }
    return ERR_OK;
}

/* ---- Lookups -----------------------------------------------------------------------------------*/

static const struct mcp_skill_row *skill_by_uri(const mcp_engine *e, const char *uri)
{
    for (size_t i = 0; uri && i < e->skills.n; i++)
        if (strcmp(e->skills.v[i].uri, uri) == 0)
            return &e->skills.v[i];
    return NULL;
}

static const struct mcp_skill_file_row *file_by_uri(const mcp_engine *e, const char *uri)
{
    if (!uri || strncmp(uri, SKILL_SCHEME, strlen(SKILL_SCHEME)) != 0)
        return NULL;
    for (size_t i = 0; i < e->skills.n; i++)
        for (size_t k = 0; k < e->skills.v[i].nfiles; k++)
            if (strcmp(e->skills.v[i].files[k].uri, uri) == 0)
                return &e->skills.v[i].files[k];
    return NULL;
}

/* The skill whose directory uri names (skill://<name>[/<dir>][/]) and, in *ret_dir, the
 * directory's path inside it ("" for the top); NULL when uri names no directory of a skill
 * (a file, or nothing). */
static const struct mcp_skill_row *dir_by_uri(const mcp_engine *e, const char *uri, char *dir,
                                              size_t cap)
{
    size_t sl = strlen(SKILL_SCHEME);
    if (!uri || strncmp(uri, SKILL_SCHEME, sl) != 0)
        return NULL;
    const char *rest = uri + sl;
    for (size_t i = 0; i < e->skills.n; i++) {
        const struct mcp_skill_row *r = &e->skills.v[i];
        size_t nl = strlen(r->name);
        if (strncmp(rest, r->name, nl) != 0 || (rest[nl] && rest[nl] != '/'))
            continue;
        const char *d = rest[nl] ? rest + nl + 1 : "";
        size_t dl = strlen(d);
        if (dl && d[dl - 1] == '/')
            dl--;
        if (dl >= cap)
            return NULL;
        memcpy(dir, d, dl);
        dir[dl] = '\0';
        if (!dl)
            return r;
        for (size_t k = 0; k < r->nfiles; k++) /* a directory holds at least one file */
            if (strncmp(r->files[k].path, dir, dl) == 0 && r->files[k].path[dl] == '/')
                return r;
        return NULL;
    }
    return NULL;
}

/* ---- Methods -----------------------------------------------------------------------------------*/

static cJSON *entry_json(const struct mcp_skill_row *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "uri", r->uri);
    cJSON_AddItemToObject(o, "frontmatter", cJSON_Duplicate(r->frontmatter, 1));
    cJSON *res = cJSON_AddArrayToObject(o, "resources");
    for (size_t i = 0; i < r->nfiles; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "uri", r->files[i].uri);
        cJSON_AddStringToObject(f, "digest", r->files[i].digest);
        cJSON_AddNumberToObject(f, "size", (double)r->files[i].size);
        cJSON_AddItemToArray(res, f);
    }
    return o;
}

/* 1 when the engine serves skills; else a's -32601 (the extension is not declared). */
static int serving(const mcp_call *c, struct mcp_answer *a)
{
    if (c->engine->skills.n)
        return 1;
    mcp_answer_error(a, MCP_METHOD_NOT_FOUND, "Method not found: %s", c->method);
    return 0;
}

void mcp_m_skills_list(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const mcp_engine *e = c->engine;
    size_t start;
    if (!serving(c, a) || mcp_page_start(params, 's', e->skills.n, a, &start) < 0)
        return;
    size_t end = start + e->cfg.page_size < e->skills.n ? start + e->cfg.page_size : e->skills.n;
    cJSON *r = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(r, "skills");
    for (size_t i = start; i < end; i++)
        cJSON_AddItemToArray(list, entry_json(&e->skills.v[i]));
    mcp_page_finish(r, 's', end, e->skills.n);
    a->result = r;
}

/* params.uri, or NULL with a's -32602 set. */
static const char *uri_of(const cJSON *params, struct mcp_answer *a)
{
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(params, "uri");
    if (cJSON_IsString(uri) && uri->valuestring[0] && strlen(uri->valuestring) <= MCP_MAX_URI_LEN)
        return uri->valuestring;
    mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: uri must be a non-empty string of at "
                     "most %d bytes", MCP_MAX_URI_LEN);
    return NULL;
}

static void not_found(struct mcp_answer *a, const char *what, const char *uri)
{
    mcp_answer_error(a, MCP_INVALID_PARAMS, "%s: %.200s", what, uri);
    a->data = cJSON_CreateObject();
    cJSON_AddStringToObject(a->data, "uri", uri);
}

void mcp_m_skills_get(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    const char *uri = serving(c, a) ? uri_of(params, a) : NULL;
    if (!uri)
        return;
    const struct mcp_skill_row *r = skill_by_uri(c->engine, uri);
    if (!r) {
        not_found(a, "Unknown skill", uri);
        return;
    }
    a->result = cJSON_CreateObject();
    cJSON_AddItemToObject(a->result, "skill", entry_json(r));
}

/* Add a child {uri, name, mimeType[, size]} to list unless one with that uri is there. */
static void add_child(cJSON *list, const char *uri, const char *name, const char *mime,
                      long size)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(it, "uri")->valuestring, uri) == 0)
            return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "uri", uri);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "mimeType", mime);
    if (size >= 0)
        cJSON_AddNumberToObject(o, "size", (double)size);
    cJSON_AddItemToArray(list, o);
}

void mcp_m_directory_read(mcp_call *c, const cJSON *params, struct mcp_answer *a)
{
    char dir[256];
    const char *uri = serving(c, a) ? uri_of(params, a) : NULL;
    if (!uri)
        return;
    const struct mcp_skill_row *r = dir_by_uri(c->engine, uri, dir, sizeof dir);
    if (!r) {
        not_found(a, "Not a directory", uri);
        return;
    }
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(params, "cursor");
    if (cur && !cJSON_IsNull(cur)) { /* every directory fits one page: no cursor is issued */
        mcp_answer_error(a, MCP_INVALID_PARAMS, "Invalid params: invalid cursor");
        return;
    }
    size_t dl = strlen(dir);
    cJSON *res = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(res, "resources");
    for (size_t i = 0; i < r->nfiles; i++) {
        const struct mcp_skill_file_row *f = &r->files[i];
        if (dl && (strncmp(f->path, dir, dl) != 0 || f->path[dl] != '/'))
            continue;
        const char *rest = f->path + (dl ? dl + 1 : 0);
        const char *slash = strchr(rest, '/');
        if (!slash) {
            add_child(list, f->uri, rest, f->mime_type, (long)f->size);
            continue;
        }
        char *sub = xasprintf(SKILL_SCHEME "%s/%.*s", r->name, (int)(slash - f->path), f->path);
        char *name = xstrndup(rest, (size_t)(slash - rest));
        add_child(list, sub, name, DIR_MIME, -1);
        free(sub);
        free(name);
    }
    a->result = res;
}

int mcp_skills_read(mcp_call *c, const char *uri, struct mcp_answer *a)
{
    const struct mcp_skill_file_row *f = file_by_uri(c->engine, uri);
    if (!f)
        return 0;
    cJSON *contents = cJSON_CreateArray();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "uri", f->uri);
    cJSON_AddStringToObject(o, "mimeType", f->mime_type);
    cJSON_AddStringToObject(o, "text", f->text);
    cJSON_AddItemToArray(contents, o);
    a->result = cJSON_CreateObject();
    cJSON_AddItemToObject(a->result, "contents", contents);
    return 1;
}

cJSON *mcp_skill_resource(const mcp_call *c, size_t i)
{
    const struct mcp_skill_row *r = &c->engine->skills.v[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "uri", r->uri);
    cJSON_AddStringToObject(o, "name", r->name);
    if (r->title && mcp_call_at_least(c, "2025-06-18"))
        cJSON_AddStringToObject(o, "title", r->title);
    cJSON_AddStringToObject(o, "description", r->description);
    cJSON_AddStringToObject(o, "mimeType", r->files[0].mime_type);
    if (mcp_call_at_least(c, "2025-06-18"))
        cJSON_AddNumberToObject(o, "size", (double)r->files[0].size);
    return o;
}
