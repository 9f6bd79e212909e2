/* Unit tests for the cloud client against a loopback listener (mock_http.c): the exact request
 * on the wire with its signature verified independently, error parsing, retries under injected
 * faults, the response limit, timeouts, pagination and the absence of secrets in anything a
 * failing call produces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "mock_http.h"

#define KEY_ID "testAccessKeyId"
#define SECRET "SuperSecretValue-9f3e"
#define TOKEN "StsTokenValue-77aa"

struct fixture {
    struct mock *mock;
    cloud_client *client;
    struct cloud_credentials creds;
    struct buf trace; /* every trace line, newline-separated */
    char endpoint[64];
};

static void on_trace(void *ud, const char *line)
{
    struct buf *b = ud;
    buf_printf(b, "%s\n", line);
}

/* Make a client for the mock with fast retries; `tweak` may adjust the config. */
static void fixture_client(struct fixture *f, const char *token,
                           void (*tweak)(struct cloud_config *))
{
    cloud_client_free(f->client);
    cloud_credentials_release(&f->creds);
    assert_int_equal(
        cloud_credentials_set(&f->creds, token ? "STS." KEY_ID : KEY_ID, SECRET, token, "test"),
        ERR_OK);
    struct cloud_config cfg;
    cloud_config_defaults(&cfg);
    cfg.region = "cn-hangzhou";
    cfg.ecs_endpoint = f->endpoint;
    cfg.vpc_endpoint = f->endpoint;
    cfg.scheme = "http";
    cfg.credentials = &f->creds;
    cfg.retry_base_ms = 1;
    cfg.retry_max_ms = 20;
    cfg.timeout_ms = 5000;
    cfg.trace = on_trace;
    cfg.trace_data = &f->trace;
    if (tweak)
        tweak(&cfg);
    struct err e;
    err_clear(&e);
    f->client = cloud_client_new(&cfg, &e);
    assert_non_null(f->client);
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    f->mock = mock_start();
    snprintf(f->endpoint, sizeof f->endpoint, "127.0.0.1:%d", mock_port(f->mock));
    buf_init(&f->trace, 0);
    fixture_client(f, NULL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    cloud_client_free(f->client);
    mock_stop(f->mock);
    cloud_credentials_release(&f->creds);
    buf_release(&f->trace);
    free(f);
    return 0;
}

static void reply(struct fixture *f, int status, const char *headers, const char *body)
{
    mock_push(f->mock, (struct mock_reply){.status = status, .headers = headers, .body = body});
}

/* Split the recorded target's query into decoded pairs (owned strings in *ret). */
static size_t decode_query(const char *target, char *names[], char *values[], size_t cap)
{
    const char *q = strchr(target, '?');
    size_t n = 0;
    for (const char *s = q ? q + 1 : ""; *s && n < cap;) {
        size_t len = strcspn(s, "&");
        const char *eq = memchr(s, '=', len);
        assert_non_null(eq);
        struct buf name, value;
        buf_init(&name, 0);
        buf_init(&value, 0);
        buf_puts(&name, "");
        buf_puts(&value, "");
        assert_int_equal(cloud_percent_decode(s, (size_t)(eq - s), &name), ERR_OK);
        assert_int_equal(cloud_percent_decode(eq + 1, len - (size_t)(eq - s) - 1, &value), ERR_OK);
        names[n] = buf_steal(&name, NULL);
        values[n] = buf_steal(&value, NULL);
        n++;
        s += len + (s[len] == '&');
    }
    return n;
}

static const char *query_get(const struct mock_request *r, const char *name, char *out, size_t cap)
{
    char *names[64], *values[64];
    size_t n = decode_query(r->target, names, values, 64);
    const char *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!found && strcmp(names[i], name) == 0) {
            snprintf(out, cap, "%s", values[i]);
            found = out;
        }
        free(names[i]);
        free(values[i]);
    }
    return found;
}

/* Verify a recorded request's signature the way a server would: parse Authorization, rebuild
 * the canonical request from what arrived, sign with the secret, compare. Returns SignedHeaders
 * (caller frees). */
