/* ops_health.c - simulator operations that report on instances rather than change them: the
 * instance type catalogue (DescribeInstanceTypes), full status with scheduled system events,
 * the history of system events, and deterministic synthetic monitoring data.
 * Layer: cloud (simulator). */
#include "cloud/sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_TYPE_FILTER 10      /* InstanceTypes.N and the other .N lists of DescribeInstanceTypes */
#define SIM_MAX_STATUS_IDS 100      /* InstanceId.N / EventId.N of the event calls */
#define SIM_MAX_EVENT_TYPES 30      /* InstanceEventType.N */
#define SIM_MAX_CYCLE_STATUSES 7    /* InstanceEventCycleStatus.N */
#define SIM_MAX_MONITOR_POINTS 400  /* DescribeInstanceMonitorData entries per call */
#define SIM_MONITOR_WINDOW_MS (30ull * 24 * 3600 * 1000) /* how far back monitoring data goes */

/* ---- The instance type catalogue --------------------------------------------------------------
 * A few real families, enough for launch, resize and quota questions. To add a type: add a
 * row; RunInstances and ModifyInstanceSpec accept exactly these. */
static const struct sim_instance_type types[] = {
    {"ecs.g7.large", "ecs.g7", "General-purpose", "EnterpriseLevel", "X86",
     "Intel Xeon(Ice Lake) Platinum 8369B", 2, 8, 3, 6, 6, 2048000, 900000, 0},
    {"ecs.g7.xlarge", "ecs.g7", "General-purpose", "EnterpriseLevel", "X86",
     "Intel Xeon(Ice Lake) Platinum 8369B", 4, 16, 4, 15, 15, 3072000, 1000000, 0},
    {"ecs.g7.2xlarge", "ecs.g7", "General-purpose", "EnterpriseLevel", "X86",
     "Intel Xeon(Ice Lake) Platinum 8369B", 8, 32, 4, 15, 15, 5120000, 1600000, 0},
    {"ecs.c7.large", "ecs.c7", "Compute-optimized", "EnterpriseLevel", "X86",
     "Intel Xeon(Ice Lake) Platinum 8369B", 2, 4, 3, 6, 6, 2048000, 900000, 0},
    {"ecs.c7.xlarge", "ecs.c7", "Compute-optimized", "EnterpriseLevel", "X86",
     "Intel Xeon(Ice Lake) Platinum 8369B", 4, 8, 4, 15, 15, 3072000, 1000000, 0},
    {"ecs.r7.large", "ecs.r7", "Memory-optimized", "EnterpriseLevel", "X86",
     "Intel Xeon(Ice Lake) Platinum 8369B", 2, 16, 3, 6, 6, 2048000, 900000, 0},
    {"ecs.r7.xlarge", "ecs.r7", "Memory-optimized", "EnterpriseLevel", "X86",
     "Intel Xeon(Ice Lake) Platinum 8369B", 4, 32, 4, 15, 15, 3072000, 1000000, 0},
    {"ecs.g8y.large", "ecs.g8y", "General-purpose", "EnterpriseLevel", "ARM", "Yitian 710", 2, 8,
     3, 6, 6, 2048000, 1000000, 0},
    {"ecs.g8y.xlarge", "ecs.g8y", "General-purpose", "EnterpriseLevel", "ARM", "Yitian 710", 4, 16,
     4, 15, 15, 3072000, 1200000, 0},
    {"ecs.t6-c1m1.large", "ecs.t6", "Shared", "CreditEntryLevel", "X86",
     "Intel Xeon(Skylake) Platinum 8163", 2, 2, 2, 2, 1, 102400, 50000, 20},
    {"ecs.t6-c1m2.large", "ecs.t6", "Shared", "CreditEntryLevel", "X86",
     "Intel Xeon(Skylake) Platinum 8163", 2, 4, 2, 2, 1, 102400, 50000, 20},
    {"ecs.u1-c1m2.large", "ecs.u1", "Shared", "EntryLevel", "X86",
     "Intel Xeon(Cascade Lake) Platinum 8269CY", 2, 4, 2, 6, 1, 1024000, 300000, 0},
    {"ecs.u1-c1m4.xlarge", "ecs.u1", "Shared", "EntryLevel", "X86",
     "Intel Xeon(Cascade Lake) Platinum 8269CY", 4, 16, 3, 10, 1, 1536000, 500000, 0},
};

