/* test_sim_launch.c - unit tests of the simulator's newer operations as whole stories: launching
 * instances (timed states, disks, ENI, ClientToken, DryRun, secrets never kept), key pairs (real
 * keys, fingerprints), disks through attach/detach, system events, monitoring data, Cloud
 * Assistant install/stop/send-file, rules, exports and snapshot groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cloud_sim/sim_test.h"

#define RUN "RegionId=cn-hangzhou&ImageId=aliyun_3_x64_20G_alibase_20240819.vhd&InstanceType=ecs.g7.large" \
            "&VSwitchId=vsw-bp1demoh000000000000&SecurityGroupId=sg-bp1web00000000000000"

static int total(const cJSON *b)
{
    return cJSON_GetObjectItemCaseSensitive(b, "TotalCount")->valueint;
}

static int count_of(struct sim_state *st, const char *action, const char *form, uint64_t now)
{
    cJSON *b = sim_test_expect(st, action, form, now, "OK");
    int n = total(b);
    cJSON_Delete(b);
    return n;
}

static char *status_of(struct sim_state *st, const char *id, uint64_t now)
{
    static char out[32];
    char form[128];
    snprintf(form, sizeof form, "RegionId=cn-hangzhou&InstanceId.1=%s", id);
    cJSON *b = sim_test_expect(st, "DescribeInstanceStatus", form, now, "OK");
    snprintf(out, sizeof out, "%s", sim_test_str(b, "InstanceStatuses.InstanceStatus.0.Status"));
    cJSON_Delete(b);
    return out;
}

static void test_run_instances(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    /* DryRun checks everything and creates nothing. */
    cJSON_Delete(sim_test_expect(st, "RunInstances", RUN "&Amount=2&DryRun=true", T0, "DryRunOperation"));
    assert_int_equal(count_of(st, "DescribeInstances", "RegionId=cn-hangzhou", T0), 5);
    const char *form = RUN "&Amount=2&InstanceName=app-&UniqueSuffix=true&Password=Abc123!x"
                           "&InternetMaxBandwidthOut=5&DataDisk.1.Size=100&DataDisk.1.Category=cloud_essd"
                           "&KeyPairName=demo-key&Tag.1.Key=env&Tag.1.Value=dev&ClientToken=launch-1";
    cJSON *b = sim_test_expect(st, "RunInstances", form, T0, "OK");
    const cJSON *ids = sim_test_at(b, "InstanceIdSets.InstanceIdSet");
    assert_int_equal(cJSON_GetArraySize(ids), 2);
    char id[64];
    snprintf(id, sizeof id, "%s", cJSON_GetArrayItem(ids, 0)->valuestring);
    /* A retry with the same ClientToken answers the same instances and creates none. */
    cJSON *again = sim_test_expect(st, "RunInstances", form, T0 + 5, "OK");
    assert_string_equal(sim_test_str(again, "InstanceIdSets.InstanceIdSet.0"), id);
    cJSON_Delete(again);
    assert_int_equal(count_of(st, "DescribeInstances", "RegionId=cn-hangzhou", T0), 7);
    cJSON_Delete(sim_test_expect(st, "RunInstances", RUN "&ClientToken=launch-1", T0,
                                 "IdempotentParameterMismatch"));
    cJSON_Delete(b);
    /* Pending -> Starting -> Running over one transition. */
    assert_string_equal(status_of(st, id, T0), "Pending");
    assert_string_equal(status_of(st, id, T0 + TR / 2), "Starting");
    assert_string_equal(status_of(st, id, T0 + TR), "Running");
    char q[256];
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&InstanceIds=%%5B%%22%s%%22%%5D", id);
    b = sim_test_expect(st, "DescribeInstances", q, T0 + TR, "OK");
    assert_string_equal(sim_test_str(b, "Instances.Instance.0.InstanceName"), "app-001");
    assert_string_equal(sim_test_str(b, "Instances.Instance.0.KeyPairName"), "demo-key");
    assert_string_equal(sim_test_str(b, "Instances.Instance.0.Tags.Tag.0.TagValue"), "dev");
    assert_string_equal(sim_test_str(b, "Instances.Instance.0.NetworkInterfaces.NetworkInterface.0.Type"),
                        "Primary");
    assert_int_equal(cJSON_GetArraySize(sim_test_at(b, "Instances.Instance.0.PublicIpAddress.IpAddress")), 1);
    const char *ip = sim_test_str(b, "Instances.Instance.0.VpcAttributes.PrivateIpAddress.IpAddress.0");
    assert_memory_equal(ip, "192.168.1.", 10);
    cJSON_Delete(b);
    /* A system disk and the data disk, tagged like the instance, and a primary ENI. */
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&InstanceId=%s&Tag.1.Key=env&Tag.1.Value=dev", id);
    assert_int_equal(count_of(st, "DescribeDisks", q, T0 + TR), 2);
    assert_int_equal(count_of(st, "DescribeNetworkInterfaces", q, T0 + TR), 1);
    /* The password was checked and is nowhere in the state. */
    char *dump = sim_state_dump(st);
    assert_null(strstr(dump, "Abc123!x"));
    free(dump);
    /* The agent answers once the instance runs. */
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&InstanceId.1=%s", id);
    b = sim_test_expect(st, "DescribeCloudAssistantStatus", q, T0 + TR, "OK");
    assert_string_equal(sim_test_str(b, "InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus.0."
                                        "CloudAssistantStatus"), "true");
    cJSON_Delete(b);
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&Type=RunShellScript&CommandContent=ls&InstanceId.1=%s", id);
    cJSON_Delete(sim_test_expect(st, "RunCommand", q, T0 + TR, "OK"));
    /* Released with its disks (DeleteWithInstance) and its primary ENI. */
    snprintf(q, sizeof q, "InstanceId=%s&Force=true", id);
    cJSON_Delete(sim_test_expect(st, "DeleteInstance", q, T0 + TR, "OK"));
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&InstanceId=%s", id);
    assert_int_equal(count_of(st, "DescribeDisks", q, T0 + TR), 0);
    sim_state_free(st);
}