static char *verify_signature(const struct mock_request *r, const char *want_key_id)
{
    char key_id[128], sig[65], mine[65];
    struct buf sh;
    buf_init(&sh, 0);
    const char *auth = mock_header(r, "authorization");
    assert_non_null(auth);
    assert_int_equal(cloud_parse_authorization(auth, key_id, sizeof key_id, &sh, sig), ERR_OK);
    assert_string_equal(key_id, want_key_id);

    char *names[64], *values[64];
    size_t nq = decode_query(r->target, names, values, 64);
    struct cloud_kv query[64], headers[32];
    for (size_t i = 0; i < nq; i++)
        query[i] = (struct cloud_kv){names[i], values[i]};
    size_t nh = 0;
    char *copy = xstrdup(sh.data), *save = NULL;
    for (char *h = strtok_r(copy, ";", &save); h; h = strtok_r(NULL, ";", &save)) {
        const char *v = mock_header(r, h);
        assert_non_null(v);
        headers[nh++] = (struct cloud_kv){h, v};
    }
    char payload[65];
    cloud_sha256_hex(r->body, r->body_len, payload);
    assert_string_equal(mock_header(r, "x-acs-content-sha256"), payload);
    struct buf canon, sh2;
    buf_init(&canon, 0);
    buf_init(&sh2, 0);
    assert_int_equal(
        cloud_canonical_request(r->method, "/", query, nq, headers, nh, payload, &canon, &sh2),
        ERR_OK);
    assert_string_equal(sh2.data, sh.data);
    cloud_sign_v3(canon.data, canon.len, SECRET, mine);
    assert_string_equal(mine, sig);
    buf_release(&canon);
    buf_release(&sh2);
    free(copy);
    for (size_t i = 0; i < nq; i++) {
        free(names[i]);
        free(values[i]);
    }
    return buf_steal(&sh, NULL);
}

static void test_request_exact(void **state)
{
    struct fixture *f = *state;
    reply(f, 200, NULL, "{\"RequestId\":\"REQ-1\",\"Instances\":{\"Instance\":[]}}");
    reply(f, 200, NULL, "{\"RequestId\":\"REQ-2\"}");
    const struct cloud_kv params[] = {
        {"InstanceName", "web server*01~"},
        {"Tag.1.Value", "\xe4\xb8\xad\xe6\x96\x87"},
        {"InstanceIds", "[\"i-abc\",\"i-def\"]"},
    };
    cJSON *resp = NULL;
    struct cloud_error ce;
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", params, 3, &resp, &ce),
                     ERR_OK);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(resp, "Instances"));
    assert_string_equal(ce.request_id, "REQ-1");
    assert_int_equal(ce.http_status, 200);
    assert_int_equal(ce.attempts, 1);
    cJSON_Delete(resp);

    const struct mock_request *r = mock_get(f->mock, 0);
    assert_non_null(r);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->target,
                        "/?InstanceIds=%5B%22i-abc%22%2C%22i-def%22%5D&InstanceName=web"
                        "%20server%2A01~&RegionId=cn-hangzhou&Tag.1.Value=%E4%B8%AD%E6%96%87");
    assert_int_equal(r->body_len, 0);
    assert_string_equal(mock_header(r, "host"), f->endpoint);
    assert_string_equal(mock_header(r, "x-acs-action"), "DescribeInstances");
    assert_string_equal(mock_header(r, "x-acs-version"), "2014-05-26");
    assert_string_equal(mock_header(r, "x-acs-content-sha256"), CLOUD_EMPTY_SHA256);
    assert_string_equal(mock_header(r, "accept"), "application/json");
    assert_int_equal(strncmp(mock_header(r, "user-agent"), "skilld/", 7), 0);
    assert_null(mock_header(r, "content-type"));
    assert_null(mock_header(r, "x-acs-security-token"));
    assert_null(mock_header(r, "x-acs-accesskey-id"));
    const char *date = mock_header(r, "x-acs-date");
    assert_int_equal(strlen(date), 20);
    assert_true(date[4] == '-' && date[10] == 'T' && date[13] == ':' && date[19] == 'Z');
    const char *nonce1 = mock_header(r, "x-acs-signature-nonce");
    assert_int_equal(strlen(nonce1), 36);
    char *sh = verify_signature(r, KEY_ID);
    assert_string_equal(sh,
                        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
                        "x-acs-version");
    free(sh);

    /* A VPC call: other version, caller's RegionId kept, fresh nonce, same connection. */
    const struct cloud_kv vpc_params[] = {{"RegionId", "cn-beijing"}};
    assert_int_equal(cloud_call(f->client, "vpc", "DescribeVpcs", vpc_params, 1, &resp, &ce),
                     ERR_OK);
    cJSON_Delete(resp);
    const struct mock_request *r2 = mock_get(f->mock, 1);
    assert_string_equal(r2->target, "/?RegionId=cn-beijing");
    assert_string_equal(mock_header(r2, "x-acs-version"), "2016-04-28");
    assert_string_not_equal(mock_header(r2, "x-acs-signature-nonce"), nonce1);
    free(verify_signature(r2, KEY_ID));
    assert_int_equal(mock_accepts(f->mock), 1);
    assert_string_equal(ce.request_id, "REQ-2");

    /* Unknown products and malformed actions are refused before anything is sent. */
    assert_int_equal(cloud_call(f->client, "rds", "DescribeDBInstances", NULL, 0, &resp, &ce),
                     ERR_INVALID);
    assert_int_equal(cloud_call(f->client, "ecs", "Describe Instances", NULL, 0, &resp, &ce),
                     ERR_INVALID);
    assert_null(resp);
    assert_int_equal(mock_count(f->mock), 2);
}

