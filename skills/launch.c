/* launch.c - creating instances and their lifecycle, key pairs and access
 * (ecs-launch-instance). ecs_create_key_pair saves the new private key to a file on the
 * machine skilld runs on (mode 0600) and returns its path: the key itself never travels in a
 * response, a log or the audit record. Layer: skills. */
#include "skills/sk_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int safe_name(const char *s)
{
    if (!*s || strlen(s) > 128 || s[0] == '.')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return 0;
    return 1;
}

static err_code create_key_pair(struct sk_exec *x, const cJSON *args, cJSON **ret, struct err *e)
{
    *ret = NULL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(args, "KeyPairName");
    if (!cJSON_IsString(name) || !safe_name(name->valuestring))
        return err_set(e, ERR_INVALID, "KeyPairName must be letters, digits, '.', '_' or '-' to "
                                       "name the file the private key is saved in");
    const char *dir = x->reg->key_dir;
    if (!dir)
        return err_set(e, ERR_UNSUPPORTED, "no directory for private keys: start skilld with "
                                           "--key-dir DIR (or set HOME)");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "cannot create the key directory %s: %s", dir, strerror(errno));
    char *path = xasprintf("%s/%s.pem", dir, name->valuestring);
    /* Claim the file before the key exists, so a name clash costs nothing in the cloud. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_code rc = err_set(e, ERR_EXISTS, "cannot create %s for the private key: %s", path,
                              strerror(errno));
        free(path);
        return rc;
    }
    cJSON *resp = NULL;
    err_code rc = sk_api_call(x, args, &resp, e);
    cJSON *body = cJSON_DetachItemFromObjectCaseSensitive(resp, "PrivateKeyBody");
    if (!rc && !cJSON_IsString(body))
        rc = err_set(e, ERR_REMOTE, "CreateKeyPair answered without a private key");
    if (!rc) {
        size_t len = strlen(body->valuestring);
        ssize_t w = write(fd, body->valuestring, len);
        if (w != (ssize_t)len || fsync(fd) != 0)
            rc = err_set(e, ERR_IO,
                         "key pair %s was created but its private key could not be saved to %s; "
                         "delete the key pair (ecs_delete_key_pairs) and create it again",
                         name->valuestring, path);
    }
    if (cJSON_IsString(body))
        OPENSSL_cleanse(body->valuestring, strlen(body->valuestring));
    cJSON_Delete(body);
    close(fd);
    if (rc) {
        unlink(path);
        cJSON_Delete(resp);
        free(path);
        return rc;
    }
    cJSON_AddStringToObject(resp, "PrivateKeyFile", path);
    free(path);
    *ret = resp;
    return ERR_OK;
}

const struct sk_handler sk_handlers_launch[] = {
    {"ecs_run_instances", NULL, NULL},
    {"ecs_start_instance", NULL, NULL},
    {"ecs_stop_instance", NULL, NULL},
    {"ecs_reboot_instance", NULL, NULL},
    {"ecs_start_instances", NULL, NULL},
    {"ecs_stop_instances", NULL, NULL},
    {"ecs_reboot_instances", NULL, NULL},
    {"ecs_delete_instance", NULL, NULL},
    {"ecs_delete_instances", NULL, NULL},
    {"ecs_describe_instance_status", NULL, NULL},
    {"ecs_modify_instance_attribute", NULL, NULL},
    {"ecs_create_key_pair", create_key_pair, NULL},
    {"ecs_import_key_pair", NULL, NULL},
    {"ecs_attach_key_pair", NULL, NULL},
    {"ecs_detach_key_pair", NULL, NULL},
    {"ecs_describe_key_pairs", NULL, NULL},
    {"ecs_delete_key_pairs", NULL, NULL},
    {"ecs_describe_regions", NULL, NULL},
    {"ecs_describe_zones", NULL, NULL},
    {NULL, NULL, NULL},
};