static void test_modify_instance(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    const char *db = "RegionId=cn-hangzhou&InstanceIds=%5B%22i-bp1db010000000000000%22%5D";
    cJSON_Delete(sim_test_expect(st, "ModifyInstanceSpec", "InstanceId=i-bp1db010000000000000&InstanceType=ecs.r7.large",
                                 T0, "OK"));
    cJSON *b = sim_test_expect(st, "DescribeInstances", db, T0, "OK");
    assert_string_equal(sim_test_str(b, "Instances.Instance.0.InstanceType"), "ecs.r7.large");
    assert_int_equal(sim_test_at(b, "Instances.Instance.0.Memory")->valueint, 16384);
    assert_int_equal(sim_test_at(b, "Instances.Instance.0.Cpu")->valueint, 2);
    cJSON_Delete(b);
    cJSON_Delete(sim_test_expect(st, "ModifyInstanceAttribute",
                                 "InstanceId=i-bp1db010000000000000&InstanceName=db-primary&Password=Xyz789%23k"
                                 "&SecurityGroupIds.1=sg-bp1db000000000000000&DeletionProtection=true",
                                 T0, "OK"));
    b = sim_test_expect(st, "DescribeInstances", db, T0, "OK");
    assert_string_equal(sim_test_str(b, "Instances.Instance.0.InstanceName"), "db-primary");
    assert_true(cJSON_IsTrue(sim_test_at(b, "Instances.Instance.0.DeletionProtection")));
    assert_int_equal(cJSON_GetArraySize(sim_test_at(b, "Instances.Instance.0.SecurityGroupIds.SecurityGroupId")), 1);
    cJSON_Delete(b);
    char *dump = sim_state_dump(st);
    assert_null(strstr(dump, "Xyz789"));
    free(dump);
    cJSON_Delete(sim_test_expect(st, "DeleteInstance", "InstanceId=i-bp1db010000000000000", T0,
                                 "InvalidOperation.DeletionProtection"));
    sim_state_free(st);
}

/* A key made by CreateKeyPair is a usable PEM whose public half is what DescribeKeyPairs shows;
 * the private half is in the answer only. ImportKeyPair fingerprints like ssh-keygen -E md5. */
