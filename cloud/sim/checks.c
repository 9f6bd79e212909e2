/* checks.c - instance inputs that RunInstances and the Modify* operations check alike:
 * names, host names, passwords (checked, never kept), user data, security groups, the vCPU
 * quota and public addresses. Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_RUN_GROUPS 5      /* SecurityGroupIds.N */
#define SIM_MAX_USER_DATA 16384   /* bytes of user data once decoded (the skill docs' 16 KiB) */

/* Instance names: 2-128 characters, a letter or Chinese character first, then letters, digits,
 * '.', '_', ':' and '-'. */
int sim_instance_name_ok(const char *s)
{
    if (!sim_name_ok(s, 128))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x80 && !isalnum(*p) && !strchr("._:-", *p))
            return 0;
    return 1;
}

/* Host names: Linux 2-64 characters of letters, digits, '.' and '-', neither first nor last
 * and never two in a row; Windows 2-15 characters without '.'. */
int sim_host_name_ok(const char *s, int windows)
{
    size_t n = strlen(s);
    if (n < 2 || n > (windows ? 15u : 64u))
        return 0;
    for (size_t i = 0; i < n; i++) {
        int sep = s[i] == '.' || s[i] == '-';
        if (!isalnum((unsigned char)s[i]) && !sep)
            return 0;
        if (sep && (i == 0 || i == n - 1 || s[i - 1] == '.' || s[i - 1] == '-'))
            return 0;
        if (windows && s[i] == '.')
            return 0;
    }
    return 1;
}

/* Passwords: 8-30 characters with at least three of upper case, lower case, digits and the
 * specials ()`~!@#$%^&*-_+=|{}[]:;'<>,.?/, not starting with '/'. */
static int password_ok(const char *s)
{
    static const char specials[] = "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/";
    size_t n = strlen(s);
    int up = 0, low = 0, dig = 0, spec = 0;
    if (n < 8 || n > 30 || s[0] == '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isupper(ch))
            up = 1;
        else if (islower(ch))
            low = 1;
        else if (isdigit(ch))
            dig = 1;
        else if (strchr(specials, ch))
            spec = 1;
        else
            return 0;
    }
    return up + low + dig + spec >= 3;
}

/* UserData: Base64 of at most SIM_MAX_USER_DATA bytes. Its content is not kept. */
err_code sim_user_data_arg(struct sim_ctx *c)
{
    const char *v = sim_opt(c, "UserData");
    if (!v)
        return ERR_OK;
    if (!sim_b64_valid(v))
        return sim_fail(c, 400, "InvalidUserData.Base64FormatInvalid",
                        "The specified parameter UserData must be base64 encoded.");
    size_t n = strlen(v), raw = n / 4 * 3 - (n && v[n - 1] == '=') - (n > 1 && v[n - 2] == '=');
    if (raw > SIM_MAX_USER_DATA)
        return sim_fail(c, 400, "InvalidUserData.SizeExceeded",
                        "The specified parameter UserData exceeds the size: %zu bytes decoded, the "
                        "limit is %u.", raw, SIM_MAX_USER_DATA);
    return ERR_OK;
}

err_code sim_password_arg(struct sim_ctx *c)
{
    const char *pw = sim_opt(c, "Password");
    if (pw && !password_ok(pw))
        return sim_fail(c, 400, "InvalidPassword.Malformed",
                        "The specified parameter \"Password\" is not valid: 8 to 30 characters with "
                        "at least three of upper case, lower case, digits and specials.");
    return ERR_OK;
}

/* The security groups of a call (SecurityGroupId, or SecurityGroupIds.N; `one` allows the
 * single form): all must exist in the region and sit in `vpc` (when given). *ret is a new
 * array of id strings. */
err_code sim_groups_arg(struct sim_ctx *c, int one, const char *vpc, cJSON **ret)
{
    const char **ids = NULL;
    size_t n = 0;
    const char *single = one ? sim_opt(c, "SecurityGroupId") : NULL;
    *ret = NULL;
    err_code rc = sim_list(c, "SecurityGroupIds", SIM_MAX_RUN_GROUPS, 400,
                           "InvalidParameter.SecurityGroupIdsCount", &ids, &n);
    if (!rc && single && n)
        rc = sim_fail(c, 400, "InvalidParameter.Conflict",
                      "SecurityGroupId and SecurityGroupIds.N cannot both be set.");
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; !rc && i < (single ? 1 : n); i++) {
        const char *id = single ? single : ids[i];
        const cJSON *g = sim_find_group(c, id);
        if (!g)
            rc = sim_fail(c, 404, "InvalidSecurityGroupId.NotFound",
                          "The SecurityGroupId \"%s\" provided does not exist in our records.", id);
        else if (vpc && strcmp(sim_gets(g, "VpcId"), vpc) != 0)
            rc = sim_fail(c, 403, "OperationDenied.InconsistentNetwork",
                          "The specified security group %s and vswitch are not in the same vpc.", id);
        else
            cJSON_AddItemToArray(arr, cJSON_CreateString(id));
    }
    free(ids);
    if (rc)
        cJSON_Delete(arr);
    else
        *ret = arr;
    return rc;
}

int sim_vcpus_in_region(struct sim_ctx *c, const char *region)
{
    int n = 0;
    const cJSON *inst = NULL;
    cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances"))
        n += strcmp(sim_gets(inst, "RegionId"), region) == 0 ? (int)sim_getn(inst, "Cpu") : 0;
    return n;
}

/* A public address for an instance with public bandwidth (47.96.x.y, not already used). */
void sim_public_ip(struct sim_ctx *c, char out[SIM_IP_TEXT])
{
    for (;;) {
        unsigned char r[2];
        random_bytes(r, sizeof r);
        snprintf(out, SIM_IP_TEXT, "47.98.%u.%u", r[0], 1u + r[1] % 254u);
        int used = 0;
        const cJSON *inst = NULL;
        cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances")) {
            const cJSON *a = NULL;
            cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(
                                      cJSON_GetObjectItemCaseSensitive(inst, "PublicIpAddress"),
                                      "IpAddress"))
                used |= cJSON_IsString(a) && strcmp(a->valuestring, out) == 0;
        }
        if (!used)
            return;
    }
}

