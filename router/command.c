/* command.c - commands: whether a query is an imperative on named resources, and the API
 * action it names (a TEMPORARY verb-and-object table until the tool catalogue carries action
 * cues). Layer: router. */
#include "router/rt_query.h"

#include <string.h>

/* What a command acts on (bits): from resource ids and the synonym groups of the query. */
enum {
    OBJ_INSTANCE = 1u << 0, OBJ_DISK = 1u << 1,  OBJ_SNAP = 1u << 2,   OBJ_IMAGE = 1u << 3,
    OBJ_POLICY = 1u << 4,   OBJ_CMD = 1u << 5,   OBJ_INV = 1u << 6,    OBJ_NET = 1u << 7,
    OBJ_TYPE = 1u << 8,     OBJ_KEY = 1u << 9,   OBJ_GROUP = 1u << 10, OBJ_PASSWORD = 1u << 11,
    OBJ_EVENT = 1u << 12,   OBJ_METRIC = 1u << 13, OBJ_ASSIST = 1u << 14,
    OBJ_GUEST = 1u << 15, /* something done "on i-..." / "在 i-... 上": inside the instance */
    OBJ_SG = 1u << 16,      OBJ_ENI = 1u << 17,  OBJ_SGRULE = 1u << 18,
};

static const struct {
    enum rt_entity_kind kind;
    unsigned obj;
} id_objs[] = {
    {RT_ENT_INSTANCE_ID, OBJ_INSTANCE}, {RT_ENT_DISK_ID, OBJ_DISK},  {RT_ENT_SNAPSHOT_ID, OBJ_SNAP},
    {RT_ENT_IMAGE_ID, OBJ_IMAGE},       {RT_ENT_POLICY_ID, OBJ_POLICY}, {RT_ENT_COMMAND_ID, OBJ_CMD},
    {RT_ENT_INVOCATION_ID, OBJ_INV},    {RT_ENT_SG_ID, OBJ_NET | OBJ_SG},
    {RT_ENT_ENI_ID, OBJ_NET | OBJ_ENI},
    {RT_ENT_VSWITCH_ID, OBJ_NET},       {RT_ENT_VPC_ID, OBJ_NET},
    {RT_ENT_SG_RULE_ID, OBJ_NET | OBJ_SG | OBJ_SGRULE},
    {RT_ENT_EIP_ID, OBJ_NET},           {RT_ENT_INSTANCE_TYPE, OBJ_TYPE},
};

static const struct {
    const char *canonical;
    unsigned obj;
} syn_objs[] = {
    {"instance", OBJ_INSTANCE},      {"disk", OBJ_DISK},          {"data-disk", OBJ_DISK},
    {"system-disk", OBJ_DISK},       {"snapshot", OBJ_SNAP},      {"image", OBJ_IMAGE},
    {"auto-snapshot-policy", OBJ_POLICY}, {"snapshot-group", OBJ_GROUP},
    {"security-group", OBJ_NET | OBJ_SG}, {"sg-rule", OBJ_NET | OBJ_SG | OBJ_SGRULE},
    {"eni", OBJ_NET | OBJ_ENI},
    {"vswitch", OBJ_NET},            {"vpc", OBJ_NET},            {"eip", OBJ_NET},
    {"ipv6", OBJ_NET},               {"key-pair", OBJ_KEY},       {"password", OBJ_PASSWORD},
    {"reset-password", OBJ_PASSWORD}, {"invocation", OBJ_INV},    {"cloud-assistant", OBJ_ASSIST},
    {"instance-type", OBJ_TYPE},     {"change-spec", OBJ_TYPE},   {"system-event", OBJ_EVENT},
    {"maintenance", OBJ_EVENT},      {"metric", OBJ_METRIC},      {"cpu-utilization", OBJ_METRIC},
    {"bandwidth", OBJ_METRIC},
};

/* TEMPORARY stand-in for the tool catalogue's action cues: verb words and the object they
 * act on -> the API action, the skill whose tools carry it out and, for skills without an
 * api path, the path of its topic (LABELS.md, "Commands"). The first row whose verbs and
 * object are both in the query wins, so specific rows come first. When the catalogue
 * (knowledge/ecs/_tools.json) lands, this table is replaced by a lookup there. */