static void test_key_pairs(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    cJSON *b = sim_test_expect(st, "CreateKeyPair", "RegionId=cn-hangzhou&KeyPairName=ops-key", T0, "OK");
    const char *pem = sim_test_str(b, "PrivateKeyBody");
    assert_non_null(strstr(pem, "-----BEGIN RSA PRIVATE KEY-----"));
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    assert_non_null(key);
    assert_int_equal(EVP_PKEY_get_bits(key), 2048);
    EVP_PKEY_free(key);
    BIO_free(bio);
    char fp[64], head[40];
    snprintf(fp, sizeof fp, "%s", sim_test_str(b, "KeyPairFingerPrint"));
    snprintf(head, sizeof head, "%.36s", pem + 32);
    cJSON_Delete(b);
    char *dump = sim_state_dump(st);
    assert_null(strstr(dump, head));
    free(dump);
    b = sim_test_expect(st, "DescribeKeyPairs", "RegionId=cn-hangzhou&KeyPairName=ops-*", T0, "OK");
    assert_int_equal(total(b), 1);
    assert_string_equal(sim_test_str(b, "KeyPairs.KeyPair.0.KeyPairFingerPrint"), fp);
    assert_string_equal(sim_test_str(b, "KeyPairs.KeyPair.0.PublicKey"), "");
    cJSON_Delete(b);
    /* The demo key's fingerprint, as ssh-keygen -l -E md5 prints it for the same public key. */
    b = sim_test_expect(st, "ImportKeyPair",
                        "RegionId=cn-hangzhou&KeyPairName=laptop&PublicKeyBody=ssh-rsa%20AAAAB3NzaC1yc2EA"
                        "AAADAQABAAABAQDBP622%2Bb%2FFwsqA2nSKiUjTMN20ma9sGiaRbs0%2B1S4G64AivCn8%2B7x3gLTTN"
                        "6Qp%2BfEZY2ccP5mHyY4u6RyLbfGt3V%2BK94ozFUw2sOKXY2aO4HMYwdOizNjRx8bntf7fT6BjH%2F%2B"
                        "UPywimBOe8um%2Bm34e92BqInkq7LfWp1hKcYXfjlB8r1ypTjcXbiHILmY%2BDutNgOlmg3XtQfR7N0ufBl"
                        "UIxY6EKntYvOauLU8uB%2ByKScaprusgCs592qKNzP%2BzOOV648sBrIjltiibrlD2XM7NdFeO%2FDQgmu6P"
                        "M%2BIYd5E9qA3GZ45k4xWQF9Zu%2BRXng7pcApkW8c84ilBtbBddhkm5%20me%40laptop",
                        T0, "OK");
    assert_string_equal(sim_test_str(b, "KeyPairFingerPrint"),
                        "58:a5:36:c1:34:df:ec:a4:4d:dc:3c:d3:f2:48:6d:47");
    cJSON_Delete(b);
    /* Attach to two Linux instances and a Windows one: per-instance results. */
    b = sim_test_expect(st, "AttachKeyPair", "RegionId=cn-hangzhou&KeyPairName=ops-key&InstanceIds="
                        "%5B%22i-bp1web02000000000000%22%2C%22i-bp1db010000000000000%22%2C"
                        "%22i-bp1win01000000000000%22%5D", T0, "OK");
    assert_string_equal(sim_test_str(b, "TotalCount"), "3");
    assert_string_equal(sim_test_str(b, "FailCount"), "1");
    assert_string_equal(sim_test_str(b, "Results.Result.2.Code"), "DependencyViolation.WindowsInstance");
    cJSON_Delete(b);
    assert_int_equal(count_of(st, "DescribeInstances", "RegionId=cn-hangzhou&KeyPairName=ops-key", T0), 2);
    cJSON_Delete(sim_test_expect(st, "DetachKeyPair", "RegionId=cn-hangzhou&KeyPairName=ops-key&InstanceIds="
                                 "%5B%22i-bp1web02000000000000%22%5D", T0, "OK"));
    assert_int_equal(count_of(st, "DescribeInstances", "RegionId=cn-hangzhou&KeyPairName=ops-key", T0), 1);
    /* Deleting the key pair leaves the instance its name, as the API documents. */
    cJSON_Delete(sim_test_expect(st, "DeleteKeyPairs", "RegionId=cn-hangzhou&KeyPairNames=%5B%22ops-key%22%5D",
                                 T0, "OK"));
    assert_int_equal(count_of(st, "DescribeKeyPairs", "RegionId=cn-hangzhou", T0), 2);
    assert_int_equal(count_of(st, "DescribeInstances", "RegionId=cn-hangzhou&KeyPairName=ops-key", T0), 1);
    sim_state_free(st);
}