const struct sim_instance_type *sim_instance_type(const char *id)
{
    for (size_t i = 0; id && i < ARRAY_LEN(types); i++)
        if (strcmp(types[i].id, id) == 0)
            return &types[i];
    return NULL;
}

static cJSON *render_type(const struct sim_instance_type *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "InstanceTypeId", t->id);
    cJSON_AddStringToObject(o, "InstanceTypeFamily", t->family);
    cJSON_AddStringToObject(o, "InstanceCategory", t->category);
    cJSON_AddStringToObject(o, "InstanceFamilyLevel", t->level);
    cJSON_AddStringToObject(o, "CpuArchitecture", t->arch);
    cJSON_AddStringToObject(o, "PhysicalProcessorModel", t->cpu_model);
    cJSON_AddNumberToObject(o, "CpuCoreCount", t->cpu);
    cJSON_AddNumberToObject(o, "MemorySize", t->memory_gib);
    cJSON_AddNumberToObject(o, "EniQuantity", t->eni);
    cJSON_AddNumberToObject(o, "EniTotalQuantity", t->eni);
    cJSON_AddNumberToObject(o, "EniPrivateIpAddressQuantity", t->eni_ips);
    cJSON_AddNumberToObject(o, "EniIpv6AddressQuantity", t->eni_ipv6);
    cJSON_AddNumberToObject(o, "DiskQuantity", 17);
    cJSON_AddNumberToObject(o, "GPUAmount", 0);
    cJSON_AddStringToObject(o, "GPUSpec", "");
    cJSON_AddNumberToObject(o, "GPUMemorySize", 0);
    cJSON_AddStringToObject(o, "LocalStorageCategory", "");
    cJSON_AddNumberToObject(o, "LocalStorageAmount", 0);
    cJSON_AddNumberToObject(o, "LocalStorageCapacity", 0);
    cJSON_AddNumberToObject(o, "InstanceBandwidthRx", t->bandwidth_kbps);
    cJSON_AddNumberToObject(o, "InstanceBandwidthTx", t->bandwidth_kbps);
    cJSON_AddNumberToObject(o, "InstancePpsRx", (double)t->pps);
    cJSON_AddNumberToObject(o, "InstancePpsTx", (double)t->pps);
    if (t->baseline_credit) {
        cJSON_AddNumberToObject(o, "BaselineCredit", t->baseline_credit);
        cJSON_AddNumberToObject(o, "InitialCredit", t->cpu * 30);
    }
    cJSON_AddStringToObject(o, "NvmeSupport", strcmp(t->arch, "ARM") == 0 ? "required" : "unsupported");
    cJSON *modes = cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "SupportedBootModes"),
                                          "SupportedBootMode");
    if (strcmp(t->arch, "X86") == 0)
        cJSON_AddItemToArray(modes, cJSON_CreateString("BIOS"));
    cJSON_AddItemToArray(modes, cJSON_CreateString("UEFI"));
    return o;
}

/* 1 when `v` is among list[0..n) (an empty list admits everything). */
static int admitted(const char *const *list, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], v) == 0)
            return 1;
    return n == 0;
}

/* A decimal (float) filter; *ret stays `def` when absent. */
static err_code number_arg(struct sim_ctx *c, const char *name, double def, double *ret)
{
    const char *v = sim_opt(c, name);
    *ret = def;
    if (!v)
        return ERR_OK;
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0 && d <= 1e6))
        return sim_fail(c, 400, "InvalidParameter",
                        "The specified parameter \"%s\" must be a non-negative number.", name);
    *ret = d;
    return ERR_OK;
}

