/* test_sim_filters.c - unit tests of what every simulator operation shares: unknown parameters
 * are refused by name, every Describe honours or refuses Tag.N (never ignores it), the tag and
 * time filters themselves, and the request log with its redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cloud_sim/sim_test.h"

/* Every row of every operation table answers a parameter it does not know with InvalidParameter
 * naming it, before doing anything. */
static void test_unknown_parameter_refused(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    int ops = 0;
    for (size_t t = 0; sim_op_tables[t]; t++) {
        for (const struct sim_op *op = sim_op_tables[t]; op->action; op++) {
            char action[96];
            snprintf(action, sizeof action, "%s%s", op->action,
                     strcmp(op->version, "2016-04-28") == 0 ? "@vpc" : "");
            int status = 0;
            cJSON *b = sim_test_call(st, action, "RegionId=cn-hangzhou&NoSuchFilter=1", T0, &status);
            const char *msg = sim_test_str(b, "Message");
            if (status != 400 || strcmp(sim_test_code(b), "InvalidParameter") != 0 ||
                !strstr(msg, "\"NoSuchFilter\"") || !strstr(msg, "not supported by the simulator"))
                fail_msg("%s: want 400 InvalidParameter naming NoSuchFilter, got %d %s (%s)",
                         op->action, status, sim_test_code(b), msg);
            cJSON_Delete(b);
            ops++;
        }
    }
    assert_true(ops >= 85);
    /* Nothing was changed by any of them. */
    cJSON *b = sim_test_expect(st, "DescribeInstances", "RegionId=cn-hangzhou", T0, "OK");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(b, "TotalCount")->valueint, 5);
    cJSON_Delete(b);
    sim_state_free(st);
}

/* The first array found in an answer (depth <= 3): the listed items of a Describe. */
static const cJSON *first_list(const cJSON *node, int depth)
{
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, node) {
        if (cJSON_IsArray(it) && it->string && strcmp(it->string, "Tag") != 0)
            return it;
        if (cJSON_IsObject(it) && depth > 0) {
            const cJSON *found = first_list(it, depth - 1);
            if (found)
                return found;
        }
    }
    return NULL;
}

/* The minimal parameters each read operation needs (RegionId=cn-hangzhou is added). */
static const struct {
    const char *action;
    const char *form;
} read_args[] = {
    {"DescribeSecurityGroupAttribute", "&SecurityGroupId=sg-bp1web00000000000000"},
    {"DescribeImageSharePermission", "&ImageId=m-bp1webgolden00000000"},
    {"DescribeImages", "&ImageOwnerAlias=self"},
    {"DescribeInstanceMonitorData",
     "&InstanceId=i-bp1web01000000000000&StartTime=2027-01-15T07:00:00Z&EndTime=2027-01-15T08:00:00Z"},
    {"ListTagResources", "&ResourceType=instance&ResourceId.1=i-bp1web01000000000000"},
    {"DescribeInstanceHistoryEvents", "&InstanceEventCycleStatus.1=Scheduled&InstanceEventCycleStatus.2=Executed"},
};

/* Every Describe/List operation either filters by Tag.N (a tag no resource has lists nothing,
 * while the same call without it lists something) or refuses Tag.N by name. */