static void test_sts_headers(void **state)
{
    struct fixture *f = *state;
    fixture_client(f, TOKEN, NULL);
    reply(f, 200, NULL, "{\"RequestId\":\"R\"}");
    cJSON *resp = NULL;
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeRegions", NULL, 0, &resp, NULL), ERR_OK);
    cJSON_Delete(resp);
    const struct mock_request *r = mock_get(f->mock, 0);
    assert_string_equal(mock_header(r, "x-acs-security-token"), TOKEN);
    assert_string_equal(mock_header(r, "x-acs-accesskey-id"), "STS." KEY_ID);
    char *sh = verify_signature(r, "STS." KEY_ID);
    assert_string_equal(sh, "host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;"
                            "x-acs-security-token;x-acs-signature-nonce;x-acs-version");
    free(sh);
}

static void test_error_parsing(void **state)
{
    struct fixture *f = *state;
    reply(f, 404, NULL,
          "{\"RequestId\":\"RID-404\",\"HostId\":\"ecs.aliyuncs.com\",\"Code\":\"InvalidInstanceId."
          "NotFound\","
          "\"Message\":\"The specified instance does not "
          "exist.\",\"Recommend\":\"https://api.aliyun.com/troubleshoot?q=x\"}");
    reply(f, 400, NULL,
          "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>RID-XML</RequestId>"
          "<Code>MissingParameter</Code><Message>RegionId is mandatory</Message></Error>");
    reply(f, 400, NULL,
          "{\"RequestId\":\"RID-DRY\",\"Code\":\"DryRunOperation\",\"Message\":\"ok\"}");
    reply(f, 403, NULL,
          "{\"requestId\":\"rid-lower\",\"code\":\"Forbidden.RAM\",\"message\":\"no\"}");
    reply(f, 200, NULL, "not json");
    cJSON *resp = NULL;
    struct cloud_error ce;
    const struct cloud_kv id[] = {{"InstanceId", "i-x"}};
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstanceAttribute", id, 1, &resp, &ce),
                     ERR_NOT_FOUND);
    assert_null(resp);
    assert_int_equal(ce.code, ERR_NOT_FOUND);
    assert_int_equal(ce.http_status, 404);
    assert_string_equal(ce.code_str, "InvalidInstanceId.NotFound");
    assert_string_equal(ce.message, "The specified instance does not exist.");
    assert_string_equal(ce.request_id, "RID-404");
    assert_string_equal(ce.recommend, "https://api.aliyun.com/troubleshoot?q=x");
    assert_int_equal(ce.attempts, 1); /* a 4xx is final */
    assert_false(cloud_error_is_dry_run_ok(&ce));

    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_INVALID);
    assert_string_equal(ce.code_str, "MissingParameter");
    assert_string_equal(ce.request_id, "RID-XML");
    assert_string_equal(ce.message, "RegionId is mandatory");

    const struct cloud_kv dry[] = {{"DryRun", "true"}};
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", dry, 1, &resp, &ce),
                     ERR_REMOTE);
    assert_true(cloud_error_is_dry_run_ok(&ce));
    assert_string_equal(ce.request_id, "RID-DRY");

    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_DENIED);
    assert_string_equal(ce.code_str, "Forbidden.RAM");
    assert_string_equal(ce.request_id, "rid-lower");

    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_PARSE);
    assert_null(resp);
    assert_int_equal(mock_count(f->mock), 5);
}