static const struct {
    const char *verbs; /* '|'-separated; "" matches any verb */
    unsigned obj;      /* every bit must be present */
    const char *action, *skill, *path;
} actions[] = {
    {"stop|kill|cancel|abort|停止|取消|终止", OBJ_INV, "StopInvocation", "ecs-execute-instances", NULL},
    {"", OBJ_INV, "DescribeInvocationResults", "ecs-execute-instances", NULL},
    {"delete|remove|删除|删掉", OBJ_CMD, "DeleteCommand", "ecs-execute-instances", NULL},
    {"", OBJ_CMD, "InvokeCommand", "ecs-execute-instances", NULL},
    {"", OBJ_ASSIST | OBJ_INSTANCE, "DescribeCloudAssistantStatus", "ecs-execute-instances", NULL},
    {"detach|unbind|remove from|解绑", OBJ_KEY, "DetachKeyPair", "ecs-launch-instance", "access"},
    {"delete|删除|删掉", OBJ_KEY, "DeleteKeyPairs", "ecs-launch-instance", "access"},
    {"import|upload|导入|上传", OBJ_KEY, "ImportKeyPair", "ecs-launch-instance", "access"},
    {"create|new|generate|创建|新建|生成|建", OBJ_KEY, "CreateKeyPair", "ecs-launch-instance", "access"},
    {"list|show|describe|查|看|列", OBJ_KEY, "DescribeKeyPairs", "ecs-launch-instance", "access"},
    {"", OBJ_KEY, "AttachKeyPair", "ecs-launch-instance", "access"},
    {"reset|set|change|修改|重置|改", OBJ_PASSWORD | OBJ_INSTANCE, "ModifyInstanceAttribute",
     "ecs-launch-instance", "access"},
    {"", OBJ_GROUP, "CreateSnapshotGroup", "ecs-manage-recovery", NULL},
    {"consistent|一致", OBJ_SNAP, "CreateSnapshotGroup", "ecs-manage-recovery", NULL},
    {"roll back|rollback|revert|restore|回滚|恢复", OBJ_DISK, "ResetDisk", "ecs-manage-recovery", NULL},
    {"cancel|unbind|detach|remove|取消|解绑", OBJ_POLICY, "CancelAutoSnapshotPolicy",
     "ecs-manage-recovery", NULL},
    {"delete|删除|删掉", OBJ_POLICY, "DeleteAutoSnapshotPolicy", "ecs-manage-recovery", NULL},
    {"create|new|创建|新建|建", OBJ_POLICY, "CreateAutoSnapshotPolicy", "ecs-manage-recovery", NULL},
    {"", OBJ_POLICY, "ApplyAutoSnapshotPolicy", "ecs-manage-recovery", NULL},
    {"create|make|build|bake|创建|做|制作|建", OBJ_IMAGE | OBJ_SNAP, "CreateImage", "ecs-manage-images", NULL},
    {"new|create|创建|新建", OBJ_DISK | OBJ_SNAP, "CreateDisk", "ecs-manage-storage", "disk-types"},
    {"delete|remove|删除|删掉", OBJ_SNAP, "DeleteSnapshot", "ecs-manage-recovery", NULL},
    {"list|show|describe|查|看|列", OBJ_SNAP, "DescribeSnapshots", "ecs-manage-recovery", NULL},
    {"", OBJ_SNAP, "CreateSnapshot", "ecs-manage-recovery", NULL},
    {"launch|create|run|开|创建|新建|买", OBJ_TYPE | OBJ_IMAGE, "RunInstances", "ecs-launch-instance", "create"},
    {"launch|create|开|创建|新建|买", OBJ_TYPE, "RunInstances", "ecs-launch-instance", "create"},
    {"upgrade|downgrade|change|resize|move|scale|变配|升配|降配|升级|降级|改|换", OBJ_TYPE | OBJ_INSTANCE,
     "ModifyInstanceSpec", "ecs-choose-instance", "sizing"},
    {"create|make|build|bake|capture|创建|做|制作", OBJ_IMAGE | OBJ_INSTANCE, "CreateImage",
     "ecs-manage-images", NULL},
    {"import|导入", OBJ_IMAGE, "ImportImage", "ecs-manage-images", NULL},
    {"export|导出", OBJ_IMAGE, "ExportImage", "ecs-manage-images", NULL},
    {"copy|复制|拷贝", OBJ_IMAGE, "CopyImage", "ecs-manage-images", NULL},
    {"delete|remove|删除|删掉", OBJ_IMAGE, "DeleteImage", "ecs-manage-images", NULL},
    {"who|whom|哪些账号|哪些", OBJ_IMAGE, "DescribeImageSharePermission", "ecs-manage-images", NULL},
    {"list|show|describe|find|查|看|列", OBJ_IMAGE, "DescribeImages", "ecs-manage-images", NULL},
    {"", OBJ_IMAGE, "ModifyImageSharePermission", "ecs-manage-images", NULL},
    {"unassign|释放", OBJ_ENI, "UnassignIpv6Addresses", "ecs-configure-instance", NULL},
    {"assign|分配", OBJ_ENI, "AssignIpv6Addresses", "ecs-configure-instance", NULL},
    {"attach|bind|绑定|绑到|挂", OBJ_ENI | OBJ_INSTANCE, "AttachNetworkInterface",
     "ecs-configure-instance", NULL},
    {"detach|unbind|解绑", OBJ_ENI, "DetachNetworkInterface", "ecs-configure-instance", NULL},
    {"delete|remove|删除|删掉", OBJ_ENI, "DeleteNetworkInterface", "ecs-configure-instance", NULL},
    {"create|new|创建|新建|建", OBJ_ENI, "CreateNetworkInterface", "ecs-configure-instance", NULL},
    {"set|modify|change|replace|修改|改", OBJ_ENI, "ModifyNetworkInterfaceAttribute",
     "ecs-configure-instance", NULL},
    {"list|show|describe|查|看|列", OBJ_ENI, "DescribeNetworkInterfaces", "ecs-configure-instance",
     NULL},
    {"leave|take|out of|移出", OBJ_SG | OBJ_INSTANCE, "LeaveSecurityGroup",
     "ecs-configure-instance", NULL},
    {"join|put|add|move|加入|加到", OBJ_SG | OBJ_INSTANCE, "JoinSecurityGroup",
     "ecs-configure-instance", NULL},
    {"delete|remove|revoke|close|删除|删掉|关闭|关掉", OBJ_SGRULE, "RevokeSecurityGroup",
     "ecs-configure-instance", NULL},
    {"revoke|close|关闭|关掉", OBJ_SG, "RevokeSecurityGroup", "ecs-configure-instance", NULL},
    {"delete|删除|删掉|删了", OBJ_SG, "DeleteSecurityGroup", "ecs-configure-instance", NULL},
    {"create|new|创建|新建|建", OBJ_SG, "CreateSecurityGroup", "ecs-configure-instance", NULL},
    {"list|show|describe|which|查|看|列", OBJ_SG, "DescribeSecurityGroupAttribute",
     "ecs-configure-instance", NULL},
    {"", OBJ_NET, "AuthorizeSecurityGroup", "ecs-configure-instance", NULL},
    {"resize|expand|grow|enlarge|extend|increase|扩容|扩到|扩大|加到", OBJ_DISK, "ResizeDisk",
     "ecs-manage-storage", "resize"},
    {"detach|unplug|unmount|卸载|解绑", OBJ_DISK, "DetachDisk", "ecs-manage-storage", "disk-types"},
    {"delete|remove|删除|删掉", OBJ_DISK, "DeleteDisk", "ecs-manage-storage", "disk-types"},
    {"change|convert|modify|upgrade|变更|转|升级", OBJ_DISK, "ModifyDiskSpec", "ecs-manage-storage",
     "disk-types"},
    {"create|new|创建|新建|买", OBJ_DISK, "CreateDisk", "ecs-manage-storage", "disk-types"},
    {"list|show|describe|查|看|列", OBJ_DISK, "DescribeDisks", "ecs-manage-storage", "disk-types"},
    {"", OBJ_DISK | OBJ_INSTANCE, "AttachDisk", "ecs-manage-storage", "disk-types"},
    {"", OBJ_DISK, "DescribeDisks", "ecs-manage-storage", "disk-types"},
    {"history|past|last week|历史|过去", OBJ_EVENT, "DescribeInstanceHistoryEvents",
     "ecs-monitor-instance", "maintenance"},
    {"", OBJ_EVENT, "DescribeInstancesFullStatus", "ecs-monitor-instance", "maintenance"},
    {"full status|impaired|health|完整状态|健康", OBJ_INSTANCE, "DescribeInstancesFullStatus",
     "ecs-monitor-instance", "maintenance"},
    {"", OBJ_METRIC | OBJ_INSTANCE, "DescribeInstanceMonitorData", "ecs-monitor-instance", "metrics"},
    {"", OBJ_GUEST, "RunCommand", "ecs-execute-instances", NULL},
    {"reboot|restart|重启|重起", OBJ_INSTANCE, "RebootInstance", "ecs-launch-instance", "lifecycle"},
    {"release|delete|terminate|释放|删除", OBJ_INSTANCE, "DeleteInstance", "ecs-launch-instance",
     "lifecycle"},
    {"stop|shut|power off|停止|停|关机", OBJ_INSTANCE, "StopInstance", "ecs-launch-instance",
     "lifecycle"},
    {"start|boot|power on|启动|开机", OBJ_INSTANCE, "StartInstance", "ecs-launch-instance",
     "lifecycle"},
    {"status|状态", OBJ_INSTANCE, "DescribeInstanceStatus", "ecs-launch-instance", "lifecycle"},
    {"list|show|describe|find|get|check|查|看|列", OBJ_INSTANCE, "DescribeInstances",
     "ecs-launch-instance", "lifecycle"},
};

