/* api.c - the generic handler (a tool's own API action with its arguments) and the reads
 * checks and composite tools make. Layer: skills. */
#include "skills/sk_int.h"

#include <stdlib.h>
#include <string.h>

/* One call in the region the arguments name (its endpoint, for actions without a region
 * parameter whose RegionId only picks the endpoint). */
static err_code call(struct sk_exec *x, const char *region, const char *action, cloud_params *p,
                     cJSON **ret, struct err *e)
{
    size_t n = 0;
    const struct cloud_kv *kv = cloud_params_items(p, &n);
    memset(&x->last, 0, sizeof x->last);
    err_code rc = cloud_call_in(x->reg->cloud, region, x->tool->entry->product, action, kv, n,
                                ret, &x->last);
    if (rc) {
        if (x->last.code_str[0])
            err_set(e, rc, "%s failed: %s: %s", action, x->last.code_str, x->last.message);
        else
            err_set(e, rc, "%s failed: %s", action,
                    x->last.message[0] ? x->last.message : err_name(rc));
    }
    return rc;
}

err_code sk_api_call(struct sk_exec *x, const cJSON *args, cJSON **ret_result, struct err *e)
{
    *ret_result = NULL;
    cloud_params *p = cloud_params_new();
    err_code rc = sk_wire_params(args, x->tool->entry, p, e);
    if (!rc && x->client_token && cloud_action_takes_client_token(x->action) &&
        !cloud_params_get(p, "ClientToken"))
        rc = cloud_params_add(p, "ClientToken", x->client_token);
    cJSON *resp = NULL;
    if (!rc)
        rc = call(x, sk_args_region(args), x->action, p, &resp, e);
    cloud_params_free(p);
    if (rc)
        return rc;
    cJSON_DeleteItemFromObjectCaseSensitive(resp, "RequestId");
    *ret_result = resp;
    return ERR_OK;
}

err_code sk_read(struct sk_exec *x, const char *action, const cJSON *params, cJSON **ret,
                 struct err *e)
{
    *ret = NULL;
    cloud_params *p = cloud_params_new();
    err_code rc = sk_wire_params(params, NULL, p, e);
    if (!rc)
        rc = call(x, sk_args_region(params), action, p, ret, e);
    cloud_params_free(p);
    return rc;
}