static void test_retry_read(void **state)
{
    struct fixture *f = *state;
    reply(f, 400, NULL,
          "{\"RequestId\":\"T1\",\"Code\":\"Throttling.User\",\"Message\":\"slow down\"}");
    reply(f, 503, "x-acs-retry-after: 3\r\n",
          "{\"RequestId\":\"T2\",\"Code\":\"ServiceUnavailable\"}");
    reply(f, 200, NULL, "{\"RequestId\":\"T3\"}");
    cJSON *resp = NULL;
    struct cloud_error ce;
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_OK);
    cJSON_Delete(resp);
    assert_int_equal(ce.attempts, 3);
    assert_string_equal(ce.request_id, "T3");
    assert_int_equal(mock_count(f->mock), 3);
    /* Every attempt is signed anew with its own nonce. */
    for (size_t i = 0; i < 3; i++)
        free(verify_signature(mock_get(f->mock, i), KEY_ID));
    assert_string_not_equal(mock_header(mock_get(f->mock, 0), "x-acs-signature-nonce"),
                            mock_header(mock_get(f->mock, 1), "x-acs-signature-nonce"));

    /* Retries run out: 1 + max_retries requests, the last error reported. */
    for (int i = 0; i < 4; i++)
        reply(f, 500, NULL, "{\"RequestId\":\"E\",\"Code\":\"InternalError\"}");
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeRegions", NULL, 0, &resp, &ce),
                     ERR_REMOTE);
    assert_int_equal(ce.attempts, 4);
    assert_string_equal(ce.code_str, "InternalError");
    assert_int_equal(mock_count(f->mock), 7);
}

static void test_write_without_token_sent_once(void **state)
{
    struct fixture *f = *state;
    reply(f, 503, NULL, "{\"RequestId\":\"W1\",\"Code\":\"ServiceUnavailable\"}");
    reply(f, 200, NULL, "{\"RequestId\":\"W2\"}");
    const struct cloud_kv p[] = {{"InstanceId", "i-abc"}};
    cJSON *resp = NULL;
    struct cloud_error ce;
    assert_int_equal(cloud_call(f->client, "ecs", "StartInstance", p, 1, &resp, &ce), ERR_REMOTE);
    assert_int_equal(ce.attempts, 1);
    assert_int_equal(mock_count(f->mock), 1);
    char v[64];
    const struct mock_request *r = mock_get(f->mock, 0);
    assert_null(query_get(r, "ClientToken", v, sizeof v));
    assert_null(query_get(r, "RegionId", v, sizeof v)); /* StartInstance has no RegionId */
}

static void test_write_with_token_retried(void **state)
{
    struct fixture *f = *state;
    reply(f, 503, NULL, "{\"RequestId\":\"W1\",\"Code\":\"ServiceUnavailable\"}");
    reply(f, 200, NULL, "{\"RequestId\":\"W2\",\"InstanceIdSets\":{\"InstanceIdSet\":[\"i-1\"]}}");
    const struct cloud_kv p[] = {{"ImageId", "img"}, {"InstanceType", "ecs.g7.large"}};
    cJSON *resp = NULL;
    struct cloud_error ce;
    assert_int_equal(cloud_call(f->client, "ecs", "RunInstances", p, 2, &resp, &ce), ERR_OK);
    cJSON_Delete(resp);
    assert_int_equal(mock_count(f->mock), 2);
    char t1[64], t2[64];
    assert_non_null(query_get(mock_get(f->mock, 0), "ClientToken", t1, sizeof t1));
    assert_non_null(query_get(mock_get(f->mock, 1), "ClientToken", t2, sizeof t2));
    assert_int_equal(strlen(t1), 36);
    assert_string_equal(t1, t2); /* the same token on the retry */

    /* A caller's token is kept, and makes any write retryable. */
    reply(f, 500, NULL, "{\"RequestId\":\"W3\",\"Code\":\"InternalError\"}");
    reply(f, 200, NULL, "{\"RequestId\":\"W4\"}");
    const struct cloud_kv q[] = {{"InstanceId", "i-abc"}, {"ClientToken", "my-token-1"}};
    assert_int_equal(cloud_call(f->client, "ecs", "StopInstance", q, 2, &resp, &ce), ERR_OK);
    cJSON_Delete(resp);
    assert_non_null(query_get(mock_get(f->mock, 3), "ClientToken", t1, sizeof t1));
    assert_string_equal(t1, "my-token-1");
    assert_int_equal(mock_count(f->mock), 4);
}