/* 1 if any '|'-separated verb of verbs occurs in s (an empty list always does). */
static int has_verb(const char *verbs, const char *s, size_t len)
{
    if (!*verbs)
        return 1;
    const char *v = verbs;
    while (*v) {
        const char *e = strchr(v, '|');
        size_t n = e ? (size_t)(e - v) : strlen(v);
        char w[48];
        if (n < sizeof w) {
            memcpy(w, v, n);
            w[n] = '\0';
            const char *one[] = {w, NULL};
            size_t at_;
            if (rt_find_word(s, len, 0, one, &at_))
                return 1;
        }
        v += n + (e ? 1 : 0);
    }
    return 0;
}

static unsigned objects(const struct rt_query *q, const struct rt_result *res)
{
    unsigned obj = 0;
    for (size_t i = 0; i < res->nentities; i++)
        for (size_t k = 0; k < ARRAY_LEN(id_objs); k++)
            obj |= res->entities[i].kind == id_objs[k].kind ? id_objs[k].obj : 0;
    for (size_t i = 0; i < q->nhits; i++) {
        const struct rt_phrase *p = &q->x->ph.v[q->hits[i].ph];
        if (p->kind == RT_PH_SYN &&
            !rt_span_has(q, q->hits[i].start, q->hits[i].end, SPAN_MASKED))
            obj |= q->x->syn_obj[p->target];
    }
    return obj;
}

