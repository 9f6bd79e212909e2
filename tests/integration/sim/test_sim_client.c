/* test_sim_client.c - integration tests: the simulator on a free loopback port driven by the
 * real client (cloud/cloud.h) and by raw libcurl requests: every case of cases.tsv over HTTP,
 * signature failures, form bodies, retries under --faults, and --state across restarts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "cloud/sim/sim_int.h"
#include "tests/unit/cloud_sim/sim_cases.h"

static const char *cases_path;

struct rig {
    sim_server *sim;
    cloud_client *client;
    struct cloud_credentials creds;
};

static void rig_up(struct rig *r, const char *faults, const char *state_file, int retries)
{
    struct sim_config sc = {0};
    sc.faults = faults;
    sc.state_file = state_file;
    sc.transition_ms = 200;
    struct err e = {0};
    r->sim = sim_start(&sc, &e);
    if (!r->sim)
        fail_msg("sim_start: %s", e.msg);
    char ep[64];
    snprintf(ep, sizeof ep, "127.0.0.1:%u", sim_port(r->sim));
    assert_int_equal(cloud_credentials_set(&r->creds, sim_default_access_key_id(),
                                           sim_default_access_key_secret(), NULL, "test"), ERR_OK);
    struct cloud_config cfg;
    cloud_config_defaults(&cfg);
    cfg.region = "cn-hangzhou";
    cfg.ecs_endpoint = ep;
    cfg.vpc_endpoint = ep;
    cfg.scheme = "http";
    cfg.credentials = &r->creds;
    cfg.max_retries = retries;
    cfg.retry_base_ms = 5;
    cfg.retry_max_ms = 50;
    cfg.timeout_ms = 10000;
    r->client = cloud_client_new(&cfg, &e);
    if (!r->client)
        fail_msg("cloud_client_new: %s", e.msg);
}

static void rig_down(struct rig *r)
{
    cloud_client_free(r->client);
    sim_stop(r->sim);
    cloud_credentials_release(&r->creds);
}

/* Call with form-encoded params; returns the error (ERR_OK = success) and the answer. */
static err_code call(struct rig *r, const char *action, const char *form, cJSON **ret,
                     struct cloud_error *ce)
{
    struct sim_params p;
    sim_params_init(&p);
    assert_int_equal(sim_params_parse_form(&p, form, strlen(form)), ERR_OK);
    struct cloud_kv *kv = calloc(p.n + 1, sizeof *kv);
    for (size_t i = 0; i < p.n; i++)
        kv[i] = (struct cloud_kv){p.v[i].key, p.v[i].val};
    char name[128];
    snprintf(name, sizeof name, "%s", action);
    char *at = strchr(name, '@');
    const char *product = "ecs";
    if (at) {
        *at = '\0';
        product = "vpc";
    }
    cJSON *resp = NULL;
    err_code rc = cloud_call(r->client, product, name, kv, p.n, &resp, ce);
    free(kv);
    sim_params_release(&p);
    if (ret)
        *ret = resp;
    else
        cJSON_Delete(resp);
    return rc;
}

static void check_case_over_http(const struct sim_case *c, void *unused)
{
    (void)unused;
    struct rig r;
    rig_up(&r, NULL, NULL, 0);
    struct cloud_error ce;
    cJSON *resp = NULL;
    err_code rc = call(&r, c->action, c->form, &resp, &ce);
    const char *got = rc == ERR_OK ? "OK" : ce.code_str;
    if (strcmp(got, c->code) != 0 || (rc != ERR_OK && ce.http_status != c->status))
        fail_msg("%s %s: want %ld %s, got %d %s (%s)", c->action, c->form, c->status, c->code,
                 ce.http_status, got, ce.message);
    assert_true(ce.request_id[0] != '\0');
    if (rc == ERR_OK)
        assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(resp, "RequestId")));
    cJSON_Delete(resp);
    rig_down(&r);
}

static void test_cases_over_http(void **unused)
{
    assert_true(sim_cases_each(cases_path, true, check_case_over_http, NULL) > 100);
}

/* ---- Raw requests ------------------------------------------------------------------------ */

struct raw {
    const char *key_id;
    const char *secret;
    const char *date;       /* NULL = now */
    int omit_date;          /* leave x-acs-date out */
    const char *body;       /* form body or NULL */
};

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    struct buf *b = ud;
    buf_append(b, p, sz * n);
    return sz * n;
}