static void test_every_describe_honours_tags(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    /* Give the kinds the demo region leaves empty something to list. */
    cJSON_Delete(sim_test_expect(st, "RunCommand", "RegionId=cn-hangzhou&Type=RunShellScript&"
                                 "CommandContent=ls&InstanceId.1=i-bp1web01000000000000", T0, "OK"));
    cJSON_Delete(sim_test_expect(st, "SendFile", "RegionId=cn-hangzhou&Name=a&TargetDir=/tmp&Content=x"
                                 "&InstanceId.1=i-bp1web01000000000000", T0, "OK"));
    cJSON_Delete(sim_test_expect(st, "CreateSnapshotGroup", "RegionId=cn-hangzhou&"
                                 "InstanceId=i-bp1web01000000000000", T0, "OK"));
    int filtered = 0, refused = 0;
    for (size_t t = 0; sim_op_tables[t]; t++) {
        for (const struct sim_op *op = sim_op_tables[t]; op->action; op++) {
            if (op->mutating || strcmp(op->action, "DescribeRegions") == 0)
                continue;
            char action[96], form[512];
            snprintf(action, sizeof action, "%s%s", op->action,
                     strcmp(op->version, "2016-04-28") == 0 ? "@vpc" : "");
            const char *extra = "";
            for (size_t i = 0; i < ARRAY_LEN(read_args); i++)
                if (strcmp(read_args[i].action, op->action) == 0)
                    extra = read_args[i].form;
            snprintf(form, sizeof form, "RegionId=cn-hangzhou%s", extra);
            cJSON *base = sim_test_expect(st, action, form, T0, "OK");
            snprintf(form, sizeof form, "RegionId=cn-hangzhou%s&Tag.1.Key=no-such-key", extra);
            int status = 0;
            cJSON *b = sim_test_call(st, action, form, T0, &status);
            if (status == 400 && strcmp(sim_test_code(b), "InvalidParameter") == 0 &&
                strstr(sim_test_str(b, "Message"), "\"Tag.1.Key\"")) {
                refused++;
            } else {
                const cJSON *all = first_list(base, 3), *none = first_list(b, 3);
                if (status != 200 || !all || cJSON_GetArraySize(all) == 0 || !none ||
                    cJSON_GetArraySize(none) != 0)
                    fail_msg("%s: Tag.1.Key=no-such-key neither filtered nor refused (status %d, "
                             "%d items without the tag, %d with it)", op->action, status,
                             all ? cJSON_GetArraySize(all) : -1, none ? cJSON_GetArraySize(none) : -1);
                filtered++;
            }
            cJSON_Delete(b);
            cJSON_Delete(base);
        }
    }
    assert_true(filtered >= 16);
    assert_true(refused >= 7);
    sim_state_free(st);
}

static int count_of(struct sim_state *st, const char *action, const char *form)
{
    cJSON *b = sim_test_expect(st, action, form, T0, "OK");
    int n = cJSON_GetObjectItemCaseSensitive(b, "TotalCount")->valueint;
    cJSON_Delete(b);
    return n;
}

/* Tag.N is an AND of key (and value) conditions, the same on every kind. */
static void test_tag_filter_semantics(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    static const struct {
        const char *action, *form;
        int want;
    } cases[] = {
        {"DescribeInstances", "RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=prod", 3},
        {"DescribeInstances", "RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=prod&Tag.2.Key=app&Tag.2.Value=web", 2},
        {"DescribeInstances", "RegionId=cn-hangzhou&Tag.1.Key=app", 4},
        {"DescribeInstances", "RegionId=cn-hangzhou&Tag.3.Key=env&Tag.3.Value=dev", 2},
        {"DescribeInstances", "RegionId=cn-shanghai&Tag.1.Key=env&Tag.1.Value=dev", 1},
        {"DescribeDisks", "RegionId=cn-hangzhou&Tag.1.Key=app&Tag.1.Value=db", 2},
        {"DescribeSecurityGroups", "RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=dev", 1},
        {"DescribeNetworkInterfaces", "RegionId=cn-hangzhou&Tag.1.Key=app&Tag.1.Value=db", 2},
        {"DescribeSnapshots", "RegionId=cn-hangzhou&Tag.1.Key=app&Tag.1.Value=web", 2},
        {"DescribeKeyPairs", "RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=prod", 1},
        {"DescribeVpcs@vpc", "RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=prod", 1},
        {"DescribeVSwitches@vpc", "RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=dev", 0},
        {"DescribeInstanceHistoryEvents", "RegionId=cn-hangzhou&Tag.1.Key=app&Tag.1.Value=web", 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int got = count_of(st, cases[i].action, cases[i].form);
        if (got != cases[i].want)
            fail_msg("%s %s: want %d, got %d", cases[i].action, cases[i].form, cases[i].want, got);
    }
    /* A tag added with TagResources is found at once; UntagResources takes it away again. */
    cJSON_Delete(sim_test_expect(st, "TagResources", "RegionId=cn-hangzhou&ResourceType=instance&"
                                 "ResourceId.1=i-bp1batch010000000000&Tag.1.Key=app&Tag.1.Value=db",
                                 T0, "OK"));
    assert_int_equal(count_of(st, "DescribeInstances", "RegionId=cn-hangzhou&Tag.1.Key=app&Tag.1.Value=db"), 2);
    cJSON_Delete(sim_test_expect(st, "UntagResources", "RegionId=cn-hangzhou&ResourceType=instance&"
                                 "ResourceId.1=i-bp1batch010000000000&TagKey.1=app", T0, "OK"));
    assert_int_equal(count_of(st, "DescribeInstances", "RegionId=cn-hangzhou&Tag.1.Key=app&Tag.1.Value=db"), 1);
    /* 20 tags at most on one resource: web-01 has 2, 18 more fit, the 21st is refused. */
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "RegionId=cn-hangzhou&ResourceType=instance&ResourceId.1=i-bp1web01000000000000");
    for (int i = 1; i <= 18; i++)
        buf_printf(&b, "&Tag.%d.Key=k%d&Tag.%d.Value=v", i, i, i);
    cJSON_Delete(sim_test_expect(st, "TagResources", b.data, T0, "OK"));
    cJSON_Delete(sim_test_expect(st, "TagResources", "RegionId=cn-hangzhou&ResourceType=instance&"
                                 "ResourceId.1=i-bp1web01000000000000&Tag.1.Key=one-more&Tag.1.Value=v",
                                 T0, "OperationDenied.QuotaExceed"));
    buf_release(&b);
    /* ListTagResources answers (resource, tag) rows. */
    cJSON *l = sim_test_expect(st, "ListTagResources", "RegionId=cn-hangzhou&ResourceType=instance&"
                               "Tag.1.Key=env&Tag.1.Value=prod", T0, "OK");
    assert_int_equal(cJSON_GetArraySize(sim_test_at(l, "TagResources.TagResource")), 3);
    assert_string_equal(sim_test_str(l, "TagResources.TagResource.0.TagValue"), "prod");
    cJSON_Delete(l);
    sim_state_free(st);
}