unsigned rt_command_objects(const char *canonical)
{
    unsigned obj = 0;
    for (size_t k = 0; k < ARRAY_LEN(syn_objs); k++)
        if (strcmp(canonical, syn_objs[k].canonical) == 0)
            obj |= syn_objs[k].obj;
    return obj;
}

/* Words of a question that asks for reasons or advice: such a query is not a command. */
static const char *const asking[] = {"why", "how", "could", "should", "what should",
                                     "is it because", "为什么", "咋", "怎么", "能不能", "会不会",
                                     "还会", "哪条", "哪个", "到底", NULL};
/* Words of work right after a restore, roll back or migration (LABELS.md, "After a
 * restore"): in-guest work then belongs to recovery's cloud-assistant path. */
static const char *const after_restore[] = {"restore", "restored", "post-restore", "roll back",
                                            "rolled back", "rollback", "migrated", "回滚",
                                            "恢复", "迁移", "迁过来", NULL};

/* Words that place work inside the instance's operating system. */
static const char *const inside_words[] = {"inside the instance", "in the guest", "in-guest",
                                           "在实例里", "实例里", "实例内", "在机器里", NULL};

/* Verbs that open an imperative even when the query goes on to report a failure. */
static const char *const imperative_openers[] = {
    "force", "hard", "reboot", "restart", "stop", "start", "kill", "release", "reset", "kick",
    "invoke", "run", "execute", "create", "delete", "attach", "detach", "share", "copy", "open",
    "allow", "add", "remove", "apply", "cancel", "take", "make", "launch", "resize", "expand",
    "set", "change", "assign", "put", "move", "list", "show", "describe", "check", "get",
    "强制", "重启", "启动", "停止", "释放", "删除", "创建", NULL};

/* 1 if s[lead..] opens with one of words. */
static int opens_with(const char *s, size_t len, size_t lead, const char *const *words)
{
    for (size_t k = 0; words[k]; k++)
        if (rt_word_at(s, len, lead, words[k]))
            return 1;
    return 0;
}