static const char *disk_status(struct sim_state *st, const char *id, uint64_t now)
{
    static char out[32];
    char q[160];
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&DiskIds=%%5B%%22%s%%22%%5D", id);
    cJSON *b = sim_test_expect(st, "DescribeDisks", q, now, "OK");
    snprintf(out, sizeof out, "%s", sim_test_str(b, "Disks.Disk.0.Status"));
    cJSON_Delete(b);
    return out;
}

static void test_disk_life(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    cJSON *b = sim_test_expect(st, "CreateDisk", "RegionId=cn-hangzhou&ZoneId=cn-hangzhou-h&Size=80"
                               "&DiskCategory=cloud_essd&ClientToken=disk-1", T0, "OK");
    char id[64], q[200];
    snprintf(id, sizeof id, "%s", sim_test_str(b, "DiskId"));
    cJSON_Delete(b);
    assert_string_equal(disk_status(st, id, T0), "Creating");
    snprintf(q, sizeof q, "DiskId=%s&InstanceId=i-bp1web01000000000000", id);
    cJSON_Delete(sim_test_expect(st, "AttachDisk", q, T0, "IncorrectDiskStatus"));
    assert_string_equal(disk_status(st, id, T0 + TR), "Available");
    cJSON_Delete(sim_test_expect(st, "AttachDisk", q, T0 + TR, "OK"));
    assert_string_equal(disk_status(st, id, T0 + TR), "Attaching");
    assert_string_equal(disk_status(st, id, T0 + 2 * TR), "In_use");
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&DiskIds=%%5B%%22%s%%22%%5D", id);
    b = sim_test_expect(st, "DescribeDisks", q, T0 + 2 * TR, "OK");
    assert_string_equal(sim_test_str(b, "Disks.Disk.0.Device"), "/dev/xvdc");
    assert_string_equal(sim_test_str(b, "Disks.Disk.0.PerformanceLevel"), "PL1");
    cJSON_Delete(b);
    snprintf(q, sizeof q, "DiskId=%s", id);
    cJSON_Delete(sim_test_expect(st, "DeleteDisk", q, T0 + 2 * TR, "DiskStillAttached"));
    snprintf(q, sizeof q, "DiskId=%s&PerformanceLevel=PL0", id);
    cJSON_Delete(sim_test_expect(st, "ModifyDiskSpec", q, T0 + 2 * TR, "OperationDenied"));
    snprintf(q, sizeof q, "DiskId=%s&InstanceId=i-bp1web01000000000000", id);
    cJSON_Delete(sim_test_expect(st, "DetachDisk", q, T0 + 2 * TR, "OK"));
    assert_string_equal(disk_status(st, id, T0 + 2 * TR), "Detaching");
    assert_string_equal(disk_status(st, id, T0 + 3 * TR), "Available");
    /* A category change lands after one transition. */
    cJSON_Delete(sim_test_expect(st, "ModifyDiskSpec", "DiskId=d-bp1spare020000000000&DiskCategory=cloud_essd",
                                 T0, "OK"));
    b = sim_test_expect(st, "DescribeDisks", "RegionId=cn-hangzhou&DiskIds=%5B%22d-bp1spare020000000000%22%5D",
                        T0 + TR, "OK");
    assert_string_equal(sim_test_str(b, "Disks.Disk.0.Category"), "cloud_essd");
    assert_string_equal(sim_test_str(b, "Disks.Disk.0.PerformanceLevel"), "PL1");
    cJSON_Delete(b);
    snprintf(q, sizeof q, "DiskId=%s", id);
    cJSON_Delete(sim_test_expect(st, "DeleteDisk", q, T0 + 3 * TR, "OK"));
    assert_string_equal(disk_status(st, id, T0 + 3 * TR), "");
    /* 16 data disks at most: web-01 has one; 15 more fit, the 17th is refused. */
    for (int i = 0; i < 16; i++) {
        b = sim_test_expect(st, "CreateDisk", "RegionId=cn-hangzhou&ZoneId=cn-hangzhou-h&Size=20"
                            "&DiskCategory=cloud_efficiency", T0, "OK");
        snprintf(q, sizeof q, "DiskId=%s&InstanceId=i-bp1web01000000000000", sim_test_str(b, "DiskId"));
        cJSON_Delete(sim_test_expect(st, "AttachDisk", q, T0 + TR, i < 15 ? "OK" : "InstanceDiskLimitExceeded"));
        cJSON_Delete(b);
    }
    sim_state_free(st);
}