static err_code op_describe_instance_types(struct sim_ctx *c)
{
    /* list parameter -> the single-valued parameter that means the same */
    static const char *const lists[][2] = {
        {"InstanceTypes", NULL},
        {"InstanceTypeFamilies", "InstanceTypeFamily"},
        {"CpuArchitectures", "CpuArchitecture"},
        {"InstanceCategories", "InstanceCategory"},
    };
    const char **want[ARRAY_LEN(lists)] = {0};
    size_t n_want[ARRAY_LEN(lists)] = {0};
    double min_cpu = 0, max_cpu = 0, min_mem = 0, max_mem = 0;
    err_code rc = ERR_OK;
    for (size_t i = 0; !rc && i < ARRAY_LEN(lists); i++)
        rc = sim_list(c, lists[i][0], SIM_MAX_TYPE_FILTER, 400, "InvalidParameter.ListLength",
                      &want[i], &n_want[i]);
    if (!rc)
        rc = number_arg(c, "MinimumCpuCoreCount", 0, &min_cpu);
    if (!rc)
        rc = number_arg(c, "MaximumCpuCoreCount", 1e6, &max_cpu);
    if (!rc)
        rc = number_arg(c, "MinimumMemorySize", 0, &min_mem);
    if (!rc)
        rc = number_arg(c, "MaximumMemorySize", 1e6, &max_mem);
    if (rc)
        goto cleanup;
    const char *level = sim_opt(c, "InstanceFamilyLevel");
    cJSON *items = cJSON_CreateArray();
    for (size_t t = 0; t < ARRAY_LEN(types); t++) {
        const char *fields[] = {types[t].id, types[t].family, types[t].arch, types[t].category};
        int ok = 1;
        for (size_t i = 0; ok && i < ARRAY_LEN(lists); i++) {
            const char *one = lists[i][1] ? sim_opt(c, lists[i][1]) : NULL;
            ok = admitted(want[i], n_want[i], fields[i]) && (!one || strcmp(one, fields[i]) == 0);
        }
        if (!ok || (level && strcmp(level, types[t].level) != 0) || types[t].cpu < min_cpu ||
            types[t].cpu > max_cpu || types[t].memory_gib < min_mem || types[t].memory_gib > max_mem)
            continue;
        cJSON_AddItemToArray(items, render_type(&types[t]));
    }
    rc = sim_page(c, items, "InstanceTypes", "InstanceType", 250, 1600, SIM_PAGE_TOKENS);
cleanup:
    for (size_t i = 0; i < ARRAY_LEN(lists); i++)
        free(want[i]);
    return rc;
}

/* ---- System events ----------------------------------------------------------------------------
 * Events live in the state as "InstanceEvents" rows shaped like the answer of
 * DescribeInstanceHistoryEvents, plus RegionId. */

static int event_is(const cJSON *ev, const char *field, const char *name)
{
    return strcmp(sim_gets(cJSON_GetObjectItemCaseSensitive(ev, field), "Name"), name) == 0;
}

void sim_events_avoid(struct sim_ctx *c, const char *instance_id)
{
    char when[32];
    sim_iso_time(c->now, when);
    cJSON *ev = NULL;
    cJSON_ArrayForEach(ev, sim_kind(c->root, "InstanceEvents")) {
        const char *type = sim_gets(cJSON_GetObjectItemCaseSensitive(ev, "EventType"), "Name");
        size_t len = strlen(type);
        if (strcmp(sim_gets(ev, "InstanceId"), instance_id) != 0 ||
            !event_is(ev, "EventCycleStatus", "Scheduled") || len < 7 ||
            strcmp(type + len - 7, ".Reboot") != 0)
            continue;
        cJSON *cycle = cJSON_GetObjectItemCaseSensitive(ev, "EventCycleStatus");
        sim_setn(cycle, "Code", 8);
        sim_sets(cycle, "Name", "Avoided");
        sim_sets(ev, "EventFinishTime", when);
    }
}

