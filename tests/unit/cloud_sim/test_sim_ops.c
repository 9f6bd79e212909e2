/* test_sim_ops.c - unit tests of the simulator's operations without HTTP: the cases of
 * cases.tsv, timed state machines, limits, ClientToken, DryRun, paging and state loading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloud/sim/sim_int.h"
#include "tests/unit/cloud_sim/sim_cases.h"
#include "tests/unit/cloud_sim/sim_test.h"

static const char *cases_path;

/* Run one row on a fresh demo region; every mismatch is printed, and counted in *arg. */
static void check_case(const struct sim_case *c, void *arg)
{
    int *failures = arg;
    struct sim_state *st = sim_test_fresh();
    int got = 0;
    cJSON *b = sim_test_call(st, c->action, c->form, T0, &got);
    if (strcmp(sim_test_code(b), c->code) != 0 || got != c->status) {
        print_error("%s %s: want %ld %s, got %d %s (%s)\n", c->action, c->form, c->status, c->code,
                    got, sim_test_code(b),
                    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "Message"))
                        ? cJSON_GetObjectItemCaseSensitive(b, "Message")->valuestring : "");
        (*failures)++;
    }
    cJSON_Delete(b);
    sim_state_free(st);
}

static void test_cases_file(void **unused)
{
    int failures = 0;
    assert_true(sim_cases_each(cases_path, false, check_case, &failures) > 300);
    assert_int_equal(failures, 0);
}

static const char *status_of(struct sim_state *st, const char *id, uint64_t now)
{
    static char out[32];
    char form[128];
    snprintf(form, sizeof form, "RegionId=cn-hangzhou&InstanceId.1=%s", id);
    cJSON *b = sim_test_expect(st, "DescribeInstanceStatus", form, now, "OK");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(b, "InstanceStatuses"), "InstanceStatus");
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    snprintf(out, sizeof out, "%s", cJSON_GetObjectItemCaseSensitive(arr->child, "Status")->valuestring);
    cJSON_Delete(b);
    return out;
}

static void test_instance_lifecycle(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    const char *web = "i-bp1web01000000000000";
    cJSON_Delete(sim_test_expect(st, "StopInstance", "InstanceId=i-bp1web01000000000000", T0, "OK"));
    assert_string_equal(status_of(st, web, T0), "Stopping");
    assert_string_equal(status_of(st, web, T0 + TR - 1), "Stopping");
    cJSON_Delete(sim_test_expect(st, "StartInstance", "InstanceId=i-bp1web01000000000000", T0 + 1, "IncorrectInstanceStatus"));
    assert_string_equal(status_of(st, web, T0 + TR), "Stopped");
    cJSON_Delete(sim_test_expect(st, "StartInstance", "InstanceId=i-bp1web01000000000000", T0 + TR, "OK"));
    assert_string_equal(status_of(st, web, T0 + TR), "Starting");
    assert_string_equal(status_of(st, web, T0 + 2 * TR), "Running");
    cJSON_Delete(sim_test_expect(st, "RebootInstance", "InstanceId=i-bp1web01000000000000", T0 + 2 * TR, "OK"));
    assert_string_equal(status_of(st, web, T0 + 2 * TR), "Starting");
    assert_string_equal(status_of(st, web, T0 + 3 * TR), "Running");
    /* Release: Running needs Force; afterwards the instance and its primary ENI are gone. */
    cJSON_Delete(sim_test_expect(st, "DeleteInstance", "InstanceId=i-bp1web01000000000000&Force=true", T0 + 3 * TR, "OK"));
    cJSON_Delete(sim_test_expect(st, "StartInstance", "InstanceId=i-bp1web01000000000000", T0 + 3 * TR,
                        "InvalidInstanceId.NotFound"));
    cJSON *b = sim_test_expect(st, "DescribeNetworkInterfaces", "RegionId=cn-hangzhou&InstanceId=i-bp1web01000000000000",
                      T0 + 3 * TR, "OK");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(b, "TotalCount")->valueint, 0);
    cJSON_Delete(b);
    sim_state_free(st);
}