static void test_system_events(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    const char *sched = "RegionId=cn-hangzhou&InstanceEventCycleStatus.1=Scheduled";
    assert_int_equal(count_of(st, "DescribeInstanceHistoryEvents", sched, T0), 1);
    assert_int_equal(count_of(st, "DescribeInstanceHistoryEvents", "RegionId=cn-hangzhou", T0), 1);
    cJSON *b = sim_test_expect(st, "DescribeInstancesFullStatus",
                               "RegionId=cn-hangzhou&HealthStatus=Warning", T0, "OK");
    assert_int_equal(total(b), 1);
    assert_string_equal(sim_test_str(b, "InstanceFullStatusSet.InstanceFullStatusType.0.InstanceId"),
                        "i-bp1web02000000000000");
    cJSON_Delete(b);
    /* Restarting before the window avoids the maintenance reboot. */
    cJSON_Delete(sim_test_expect(st, "RebootInstance", "InstanceId=i-bp1web02000000000000", T0, "OK"));
    assert_int_equal(count_of(st, "DescribeInstanceHistoryEvents", sched, T0), 0);
    b = sim_test_expect(st, "DescribeInstanceHistoryEvents",
                        "RegionId=cn-hangzhou&InstanceId=i-bp1web02000000000000", T0, "OK");
    assert_string_equal(sim_test_str(b, "InstanceSystemEventSet.InstanceSystemEventType.0.EventCycleStatus.Name"),
                        "Avoided");
    cJSON_Delete(b);
    assert_int_equal(count_of(st, "DescribeInstancesFullStatus", "RegionId=cn-hangzhou&HealthStatus=Warning",
                              T0 + TR), 0);
    sim_state_free(st);
}

static void test_monitor_data(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    const char *q = "InstanceId=i-bp1web01000000000000&StartTime=2027-01-15T07:00:00Z"
                    "&EndTime=2027-01-15T08:00:00Z&Period=60";
    cJSON *a = sim_test_expect(st, "DescribeInstanceMonitorData", q, T0, "OK");
    cJSON *b = sim_test_expect(st, "DescribeInstanceMonitorData", q, T0, "OK");
    const cJSON *pa = sim_test_at(a, "MonitorData"), *pb = sim_test_at(b, "MonitorData");
    assert_int_equal(cJSON_GetArraySize(sim_test_at(pa, "InstanceMonitorData")), 60);
    assert_true(cJSON_Compare(pa, pb, 1));
    int cpu = sim_test_at(pa, "InstanceMonitorData.5.CPU")->valueint;
    assert_true(cpu >= 3 && cpu < 48);
    cJSON_Delete(a);
    cJSON_Delete(b);
    /* A stopped instance reports points without values. */
    a = sim_test_expect(st, "DescribeInstanceMonitorData",
                        "InstanceId=i-bp1db010000000000000&StartTime=2027-01-15T07:00:00Z"
                        "&EndTime=2027-01-15T08:00:00Z&Period=600", T0, "OK");
    assert_int_equal(cJSON_GetArraySize(sim_test_at(a, "MonitorData.InstanceMonitorData")), 6);
    assert_null(sim_test_at(a, "MonitorData.InstanceMonitorData.0.CPU"));
    cJSON_Delete(a);
    sim_state_free(st);
}

