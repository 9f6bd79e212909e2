/* Unit tests for cloud/credentials.c: the default chain with a temporary HOME, environment
 * variables set and unset per case. Each case is one row: environment, files, expectation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloud/cloud.h"

/* Every variable the chain reads; all are unset before each case. */
static const char *const chain_vars[] = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID",   "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",  "ALIBABA_CLOUD_PROFILE",
    "ALIBABA_CLOUD_CONFIG_FILE",     "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_ROLE_ARN",        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_CLI_PROFILE_DISABLED",
    "ALIBABA_CLOUD_ECS_METADATA",    "ALIBABA_CLOUD_CREDENTIALS_URI",
};

#define CLI_AK_WORK                                                                                \
    "{\"current\":\"work\",\"profiles\":[{\"name\":\"default\",\"mode\":\"AK\",\"access_key_id\":" \
    "\"DEF-ID\",\"access_key_secret\":\"def-secret-1\"},{\"name\":\"work\",\"mode\":\"AK\","       \
    "\"access_key_id\":\"WORK-ID\",\"access_key_secret\":\"work-secret-2\",\"region_id\":\"cn-"    \
    "beijing\"}]}"

struct cred_case {
    const char *what;
    const char *env[8]; /* "NAME=value" */
    const char *cli;    /* ~/.aliyun/config.json content, NULL: absent */
    const char *ini;    /* ~/.alibabacloud/credentials content, NULL: absent */
    err_code rc;
    const char *id, *secret, *token; /* expected on success (token NULL: none) */
    const char *text;                /* substring of source (success) or of the error message */
    const char *text2;               /* a second substring, or NULL */
};