static void small_limit(struct cloud_config *cfg)
{
    cfg->max_response_bytes = 1024;
}

static void test_response_limit(void **state)
{
    struct fixture *f = *state;
    fixture_client(f, NULL, small_limit);
    struct buf big;
    buf_init(&big, 0);
    buf_puts(&big, "{\"RequestId\":\"BIG\",\"Pad\":\"");
    for (int i = 0; i < 4096; i++)
        buf_putc(&big, 'x');
    buf_puts(&big, "\"}");
    reply(f, 200, NULL, big.data); /* announced by Content-Length */
    mock_push(f->mock, (struct mock_reply){.status = 200, .body = big.data, .no_length = 1});
    reply(f, 200, NULL, "{\"RequestId\":\"SMALL\"}");
    cJSON *resp = NULL;
    struct cloud_error ce;
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_TOO_BIG);
    assert_null(resp);
    assert_int_equal(ce.attempts, 1);
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_TOO_BIG);
    assert_int_equal(ce.attempts, 1);
    /* Under the limit it works again. */
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_OK);
    cJSON_Delete(resp);
    buf_release(&big);
}

static void short_timeout(struct cloud_config *cfg)
{
    cfg->timeout_ms = 300;
    cfg->max_retries = 1;
}

static void test_timeout(void **state)
{
    struct fixture *f = *state;
    fixture_client(f, NULL, short_timeout);
    mock_push(f->mock, (struct mock_reply){.hang = 1});
    mock_push(f->mock, (struct mock_reply){.hang = 1});
    cJSON *resp = NULL;
    struct cloud_error ce;
    assert_int_equal(cloud_call(f->client, "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_TIMEOUT);
    assert_int_equal(ce.attempts, 2); /* a read is retried after a timeout */
    assert_int_equal(ce.http_status, 0);
    assert_true(strlen(ce.message) > 0);
    assert_int_equal(mock_count(f->mock), 2);
}

static void test_connect_failure(void **state)
{
    struct fixture *f = *state;
    /* A port nobody listens on: bind one, note it, close it. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    snprintf(f->endpoint, sizeof f->endpoint, "127.0.0.1:%d", ntohs(a.sin_port));
    fixture_client(f, TOKEN, NULL);
    cJSON *resp = NULL;
    struct cloud_error ce;
    const struct cloud_kv p[] = {{"Password", "Hunter2-Password-Value"}, {"ImageId", "img"}};
    assert_int_equal(cloud_call(f->client, "ecs", "RunInstances", p, 2, &resp, &ce), ERR_IO);
    assert_int_equal(ce.attempts, 4);
    assert_int_equal(cloud_call(f->client, "ecs", "StartInstance", p + 1, 1, &resp, &ce), ERR_IO);
    assert_int_equal(ce.attempts, 1);
    assert_null(strstr(ce.message, SECRET));
    assert_non_null(strstr(f->trace.data, "Password=<redacted>"));
    assert_null(strstr(f->trace.data, "Hunter2-Password-Value"));
}

/* Every error message and trace line of failing calls is searched for the secret and token. */
static void test_no_secret_leaks(void **state)
{
    struct fixture *f = *state;
    fixture_client(f, TOKEN, short_timeout);
    reply(f, 403, NULL,
          "{\"RequestId\":\"S1\",\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"bad\"}");
    reply(f, 400, NULL, "{\"RequestId\":\"S2\",\"Code\":\"InvalidParameter\"}");
    mock_push(f->mock, (struct mock_reply){.hang = 1});
    mock_push(f->mock, (struct mock_reply){.hang = 1});
    reply(f, 500, NULL, "garbage");
    reply(f, 500, NULL, "<Error><Code>InternalError</Code></Error>");
    struct buf all;
    buf_init(&all, 0);
    const char *actions[] = {"DescribeInstances", "DeleteSecurityGroup", "DescribeDisks",
                             "DescribeImages"};
    for (size_t i = 0; i < ARRAY_LEN(actions); i++) {
        cJSON *resp = NULL;
        struct cloud_error ce;
        assert_int_not_equal(cloud_call(f->client, "ecs", actions[i], NULL, 0, &resp, &ce), ERR_OK);
        buf_printf(&all, "%s|%s|%s|%s|%s\n", ce.code_str, ce.message, ce.request_id, ce.recommend,
                   err_name(ce.code));
    }
    struct err e;
    err_clear(&e);
    struct cloud_config cfg;
    cloud_config_defaults(&cfg);
    cfg.region = "cn-hangzhou";
    cfg.credentials = &f->creds;
    cfg.scheme = "http"; /* to a public host: refused */
    assert_null(cloud_client_new(&cfg, &e));
    assert_int_equal(e.code, ERR_INVALID);
    buf_printf(&all, "%s\n%s", e.msg, f->trace.data);
    assert_true(all.len > 100);
    assert_null(strstr(all.data, SECRET));
    assert_null(strstr(all.data, TOKEN));
    buf_release(&all);
}

static void test_paginate(void **state)
{
    struct fixture *f = *state;
    /* Token style. */
    reply(f, 200, NULL,
          "{\"RequestId\":\"P1\",\"NextToken\":\"tok-2\",\"Instances\":{\"Instance\":[{\"Id\":1},{"
          "\"Id\":2}]}}");
    reply(f, 200, NULL,
          "{\"RequestId\":\"P2\",\"NextToken\":\"\",\"Instances\":{\"Instance\":[{\"Id\":3}]}}");
    const struct cloud_kv p[] = {{"MaxResults", "2"}};
    cJSON *items = NULL;
    struct cloud_error ce;
    assert_int_equal(cloud_paginate(f->client, "ecs", "DescribeInstances", p, 1,
                                    "Instances.Instance", 0, &items, &ce),
                     ERR_OK);
    assert_int_equal(cJSON_GetArraySize(items), 3);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, 2), "Id")->valueint,
                     3);
    assert_string_equal(ce.request_id, "P2");
    cJSON_Delete(items);
    char v[64];
    assert_null(query_get(mock_get(f->mock, 0), "NextToken", v, sizeof v));
    assert_string_equal(query_get(mock_get(f->mock, 1), "NextToken", v, sizeof v), "tok-2");
    assert_string_equal(query_get(mock_get(f->mock, 1), "MaxResults", v, sizeof v), "2");

    /* Page-number style. */
    reply(f, 200, NULL,
          "{\"RequestId\":\"Q1\",\"TotalCount\":3,\"PageNumber\":1,\"PageSize\":2,\"Images\":{"
          "\"Image\":[\"a\",\"b\"]}}");
    reply(f, 200, NULL,
          "{\"RequestId\":\"Q2\",\"TotalCount\":3,\"PageNumber\":2,\"PageSize\":2,\"Images\":{"
          "\"Image\":[\"c\"]}}");
    const struct cloud_kv q[] = {{"PageSize", "2"}};
    assert_int_equal(
        cloud_paginate(f->client, "ecs", "DescribeImages", q, 1, "Images.Image", 0, &items, &ce),
        ERR_OK);
    assert_int_equal(cJSON_GetArraySize(items), 3);
    assert_string_equal(cJSON_GetArrayItem(items, 2)->valuestring, "c");
    cJSON_Delete(items);
    assert_string_equal(query_get(mock_get(f->mock, 3), "PageNumber", v, sizeof v), "2");

    /* max_items stops early; a repeated token is an error; an error page fails the whole. */
    reply(f, 200, NULL, "{\"NextToken\":\"t\",\"Instances\":{\"Instance\":[1,2,3]}}");
    assert_int_equal(cloud_paginate(f->client, "ecs", "DescribeInstances", NULL, 0,
                                    "Instances.Instance", 2, &items, &ce),
                     ERR_OK);
    assert_int_equal(cJSON_GetArraySize(items), 2);
    cJSON_Delete(items);
    assert_int_equal(mock_count(f->mock), 5);
    reply(f, 200, NULL, "{\"NextToken\":\"same\",\"Instances\":{\"Instance\":[1]}}");
    reply(f, 200, NULL, "{\"NextToken\":\"same\",\"Instances\":{\"Instance\":[2]}}");
    assert_int_equal(cloud_paginate(f->client, "ecs", "DescribeInstances", NULL, 0,
                                    "Instances.Instance", 0, &items, &ce),
                     ERR_REMOTE);
    assert_null(items);
    reply(f, 200, NULL, "{\"NextToken\":\"n\",\"Instances\":{\"Instance\":[1]}}");
    reply(f, 404, NULL, "{\"RequestId\":\"NF\",\"Code\":\"InvalidRegionId.NotFound\"}");
    assert_int_equal(cloud_paginate(f->client, "ecs", "DescribeInstances", NULL, 0,
                                    "Instances.Instance", 0, &items, &ce),
                     ERR_NOT_FOUND);
    assert_null(items);
    assert_string_equal(ce.request_id, "NF");
}