static void test_cloud_assistant_more(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    const char *run = "RegionId=cn-hangzhou&Type=RunShellScript&CommandContent=ls&InstanceId.1=i-bp1batch010000000000";
    /* batch-01 has no agent: start it, install the agent, and it takes commands after one
     * transition. */
    cJSON_Delete(sim_test_expect(st, "StartInstance", "InstanceId=i-bp1batch010000000000", T0, "OK"));
    cJSON_Delete(sim_test_expect(st, "RunCommand", run, T0 + TR, "InvalidInstance.NoClient"));
    cJSON_Delete(sim_test_expect(st, "InstallCloudAssistant",
                                 "RegionId=cn-hangzhou&InstanceId.1=i-bp1batch010000000000", T0 + TR, "OK"));
    cJSON_Delete(sim_test_expect(st, "RunCommand", run, T0 + TR, "InvalidInstance.NoClient"));
    cJSON_Delete(sim_test_expect(st, "RunCommand", run, T0 + 2 * TR, "OK"));
    /* StopInvocation cancels the runs that have not started. */
    cJSON *b = sim_test_expect(st, "InvokeCommand", "RegionId=cn-hangzhou&CommandId=c-hz0diskcheck00000000"
                               "&InstanceId.1=i-bp1web01000000000000&InstanceId.2=i-bp1web02000000000000",
                               T0, "OK");
    char q[200];
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&InvokeId=%s", sim_test_str(b, "InvokeId"));
    cJSON_Delete(b);
    cJSON_Delete(sim_test_expect(st, "DeleteCommand", "RegionId=cn-hangzhou&CommandId=c-hz0diskcheck00000000",
                                 T0, "Operation.Forbidden"));
    cJSON_Delete(sim_test_expect(st, "StopInvocation", q, T0, "OK"));
    b = sim_test_expect(st, "DescribeInvocations", q, T0 + 2 * TR, "OK");
    assert_string_equal(sim_test_str(b, "Invocations.Invocation.0.InvocationStatus"), "Stopped");
    assert_string_equal(sim_test_str(b, "Invocations.Invocation.0.InvokeInstances.InvokeInstance.0.InvocationStatus"),
                        "Cancelled");
    cJSON_Delete(b);
    cJSON_Delete(sim_test_expect(st, "DeleteCommand", "RegionId=cn-hangzhou&CommandId=c-hz0diskcheck00000000",
                                 T0 + 2 * TR, "OK"));
    assert_int_equal(count_of(st, "DescribeCommands", "RegionId=cn-hangzhou", T0 + 2 * TR), 0);
    /* SendFile deliveries are reported by DescribeSendFileResults, not DescribeInvocations. */
    b = sim_test_expect(st, "SendFile", "RegionId=cn-hangzhou&Name=app.conf&TargetDir=/etc/app&Content=a%3D1"
                        "&FileMode=0600&InstanceId.1=i-bp1web01000000000000", T0, "OK");
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&InvokeId=%s", sim_test_str(b, "InvokeId"));
    cJSON_Delete(b);
    assert_int_equal(count_of(st, "DescribeInvocations", q, T0), 0);
    b = sim_test_expect(st, "DescribeSendFileResults", q, T0, "OK");
    assert_string_equal(sim_test_str(b, "Invocations.Invocation.0.InvocationStatus"), "Pending");
    assert_string_equal(sim_test_str(b, "Invocations.Invocation.0.FileMode"), "0600");
    cJSON_Delete(b);
    b = sim_test_expect(st, "DescribeSendFileResults", q, T0 + TR, "OK");
    assert_string_equal(sim_test_str(b, "Invocations.Invocation.0.InvocationStatus"), "Success");
    assert_string_equal(sim_test_str(b, "Invocations.Invocation.0.InvokeInstances.InvokeInstance.0."
                                        "InvocationStatus"), "Success");
    cJSON_Delete(b);
    sim_state_free(st);
}