/* Filter.N creation-time bounds, and the other documented filters filter. */
static void test_other_filters(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    cJSON_Delete(sim_test_expect(st, "CreateDisk", "RegionId=cn-hangzhou&ZoneId=cn-hangzhou-h&Size=20"
                                 "&DiskCategory=cloud_efficiency", T0, "OK"));
    static const struct {
        const char *action, *form;
        int want;
    } cases[] = {
        {"DescribeDisks", "RegionId=cn-hangzhou&Filter.1.Key=CreationStartTime&Filter.1.Value=2027-01-01T00:00Z", 1},
        {"DescribeDisks", "RegionId=cn-hangzhou&Filter.1.Key=CreationEndTime&Filter.1.Value=2024-12-31T00:00Z", 9},
        {"DescribeInstances", "RegionId=cn-hangzhou&Filter.1.Key=ExpiredStartTime&Filter.1.Value=2099-01-01T00:00Z", 5},
        {"DescribeInstances", "RegionId=cn-hangzhou&KeyPairName=demo-key", 1},
        {"DescribeInstances", "RegionId=cn-hangzhou&PrivateIpAddresses=%5B%22192.168.2.12%22%5D", 1},
        {"DescribeInstances", "RegionId=cn-hangzhou&PublicIpAddresses=%5B%2247.96.10.11%22%2C%2247.96.10.12%22%5D", 2},
        {"DescribeInstances", "RegionId=cn-hangzhou&InternetChargeType=PayByBandwidth", 0},
        {"DescribeDisks", "RegionId=cn-hangzhou&Portable=false", 5},
        {"DescribeDisks", "RegionId=cn-hangzhou&EnableAutomatedSnapshotPolicy=true", 1},
        {"DescribeSecurityGroups", "RegionId=cn-hangzhou&SecurityGroupName=e&FuzzyQuery=true", 3},
        {"DescribeSecurityGroups", "RegionId=cn-hangzhou&NetworkType=classic", 0},
        {"DescribeNetworkInterfaces", "RegionId=cn-hangzhou&PrivateIpAddress.1=192.168.1.101&PrivateIpAddress.2=192.168.2.101", 2},
        {"DescribeImages", "RegionId=cn-hangzhou&IsPublic=true", 3},
        {"DescribeKeyPairs", "RegionId=cn-hangzhou&KeyPairName=*key", 1},
        {"DescribeKeyPairs", "RegionId=cn-hangzhou&KeyPairName=key*", 0},
        {"DescribeInstanceTypes", "InstanceTypeFamily=ecs.g7&MinimumCpuCoreCount=4", 2},
        {"DescribeInstanceTypes", "CpuArchitecture=ARM", 2},
        {"DescribeVSwitches@vpc", "RegionId=cn-hangzhou&VSwitchName=demo-i", 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int got = count_of(st, cases[i].action, cases[i].form);
        if (got != cases[i].want)
            fail_msg("%s %s: want %d, got %d", cases[i].action, cases[i].form, cases[i].want, got);
    }
    sim_state_free(st);
}

/* A successful form of every operation that takes DryRun or ClientToken. */
static const struct {
    const char *action;
    const char *form;
} writes[] = {
    {"StartInstance", "InstanceId=i-bp1db010000000000000"},
    {"StopInstance", "InstanceId=i-bp1web01000000000000"},
    {"RebootInstance", "InstanceId=i-bp1web01000000000000"},
    {"StartInstances", "RegionId=cn-hangzhou&InstanceId.1=i-bp1db010000000000000"},
    {"StopInstances", "RegionId=cn-hangzhou&InstanceId.1=i-bp1web01000000000000"},
    {"RebootInstances", "RegionId=cn-hangzhou&InstanceId.1=i-bp1web01000000000000"},
    {"DeleteInstance", "InstanceId=i-bp1batch010000000000"},
    {"DeleteInstances", "RegionId=cn-hangzhou&InstanceId.1=i-bp1batch010000000000"},
    {"RunInstances", "RegionId=cn-hangzhou&ImageId=aliyun_3_x64_20G_alibase_20240819.vhd&InstanceType="
                     "ecs.c7.large&VSwitchId=vsw-bp1demoi000000000000&SecurityGroupId=sg-bp1base0000000000000"},
    {"ModifyInstanceSpec", "InstanceId=i-bp1db010000000000000&InstanceType=ecs.r7.large"},
    {"CreateSecurityGroup", "RegionId=cn-hangzhou&VpcId=vpc-bp1demo0000000000000&SecurityGroupName=app"},
    {"AuthorizeSecurityGroup", "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1spare000000000000&Permissions.1."
                               "IpProtocol=TCP&Permissions.1.PortRange=22/22&Permissions.1.SourceCidrIp=10.0.0.0/8"},
    {"RevokeSecurityGroup", "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1web00000000000000&"
                            "SecurityGroupRuleId.1=sgr-bp1r0100000000000000"},
    {"AuthorizeSecurityGroupEgress", "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1spare000000000000&"
                                     "Permissions.1.IpProtocol=ALL&Permissions.1.PortRange=-1/-1&"
                                     "Permissions.1.DestCidrIp=0.0.0.0/0"},
    {"RevokeSecurityGroupEgress", "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1web00000000000000&"
                                  "SecurityGroupRuleId.1=sgr-bp1r0800000000000000"},
    {"ModifySecurityGroupRule", "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1web00000000000000&"
                                "SecurityGroupRuleId=sgr-bp1r0100000000000000&Priority=7"},
    {"CreateNetworkInterface", "RegionId=cn-hangzhou&VSwitchId=vsw-bp1demoh000000000000&"
                               "SecurityGroupId=sg-bp1base0000000000000"},
    {"AssignIpv6Addresses", "RegionId=cn-hangzhou&NetworkInterfaceId=eni-bp1spareh00000000000&"
                            "Ipv6AddressCount=1"},
    {"CreateCommand", "RegionId=cn-hangzhou&Name=up&Type=RunShellScript&CommandContent=dXB0aW1l"},
    {"InvokeCommand", "RegionId=cn-hangzhou&CommandId=c-hz0diskcheck00000000&InstanceId.1=i-bp1web01000000000000"},
    {"RunCommand", "RegionId=cn-hangzhou&Type=RunShellScript&CommandContent=ls&InstanceId.1=i-bp1web01000000000000"},
    {"SendFile", "RegionId=cn-hangzhou&Name=f&TargetDir=/tmp&Content=x&InstanceId.1=i-bp1web01000000000000"},
    {"CreateImage", "RegionId=cn-hangzhou&InstanceId=i-bp1web01000000000000&ImageName=snap-image"},
    {"CopyImage", "RegionId=cn-hangzhou&ImageId=m-bp1webgolden00000000&DestinationRegionId=cn-shanghai"},
    {"ImportImage", "RegionId=cn-hangzhou&DiskDeviceMapping.1.OSSBucket=b&DiskDeviceMapping.1.OSSObject=o.raw"},
    {"ExportImage", "RegionId=cn-hangzhou&ImageId=m-bp1webgolden00000000&OSSBucket=backups"},
    {"ModifyImageSharePermission", "RegionId=cn-hangzhou&ImageId=m-bp1webgolden00000000&"
                                   "RemoveAccount.1=1234567890123456"},
    {"DeleteImage", "RegionId=cn-hangzhou&ImageId=m-doesnotexist"},
    {"ResizeDisk", "DiskId=d-bp1web01data00000000&NewSize=200"},
    {"ResetDisk", "DiskId=d-bp1db01data000000000&SnapshotId=s-bp1db01data000000000"},
    {"ModifyDiskSpec", "DiskId=d-bp1db01data000000000&PerformanceLevel=PL2"},
    {"CreateDisk", "RegionId=cn-hangzhou&ZoneId=cn-hangzhou-h&Size=40"},
    {"CreateSnapshot", "DiskId=d-bp1web01data00000000"},
    {"CreateSnapshotGroup", "RegionId=cn-hangzhou&InstanceId=i-bp1web01000000000000"},
};

static const struct sim_op *op_named(const char *action)
{
    for (size_t t = 0; sim_op_tables[t]; t++)
        for (const struct sim_op *op = sim_op_tables[t]; op->action; op++)
            if (strcmp(op->action, action) == 0)
                return op;
    return NULL;
}

/* DryRun changes nothing and answers the dry-run code (or is refused where the API has no
 * DryRun); a ClientToken retry answers the first answer and changes nothing; the same token
 * with other parameters is IdempotentParameterMismatch. */
static void test_dry_run_and_client_token(void **unused)
{
    int dry = 0, tok = 0;
    for (size_t t = 0; sim_op_tables[t]; t++) {
        for (const struct sim_op *op = sim_op_tables[t]; op->action; op++) {
            if (!op->mutating || (op->dry == SIM_DRY_NONE && !op->token))
                continue;
            const char *form = NULL;
            for (size_t i = 0; i < ARRAY_LEN(writes); i++)
                if (strcmp(writes[i].action, op->action) == 0)
                    form = writes[i].form;
            if (!form)
                fail_msg("%s takes DryRun or ClientToken but has no row in writes[]", op->action);
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(writes); i++) {
        const struct sim_op *op = op_named(writes[i].action);
        assert_non_null(op);
        char form[1024];
        struct sim_state *st = sim_test_fresh();
        char *before = sim_state_dump(st);
        snprintf(form, sizeof form, "%s&DryRun=true", writes[i].form);
        const char *want = op->dry == SIM_DRY_OP ? "DryRunOperation"
                           : op->dry == SIM_DRY_BATCH ? "DRYRUN.SUCCESS" : "UnsupportedParameter";
        cJSON_Delete(sim_test_expect(st, writes[i].action, form, T0, want));
        char *after = sim_state_dump(st);
        if (strcmp(before, after) != 0)
            fail_msg("%s with DryRun changed the state", writes[i].action);
        free(after);
        dry += op->dry != SIM_DRY_NONE;
        if (op->token) {
            snprintf(form, sizeof form, "%s&ClientToken=retry-%zu", writes[i].form, i);
            cJSON *a = sim_test_expect(st, writes[i].action, form, T0, "OK");
            char *once = sim_state_dump(st);
            cJSON *b = sim_test_expect(st, writes[i].action, form, T0, "OK");
            char *twice = sim_state_dump(st);
            if (strcmp(once, twice) != 0)
                fail_msg("%s: a ClientToken retry changed the state", writes[i].action);
            cJSON_DeleteItemFromObjectCaseSensitive(a, "RequestId");
            cJSON_DeleteItemFromObjectCaseSensitive(b, "RequestId");
            if (!cJSON_Compare(a, b, 1))
                fail_msg("%s: a ClientToken retry answered differently", writes[i].action);
            /* DryRun=false changes nothing but the parameters: another request. */
            snprintf(form, sizeof form, "%s&ClientToken=retry-%zu&DryRun=false", writes[i].form, i);
            cJSON_Delete(sim_test_expect(st, writes[i].action, form, T0, "IdempotentParameterMismatch"));
            free(once);
            free(twice);
            cJSON_Delete(a);
            cJSON_Delete(b);
            tok++;
        }
        free(before);
        sim_state_free(st);
    }
    assert_true(dry >= 18);
    assert_true(tok >= 22);
}

static void test_request_log(void **unused)
{
    struct sim_reqlog *l = sim_reqlog_new();
    struct sim_params p;
    sim_params_init(&p);
    sim_params_add(&p, "RegionId", "cn-hangzhou");
    sim_params_add(&p, "Password", "Sup3r!Secret");
    sim_params_add(&p, "SystemDisk.Password", "Sup3r!Secret");
    sim_params_add(&p, "PrivateKeyBody", "-----BEGIN RSA PRIVATE KEY-----");
    sim_params_add(&p, "AccessKeySecret", "abc");
    sim_params_add(&p, "SecurityToken", "sts");
    sim_params_add(&p, "ClientToken", "tok-1");
    sim_params_add(&p, "NextToken", "sim-10");
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sim_params_add(&p, "UserData", big);
    assert_int_equal(sim_reqlog_add(l, T0, "RunInstances", "2014-05-26", &p, 200, NULL), 1);
    assert_int_equal(sim_reqlog_add(l, T0 + 1, NULL, NULL, NULL, 400, "SignatureDoesNotMatch"), 2);
    unsigned long next = 0;
    cJSON *all = sim_reqlog_since(l, 0, &next);
    assert_int_equal(next, 2);
    assert_int_equal(cJSON_GetArraySize(all), 2);
    char *text = cJSON_PrintUnformatted(all);
    assert_null(strstr(text, "Sup3r!Secret"));
    assert_null(strstr(text, "BEGIN RSA"));
    assert_null(strstr(text, "\"abc\""));
    assert_null(strstr(text, "\"sts\""));
    free(text);
    assert_string_equal(sim_test_str(all, "0.params.Password"), "<redacted>");
    const cJSON *nested = cJSON_GetObjectItemCaseSensitive(sim_test_at(all, "0.params"),
                                                           "SystemDisk.Password");
    assert_string_equal(nested->valuestring, "<redacted>");
    assert_string_equal(sim_test_str(all, "0.params.ClientToken"), "tok-1");
    assert_string_equal(sim_test_str(all, "0.params.NextToken"), "sim-10");
    assert_string_equal(sim_test_str(all, "0.region"), "cn-hangzhou");
    assert_string_equal(sim_test_str(all, "0.action"), "RunInstances");
    assert_string_equal(sim_test_str(all, "0.code"), "OK");
    assert_true(strlen(sim_test_str(all, "0.params.UserData")) < 300);
    assert_true(cJSON_IsNull(sim_test_at(all, "1.action")));
    assert_int_equal(sim_test_at(all, "1.status")->valueint, 400);
    assert_string_equal(sim_test_str(all, "1.code"), "SignatureDoesNotMatch");
    cJSON_Delete(all);
    /* "since" hides what was already seen. */
    all = sim_reqlog_since(l, 1, NULL);
    assert_int_equal(cJSON_GetArraySize(all), 1);
    assert_int_equal(sim_test_at(all, "0.seq")->valueint, 2);
    cJSON_Delete(all);
    all = sim_reqlog_since(l, 2, &next);
    assert_int_equal(cJSON_GetArraySize(all), 0);
    assert_int_equal(next, 2);
    cJSON_Delete(all);
    /* Bounded: the newest 1024 are kept. */
    for (int i = 0; i < 1100; i++)
        sim_reqlog_add(l, T0, "DescribeRegions", "2014-05-26", NULL, 200, NULL);
    all = sim_reqlog_since(l, 0, &next);
    assert_int_equal(cJSON_GetArraySize(all), 1024);
    assert_int_equal(next, 1102);
    assert_int_equal(sim_test_at(all, "0.seq")->valueint, 1102 - 1023);
    cJSON_Delete(all);
    sim_params_release(&p);
    sim_reqlog_free(l);

    static const struct {
        const char *name;
        int secret;
    } names[] = {{"Password", 1}, {"password", 1}, {"PrivateKeyBody", 1}, {"AccessKeySecret", 1},
                 {"SecurityToken", 1}, {"x-acs-security-token", 1}, {"ClientToken", 0},
                 {"NextToken", 0}, {"PublicKeyBody", 0}, {"KeyPairName", 0}};
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        assert_int_equal(sim_param_is_secret(names[i].name), names[i].secret);
    assert_true(sim_host_is_loopback("127.0.0.1"));
    assert_true(sim_host_is_loopback("127.8.9.10"));
    assert_true(sim_host_is_loopback("localhost"));
    assert_false(sim_host_is_loopback("0.0.0.0"));
    assert_false(sim_host_is_loopback("192.168.1.5"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_parameter_refused),
        cmocka_unit_test(test_every_describe_honours_tags),
        cmocka_unit_test(test_tag_filter_semantics),
        cmocka_unit_test(test_other_filters),
        cmocka_unit_test(test_dry_run_and_client_token),
        cmocka_unit_test(test_request_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