/* A time-window filter: `<prefix>.Start` and `<prefix>.End` bounding ev[field]. */
struct window {
    const char *field;
    uint64_t start, end; /* inclusive bounds; 0 and UINT64_MAX when absent */
    int given;           /* 1 when either bound was given */
};

static err_code window_arg(struct sim_ctx *c, const char *prefix, const char *field,
                           struct window *w)
{
    char k[64];
    w->field = field;
    w->start = 0;
    w->end = UINT64_MAX;
    w->given = 0;
    static const char *const sides[] = {"Start", "End"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(k, sizeof k, "%s.%s", prefix, sides[i]);
        const char *v = sim_opt(c, k);
        if (!v)
            continue;
        w->given = 1;
        if (sim_time_parse(v, i == 0 ? &w->start : &w->end) != ERR_OK)
            return sim_fail(c, 403, "InvalidParameter",
                            "The specified parameter \"%s\" is not a UTC time "
                            "(yyyy-MM-ddTHH:mm:ssZ).", k);
    }
    if (w->start > w->end)
        return sim_fail(c, 403, "InvalidParameter.TimeEndBeforeStart",
                        "%s.End is earlier than %s.Start.", prefix, prefix);
    return ERR_OK;
}

static int window_ok(const struct window *w, const cJSON *ev)
{
    uint64_t t = 0;
    if (!w->given)
        return 1;
    return sim_time_parse(sim_gets(ev, w->field), &t) == ERR_OK && t >= w->start && t <= w->end;
}

/* What both event calls filter on: ids, types, the two time windows. */
struct event_filter {
    const char **ids;     /* EventId.N */
    size_t n_ids;
    const char **types;   /* InstanceEventType.N, or EventType */
    size_t n_types;
    const char *one_type; /* EventType when InstanceEventType.N is absent */
    struct window not_before, published;
};

static err_code event_filter_arg(struct sim_ctx *c, struct event_filter *f)
{
    memset(f, 0, sizeof *f);
    err_code rc = sim_list(c, "EventId", SIM_MAX_STATUS_IDS, 403, "EventIdLimitExceeded", &f->ids,
                           &f->n_ids);
    if (!rc)
        rc = sim_list(c, "InstanceEventType", SIM_MAX_EVENT_TYPES, 403, "InvalidParameter",
                      &f->types, &f->n_types);
    if (!rc)
        rc = window_arg(c, "NotBefore", "NotBefore", &f->not_before);
    if (!rc)
        rc = window_arg(c, "EventPublishTime", "EventPublishTime", &f->published);
    f->one_type = f->n_types ? NULL : sim_opt(c, "EventType");
    return rc;
}

static void event_filter_release(struct event_filter *f)
{
    free(f->ids);
    free(f->types);
}

static int event_filter_given(const struct event_filter *f)
{
    return f->n_ids || f->n_types || f->one_type || f->not_before.given || f->published.given;
}

static int event_filter_ok(const struct event_filter *f, const cJSON *ev)
{
    const char *type = sim_gets(cJSON_GetObjectItemCaseSensitive(ev, "EventType"), "Name");
    return admitted(f->ids, f->n_ids, sim_gets(ev, "EventId")) &&
           admitted(f->types, f->n_types, type) && (!f->one_type || strcmp(f->one_type, type) == 0) &&
           window_ok(&f->not_before, ev) && window_ok(&f->published, ev);
}

/* ---- DescribeInstancesFullStatus ---------------------------------------------------------------- */

/* Lifecycle and health as DescribeInstancesFullStatus answers them: {Code, Name}. The codes of
 * Running (1), Warning (64) and Scheduled (24) are the documented examples; the others follow
 * the same tables as best known (see the simulator's README section). */
static const struct {
    const char *name;
    int code;
} status_codes[] = {{"Pending", 0}, {"Running", 1}, {"Starting", 2}, {"Stopping", 3}, {"Stopped", 4}};

static const char *const health_names[] = {"Ok", "Impaired", "Warning", "Maintaining",
                                           "Initializing", "InsufficientData", "NotApplicable"};