static void test_all_together_rolls_back(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    /* web-01 could stop, db-01 cannot: AllTogether leaves web-01 Running. */
    cJSON_Delete(sim_test_expect(st, "StopInstances",
                        "RegionId=cn-hangzhou&InstanceId.1=i-bp1web01000000000000&InstanceId.2=i-bp1db010000000000000",
                        T0, "IncorrectInstanceStatus"));
    assert_string_equal(status_of(st, "i-bp1web01000000000000", T0), "Running");
    cJSON *b = sim_test_expect(st, "StopInstances",
                      "RegionId=cn-hangzhou&BatchOptimization=SuccessFirst&InstanceId.1=i-bp1web01000000000000"
                      "&InstanceId.2=i-bp1db010000000000000", T0, "OK");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(b, "InstanceResponses"), "InstanceResponse");
    assert_int_equal(cJSON_GetArraySize(arr), 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(arr->child, "Code")->valuestring, "200");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(arr->child->next, "Code")->valuestring,
                        "IncorrectInstanceStatus");
    cJSON_Delete(b);
    assert_string_equal(status_of(st, "i-bp1web01000000000000", T0), "Stopping");
    sim_state_free(st);
}

/* Build head + "&prefix.i=<value><i, zero-padded to width>" for i in 1..n (caller frees). */
static char *repeat(const char *head, const char *prefix, size_t n, const char *value, int width)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, head);
    for (size_t i = 1; i <= n; i++)
        buf_printf(&b, "&%s.%zu=%s%0*zu", prefix, i, value, width, i);
    return buf_steal(&b, NULL);
}

static void test_limits(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    /* 200 rules per group: 2 x 100 fill sg-spare, the 201st is refused. */
    for (size_t batch = 0; batch < 2; batch++) {
        struct buf b;
        buf_init(&b, 0);
        buf_puts(&b, "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1spare000000000000");
        for (size_t i = 1; i <= 100; i++)
            buf_printf(&b, "&Permissions.%zu.IpProtocol=TCP&Permissions.%zu.PortRange=%zu/%zu"
                       "&Permissions.%zu.SourceCidrIp=10.0.0.0/8", i, i, batch * 100 + i,
                       batch * 100 + i, i);
        cJSON_Delete(sim_test_expect(st, "AuthorizeSecurityGroup", b.data, T0, "OK"));
        buf_release(&b);
    }
    cJSON_Delete(sim_test_expect(st, "AuthorizeSecurityGroup",
                        "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1spare000000000000&IpProtocol=TCP"
                        "&PortRange=201/201&SourceCidrIp=10.0.0.0/8", T0, "AuthorizationLimitExceed"));
    /* An existing rule is a no-op even at the limit. */
    cJSON_Delete(sim_test_expect(st, "AuthorizeSecurityGroup",
                        "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1spare000000000000&IpProtocol=TCP"
                        "&PortRange=5/5&SourceCidrIp=10.0.0.0/8", T0, "OK"));

    /* 5 groups per instance: web-01 is in 2; 3 more fit, the 6th is refused. */
    for (int i = 0; i < 4; i++) {
        cJSON *b = sim_test_expect(st, "CreateSecurityGroup", "RegionId=cn-hangzhou&VpcId=vpc-bp1demo0000000000000", T0, "OK");
        char form[160];
        snprintf(form, sizeof form, "SecurityGroupId=%s&InstanceId=i-bp1web01000000000000",
                 cJSON_GetObjectItemCaseSensitive(b, "SecurityGroupId")->valuestring);
        cJSON_Delete(sim_test_expect(st, "JoinSecurityGroup", form, T0, i < 3 ? "OK" : "InstanceSecurityGroupLimitExceeded"));
        cJSON_Delete(b);
    }

    /* 51 targets for SendFile or RunCommand: refused before anything else (50 per call). */
    char *form = repeat("RegionId=cn-hangzhou&Name=f&TargetDir=/tmp&Content=x", "InstanceId", 51, "i-", 1);
    cJSON_Delete(sim_test_expect(st, "SendFile", form, T0, "InstanceIds.ExceedLimit"));
    free(form);
    form = repeat("RegionId=cn-hangzhou&Type=RunShellScript&CommandContent=ls", "InstanceId", 51, "i-", 1);
    cJSON_Delete(sim_test_expect(st, "RunCommand", form, T0, "InstanceIds.ExceedLimit"));
    free(form);

    /* 33 KB of content: over every Cloud Assistant limit; 20 KB fits SendFile. */
    struct buf big;
    buf_init(&big, 0);
    buf_puts(&big, "RegionId=cn-hangzhou&Type=RunShellScript&InstanceId.1=i-bp1web01000000000000&CommandContent=");
    for (int i = 0; i < 33 * 1024 / 4; i++)
        buf_puts(&big, "QUJD");
    cJSON_Delete(sim_test_expect(st, "RunCommand", big.data, T0, "CmdContent.ExceedLimit"));
    buf_reset(&big);
    /* 31 KB of Base64 is within the 32 KB API limit. */
    buf_puts(&big, "RegionId=cn-hangzhou&Type=RunShellScript&InstanceId.1=i-bp1web01000000000000&ContentEncoding=Base64&CommandContent=");
    for (int i = 0; i < 31 * 1024 / 4; i++)
        buf_puts(&big, "QUJD");
    cJSON_Delete(sim_test_expect(st, "RunCommand", big.data, T0, "OK"));
    buf_reset(&big);
    buf_puts(&big, "RegionId=cn-hangzhou&Name=n&Type=RunShellScript&CommandContent=");
    for (int i = 0; i < 33 * 1024 / 4; i++)
        buf_puts(&big, "QUJD");
    cJSON_Delete(sim_test_expect(st, "CreateCommand", big.data, T0, "CmdContent.ExceedLimit"));
    buf_reset(&big);
    buf_puts(&big, "RegionId=cn-hangzhou&Name=f&TargetDir=/tmp&ContentType=Base64&InstanceId.1=i-bp1web01000000000000&Content=");
    for (int i = 0; i < 33 * 1024 / 4; i++)
        buf_puts(&big, "QUJD");
    cJSON_Delete(sim_test_expect(st, "SendFile", big.data, T0, "FileSize.ExceedLimit"));
    buf_reset(&big);
    buf_puts(&big, "RegionId=cn-hangzhou&Name=f&TargetDir=/tmp&ContentType=Base64&InstanceId.1=i-bp1web01000000000000&Content=");
    for (int i = 0; i < 20 * 1024 / 4; i++)
        buf_puts(&big, "QUJD");
    cJSON_Delete(sim_test_expect(st, "SendFile", big.data, T0, "OK"));
    buf_release(&big);

    /* 11 accounts in one call are refused, 10 are fine. */
    form = repeat("RegionId=cn-hangzhou&ImageId=m-bp1webgolden00000000", "AddAccount", 11, "10000000000000", 2);
    cJSON_Delete(sim_test_expect(st, "ModifyImageSharePermission", form, T0, "InvalidParameter.AddAccountCount"));
    free(form);
    form = repeat("RegionId=cn-hangzhou&ImageId=m-bp1webgolden00000000", "AddAccount", 10, "10000000000000", 2);
    cJSON_Delete(sim_test_expect(st, "ModifyImageSharePermission", form, T0, "OK"));
    free(form);
    cJSON *b = sim_test_expect(st, "DescribeImageSharePermission", "RegionId=cn-hangzhou&ImageId=m-bp1webgolden00000000&PageSize=100", T0, "OK");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(b, "TotalCount")->valueint, 11);
    cJSON_Delete(b);

    /* 17 disks in a snapshot-consistent group. */
    form = repeat("RegionId=cn-hangzhou", "DiskId", 17, "d-", 1);
    cJSON_Delete(sim_test_expect(st, "CreateSnapshotGroup", form, T0, "InvalidParameter.DiskCount"));
    free(form);
    sim_state_free(st);
}