/* Limits and counts from the caller or the server that do not fit the obvious integer types:
 * a max_items past INT_MAX is "no practical limit", and a negative or huge TotalCount or
 * PageNumber neither keeps paging nor reaches an undefined float-to-integer conversion. */
static void test_paginate_extreme_numbers(void **state)
{
    struct fixture *f = *state;
    cJSON *items = NULL;
    struct cloud_error ce;
    reply(f, 200, NULL, "{\"NextToken\":\"\",\"Instances\":{\"Instance\":[1,2,3]}}");
    assert_int_equal(cloud_paginate(f->client, "ecs", "DescribeInstances", NULL, 0,
                                    "Instances.Instance", (size_t)INT_MAX + 1, &items, &ce),
                     ERR_OK);
    assert_int_equal(cJSON_GetArraySize(items), 3);
    cJSON_Delete(items);

    reply(f, 200, NULL, "{\"TotalCount\":-1,\"PageNumber\":1,\"Images\":{\"Image\":[\"a\"]}}");
    assert_int_equal(
        cloud_paginate(f->client, "ecs", "DescribeImages", NULL, 0, "Images.Image", 0, &items, &ce),
        ERR_OK);
    assert_int_equal(cJSON_GetArraySize(items), 1);
    cJSON_Delete(items);
    assert_int_equal(mock_count(f->mock), 2); /* one request each: no page after TotalCount -1 */

    reply(f, 200, NULL,
          "{\"TotalCount\":3,\"PageNumber\":1e300,\"Images\":{\"Image\":[\"a\"]}}");
    reply(f, 200, NULL, "{\"TotalCount\":3,\"PageNumber\":2,\"Images\":{\"Image\":[]}}");
    assert_int_equal(
        cloud_paginate(f->client, "ecs", "DescribeImages", NULL, 0, "Images.Image", 0, &items, &ce),
        ERR_OK);
    cJSON_Delete(items);
    char v[64];
    assert_string_equal(query_get(mock_get(f->mock, 3), "PageNumber", v, sizeof v), "2");
}