static void test_rules_exports_groups(void **unused)
{
    struct sim_state *st = sim_test_fresh();
    cJSON_Delete(sim_test_expect(st, "AuthorizeSecurityGroupEgress",
                                 "RegionId=cn-hangzhou&SecurityGroupId=sg-bp1spare000000000000&Permissions.1."
                                 "IpProtocol=TCP&Permissions.1.PortRange=5432/5432&Permissions.1.DestGroupId="
                                 "sg-bp1db000000000000000", T0, "OK"));
    cJSON *b = sim_test_expect(st, "DescribeSecurityGroupAttribute", "RegionId=cn-hangzhou&SecurityGroupId="
                               "sg-bp1spare000000000000&Direction=egress", T0, "OK");
    assert_int_equal(cJSON_GetArraySize(sim_test_at(b, "Permissions.Permission")), 1);
    assert_string_equal(sim_test_str(b, "Permissions.Permission.0.DestGroupId"), "sg-bp1db000000000000000");
    cJSON_Delete(b);
    /* The referenced group cannot be deleted while the rule points at it. */
    cJSON_Delete(sim_test_expect(st, "DeleteSecurityGroup", "RegionId=cn-hangzhou&SecurityGroupId="
                                 "sg-bp1db000000000000000", T0, "DependencyViolation"));
    cJSON_Delete(sim_test_expect(st, "ModifySecurityGroupRule", "RegionId=cn-hangzhou&SecurityGroupId="
                                 "sg-bp1web00000000000000&SecurityGroupRuleId=sgr-bp1r0100000000000000"
                                 "&PortRange=8080/8080&Policy=drop", T0, "OK"));
    b = sim_test_expect(st, "DescribeSecurityGroupAttribute", "RegionId=cn-hangzhou&SecurityGroupId="
                        "sg-bp1web00000000000000&Direction=ingress", T0, "OK");
    assert_string_equal(sim_test_str(b, "Permissions.Permission.0.PortRange"), "8080/8080");
    assert_string_equal(sim_test_str(b, "Permissions.Permission.0.Policy"), "Drop");
    assert_string_equal(sim_test_str(b, "Permissions.Permission.0.SecurityGroupRuleId"), "sgr-bp1r0100000000000000");
    cJSON_Delete(b);
    /* An export is a timed task; the image cannot be exported twice at once nor deleted. */
    const char *ex = "RegionId=cn-hangzhou&ImageId=m-bp1webgolden00000000&OSSBucket=backups";
    b = sim_test_expect(st, "ExportImage", ex, T0, "OK");
    assert_memory_equal(sim_test_str(b, "TaskId"), "t-", 2);
    cJSON_Delete(b);
    cJSON_Delete(sim_test_expect(st, "ExportImage", ex, T0, "ImageIsExporting"));
    cJSON_Delete(sim_test_expect(st, "ExportImage", ex, T0 + TR, "OK"));
    /* Snapshot-consistent groups: delete removes the group and its snapshots. */
    b = sim_test_expect(st, "CreateSnapshotGroup", "RegionId=cn-hangzhou&InstanceId=i-bp1db010000000000000"
                        "&Tag.1.Key=env&Tag.1.Value=prod", T0, "OK");
    char q[160];
    snprintf(q, sizeof q, "RegionId=cn-hangzhou&SnapshotGroupId=%s", sim_test_str(b, "SnapshotGroupId"));
    cJSON_Delete(b);
    assert_int_equal(count_of(st, "DescribeSnapshots", "RegionId=cn-hangzhou", T0), 5);
    assert_int_equal(count_of(st, "DescribeSnapshotGroups", "RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=prod",
                              T0), 1);
    b = sim_test_expect(st, "DeleteSnapshotGroup", q, T0 + TR, "OK");
    assert_int_equal(cJSON_GetArraySize(sim_test_at(b, "OperationProgressSet.OperationProgress")), 2);
    assert_string_equal(sim_test_str(b, "OperationProgressSet.OperationProgress.0.OperationStatus"), "Success");
    cJSON_Delete(b);
    assert_int_equal(count_of(st, "DescribeSnapshots", "RegionId=cn-hangzhou", T0 + TR), 3);
    /* Policies: cancel detaches, delete removes. */
    const char *pol = "RegionId=cn-hangzhou&AutoSnapshotPolicyId=sp-bp1daily000000000000";
    assert_int_equal(count_of(st, "DescribeDisks", pol, T0), 1);
    cJSON_Delete(sim_test_expect(st, "CancelAutoSnapshotPolicy", "regionId=cn-hangzhou&diskIds="
                                 "%5B%22d-bp1db01data000000000%22%5D", T0, "OK"));
    assert_int_equal(count_of(st, "DescribeDisks", pol, T0), 0);
    cJSON_Delete(sim_test_expect(st, "DeleteAutoSnapshotPolicy", "regionId=cn-hangzhou&autoSnapshotPolicyId="
                                 "sp-bp1daily000000000000", T0, "OK"));
    assert_int_equal(count_of(st, "DescribeAutoSnapshotPolicyEx", "RegionId=cn-hangzhou", T0), 0);
    sim_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_instances),
        cmocka_unit_test(test_modify_instance),
        cmocka_unit_test(test_key_pairs),
        cmocka_unit_test(test_disk_life),
        cmocka_unit_test(test_system_events),
        cmocka_unit_test(test_monitor_data),
        cmocka_unit_test(test_cloud_assistant_more),
        cmocka_unit_test(test_rules_exports_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