static const int health_codes[] = {0, 128, 64, 32, 16, 8, 4};

static cJSON *code_name(int code, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "Code", code);
    cJSON_AddStringToObject(o, "Name", name);
    return o;
}

static const char *health_of(struct sim_ctx *c, const cJSON *inst)
{
    const char *st = sim_gets(inst, "Status");
    if (strcmp(st, "Pending") == 0 || strcmp(st, "Starting") == 0)
        return "Initializing";
    if (strcmp(st, "Running") != 0)
        return "NotApplicable";
    const cJSON *ev = NULL;
    cJSON_ArrayForEach(ev, sim_kind(c->root, "InstanceEvents")) {
        if (strcmp(sim_gets(ev, "InstanceId"), sim_gets(inst, "InstanceId")) == 0 &&
            event_is(ev, "EventCycleStatus", "Scheduled"))
            return "Warning";
    }
    return "Ok";
}

static err_code op_describe_instances_full_status(struct sim_ctx *c)
{
    const char **ids = NULL;
    size_t n = 0;
    struct event_filter f;
    err_code rc = event_filter_arg(c, &f);
    if (!rc)
        rc = sim_list(c, "InstanceId", SIM_MAX_STATUS_IDS, 403, "InstanceIdLimitExceeded", &ids, &n);
    const char *status = sim_opt(c, "Status"), *health = sim_opt(c, "HealthStatus");
    int known = !health;
    for (size_t i = 0; health && i < ARRAY_LEN(health_names); i++)
        known |= strcmp(health, health_names[i]) == 0;
    if (!rc && !known)
        rc = sim_fail(c, 403, "InvalidParameter", "HealthStatus \"%s\" is not valid.", health);
    known = !status;
    for (size_t i = 0; status && i < ARRAY_LEN(status_codes); i++)
        known |= strcmp(status, status_codes[i].name) == 0;
    if (!rc && !known)
        rc = sim_fail(c, 403, "InvalidParameter", "Status \"%s\" is not valid.", status);
    if (rc)
        goto cleanup;
    cJSON *items = cJSON_CreateArray();
    const cJSON *inst = NULL;
    cJSON_ArrayForEach(inst, sim_kind(c->root, "Instances")) {
        const char *iid = sim_gets(inst, "InstanceId"), *st = sim_gets(inst, "Status");
        const char *h = health_of(c, inst);
        if (strcmp(sim_gets(inst, "RegionId"), c->region) != 0 || !admitted(ids, n, iid) ||
            (status && strcmp(status, st) != 0) || (health && strcmp(health, h) != 0))
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "InstanceId", iid);
        int code = -1;
        for (size_t i = 0; i < ARRAY_LEN(status_codes); i++)
            if (strcmp(st, status_codes[i].name) == 0)
                code = status_codes[i].code;
        cJSON_AddItemToObject(o, "Status", code_name(code, st));
        for (size_t i = 0; i < ARRAY_LEN(health_names); i++)
            if (strcmp(h, health_names[i]) == 0)
                cJSON_AddItemToObject(o, "HealthStatus", code_name(health_codes[i], h));
        cJSON *evs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "ScheduledSystemEventSet"),
                                            "ScheduledSystemEventType");
        const cJSON *ev = NULL;
        cJSON_ArrayForEach(ev, sim_kind(c->root, "InstanceEvents")) {
            if (strcmp(sim_gets(ev, "InstanceId"), iid) != 0 ||
                !event_is(ev, "EventCycleStatus", "Scheduled") || !event_filter_ok(&f, ev))
                continue;
            cJSON *e = sim_public(ev);
            static const char *const drop[] = {"RegionId", "InstanceId", "EventFinishTime",
                                               "ReasonCode", "ResourceType"};
            for (size_t i = 0; i < ARRAY_LEN(drop); i++)
                cJSON_DeleteItemFromObjectCaseSensitive(e, drop[i]);
            cJSON_AddItemToArray(evs, e);
        }
        /* With an event filter, instances without a matching event are left out. */
        if (event_filter_given(&f) && cJSON_GetArraySize(evs) == 0) {
            cJSON_Delete(o);
            continue;
        }
        cJSON_AddItemToArray(items, o);
    }
    rc = sim_page(c, items, "InstanceFullStatusSet", "InstanceFullStatusType", 10, 100, 0);
