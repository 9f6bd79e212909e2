/* Unit tests for cloud/sign.c: the V3 signature against the official vector (T1), the SDK's
 * header-merging vector (T2, first row), the derived vectors D1-D3 of notes ecs-api.md §1.7,
 * percent-encoding edge cases and Authorization parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "cloud/sign.h"

/* One signing vector: inputs, then the expected canonical request (NULL: not published),
 * SignedHeaders, hash of the canonical request and signature. */
struct vector {
    const char *name;
    const char *method;
    struct cloud_kv query[8];
    size_t nquery;
    struct cloud_kv headers[10];
    size_t nheaders;
    const char *payload_hash; /* NULL: hash of body */
    const char *body;
    const char *secret;
    const char *canonical;
    const char *signed_headers;
    const char *hashed;
    const char *signature;
};

#define T1_HASH "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D_HEADERS(action)                                                                          \
    {"host", "ecs.cn-hangzhou.aliyuncs.com"}, {"x-acs-action", action},                            \
        {"x-acs-version", "2014-05-26"}, {"x-acs-date", "2024-01-01T00:00:00Z"},                   \
    {                                                                                              \
        "x-acs-signature-nonce", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"                                \
    }
#define D1_QUERY                                                                                   \
    {"RegionId", "cn-hangzhou"}, {"InstanceName", "web server*01~"}, {"Tag.1.Key", "env/prod"},    \
        {"Tag.1.Value", "\xe4\xb8\xad\xe6\x96\x87"}, {"InstanceIds", "[\"i-abc\",\"i-def\"]"},     \
    {                                                                                              \
        "MaxResults", "10"                                                                         \
    }

static const struct vector vectors[] = {
    {
        .name = "T1 official",
        .method = "POST",
        .query = {{"RegionId", "cn-shanghai"},
                  {"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"}},
        .nquery = 2,
        .headers = {{"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"},
                    {"host", "ecs.cn-shanghai.aliyuncs.com"},
                    {"x-acs-action", "RunInstances"},
                    {"x-acs-version", "2014-05-26"},
                    {"x-acs-date", "2023-10-26T10:22:32Z"},
                    {"x-acs-content-sha256", T1_HASH}},
        .nheaders = 6,
        .body = "",
        .secret = "YourAccessKeySecret",
        .canonical =
            "POST\n/\n"
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
            "host:ecs.cn-shanghai.aliyuncs.com\n"
            "x-acs-action:RunInstances\n"
            "x-acs-content-sha256:" T1_HASH "\n"
            "x-acs-date:2023-10-26T10:22:32Z\n"
            "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
            "x-acs-version:2014-05-26\n"
            "\n"
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
            "x-acs-version\n" T1_HASH,
        .signed_headers = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
                          "x-acs-version",
        .hashed = "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
        .signature = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
    },
    {
        .name = "T2 SDK header merge",
        .method = "GET",
        .query = {{"test", "ok"}, {"empty", ""}},
        .nquery = 2,
        .headers = {{"x-acs-test", "http"}, {"x-acs-TEST", "https"}},
        .nheaders = 2,
        .payload_hash = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
        .secret = "secret",
        .canonical = "GET\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n"
                     "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
        .signed_headers = "x-acs-test",
        .signature = "d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1",
    },
    {
        .name = "D1 encoding",
        .method = "GET",
        .query = {D1_QUERY},
        .nquery = 6,
        .headers = {D_HEADERS("DescribeInstances"), {"x-acs-content-sha256", T1_HASH}},
        .nheaders = 6,
        .body = "",
        .secret = "testAccessKeySecret",
        .signed_headers = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
                          "x-acs-version",
        .hashed = "b8c345393eef75323a54777377e85ef44b8a3eee547f4962e6c061eb8571d1d6",
        .signature = "0642fe8727358aa92372acc0931773a6eeac989279d5ad8915ca0cb8bff3b5a0",
    },
    {
        .name = "D2 STS",
        .method = "GET",
        .query = {D1_QUERY},
        .nquery = 6,
        .headers = {D_HEADERS("DescribeInstances"),
                    {"x-acs-content-sha256", T1_HASH},
                    {"x-acs-security-token", "testSecurityToken"},
                    {"x-acs-accesskey-id", "STS.testAccessKeyId"}},
        .nheaders = 8,
        .body = "",
        .secret = "testAccessKeySecret",
        .signed_headers = "host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;"
                          "x-acs-security-token;x-acs-signature-nonce;x-acs-version",
        .hashed = "de78766da44c35591386dd976ec77c358d1439d3f2d97d891c23d13b40fcc3b3",
        .signature = "7b4f1c317f0a10124343050aabab6da2e220f44d1ffeaec12396b61197e44f6e",
    },
    {
        .name = "D3 form body",
        .method = "POST",
        .nquery = 0,
        .headers = {D_HEADERS("StopInstances"),
                    {"content-type", "application/x-www-form-urlencoded"},
                    {"x-acs-content-sha256",
                     "39423195623cb16c7048d832a69c741120b6583d5141d9971f1b55ff262dfd20"}},
        .nheaders = 7,
        .body =
            "InstanceId.1=i-abc&InstanceId.2=i-def&RegionId=cn-hangzhou&StoppedMode=KeepCharging",
        .secret = "testAccessKeySecret",
        .signed_headers = "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;"
                          "x-acs-signature-nonce;x-acs-version",
        .hashed = "f5a2d3786ee1654815fed1939c818a5190360b035fe71f6ec98879a20c5e2b4e",
        .signature = "fbec4bcbab05b1a5a71cc3fea36a768df81e2d833f3e7057b7c8bc694599aa15",
    },
};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vector *v = &vectors[i];
        print_message("vector %s\n", v->name);
        char payload[65];
        if (v->payload_hash)
            memcpy(payload, v->payload_hash, 65);
        else
            cloud_sha256_hex(v->body, strlen(v->body), payload);
        struct buf canon, sh;
        buf_init(&canon, 64 * 1024);
        buf_init(&sh, 4096);
        assert_int_equal(cloud_canonical_request(v->method, "/", v->query, v->nquery, v->headers,
                                                 v->nheaders, payload, &canon, &sh),
                         ERR_OK);
        if (v->canonical)
            assert_string_equal(canon.data, v->canonical);
        assert_string_equal(sh.data, v->signed_headers);
        if (v->hashed) {
            char hashed[65];
            cloud_sha256_hex(canon.data, canon.len, hashed);
            assert_string_equal(hashed, v->hashed);
        }
        char sig[65];
        cloud_sign_v3(canon.data, canon.len, v->secret, sig);
        assert_string_equal(sig, v->signature);
        buf_release(&canon);
        buf_release(&sh);
    }
}