static const struct cred_case cases[] = {
    {"env wins over files",
     {"ALIBABA_CLOUD_ACCESS_KEY_ID=ENV-ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=env-secret-0"},
     CLI_AK_WORK,
     "[default]\ntype = access_key\naccess_key_id = INI-ID\naccess_key_secret = ini-secret\n",
     ERR_OK,
     "ENV-ID",
     "env-secret-0",
     NULL,
     "environment variables",
     NULL},
    {"env with STS token",
     {"ALIBABA_CLOUD_ACCESS_KEY_ID=STS.ENV", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=env-secret-0",
      "ALIBABA_CLOUD_SECURITY_TOKEN=env-token-0"},
     NULL,
     NULL,
     ERR_OK,
     "STS.ENV",
     "env-secret-0",
     "env-token-0",
     "STS",
     NULL},
    {"env half set",
     {"ALIBABA_CLOUD_ACCESS_KEY_ID=ENV-ID"},
     CLI_AK_WORK,
     NULL,
     ERR_INVALID,
     NULL,
     NULL,
     NULL,
     "ALIBABA_CLOUD_ACCESS_KEY_SECRET is empty",
     NULL},
    {"cli current profile AK",
     {NULL},
     CLI_AK_WORK,
     NULL,
     ERR_OK,
     "WORK-ID",
     "work-secret-2",
     NULL,
     "config.json profile 'work' (AK)",
     NULL},
    {"cli profile from env",
     {"ALIBABA_CLOUD_PROFILE=default"},
     CLI_AK_WORK,
     NULL,
     ERR_OK,
     "DEF-ID",
     "def-secret-1",
     NULL,
     "profile 'default'",
     NULL},
    {"cli StsToken",
     {NULL},
     "{\"current\":\"s\",\"profiles\":[{\"name\":\"s\",\"mode\":\"StsToken\",\"access_key_id\":"
     "\"STS.X\","
     "\"access_key_secret\":\"sts-secret-3\",\"sts_token\":\"sts-token-3\"}]}",
     NULL,
     ERR_OK,
     "STS.X",
     "sts-secret-3",
     "sts-token-3",
     "(StsToken)",
     NULL},
    {"cli mode inferred and case-insensitive",
     {NULL},
     "{\"current\":\"a\",\"profiles\":[{\"name\":\"a\",\"mode\":\"ak\",\"access_key_id\":\"A\","
     "\"access_key_secret\":\"a-secret\"}]}",
     NULL,
     ERR_OK,
     "A",
     "a-secret",
     NULL,
     "(AK)",
     NULL},
    {"cli StsToken without token",
     {NULL},
     "{\"current\":\"s\",\"profiles\":[{\"name\":\"s\",\"mode\":\"StsToken\",\"access_key_id\":"
     "\"STS.X\","
     "\"access_key_secret\":\"sts-secret-3\"}]}",
     NULL,
     ERR_INVALID,
     NULL,
     NULL,
     NULL,
     "sts_token",
     "config.json"},
    {"cli RamRoleArn unsupported",
     {NULL},
     "{\"current\":\"r\",\"profiles\":[{\"name\":\"r\",\"mode\":\"RamRoleArn\",\"access_key_id\":"
     "\"R\","
     "\"access_key_secret\":\"r-secret\",\"ram_role_arn\":\"acs:ram::1:role/x\"}]}",
     "[default]\ntype = access_key\naccess_key_id = INI-ID\naccess_key_secret = ini-secret\n",
     ERR_UNSUPPORTED,
     NULL,
     NULL,
     NULL,
     "'RamRoleArn'",
     ".aliyun/config.json"},
    {"cli EcsRamRole inferred, unsupported",
     {NULL},
     "{\"current\":\"e\",\"profiles\":[{\"name\":\"e\",\"ram_role_name\":\"role\"}]}",
     NULL,
     ERR_UNSUPPORTED,
     NULL,
     NULL,
     NULL,
     "'EcsRamRole'",
     "config.json"},
    {"cli malformed",
     {NULL},
     "{\"current\":",
     NULL,
     ERR_PARSE,
     NULL,
     NULL,
     NULL,
     "config.json",
     NULL},
    {"cli without the profile falls through to INI",
     {"ALIBABA_CLOUD_PROFILE=other"},
     CLI_AK_WORK,
     "[other]\ntype = access_key\naccess_key_id = OTHER-ID\naccess_key_secret = other-secret\n",
     ERR_OK,
     "OTHER-ID",
     "other-secret",
     NULL,
     "credentials profile 'other' (access_key)",
     NULL},
    {"cli disabled",
     {"ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true"},
     CLI_AK_WORK,
     "[default]\ntype = access_key\naccess_key_id = INI-ID\naccess_key_secret = ini-secret\n",
     ERR_OK,
     "INI-ID",
     "ini-secret",
     NULL,
     ".alibabacloud/credentials",
     NULL},
    {"ini access_key",
     {NULL},
     NULL,
     "# comment\n[dev]\ntype=access_key\naccess_key_id=DEV\naccess_key_secret=dev-secret\n\n"
     "[default]\r\n  type = access_key  \r\naccess_key_id = INI-ID\r\naccess_key_secret = "
     "ini-secret\r\n",
     ERR_OK,
     "INI-ID",
     "ini-secret",
     NULL,
     "profile 'default' (access_key)",
     NULL},
    {"ini sts",
     {NULL},
     NULL,
     "[default]\ntype = sts\naccess_key_id = STS.I\naccess_key_secret = ini-secret\nsecurity_token "
     "= ini-token\n",
     ERR_OK,
     "STS.I",
     "ini-secret",
     "ini-token",
     "(sts)",
     NULL},
    {"ini ecs_ram_role unsupported",
     {NULL},
     NULL,
     "[default]\ntype = ecs_ram_role\nrole_name = r\n",
     ERR_UNSUPPORTED,
     NULL,
     NULL,
     NULL,
     "'ecs_ram_role'",
     ".alibabacloud/credentials"},
    {"ini missing secret",
     {NULL},
     NULL,
     "[default]\ntype = access_key\naccess_key_id = X\n",
     ERR_INVALID,
     NULL,
     NULL,
     NULL,
     "access_key_secret",
     NULL},
    {"oidc environment unsupported",
     {"ALIBABA_CLOUD_ROLE_ARN=acs:ram::1:role/r",
      "ALIBABA_CLOUD_OIDC_PROVIDER_ARN=acs:ram::1:oidc-provider/p",
      "ALIBABA_CLOUD_OIDC_TOKEN_FILE=/tmp/t"},
     NULL,
     NULL,
     ERR_UNSUPPORTED,
     NULL,
     NULL,
     NULL,
     "OIDC",
     NULL},
    {"credentials URI unsupported",
     {"ALIBABA_CLOUD_CREDENTIALS_URI=http://127.0.0.1:1/c"},
     NULL,
     NULL,
     ERR_UNSUPPORTED,
     NULL,
     NULL,
     NULL,
     "ALIBABA_CLOUD_CREDENTIALS_URI",
     NULL},
    {"nothing anywhere",
     {NULL},
     NULL,
     NULL,
     ERR_NOT_FOUND,
     NULL,
     NULL,
     NULL,
     ".aliyun/config.json: no such file",
     ".alibabacloud/credentials: no such file"},
};