static void test_client_token(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    const char *form = "RegionId=cn-hangzhou&VpcId=vpc-bp1demo0000000000000&SecurityGroupName=tok&ClientToken=abc-123";
    cJSON *a = sim_test_expect(st, "CreateSecurityGroup", form, T0, "OK");
    cJSON *b = sim_test_expect(st, "CreateSecurityGroup", form, T0 + 5, "OK");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(a, "SecurityGroupId")->valuestring,
                        cJSON_GetObjectItemCaseSensitive(b, "SecurityGroupId")->valuestring);
    assert_string_not_equal(cJSON_GetObjectItemCaseSensitive(a, "RequestId")->valuestring,
                            cJSON_GetObjectItemCaseSensitive(b, "RequestId")->valuestring);
    cJSON_Delete(a);
    cJSON_Delete(b);
    b = sim_test_expect(st, "DescribeSecurityGroups", "RegionId=cn-hangzhou&SecurityGroupName=tok", T0, "OK");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(b, "TotalCount")->valueint, 1);
    cJSON_Delete(b);
    cJSON_Delete(sim_test_expect(st, "CreateSecurityGroup",
                        "RegionId=cn-hangzhou&VpcId=vpc-bp1demo0000000000000&SecurityGroupName=other&ClientToken=abc-123",
                        T0, "IdempotentParameterMismatch"));
    /* The same token on another action is a different request. */
    cJSON_Delete(sim_test_expect(st, "CreateNetworkInterface",
                        "RegionId=cn-hangzhou&VSwitchId=vsw-bp1demoh000000000000&SecurityGroupId=sg-bp1base0000000000000&ClientToken=abc-123",
                        T0, "OK"));
    sim_state_free(st);
}