/* The D1 canonical query line is published; check it exactly, and the body hash of D3. */
static void test_d1_query_and_d3_body(void **state)
{
    (void)state;
    const struct vector *d1 = &vectors[2], *d3 = &vectors[4];
    struct buf canon, sh;
    buf_init(&canon, 0);
    buf_init(&sh, 0);
    assert_int_equal(
        cloud_canonical_request("GET", NULL, d1->query, d1->nquery, NULL, 0, "x", &canon, &sh),
        ERR_OK);
    assert_string_equal(
        canon.data, "GET\n/\nInstanceIds=%5B%22i-abc%22%2C%22i-def%22%5D&InstanceName=web%20server"
                    "%2A01~&MaxResults=10&RegionId=cn-hangzhou&Tag.1.Key=env%2Fprod&Tag.1.Value="
                    "%E4%B8%AD%E6%96%87\n\n\nx");
    assert_string_equal(sh.data ? sh.data : "", "");
    char h[65];
    cloud_sha256_hex(d3->body, strlen(d3->body), h);
    assert_string_equal(h, "39423195623cb16c7048d832a69c741120b6583d5141d9971f1b55ff262dfd20");
    cloud_sha256_hex("", 0, h);
    assert_string_equal(h, CLOUD_EMPTY_SHA256);
    buf_release(&canon);
    buf_release(&sh);
}