/* An AccessKey ID or STS token with a CR/LF (say, read from a file with Windows line ends) must
 * not be put in a header line, where it would split the request; the message hides the value. */
static void test_credentials_header_safe(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *id, *token;
    } bad[] = {
        {"LTAIabc\r\nX-Injected: 1", NULL},
        {"LTAIabc\n", NULL},
        {"LTAI abc", NULL},
        {"STS.abc", "tok\r\nX-Injected: 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cloud_credentials cr;
        assert_int_equal(cloud_credentials_set(&cr, bad[i].id, SECRET, bad[i].token, "t"), ERR_OK);
        struct cloud_config cfg;
        cloud_config_defaults(&cfg);
        cfg.region = "cn-hangzhou";
        cfg.ecs_endpoint = cfg.vpc_endpoint = f->endpoint;
        cfg.scheme = "http";
        cfg.credentials = &cr;
        struct err e;
        err_clear(&e);
        cloud_client *c = cloud_client_new(&cfg, &e);
        assert_null(c);
        assert_int_equal(e.code, ERR_INVALID);
        assert_null(strstr(e.msg, "Injected"));
        assert_null(strstr(e.msg, SECRET));
        cloud_credentials_release(&cr);
    }
    assert_int_equal(mock_count(f->mock), 0);
}

/* A resource in another region is called at that region's endpoint (and its region parameter
 * names it); a client given fixed endpoints (the simulator) keeps them. Seen through the trace
 * hook, so nothing needs the network: the call itself fails to connect. */
static void trace_collect(void *data, const char *line)
{
    struct buf *b = data;
    buf_puts(b, line);
    buf_putc(b, '\n');
}

