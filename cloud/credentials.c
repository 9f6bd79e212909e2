/* credentials.c - the default credentials chain of the official tooling (environment, aliyun
 * CLI config.json, ~/.alibabacloud/credentials INI), reporting unusable modes instead of
 * skipping them. Layer: cloud. Secrets are wiped from every buffer that held them. */
#include "cloud/cloud.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/crypto.h"

/* What the chain found in one place. */
enum found { FOUND_NOTHING, FOUND_CREDS, FOUND_ERROR };

static void wipe_string(char *s)
{
    if (s)
        cloud_crypto_wipe(s, strlen(s));
}

err_code cloud_credentials_set(struct cloud_credentials *ret, const char *access_key_id,
                               const char *access_key_secret, const char *security_token,
                               const char *source)
{
    memset(ret, 0, sizeof *ret);
    if (!access_key_id || !*access_key_id || !access_key_secret || !*access_key_secret)
        return ERR_INVALID;
    ret->access_key_id = xstrdup(access_key_id);
    ret->access_key_secret = xstrdup(access_key_secret);
    ret->security_token = security_token && *security_token ? xstrdup(security_token) : NULL;
    ret->source = xstrdup(source ? source : "explicit");
    return ERR_OK;
}

void cloud_credentials_release(struct cloud_credentials *c)
{
    if (!c)
        return;
    wipe_string(c->access_key_secret);
    wipe_string(c->security_token);
    free(c->access_key_id);
    free(c->access_key_secret);
    free(c->security_token);
    free(c->source);
    memset(c, 0, sizeof *c);
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Step 1: environment variables; also refuses the OIDC environment, which we cannot use. */
static enum found from_env(struct cloud_credentials *ret, struct err *e)
{
    const char *id = env_nonempty("ALIBABA_CLOUD_ACCESS_KEY_ID");
    const char *secret = env_nonempty("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    if (id && secret) {
        const char *token = env_nonempty("ALIBABA_CLOUD_SECURITY_TOKEN");
        cloud_credentials_set(ret, id, secret, token,
                              token ? "environment variables (STS token)"
                                    : "environment variables");
        return FOUND_CREDS;
    }
    if (id || secret) {
        err_set(e, ERR_INVALID, "credentials: %s is set but %s is empty",
                id ? "ALIBABA_CLOUD_ACCESS_KEY_ID" : "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                id ? "ALIBABA_CLOUD_ACCESS_KEY_SECRET" : "ALIBABA_CLOUD_ACCESS_KEY_ID");
        return FOUND_ERROR;
    }
    if (env_nonempty("ALIBABA_CLOUD_ROLE_ARN") && env_nonempty("ALIBABA_CLOUD_OIDC_PROVIDER_ARN") &&
        env_nonempty("ALIBABA_CLOUD_OIDC_TOKEN_FILE")) {
        err_set(e, ERR_UNSUPPORTED,
                "credentials: the environment selects OIDC role credentials "
                "(ALIBABA_CLOUD_OIDC_PROVIDER_ARN), which skilld does not support; "
                "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET instead");
        return FOUND_ERROR;
    }
    return FOUND_NOTHING;
}

/* Read a whole file of at most CLOUD_MAX_CRED_FILE bytes. FOUND_NOTHING if it does not exist. */
static enum found read_file(const char *path, struct buf *out, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return FOUND_NOTHING;
        err_set(e, ERR_IO, "credentials: cannot read %s: %s", path, strerror(errno));
        return FOUND_ERROR;
    }
    enum found r = FOUND_CREDS;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(out, chunk, n)) {
            err_set(e, ERR_TOO_BIG, "credentials: %s is larger than %d bytes", path,
                    CLOUD_MAX_CRED_FILE);
            r = FOUND_ERROR;
            break;
        }
    }
    if (r == FOUND_CREDS && ferror(f)) {
        err_set(e, ERR_IO, "credentials: cannot read %s", path);
        r = FOUND_ERROR;
    }
    cloud_crypto_wipe(chunk, sizeof chunk);
    fclose(f);
    if (r == FOUND_CREDS)
        buf_puts(out, ""); /* an empty file still yields a string */
    return r;
}

/* The path of a credentials file: the override variable, else $HOME/rel; NULL without HOME. */
static char *file_path(const char *override_var, const char *rel)
{
    const char *over = env_nonempty(override_var);
    if (over)
        return xstrdup(over);
    const char *home = env_nonempty("HOME");
    return home ? xasprintf("%s/%s", home, rel) : NULL;
}

static void wipe_json(cJSON *j)
{
    for (; j; j = j->next) {
        wipe_string(j->valuestring);
        wipe_json(j->child);
    }
}

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* Modes of the aliyun CLI profile we can use. Add a row with its required keys to accept more. */
static const struct {
    const char *mode;
    const char *token_key; /* NULL: long-term AccessKey */
} cli_modes[] = {
    {"AK", NULL},
    {"StsToken", "sts_token"},
};