static void test_percent_encode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"", 0, ""},
        {"AZaz09-_.~", 10, "AZaz09-_.~"},
        {" ", 1, "%20"},
        {"*", 1, "%2A"},
        {"+", 1, "%2B"},
        {"/:?#[]@!$&'(),;=", 16, "%2F%3A%3F%23%5B%5D%40%21%24%26%27%28%29%2C%3B%3D"},
        {"%", 1, "%25"},
        {"%20", 3, "%2520"},
        {"\xe4\xb8\xad", 3, "%E4%B8%AD"},
        {"\xff\x80", 2, "%FF%80"},
        {"a\0b", 3, "a%00b"},
        {"\x7f\x01", 2, "%7F%01"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b;
        buf_init(&b, 0);
        buf_puts(&b, "");
        assert_int_equal(cloud_percent_encode(cases[i].in, cases[i].len, &b), ERR_OK);
        assert_string_equal(b.data, cases[i].out);
        /* Decoding gives the input back, except for the NUL byte which decode refuses. */
        struct buf d;
        buf_init(&d, 0);
        buf_puts(&d, "");
        err_code rc = cloud_percent_decode(b.data, b.len, &d);
        if (memchr(cases[i].in, '\0', cases[i].len)) {
            assert_int_equal(rc, ERR_PARSE);
        } else {
            assert_int_equal(rc, ERR_OK);
            assert_int_equal(d.len, cases[i].len);
            assert_memory_equal(d.data, cases[i].in, cases[i].len);
        }
        buf_release(&b);
        buf_release(&d);
    }
    /* A bounded buffer stops at its limit and says so. */
    struct buf small;
    buf_init(&small, 4);
    assert_int_equal(cloud_percent_encode("a b", 3, &small), ERR_TOO_BIG);
    buf_release(&small);
    /* Malformed escapes. */
    static const char *bad[] = {"%", "%2", "%G0", "a%0", "%00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct buf d;
        buf_init(&d, 0);
        assert_int_equal(cloud_percent_decode(bad[i], strlen(bad[i]), &d), ERR_PARSE);
        buf_release(&d);
    }
    struct buf d;
    buf_init(&d, 0);
    /* A raw NUL is refused like %00 (found by tests/fuzz/fuzz_sign.c). */
    assert_int_equal(cloud_percent_decode("a\0b", 3, &d), ERR_PARSE);
    buf_release(&d);
    buf_init(&d, 0);
    assert_int_equal(cloud_percent_decode("a+%2a%2A", 8, &d), ERR_OK);
    assert_string_equal(d.data, "a+**");
    buf_release(&d);
}