cleanup:
    event_filter_release(&f);
    free(ids);
    return rc;
}

/* ---- DescribeInstanceHistoryEvents ------------------------------------------------------------- */

static const char *const cycle_names[] = {"Scheduled", "Avoided",  "Executing", "Executed",
                                          "Canceled",  "Failed",   "Inquiring"};
/* Without a cycle-status filter only finished events are listed (the API's default). */
static const char *const default_cycles[] = {"Avoided", "Executed", "Canceled", "Failed"};

static err_code op_describe_instance_history_events(struct sim_ctx *c)
{
    const char **cycles = NULL, **res_ids = NULL;
    size_t n_cycles = 0, n_res = 0;
    struct event_filter f;
    struct sim_tag_filter tags;
    err_code rc = event_filter_arg(c, &f);
    if (!rc)
        rc = sim_list(c, "InstanceEventCycleStatus", SIM_MAX_CYCLE_STATUSES, 403, "InvalidParameter",
                      &cycles, &n_cycles);
    if (!rc)
        rc = sim_list(c, "ResourceId", SIM_MAX_STATUS_IDS, 403, "InvalidParameter", &res_ids, &n_res);
    if (!rc)
        rc = sim_tag_filter(c, &tags);
    const char *one_cycle = n_cycles ? NULL : sim_opt(c, "EventCycleStatus");
    for (size_t i = 0; !rc && i < n_cycles + (one_cycle != NULL); i++) {
        const char *v = i < n_cycles ? cycles[i] : one_cycle;
        int known = 0;
        for (size_t k = 0; k < ARRAY_LEN(cycle_names); k++)
            known |= strcmp(v, cycle_names[k]) == 0;
        if (!known)
            rc = sim_fail(c, 403, "InvalidParameter", "The event cycle status \"%s\" is not valid.", v);
    }
    const char *type = sim_opt(c, "ResourceType"), *inst_id = sim_opt(c, "InstanceId");
    const char *impact = sim_opt(c, "ImpactLevel"), *rg = sim_opt(c, "ResourceGroupId");
    if (!rc && type && strcmp(type, "instance") != 0 && strcmp(type, "ddh") != 0 &&
        strcmp(type, "managedhost") != 0)
        rc = sim_fail(c, 403, "InvalidParameter", "ResourceType must be instance, ddh or managedhost.");
    if (rc)
        goto cleanup;
    cJSON *items = cJSON_CreateArray();
    const cJSON *ev = NULL;
    cJSON_ArrayForEach(ev, sim_kind(c->root, "InstanceEvents")) {
        const char *cycle = sim_gets(cJSON_GetObjectItemCaseSensitive(ev, "EventCycleStatus"), "Name");
        const char *iid = sim_gets(ev, "InstanceId");
        int cycle_ok = n_cycles ? admitted(cycles, n_cycles, cycle)
                       : one_cycle ? strcmp(one_cycle, cycle) == 0
                                   : admitted(default_cycles, ARRAY_LEN(default_cycles), cycle);
        const cJSON *inst = sim_find(c->root, "Instances", "InstanceId", iid);
        if (strcmp(sim_gets(ev, "RegionId"), c->region) != 0 || !cycle_ok ||
            !event_filter_ok(&f, ev) || (inst_id && strcmp(inst_id, iid) != 0) ||
            !admitted(res_ids, n_res, iid) ||
            (type && strcmp(type, sim_gets(ev, "ResourceType")) != 0) ||
            (impact && strcmp(impact, sim_gets(ev, "ImpactLevel")) != 0) ||
            (rg && strcmp(rg, sim_gets(inst, "ResourceGroupId")) != 0) ||
            (tags.n && (!inst || !sim_tags_match(&tags, inst))))
            continue;
        cJSON *o = sim_public(ev);
        cJSON_DeleteItemFromObjectCaseSensitive(o, "RegionId");
        cJSON_AddItemToArray(items, o);
    }
    rc = sim_page(c, items, "InstanceSystemEventSet", "InstanceSystemEventType", 10, 100, 1);
cleanup:
    event_filter_release(&f);
    free(cycles);
    free(res_ids);
    return rc;
}