static void test_invocation_progress(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    cJSON *b = sim_test_expect(st, "RunCommand",
                      "RegionId=cn-hangzhou&Type=RunShellScript&CommandContent=uptime&InstanceId.1=i-bp1web01000000000000",
                      T0, "OK");
    char form[200];
    snprintf(form, sizeof form, "RegionId=cn-hangzhou&ContentEncoding=PlainText&InvokeId=%s",
             cJSON_GetObjectItemCaseSensitive(b, "InvokeId")->valuestring);
    cJSON_Delete(b);
    static const struct {
        uint64_t at;
        const char *status;
    } steps[] = {{0, "Pending"}, {TR / 2, "Running"}, {TR, "Success"}};
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        b = sim_test_expect(st, "DescribeInvocationResults", form, T0 + steps[i].at, "OK");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "Invocation"),
                                             "InvocationResults"), "InvocationResult")->child;
        assert_non_null(r);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "InvocationStatus")->valuestring, steps[i].status);
        if (strcmp(steps[i].status, "Success") == 0)
            assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(r, "Output")->valuestring,
                                   "[skilld simulator]"));
        cJSON_Delete(b);
    }
    sim_state_free(st);
}

static void test_paging(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    char form[128] = "RegionId=cn-hangzhou&MaxResults=2";
    int seen = 0, pages = 0;
    for (;;) {
        cJSON *b = sim_test_expect(st, "DescribeInstances", form, T0, "OK");
        seen += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(b, "Instances"), "Instance"));
        const char *next = cJSON_GetObjectItemCaseSensitive(b, "NextToken")->valuestring;
        pages++;
        int done = !*next;
        snprintf(form, sizeof form, "RegionId=cn-hangzhou&MaxResults=2&NextToken=%s", next);
        cJSON_Delete(b);
        if (done)
            break;
    }
    assert_int_equal(seen, 5);
    assert_int_equal(pages, 3);
    cJSON *b = sim_test_expect(st, "DescribeInstances", "RegionId=cn-hangzhou&PageNumber=2&PageSize=4", T0, "OK");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(b, "TotalCount")->valueint, 5);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(b, "Instances"), "Instance")), 1);
    cJSON_Delete(b);
    sim_state_free(st);
}

static void test_state_files(void **unused)
{
    struct sim_state *st = NULL;
    struct err e = {0};
    assert_int_equal(sim_state_new("{\"Regions\":[]}", 14, "x.json", 0, &st, &e), ERR_PARSE);
    assert_non_null(strstr(e.msg, "x.json"));
    err_clear(&e);
    assert_int_equal(sim_state_new("{\"Regions\":[{\"Region", 20, "cut.json", 0, &st, &e), ERR_PARSE);
    assert_non_null(strstr(e.msg, "cut.json"));
    assert_null(st);
    /* Round trip through an atomic write. */
    st = sim_test_fresh();
    cJSON_Delete(sim_test_expect(st, "StopInstance", "InstanceId=i-bp1web01000000000000", T0, "OK"));
    char *dump = sim_state_dump(st);
    char path[] = "/tmp/skilld-sim-unit-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(sim_write_atomic(path, dump, strlen(dump), &e), ERR_OK);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sim_read_file(path, SIM_MAX_STATE_FILE, &text, &len, &e), ERR_OK);
    struct sim_state *again = NULL;
    assert_int_equal(sim_state_new(text, len, path, TR, &again, &e), ERR_OK);
    assert_string_equal(status_of(again, "i-bp1web01000000000000", T0 + TR), "Stopped");
    unlink(path);
    free(text);
    free(dump);
    sim_state_free(again);
    sim_state_free(st);
}

/* A failed rename (the target is a directory) reports ERR_IO and leaves no temp file behind. */
static void test_atomic_write_failure_cleans_up(void **unused)
{
    char dir[] = "/tmp/skilld-sim-unit-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *target = xasprintf("%s/state.json", dir);
    assert_int_equal(mkdir(target, 0700), 0); /* rename(file, directory) fails */
    struct err e = {0};
    assert_int_equal(sim_write_atomic(target, "{}", 2, &e), ERR_IO);
    char *tmp = xasprintf("%s.tmp.%ld", target, (long)getpid());
    assert_int_not_equal(access(tmp, F_OK), 0);
    unlink(tmp);
    rmdir(target);
    rmdir(dir);
    free(tmp);
    free(target);
}

int main(int argc, char **argv)
{
    cases_path = argc > 1 ? argv[1] : "cases.tsv";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_file),
        cmocka_unit_test(test_instance_lifecycle),
        cmocka_unit_test(test_all_together_rolls_back),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_client_token),
        cmocka_unit_test(test_invocation_progress),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_state_files),
        cmocka_unit_test(test_atomic_write_failure_cleans_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