/* The mode the CLI infers for a profile without "mode" (aliyun-cli config/profile.go). */
static const char *infer_mode(const cJSON *prof)
{
    if (json_str(prof, "access_key_id") && json_str(prof, "access_key_secret")) {
        if (json_str(prof, "ram_role_arn"))
            return "RamRoleArn";
        return json_str(prof, "sts_token") ? "StsToken" : "AK";
    }
    if (json_str(prof, "ram_role_name"))
        return "EcsRamRole";
    if (json_str(prof, "process_command"))
        return "External";
    if (json_str(prof, "oidc_provider_arn"))
        return "OIDC";
    return "";
}

/* Use the selected profile of a parsed config.json. */
static enum found cli_profile(const cJSON *root, const char *path, struct cloud_credentials *ret,
                              struct buf *notes, struct err *e)
{
    const char *want = env_nonempty("ALIBABA_CLOUD_PROFILE");
    if (!want)
        want = json_str(root, "current");
    if (!want)
        want = "default";
    const cJSON *profiles = cJSON_GetObjectItemCaseSensitive(root, "profiles");
    const cJSON *prof = NULL, *it;
    const cJSON *list = cJSON_IsArray(profiles) ? profiles : NULL;
    cJSON_ArrayForEach(it, list)
    {
        const char *name = json_str(it, "name");
        if (name && strcmp(name, want) == 0) {
            prof = it;
            break;
        }
    }
    if (!prof) {
        buf_printf(notes, "; %s: no profile '%s'", path, want);
        return FOUND_NOTHING;
    }
    const char *mode = json_str(prof, "mode");
    if (!mode)
        mode = infer_mode(prof);
    for (size_t i = 0; i < ARRAY_LEN(cli_modes); i++) {
        if (strcasecmp(mode, cli_modes[i].mode) != 0)
            continue;
        const char *id = json_str(prof, "access_key_id");
        const char *secret = json_str(prof, "access_key_secret");
        const char *token = cli_modes[i].token_key ? json_str(prof, cli_modes[i].token_key) : NULL;
        if (!id || !secret || (cli_modes[i].token_key && !token)) {
            err_set(e, ERR_INVALID,
                    "credentials: profile '%s' in %s (mode %s) lacks access_key_id, "
                    "access_key_secret%s",
                    want, path, cli_modes[i].mode, cli_modes[i].token_key ? " or sts_token" : "");
            return FOUND_ERROR;
        }
        char *source = xasprintf("%s profile '%s' (%s)", path, want, cli_modes[i].mode);
        cloud_credentials_set(ret, id, secret, token, source);
        free(source);
        return FOUND_CREDS;
    }
    err_set(e, ERR_UNSUPPORTED,
            "credentials: profile '%s' in %s uses mode '%s', which skilld does not support "
            "(supported: AK, StsToken)",
            want, path, *mode ? mode : "(none)");
    return FOUND_ERROR;
}

/* Step 2: the aliyun CLI's config.json. */
static enum found from_cli_config(struct cloud_credentials *ret, struct buf *notes, struct err *e)
{
    const char *disabled = getenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED");
    if (disabled && strcasecmp(disabled, "true") == 0) {
        buf_puts(notes, "; aliyun CLI profile disabled");
        return FOUND_NOTHING;
    }
    char *path = file_path("ALIBABA_CLOUD_CONFIG_FILE", ".aliyun/config.json");
    if (!path) {
        buf_puts(notes, "; HOME not set");
        return FOUND_NOTHING;
    }
    struct buf text;
    buf_init(&text, CLOUD_MAX_CRED_FILE);
    cJSON *root = NULL;
    enum found r = read_file(path, &text, e);
    if (r == FOUND_NOTHING) {
        buf_printf(notes, "; %s: no such file", path);
        goto cleanup;
    }
    if (r == FOUND_ERROR)
        goto cleanup;
    /* The length includes the terminator: cJSON checks the byte after the value is NUL. */
    if (!memchr(text.data, '\0', text.len))
        root = cJSON_ParseWithLengthOpts(text.data, text.len + 1, NULL, 1);
    if (!cJSON_IsObject(root)) {
        err_set(e, ERR_PARSE, "credentials: %s is not a JSON object", path);
        r = FOUND_ERROR;
        goto cleanup;
    }
    r = cli_profile(root, path, ret, notes, e);

cleanup:
    wipe_json(root);
    cJSON_Delete(root);
    if (text.data)
        cloud_crypto_wipe(text.data, text.len);
    buf_release(&text);
    free(path);
    return r;
}

/* Keys of an INI section we read; the values point into the (mutable) file text. */
struct ini_section {
    const char *type, *id, *secret, *token;
    int seen; /* the section exists */
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Parse text in place, filling *sec with the keys of section `want`. */
static void ini_scan(char *text, const char *want, struct ini_section *sec)
{
    int inside = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line = trim(line);
        if (!*line || *line == '#' || *line == ';')
            continue;
        size_t n = strlen(line);
        if (line[0] == '[' && line[n - 1] == ']') {
            line[n - 1] = '\0';
            inside = strcmp(trim(line + 1), want) == 0;
            sec->seen |= inside;
            continue;
        }
        char *eq = strchr(line, '=');
        if (!inside || !eq)
            continue;
        *eq = '\0';
        const char *key = trim(line), *value = trim(eq + 1);
        if (strcmp(key, "type") == 0)
            sec->type = value;
        else if (strcmp(key, "access_key_id") == 0)
            sec->id = value;
        else if (strcmp(key, "access_key_secret") == 0)
            sec->secret = value;
        else if (strcmp(key, "security_token") == 0)
            sec->token = value;
    }
}