static void test_region_endpoints(void **state)
{
    (void)state;
    struct cloud_credentials creds;
    assert_int_equal(cloud_credentials_set(&creds, KEY_ID, "secret-x", NULL, "test"), ERR_OK);
    struct buf lines;
    buf_init(&lines, 0);
    struct cloud_config cfg;
    cloud_config_defaults(&cfg);
    cfg.region = "cn-hangzhou";
    cfg.credentials = &creds;
    cfg.max_retries = 0;
    cfg.connect_timeout_ms = 300;
    cfg.timeout_ms = 600;
    cfg.trace = trace_collect;
    cfg.trace_data = &lines;
    struct err e;
    err_clear(&e);
    cloud_client *c = cloud_client_new(&cfg, &e);
    assert_non_null(c);
    const struct cloud_kv id[] = {{"InstanceId", "i-2zeabc"}};
    cJSON *resp = NULL;
    struct cloud_error ce;
    assert_int_not_equal(cloud_call_in(c, "cn-beijing", "ecs", "StartInstance", id, 1, &resp, &ce),
                         ERR_OK);
    assert_int_not_equal(cloud_call_in(c, "cn-beijing", "ecs", "DescribeInstances", NULL, 0, &resp,
                                       &ce),
                         ERR_OK);
    assert_int_equal(cloud_call_in(c, "cn beijing", "ecs", "DescribeInstances", NULL, 0, &resp, &ce),
                     ERR_INVALID);
    assert_non_null(strstr(lines.data, "https://ecs.cn-beijing.aliyuncs.com/ ecs StartInstance"));
    assert_non_null(strstr(lines.data, "DescribeInstances (attempt 1 of 1) RegionId=cn-beijing"));
    assert_null(strstr(lines.data, "ecs.cn-hangzhou"));
    cloud_client_free(c);
    /* Fixed endpoints stay fixed. */
    buf_reset(&lines);
    cfg.ecs_endpoint = cfg.vpc_endpoint = "127.0.0.1:9";
    cfg.scheme = "http";
    c = cloud_client_new(&cfg, &e);
    assert_non_null(c);
    assert_int_not_equal(cloud_call_in(c, "cn-beijing", "ecs", "StartInstance", id, 1, &resp, &ce),
                         ERR_OK);
    assert_non_null(strstr(lines.data, "http://127.0.0.1:9/ ecs StartInstance"));
    cloud_client_free(c);
    buf_release(&lines);
    cloud_credentials_release(&creds);
}

static void test_config_validation(void **state)
{
    struct fixture *f = *state;
    struct cloud_config cfg;
    struct err e;
    static const struct {
        const char *region, *endpoint, *scheme;
        int with_creds;
        int ok;
    } cases[] = {
        {"cn-hangzhou", NULL, NULL, 1, 1},
        {"cn-hangzhou", "127.0.0.1:8080", "http", 1, 1},
        {"cn-hangzhou", "localhost:1", "http", 1, 1},
        {"cn-hangzhou", "[::1]:9", "http", 1, 1},
        {"cn-hangzhou", NULL, "http", 1, 0},
        {"cn-hangzhou", "10.0.0.1:80", "http", 1, 0},
        {"cn-hangzhou", "127.0.0.1.evil.com", "http", 1, 0},
        {"cn-hangzhou", "host/path", NULL, 1, 0},
        {"cn-hangzhou", NULL, "ftp", 1, 0},
        {NULL, NULL, NULL, 1, 0},
        {"cn-hangzhou", NULL, NULL, 0, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        cloud_config_defaults(&cfg);
        cfg.region = cases[i].region;
        cfg.ecs_endpoint = cases[i].endpoint;
        cfg.vpc_endpoint = cases[i].endpoint;
        if (cases[i].scheme)
            cfg.scheme = cases[i].scheme;
        cfg.credentials = cases[i].with_creds ? &f->creds : NULL;
        err_clear(&e);
        cloud_client *c = cloud_client_new(&cfg, &e);
        print_message("config case %zu: %s\n", i, e.msg);
        assert_int_equal(c != NULL, cases[i].ok);
        assert_int_equal(e.code, cases[i].ok ? ERR_OK : ERR_INVALID);
        cloud_client_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_exact, setup, teardown),
        cmocka_unit_test(test_region_endpoints),
        cmocka_unit_test_setup_teardown(test_sts_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_parsing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_without_token_sent_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_with_token_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_secret_leaks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paginate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paginate_extreme_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_header_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_validation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