/* Words of a one-off GUI job: the console named, or doing it once by hand. */
static const char *const console_words[] = {"console", "控制台", "gui", "web ui", "页面",
                                            "just this once", "just once", "one-off",
                                            "one-time", "ad hoc", "ad-hoc", "manually",
                                            "by hand", "手动", "就一次", "一次性", NULL};

void rt_command_detect(struct rt_query *q, const struct rt_result *res)
{
    const char *s = q->lsub;
    size_t len = q->flen;
    size_t at_;
    if (rt_find_word(s, len, 0, console_words, &at_))
        q->signals |= RT_SIG_CONSOLE;
    unsigned obj = objects(q, res);
    if (q->signals & RT_SIG_PAYLOAD)
        obj |= OBJ_INSTANCE;
    for (size_t i = 0; i + 5 < len; i++)
        if (rt_at_ci(s, len, i, " on i-") || (rt_at_ci(s, len, i, "在 i-") || rt_at_ci(s, len, i, "在i-")))
            obj |= OBJ_GUEST;
    size_t at2;
    if (rt_find_word(s, len, 0, inside_words, &at2))
        obj |= OBJ_GUEST;
    /* In-guest work right after a restore, roll back or migration: recovery's path. */
    if ((obj & OBJ_GUEST) && rt_find_word(s, len, 0, after_restore, &at2)) {
        q->signals |= RT_SIG_COMMAND;
        q->action = "RunCommand";
        q->act_skill = "ecs-manage-recovery";
        q->act_path = "cloud-assistant";
        q->act_weight = 1;
        return;
    }
    /* Named resources: ids, a region, or something to run on instances. */
    if (!(q->anchors & (RT_EV_ID | RT_EV_REGION)) && !(q->signals & RT_SIG_PAYLOAD))
        return;
    /* A how-to question asks for steps, not for the action; a failure report asks what
     * went wrong, unless the query opens with the verb ("force stop i-..., it hangs"). */
    if (q->signals & RT_SIG_HOWTO)
        return;
    size_t lead = 0;
    while (lead < len && s[lead] == ' ')
        lead++;
    /* Shell text or a file's content for instances: Cloud Assistant carries it out. */
    if (q->action) {
        q->signals |= RT_SIG_COMMAND;
        q->act_skill = "ecs-execute-instances";
        q->act_weight = 2;
        if (rt_find_word(s, len, 0, after_restore, &at_)) {
            q->act_skill = "ecs-manage-recovery";
            q->act_path = "cloud-assistant";
        }
        return;
    }
    if ((q->signals & RT_SIG_FAIL) &&
        !opens_with(s, len, lead, imperative_openers))
        return;
    if (rt_find_word(s, len, 0, asking, &at_))
        return;
    for (size_t k = 0; k < ARRAY_LEN(actions); k++) {
        if ((obj & actions[k].obj) != actions[k].obj || !has_verb(actions[k].verbs, s, len))
            continue;
        q->signals |= RT_SIG_COMMAND;
        q->action = actions[k].action;
        q->act_skill = actions[k].skill;
        q->act_path = actions[k].path;
        q->act_weight = *actions[k].verbs ? 1 : 0;
        return;
    }
}

int rt_command_reported(const struct rt_query *q)
{
    static const char *const report_verbs[] = {"prints", "printed", "says", "said", "shows",
                                               "showed", "returns", "returned", "outputs",
                                               "complains", "throws", "提示", "显示", NULL};
    const char *s = q->lsub;
    size_t len = q->flen, lead = 0, at_;
    while (lead < len && s[lead] == ' ')
        lead++;
    if (rt_find_word(s, len, 0, report_verbs, &at_))
        return 1;
    if (opens_with(s, len, lead, imperative_openers))
        return 0;
    /* A query that opens with a command line run "on" instances asks for the run. */
    size_t on = rt_find_sub(s, len, 0, " on ", 4);
    if (on < len && rt_shell_like(s, on) && !rt_has_id(s, on) && !rt_prose(s, on))
        return 0;
    for (size_t i = 0; i < q->nhits; i++)
        if (q->x->ph.v[q->hits[i].ph].kind == RT_PH_FAIL)
            return 1;
    return rt_find_word(s, len, 0, asking, &at_) != 0;
}