/* Types of an INI section we can use. Add a row to accept another. */
static const struct {
    const char *type;
    int needs_token;
} ini_types[] = {
    {"access_key", 0},
    {"sts", 1},
};

static enum found ini_section_use(const struct ini_section *s, const char *path, const char *want,
                                  struct cloud_credentials *ret, struct err *e)
{
    const char *type = s->type ? s->type : "";
    for (size_t i = 0; i < ARRAY_LEN(ini_types); i++) {
        if (strcmp(type, ini_types[i].type) != 0)
            continue;
        int need = ini_types[i].needs_token;
        if (!s->id || !*s->id || !s->secret || !*s->secret || (need && (!s->token || !*s->token))) {
            err_set(e, ERR_INVALID,
                    "credentials: section [%s] of %s (type %s) lacks access_key_id, "
                    "access_key_secret%s",
                    want, path, type, need ? " or security_token" : "");
            return FOUND_ERROR;
        }
        char *source = xasprintf("%s profile '%s' (%s)", path, want, type);
        cloud_credentials_set(ret, s->id, s->secret, need ? s->token : NULL, source);
        free(source);
        return FOUND_CREDS;
    }
    err_set(e, ERR_UNSUPPORTED,
            "credentials: section [%s] of %s has type '%s', which skilld does not support "
            "(supported: access_key, sts)",
            want, path, *type ? type : "(none)");
    return FOUND_ERROR;
}

/* Step 3: ~/.alibabacloud/credentials. */
static enum found from_ini(struct cloud_credentials *ret, struct buf *notes, struct err *e)
{
    char *path = file_path("ALIBABA_CLOUD_CREDENTIALS_FILE", ".alibabacloud/credentials");
    if (!path)
        return FOUND_NOTHING; /* "HOME not set" is noted once already */
    const char *want = env_nonempty("ALIBABA_CLOUD_PROFILE");
    if (!want)
        want = "default";
    struct buf text;
    buf_init(&text, CLOUD_MAX_CRED_FILE);
    enum found r = read_file(path, &text, e);
    if (r == FOUND_NOTHING)
        buf_printf(notes, "; %s: no such file", path);
    if (r != FOUND_CREDS)
        goto cleanup;
    size_t len = text.len;
    struct ini_section sec = {0};
    ini_scan(text.data, want, &sec);
    if (!sec.seen) {
        buf_printf(notes, "; %s: no section [%s]", path, want);
        r = FOUND_NOTHING;
    } else {
        r = ini_section_use(&sec, path, want, ret, e);
    }
    text.len = len; /* strtok_r cut the text into pieces; wipe all of it */

cleanup:
    if (text.data)
        cloud_crypto_wipe(text.data, text.len);
    buf_release(&text);
    free(path);
    return r;
}

/* Steps 5 and 6 of the official chain need network calls we do not make: when the environment
 * asks for them, say so rather than report "nothing found". One row per variable. */
static enum found from_unsupported_env(struct err *e)
{
    static const struct {
        const char *var, *what;
    } rows[] = {
        {"ALIBABA_CLOUD_ECS_METADATA", "ECS instance RAM role"},
        {"ALIBABA_CLOUD_CREDENTIALS_URI", "credentials URI"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        if (env_nonempty(rows[i].var)) {
            err_set(e, ERR_UNSUPPORTED,
                    "credentials: %s selects %s credentials, which skilld does not support",
                    rows[i].var, rows[i].what);
            return FOUND_ERROR;
        }
    }
    return FOUND_NOTHING;
}

err_code cloud_credentials_load(struct cloud_credentials *ret, struct err *e)
{
    memset(ret, 0, sizeof *ret);
    struct err local;
    err_clear(&local);
    struct buf notes;
    buf_init(&notes, 1024);
    enum found r = from_env(ret, &local);
    if (r == FOUND_NOTHING) {
        buf_puts(&notes, "; ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET not set");
        r = from_cli_config(ret, &notes, &local);
    }
    if (r == FOUND_NOTHING)
        r = from_ini(ret, &notes, &local);
    if (r == FOUND_NOTHING)
        r = from_unsupported_env(&local);
    err_code rc = ERR_OK;
    if (r == FOUND_ERROR) {
        rc = err_set(e, local.code, "%s", local.msg);
        cloud_credentials_release(ret);
    } else if (r == FOUND_NOTHING) {
        rc = err_set(e, ERR_NOT_FOUND, "no Alibaba Cloud credentials found%s",
                     notes.data ? notes.data : "");
    }
    buf_release(&notes);
    return rc;
}
