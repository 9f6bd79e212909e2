/* skillpack.c - each skill of the knowledge served as an Agent Skill: registered into the MCP
 * engine for the skills extension (skill://<id>/SKILL.md and its references, with sha256
 * digests), and the same files over plain HTTP at /skills/<product>/<id>/ for hosts that
 * load skills from disk. Layer: server/app (the files come from router/skillpack.c; the
 * digests from OpenSSL, which the engine does not link). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/kb.h"
#include "router/router.h"
#include "server/app/app.h"

#define SKILLS_PREFIX "/skills/"
#define MARKDOWN_TYPE "text/markdown; charset=utf-8"

/* "sha256:" + 64 lowercase hex digits of text. */
static void digest_of(const char *text, char out[7 + 64 + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL);
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* ---- MCP ------------------------------------------------------------------------------------*/

static err_code register_skill(struct app *a, const struct kb_product *p, const struct kb_skill *s,
                               struct err *e)
{
    struct rt_skill_file files[RT_SKILL_FILES_MAX];
    struct mcp_skill_file rows[RT_SKILL_FILES_MAX];
    char digests[RT_SKILL_FILES_MAX][7 + 64 + 1];
    size_t n = rt_skill_files(p, s, files);
    for (size_t i = 0; i < n; i++) {
        digest_of(files[i].text, digests[i]);
        rows[i] = (struct mcp_skill_file){.path = files[i].path, .mime_type = files[i].mime_type,
                                          .text = files[i].text, .digest = digests[i]};
    }
    cJSON *fm = rt_skill_frontmatter(p, s);
    char *fm_text = cJSON_PrintUnformatted(fm);
    struct mcp_skill skill = {
        .name = s->id,
        .title = s->title,
        .description = cJSON_GetObjectItemCaseSensitive(fm, "description")->valuestring,
        .frontmatter = fm_text,
        .files = rows,
        .nfiles = n,
    };
    err_code rc = mcp_engine_add_skill(a->mcp, &skill, e);
    cJSON_free(fm_text);
    cJSON_Delete(fm);
    rt_skill_files_free(files, n);
    return rc;
}

err_code skillpack_register_mcp(struct app *a, struct err *e)
{
    err_code rc = ERR_OK;
    for (size_t i = 0; i < kb_product_count(a->kb) && rc == ERR_OK; i++) {
        const struct kb_product *p = kb_product_at(a->kb, i);
        for (size_t k = 0; k < p->nskills && rc == ERR_OK; k++)
            rc = register_skill(a, p, &p->skills[k], e);
    }
    return rc;
}

/* ---- HTTP -----------------------------------------------------------------------------------*/

static void reply_error(struct http_response *resp, err_code code, const char *msg)
{
    resp->status = srv_err(code)->http_status;
    resp->body = srv_err_body(code, msg);
}

/* The folder's manifest: where each file is, its size and digest (what skills/list says). */
static char *manifest(const struct kb_product *p, const struct kb_skill *s,
                      const struct rt_skill_file *files, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", s->id);
    cJSON_AddStringToObject(o, "product", p->id);
    char *uri = xasprintf("skill://%s/SKILL.md", s->id);
    cJSON_AddStringToObject(o, "uri", uri);
    free(uri);
    cJSON_AddItemToObject(o, "frontmatter", rt_skill_frontmatter(p, s));
    cJSON *list = cJSON_AddArrayToObject(o, "files");
    for (size_t i = 0; i < n; i++) {
        char d[7 + 64 + 1];
        digest_of(files[i].text, d);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "path", files[i].path);
        char *url = xasprintf(SKILLS_PREFIX "%s/%s/%s", p->id, s->id, files[i].path);
        cJSON_AddStringToObject(f, "url", url);
        free(url);
        cJSON_AddStringToObject(f, "mimeType", files[i].mime_type);
        cJSON_AddNumberToObject(f, "size", (double)strlen(files[i].text));
        cJSON_AddStringToObject(f, "digest", d);
        cJSON_AddItemToArray(list, f);
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* GET /skills/<product>/<id>/[<file>]: a file of the skill, or (no file) its manifest. */
static void ep_skill_file(const struct http_request *req, void *ud, struct http_response *resp)
{
    const struct app *a = ud;
    const char *rest = req->path + strlen(SKILLS_PREFIX);
    const char *slash = strchr(rest, '/');
    char product[65], id[65];
    if (!slash || slash - rest >= (long)sizeof product) {
        reply_error(resp, ERR_NOT_FOUND, "no such skill folder");
        return;
    }
    snprintf(product, sizeof product, "%.*s", (int)(slash - rest), rest);
    rest = slash + 1;
    slash = strchr(rest, '/');
    if (!slash || slash - rest >= (long)sizeof id) {
        reply_error(resp, ERR_NOT_FOUND, "no such skill folder");
        return;
    }
    snprintf(id, sizeof id, "%.*s", (int)(slash - rest), rest);
    const char *file = slash + 1;
    const struct kb_product *p = kb_product_find(a->kb, product);
    const struct kb_skill *s = p ? kb_skill_find(p, id) : NULL;
    if (!s) {
        reply_error(resp, ERR_NOT_FOUND, "no such skill folder");
        return;
    }
    struct rt_skill_file files[RT_SKILL_FILES_MAX];
    size_t n = rt_skill_files(p, s, files);
    if (!*file) {
        resp->status = 200;
        resp->body = manifest(p, s, files, n);
        rt_skill_files_free(files, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(files[i].path, file) == 0) {
            resp->status = 200;
            resp->content_type = MARKDOWN_TYPE;
            resp->body = files[i].text;
            files[i].text = NULL; /* handed to the response */
            rt_skill_files_free(files, n);
            return;
        }
    struct buf msg;
    buf_init(&msg, 4096);
    buf_printf(&msg, "no file '%.100s' in skill %s; its files:", utf8_valid(file, strlen(file))
                                                                     ? file : "?", s->id);
    for (size_t i = 0; i < n; i++)
        buf_printf(&msg, " %s", files[i].path);
    reply_error(resp, ERR_NOT_FOUND, msg.data);
    buf_release(&msg);
    rt_skill_files_free(files, n);
}

size_t skillpack_endpoints(struct app *a, struct http_endpoint *rows, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < kb_product_count(a->kb); i++) {
        const struct kb_product *p = kb_product_at(a->kb, i);
        for (size_t k = 0; k < p->nskills && n < cap && n < SKILLPACK_ROUTES_MAX; k++) {
            char *path = xasprintf(SKILLS_PREFIX "%s/%s/", p->id, p->skills[k].id);
            if (strlen(path) > HTTP_MAX_ROUTE_PATH) {
                free(path); /* cannot be a row; the skill is still served over MCP */
                continue;
            }
            a->skill_routes[a->nskill_routes++] = path;
            rows[n++] = (struct http_endpoint){path, HTTP_GET, ep_skill_file, a};
        }
    }
    return n;
}

void skillpack_release(struct app *a)
{
    for (size_t i = 0; i < a->nskill_routes; i++)
        free(a->skill_routes[i]);
    a->nskill_routes = 0;
}