/* Send DescribeInstances (query or form body) signed as `o` says; returns status, *ret_code. */
static long raw_call(unsigned port, const struct raw *o, char *ret_code, size_t cap)
{
    char host[64], date[32], nonce[37], hash[65];
    snprintf(host, sizeof host, "127.0.0.1:%u", port);
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    uuid4(nonce);
    const char *body = o->body ? o->body : "";
    cloud_sha256_hex(body, strlen(body), hash);
    struct cloud_kv q[] = {{"RegionId", "cn-hangzhou"}};
    size_t nq = o->body ? 0 : 1;
    struct cloud_kv h[8];
    size_t nh = 0;
    h[nh++] = (struct cloud_kv){"host", host};
    h[nh++] = (struct cloud_kv){"x-acs-action", "DescribeInstances"};
    h[nh++] = (struct cloud_kv){"x-acs-version", "2014-05-26"};
    if (!o->omit_date)
        h[nh++] = (struct cloud_kv){"x-acs-date", o->date ? o->date : date};
    h[nh++] = (struct cloud_kv){"x-acs-signature-nonce", nonce};
    h[nh++] = (struct cloud_kv){"x-acs-content-sha256", hash};
    if (o->body)
        h[nh++] = (struct cloud_kv){"content-type", "application/x-www-form-urlencoded"};
    struct buf canon, signed_h, auth, resp;
    buf_init(&canon, 0);
    buf_init(&signed_h, 0);
    buf_init(&auth, 0);
    buf_init(&resp, 1 << 20);
    assert_int_equal(cloud_canonical_request("POST", "/", q, nq, h, nh, hash, &canon, &signed_h), ERR_OK);
    char sig[65];
    cloud_sign_v3(canon.data, canon.len, o->secret, sig);
    assert_int_equal(cloud_authorization(o->key_id, signed_h.data, sig, &auth), ERR_OK);
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://%s/%s", host, o->body ? "" : "?RegionId=cn-hangzhou");
    struct curl_slist *hl = NULL;
    char line[2048];
    for (size_t i = 1; i < nh; i++) {
        snprintf(line, sizeof line, "%s: %s", h[i].name, h[i].value);
        hl = curl_slist_append(hl, line);
    }
    snprintf(line, sizeof line, "Authorization: %s", auth.data);
    hl = curl_slist_append(hl, line);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    cJSON *j = cJSON_ParseWithLengthOpts(resp.data, resp.len + 1, NULL, 1);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "Code");
    snprintf(ret_code, cap, "%s", cJSON_IsString(code) ? code->valuestring : "OK");
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "RequestId")));
    if (status == 200)
        assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "Instances"));
    cJSON_Delete(j);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    buf_release(&canon);
    buf_release(&signed_h);
    buf_release(&auth);
    buf_release(&resp);
    return status;
}