static void write_file(const char *dir, const char *rel, const char *content)
{
    char *path = xasprintf("%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0700);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    free(path);
}

static void remove_file(const char *dir, const char *rel)
{
    char *path = xasprintf("%s/%s", dir, rel);
    unlink(path);
    free(path);
}

static void test_chain(void **state)
{
    (void)state;
    char home[] = "/tmp/skilld-cred-XXXXXX";
    assert_non_null(mkdtemp(home));
    setenv("HOME", home, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct cred_case *c = &cases[i];
        print_message("case: %s\n", c->what);
        for (size_t v = 0; v < sizeof chain_vars / sizeof chain_vars[0]; v++)
            unsetenv(chain_vars[v]);
        for (size_t v = 0; v < 8 && c->env[v]; v++) {
            char *copy = xstrdup(c->env[v]);
            char *eq = strchr(copy, '=');
            *eq = '\0';
            setenv(copy, eq + 1, 1);
            free(copy);
        }
        remove_file(home, ".aliyun/config.json");
        remove_file(home, ".alibabacloud/credentials");
        if (c->cli)
            write_file(home, ".aliyun/config.json", c->cli);
        if (c->ini)
            write_file(home, ".alibabacloud/credentials", c->ini);

        struct cloud_credentials cr;
        struct err e;
        err_clear(&e);
        err_code rc = cloud_credentials_load(&cr, &e);
        print_message("  -> %s: %s\n", err_name(rc), rc ? e.msg : cr.source);
        assert_int_equal(rc, c->rc);
        if (rc == ERR_OK) {
            assert_string_equal(cr.access_key_id, c->id);
            assert_string_equal(cr.access_key_secret, c->secret);
            if (c->token)
                assert_string_equal(cr.security_token, c->token);
            else
                assert_null(cr.security_token);
            assert_non_null(strstr(cr.source, c->text));
            assert_null(strstr(cr.source, c->secret));
        } else {
            assert_int_equal(e.code, c->rc);
            assert_non_null(strstr(e.msg, c->text));
            if (c->text2)
                assert_non_null(strstr(e.msg, c->text2));
            assert_null(cr.access_key_id);
            /* No secret from any file or variable ends up in a message. */
            static const char *const secrets[] = {"secret-", "-secret", "token-", "-token"};
            for (size_t s = 0; s < sizeof secrets / sizeof secrets[0]; s++)
                assert_null(strstr(e.msg, secrets[s]));
        }
        cloud_credentials_release(&cr);
        assert_null(cr.access_key_secret);
    }
    for (size_t v = 0; v < sizeof chain_vars / sizeof chain_vars[0]; v++)
        unsetenv(chain_vars[v]);
    remove_file(home, ".aliyun/config.json");
    remove_file(home, ".alibabacloud/credentials");
    char *d1 = xasprintf("%s/.aliyun", home), *d2 = xasprintf("%s/.alibabacloud", home);
    rmdir(d1);
    rmdir(d2);
    rmdir(home);
    free(d1);
    free(d2);
}

static void test_set_and_release(void **state)
{
    (void)state;
    struct cloud_credentials c;
    assert_int_equal(cloud_credentials_set(&c, "", "s", NULL, NULL), ERR_INVALID);
    assert_int_equal(cloud_credentials_set(&c, "id", "", NULL, NULL), ERR_INVALID);
    assert_int_equal(cloud_credentials_set(&c, "id", "s", "", NULL), ERR_OK);
    assert_null(c.security_token);
    assert_string_equal(c.source, "explicit");
    cloud_credentials_release(&c);
    cloud_credentials_release(&c); /* twice is fine: released means zeroed */
    cloud_credentials_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_set_and_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