/* ---- DescribeInstanceMonitorData ---------------------------------------------------------------
 * Synthetic but reproducible: every value is a hash of the instance id and the point's time, so
 * the same question always gets the same answer. */

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* A value in [lo, lo + span) for metric number `k` at time `t` (seconds). */
static long synth(uint64_t seed, uint64_t t, unsigned k, long lo, long span)
{
    return lo + (long)(mix(seed ^ mix(t * 31u + k)) % (uint64_t)span);
}

/* A monitoring time: UTC, seconds rounded up to the next minute (the API's rule). */
static err_code monitor_time(struct sim_ctx *c, const char *name, const char *bad_code,
                             uint64_t *ret)
{
    const char *v = NULL;
    err_code rc = sim_req(c, name, &v);
    if (rc)
        return rc;
    if (strlen(v) != 20 || sim_time_parse(v, ret) != ERR_OK)
        return sim_fail(c, 400, bad_code,
                        "The specified parameter \"%s\" is not valid (yyyy-MM-ddTHH:mm:ssZ, UTC).",
                        name);
    if (*ret % 60000u)
        *ret += 60000u - *ret % 60000u;
    return ERR_OK;
}

static err_code op_describe_instance_monitor_data(struct sim_ctx *c)
{
    const char *id = NULL;
    uint64_t start = 0, end = 0;
    long period = 60;
    err_code rc = sim_req(c, "InstanceId", &id);
    if (!rc)
        rc = monitor_time(c, "StartTime", "InvalidStartTime.Malformed", &start);
    if (!rc)
        rc = monitor_time(c, "EndTime", "InvalidEndTime.Malformed", &end);
    if (rc)
        return rc;
    const char *p = sim_opt(c, "Period");
    if (p && (parse_long(p, 60, 3600, &period) != ERR_OK ||
              (period != 60 && period != 600 && period != 3600)))
        return sim_fail(c, 400, "InvalidPeriod.ValueNotSupported",
                        "The specified parameter \"Period\" is not valid (60, 600 or 3600).");
    const cJSON *inst = sim_find(c->root, "Instances", "InstanceId", id);
    if (!inst || (c->region && strcmp(sim_gets(inst, "RegionId"), c->region) != 0))
        return sim_fail(c, 404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.");
    if (start > end)
        return sim_fail(c, 400, "InvalidStartTime.ValueNotSupported",
                        "The specified parameter StartTime is later than EndTime.");
    if (start + SIM_MONITOR_WINDOW_MS < c->now)
        return sim_fail(c, 400, "InvalidStartTime.TooEarly",
                        "The specified parameter \"StartTime\" is too early (30 days at most).");
    uint64_t step = (uint64_t)period * 1000u;
    if ((end - start) / step > SIM_MAX_MONITOR_POINTS)
        return sim_fail(c, 400, "InvalidParameter.TooManyDataQueried",
                        "Too many data queried: (EndTime - StartTime) / Period must not exceed %d.",
                        SIM_MAX_MONITOR_POINTS);
    /* Only a running instance reports metrics; otherwise the points carry no values. */
    int live = strcmp(sim_gets(inst, "Status"), "Running") == 0;
    uint64_t seed = id_hash(id);
    const struct sim_instance_type *type = sim_instance_type(sim_gets(inst, "InstanceType"));
    long bw = (long)sim_getn(inst, "InternetMaxBandwidthOut") * 1024;
    cJSON *arr = cJSON_AddArrayToObject(cJSON_AddObjectToObject(c->out, "MonitorData"),
                                        "InstanceMonitorData");
    for (uint64_t t = start; t < end && t <= c->now; t += step) {
        char when[32];
        sim_iso_time(t, when);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "InstanceId", id);
        cJSON_AddStringToObject(o, "TimeStamp", when);
        if (live) {
            uint64_t s = t / 1000u;
            cJSON_AddNumberToObject(o, "CPU", (double)synth(seed, s, 1, 3, 45));
            cJSON_AddNumberToObject(o, "IntranetRX", (double)synth(seed, s, 2, 100, 20000));
            cJSON_AddNumberToObject(o, "IntranetTX", (double)synth(seed, s, 3, 100, 20000));
            cJSON_AddNumberToObject(o, "IntranetBandwidth", (double)synth(seed, s, 4, 10, 2000));
            cJSON_AddNumberToObject(o, "InternetRX", bw ? (double)synth(seed, s, 5, 10, 5000) : 0);
            cJSON_AddNumberToObject(o, "InternetTX", bw ? (double)synth(seed, s, 6, 10, 5000) : 0);
            cJSON_AddNumberToObject(o, "InternetBandwidth", bw ? (double)synth(seed, s, 7, 1, bw) : 0);
            cJSON_AddNumberToObject(o, "IOPSRead", (double)synth(seed, s, 8, 0, 300));
            cJSON_AddNumberToObject(o, "IOPSWrite", (double)synth(seed, s, 9, 5, 500));
            cJSON_AddNumberToObject(o, "BPSRead", (double)synth(seed, s, 10, 0, 2000000));
            cJSON_AddNumberToObject(o, "BPSWrite", (double)synth(seed, s, 11, 10000, 4000000));
            if (type && type->baseline_credit) {
                cJSON_AddNumberToObject(o, "CPUCreditUsage", (double)synth(seed, s, 12, 0, 20) / 10);
                cJSON_AddNumberToObject(o, "CPUCreditBalance", (double)synth(seed, s, 13, 30, 200));
            }
        }
        cJSON_AddItemToArray(arr, o);
    }
    return ERR_OK;
}