static void test_signatures(void **unused)
{
    struct rig r;
    rig_up(&r, NULL, NULL, 0);
    unsigned port = sim_port(r.sim);
    const char *id = sim_default_access_key_id(), *secret = sim_default_access_key_secret();
    static const struct {
        struct raw o;
        long status;
        const char *code;
    } cases[] = {
        {{NULL, NULL, NULL, 0, NULL}, 200, "OK"},
        {{NULL, "wrong-secret", NULL, 0, NULL}, 400, "SignatureDoesNotMatch"},
        {{"LTAI-unknown-key", NULL, NULL, 0, NULL}, 404, "InvalidAccessKeyId.NotFound"},
        {{NULL, NULL, "2020-01-01T00:00:00Z", 0, NULL}, 400, "InvalidTimeStamp.Expired"},
        {{NULL, NULL, "yesterday", 0, NULL}, 400, "IllegalTimestamp"},
        {{NULL, NULL, NULL, 1, NULL}, 400, "MissingParameter"},
        {{NULL, NULL, NULL, 0, "RegionId=cn-hangzhou&Status=Running"}, 200, "OK"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct raw o = cases[i].o;
        o.key_id = o.key_id ? o.key_id : id;
        o.secret = o.secret ? o.secret : secret;
        char code[128];
        long status = raw_call(port, &o, code, sizeof code);
        if (status != cases[i].status || strcmp(code, cases[i].code) != 0)
            fail_msg("case %zu: want %ld %s, got %ld %s", i, cases[i].status, cases[i].code, status, code);
    }
    rig_down(&r);
}

/* A write without ClientToken: names the demo region's spare network interface "name<i>". */
static void rename_spare_eni(struct rig *r, int i, struct cloud_error *ce)
{
    char form[160];
    snprintf(form, sizeof form, "RegionId=cn-hangzhou&NetworkInterfaceId=eni-bp1spareh00000000000"
             "&NetworkInterfaceName=name%d", i);
    call(r, "ModifyNetworkInterfaceAttribute", form, NULL, ce);
}

/* Reads succeed through faults; a write without ClientToken reaches the simulator at most once
 * per call; writes with a token are retried and never duplicated. */
static void test_faults(void **unused)
{
    struct rig r;
    rig_up(&r, "latency=1ms,throttle=0.15,unavailable=0.15,seed=42", NULL, 8);
    for (int i = 0; i < 20; i++) {
        struct cloud_error ce;
        if (call(&r, "DescribeInstances", "RegionId=cn-hangzhou", NULL, &ce) != ERR_OK)
            fail_msg("read %d failed: %s %s", i, ce.code_str, ce.message);
    }
    assert_true(sim_requests_received(r.sim, "DescribeInstances") > 20); /* faults happened */
    const int writes = 12;
    for (int i = 0; i < writes; i++) {
        struct cloud_error ce;
        rename_spare_eni(&r, i, &ce);
        assert_int_equal(ce.attempts, 1);
    }
    assert_int_equal(sim_requests_received(r.sim, "ModifyNetworkInterfaceAttribute"), writes);
    int ok = 0;
    for (int i = 0; i < writes; i++) {
        char form[160];
        snprintf(form, sizeof form, "RegionId=cn-hangzhou&VpcId=vpc-bp1demo0000000000000"
                 "&SecurityGroupName=retry%d", i);
        struct cloud_error ce;
        ok += call(&r, "CreateSecurityGroup", form, NULL, &ce) == ERR_OK;
    }
    assert_true(ok > 0);
    /* However many attempts reached the simulator, each name exists at most once. */
    for (int i = 0; i < writes; i++) {
        char form[160];
        snprintf(form, sizeof form, "RegionId=cn-hangzhou&SecurityGroupName=retry%d", i);
        cJSON *resp = NULL;
        struct cloud_error ce;
        while (call(&r, "DescribeSecurityGroups", form, &resp, &ce) != ERR_OK)
            ;
        assert_true(cJSON_GetObjectItemCaseSensitive(resp, "TotalCount")->valueint <= 1);
        cJSON_Delete(resp);
    }
    rig_down(&r);
}

/* Dropped connections after the work was done. libcurl resends a request on its own when a
 * reused connection dies without an answer; the client forbids connection reuse for writes
 * without a ClientToken, so each such write reaches the simulator exactly once. */
static void test_drop_write_once(void **unused)
{
    struct rig r;
    rig_up(&r, "drop=0.3,seed=7", NULL, 8);
    const int writes = 20;
    for (int i = 0; i < writes; i++) {
        struct cloud_error ce;
        rename_spare_eni(&r, i, &ce);
    }
    assert_int_equal(sim_requests_received(r.sim, "ModifyNetworkInterfaceAttribute"), writes);
    rig_down(&r);
}

static void test_state_restart(void **unused)
{
    char path[] = "/tmp/skilld-sim-state-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path); /* start from the demo region; the simulator creates the file */
    struct rig r;
    rig_up(&r, NULL, path, 0);
    cJSON *resp = NULL;
    struct cloud_error ce;
    assert_int_equal(call(&r, "CreateSecurityGroup",
                          "RegionId=cn-hangzhou&VpcId=vpc-bp1demo0000000000000&SecurityGroupName=kept",
                          &resp, &ce), ERR_OK);
    char id[64];
    snprintf(id, sizeof id, "%s", cJSON_GetObjectItemCaseSensitive(resp, "SecurityGroupId")->valuestring);
    cJSON_Delete(resp);
    assert_int_equal(call(&r, "StopInstance", "InstanceId=i-bp1web01000000000000", NULL, &ce), ERR_OK);
    rig_down(&r);

    rig_up(&r, NULL, path, 0);
    char form[128];
    snprintf(form, sizeof form, "RegionId=cn-hangzhou&SecurityGroupIds=%%5B%%22%s%%22%%5D", id);
    assert_int_equal(call(&r, "DescribeSecurityGroups", form, &resp, &ce), ERR_OK);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(resp, "TotalCount")->valueint, 1);
    cJSON_Delete(resp);
    /* The instance kept its state: it cannot be stopped twice. */
    assert_int_not_equal(call(&r, "StopInstance", "InstanceId=i-bp1web01000000000000", NULL, &ce), ERR_OK);
    assert_string_equal(ce.code_str, "IncorrectInstanceStatus");
    rig_down(&r);

    /* A corrupt state file is an error that names the file, never a silent reset. */
    FILE *f = fopen(path, "w");
    fputs("{\"Regions\": [", f);
    fclose(f);
    struct sim_config sc = {0};
    sc.state_file = path;
    struct err e = {0};
    assert_null(sim_start(&sc, &e));
    assert_non_null(strstr(e.msg, path));
    unlink(path);
}