static void test_canonical_edges(void **state)
{
    (void)state;
    struct buf canon, sh;
    /* Sorting is bytewise on encoded names: "X.10" before "X.2", uppercase before lowercase;
     * header values are trimmed, repeated headers merged with sorted values. */
    const struct cloud_kv q[] = {{"X.2", "b"}, {"X.10", "a"}, {"a", "1"}, {"B", "2"}};
    const struct cloud_kv h[] = {{"X-Acs-B", "  two\t"}, {"HOST", "h"}, {"x-acs-b", "one"}};
    buf_init(&canon, 0);
    buf_init(&sh, 0);
    assert_int_equal(cloud_canonical_request("POST", "/a b/c", q, 4, h, 3, "p", &canon, &sh),
                     ERR_OK);
    assert_string_equal(
        canon.data,
        "POST\n/a%20b/c\nB=2&X.10=a&X.2=b&a=1\nhost:h\nx-acs-b:one,two\n\nhost;x-acs-b\np");
    assert_string_equal(sh.data, "host;x-acs-b");
    buf_release(&canon);
    buf_release(&sh);

    /* Bad header names and values that would break the line format are refused. */
    static const struct cloud_kv bad[] = {
        {"", "v"}, {"a:b", "v"}, {"a b", "v"}, {"x-acs-a", "1\r\n2"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_init(&canon, 0);
        buf_init(&sh, 0);
        assert_int_equal(cloud_canonical_request("GET", "/", NULL, 0, &bad[i], 1, "p", &canon, &sh),
                         ERR_INVALID);
        buf_release(&canon);
        buf_release(&sh);
    }
    /* Limits are checked before work. */
    buf_init(&canon, 0);
    buf_init(&sh, 0);
    assert_int_equal(
        cloud_canonical_request("GET", "/", q, CLOUD_SIGN_MAX_QUERY + 1, h, 1, "p", &canon, &sh),
        ERR_TOO_BIG);
    assert_null(canon.data);
    buf_release(&canon);
    buf_release(&sh);
    /* And the caller's buffer limit holds. */
    buf_init(&canon, 16);
    buf_init(&sh, 0);
    assert_int_equal(cloud_canonical_request("GET", "/", q, 4, h, 3, "p", &canon, &sh),
                     ERR_TOO_BIG);
    buf_release(&canon);
    buf_release(&sh);

    assert_true(cloud_header_is_signed("Host"));
    assert_true(cloud_header_is_signed("Content-Type"));
    assert_true(cloud_header_is_signed("X-ACS-Date"));
    assert_false(cloud_header_is_signed("accept"));
    assert_false(cloud_header_is_signed("user-agent"));
    assert_false(cloud_header_is_signed("authorization"));
}

static void test_authorization_roundtrip(void **state)
{
    (void)state;
    const char *sig = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";
    const char *sh =
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";
    struct buf a;
    buf_init(&a, 0);
    assert_int_equal(cloud_authorization("YourAccessKeyId", sh, sig, &a), ERR_OK);
    assert_string_equal(a.data,
                        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;"
                        "x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
                        "x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d8539"
                        "12eee15083a6f0f3283c0");
    char key[64], got_sig[65];
    struct buf got_sh;
    buf_init(&got_sh, 0);
    assert_int_equal(cloud_parse_authorization(a.data, key, sizeof key, &got_sh, got_sig), ERR_OK);
    assert_string_equal(key, "YourAccessKeyId");
    assert_string_equal(got_sh.data, sh);
    assert_string_equal(got_sig, sig);
    buf_release(&got_sh);

    /* Fields in another order, spaces after commas. */
    buf_init(&got_sh, 0);
    assert_int_equal(
        cloud_parse_authorization(
            "ACS3-HMAC-SHA256 "
            "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0, "
            "SignedHeaders=host, Credential=STS.k",
            key, sizeof key, &got_sh, got_sig),
        ERR_OK);
    assert_string_equal(key, "STS.k");
    assert_string_equal(got_sh.data, "host");
    buf_release(&got_sh);

    /* The key id must fit. */
    buf_init(&got_sh, 0);
    assert_int_equal(cloud_parse_authorization(a.data, key, 8, &got_sh, got_sig), ERR_TOO_BIG);
    buf_release(&got_sh);
    buf_release(&a);

    static const struct {
        const char *value;
        err_code want;
    } bad[] = {
        {"", ERR_PARSE},
        {"ACS3-HMAC-SHA256", ERR_PARSE},
        {"ACS3-HMAC-SM3 Credential=k,SignedHeaders=host,Signature=0", ERR_UNSUPPORTED},
        {"acs k:sig", ERR_UNSUPPORTED},
        {"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host", ERR_PARSE},
        {"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature=abc", ERR_PARSE},
        {"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature="
         "06563A9E1B43F5DFE96B81484DA74BCEAB24A1D853912EEE15083A6F0F3283C0",
         ERR_PARSE},
        {"ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature="
         "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
         ERR_PARSE},
        {"ACS3-HMAC-SHA256 Credential=k,Credential=j,SignedHeaders=host,Signature="
         "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
         ERR_PARSE},
        {"ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature="
         "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0,Extra=1",
         ERR_PARSE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_init(&got_sh, 0);
        print_message("bad authorization %zu\n", i);
        assert_int_equal(cloud_parse_authorization(bad[i].value, key, sizeof key, &got_sh, got_sig),
                         bad[i].want);
        buf_release(&got_sh);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_d1_query_and_d3_body),
        cmocka_unit_test(test_percent_encode),
        cmocka_unit_test(test_canonical_edges),
        cmocka_unit_test(test_authorization_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