/* action, version, handler, mutating, DryRun, ClientToken, RegionId required, parameters. */
const struct sim_op sim_ops_health[] = {
    {"DescribeInstanceTypes", "2014-05-26", op_describe_instance_types, 0, SIM_DRY_NONE, 0, 0,
     "InstanceTypes.N InstanceTypeFamily InstanceTypeFamilies.N CpuArchitecture CpuArchitectures.N "
     "InstanceCategory InstanceCategories.N InstanceFamilyLevel MinimumCpuCoreCount "
     "MaximumCpuCoreCount MinimumMemorySize MaximumMemorySize MaxResults NextToken"},
    {"DescribeInstancesFullStatus", "2014-05-26", op_describe_instances_full_status, 0,
     SIM_DRY_NONE, 0, 1,
     "InstanceId.N EventId.N Status HealthStatus EventType InstanceEventType.N NotBefore.Start "
     "NotBefore.End EventPublishTime.Start EventPublishTime.End PageNumber PageSize"},
    {"DescribeInstanceHistoryEvents", "2014-05-26", op_describe_instance_history_events, 0,
     SIM_DRY_NONE, 0, 1,
     "InstanceId EventId.N InstanceEventCycleStatus.N EventCycleStatus InstanceEventType.N "
     "EventType NotBefore.Start NotBefore.End EventPublishTime.Start EventPublishTime.End "
     "ImpactLevel ResourceType ResourceId.N ResourceGroupId Tag.N.Key Tag.N.Value PageNumber "
     "PageSize MaxResults NextToken"},
    {"DescribeInstanceMonitorData", "2014-05-26", op_describe_instance_monitor_data, 0,
     SIM_DRY_NONE, 0, 0, "InstanceId StartTime EndTime Period"},
    {NULL, NULL, NULL, 0, SIM_DRY_NONE, 0, 0, NULL},
};