/* GET a simulator page (path with query) on loopback; returns the status and the body (new). */
static long http_get(unsigned port, const char *method, const char *path, cJSON **ret)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    struct buf resp;
    buf_init(&resp, 4 << 20);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    *ret = cJSON_ParseWithLengthOpts(resp.data ? resp.data : "", resp.len + 1, NULL, 1);
    assert_non_null(*ret);
    buf_release(&resp);
    return status;
}

/* The request log, in C and over HTTP: every request (signed or not) in order, secrets
 * redacted, and nothing at all for a call that was never sent. */
static void test_request_log(void **unused)
{
    struct rig r;
    rig_up(&r, NULL, NULL, 0);
    unsigned port = sim_port(r.sim);
    struct cloud_error ce;
    assert_int_equal(call(&r, "ModifyInstanceAttribute",
                          "InstanceId=i-bp1web01000000000000&Password=Abc123%21x&InstanceName=web-one",
                          NULL, &ce), ERR_OK);
    struct raw bad = {sim_default_access_key_id(), "wrong-secret", NULL, 0, NULL};
    char code[64];
    assert_int_equal(raw_call(port, &bad, code, sizeof code), 400);
    cJSON *log = sim_request_log(r.sim, 0);
    assert_int_equal(cJSON_GetArraySize(log), 2);
    const cJSON *first = cJSON_GetArrayItem(log, 0), *second = cJSON_GetArrayItem(log, 1);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(first, "params");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(first, "action")->valuestring,
                        "ModifyInstanceAttribute");
    /* ModifyInstanceAttribute names no region: the endpoint picks it, the client sends none. */
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(first, "region")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(params, "Password")->valuestring, "<redacted>");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(params, "InstanceName")->valuestring, "web-one");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(first, "status")->valueint, 200);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(second, "status")->valueint, 400);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(second, "code")->valuestring,
                        "SignatureDoesNotMatch");
    char *text = cJSON_PrintUnformatted(log);
    assert_null(strstr(text, "Abc123"));
    free(text);
    unsigned long last = (unsigned long)cJSON_GetObjectItemCaseSensitive(second, "seq")->valuedouble;
    cJSON_Delete(log);

    /* Over HTTP: the same entries, "since" and "next"; the page itself is not logged. */
    cJSON *page = NULL;
    assert_int_equal(http_get(port, "GET", "/_sim/requests?since=1", &page), 200);
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(page, "requests");
    assert_int_equal(cJSON_GetArraySize(reqs), 1);
    assert_int_equal((long)cJSON_GetObjectItemCaseSensitive(page, "next")->valuedouble, (long)last);
    cJSON_Delete(page);
    assert_int_equal(http_get(port, "GET", "/_sim/requests", &page), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(page, "requests")), 2);
    cJSON_Delete(page);
    assert_int_equal(http_get(port, "GET", "/_sim/requests?since=-1", &page), 400);
    cJSON_Delete(page);
    assert_int_equal(http_get(port, "POST", "/_sim/requests", &page), 405);
    cJSON_Delete(page);
    assert_int_equal(http_get(port, "GET", "/_sim/other", &page), 404);
    cJSON_Delete(page);
    /* Nothing was sent since: the proof a refused call uses. */
    log = sim_request_log(r.sim, last);
    assert_int_equal(cJSON_GetArraySize(log), 0);
    cJSON_Delete(log);
    rig_down(&r);
}

int main(int argc, char **argv)
{
    cases_path = argc > 1 ? argv[1] : "cases.tsv";
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_over_http),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_state_restart),
        cmocka_unit_test(test_drop_write_once),
        cmocka_unit_test(test_request_log),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
