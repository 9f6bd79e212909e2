/* entity.c - entity extraction with PCRE2: resource ids, regions and zones, ports, CIDRs,
 * sizes, counts, API names, image formats and OS names. Layer: router. Patterns are
 * compiled once (rt_patterns_new); each call makes its own match data, so extraction is
 * safe from many threads. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "router/rt_int.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a match becomes an entity. */
enum conv {
    CONV_ID,       /* value = group 1 as written (lower case) */
    CONV_REGION,   /* value = group 1 */
    CONV_PORT,     /* number = group 1 */
    CONV_RANGE,    /* number = group 1, number2 = group 2 */
    CONV_CIDR,     /* value = whole match */
    CONV_SIZE,     /* group 1 number, group 2 unit -> bytes */
    CONV_COUNT,    /* number = group 1 */
    CONV_API,      /* value = group 1 */
    CONV_FORMAT,   /* value = group 1 upper case */
    CONV_OS,       /* value = tidy form of the match */
};

/* One row per pattern. To add an entity: a row here (and a kind in router.h). Patterns run
 * caseless unless marked; group 1 is the entity unless conv says otherwise. */
static const struct {
    enum rt_entity_kind kind;
    enum conv conv;
    int caseless;
    const char *re;
} rows[] = {
    /* Resource ids: prefix, then at least 6 alphanumerics of which one is a digit (so
     * "i-series" or "t-shirt" do not count). */
    {RT_ENT_INSTANCE_ID, CONV_ID, 1, "\\b(i-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_SG_ID, CONV_ID, 1, "\\b(sg-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_ENI_ID, CONV_ID, 1, "\\b(eni-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_DISK_ID, CONV_ID, 1, "\\b(d-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_SNAPSHOT_ID, CONV_ID, 1, "\\b(s-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_IMAGE_ID, CONV_ID, 1, "\\b(m-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_POLICY_ID, CONV_ID, 1, "\\b(sp-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_COMMAND_ID, CONV_ID, 1, "\\b(c-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_INVOCATION_ID, CONV_ID, 1, "\\b(t-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_VSWITCH_ID, CONV_ID, 1, "\\b(vsw-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_VPC_ID, CONV_ID, 1, "\\b(vpc-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_SG_RULE_ID, CONV_ID, 1, "\\b(sgr-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    {RT_ENT_EIP_ID, CONV_ID, 1, "\\b(eip-(?=[a-z]*[0-9])[a-z0-9]{6,40})\\b"},
    /* Instance types: ecs.g7.large, ecs.gn7i-c8g1.2xlarge, ecs.u1-c1m2.large. */
    {RT_ENT_INSTANCE_TYPE, CONV_ID, 1, "\\b(ecs\\.[a-z][a-z0-9-]*\\.[0-9]*[a-z]+[0-9]*)\\b"},
    /* Zones before regions: cn-hangzhou-h, ap-southeast-1a. */
    {RT_ENT_ZONE, CONV_REGION, 0,
     "\\b((?:cn|ap|us|eu|me|sa|na|af)-[a-z]{3,}(?:-[0-9]{1,2}[a-z]|-[a-z]|-[0-9]{1,2}-[a-z]))\\b"},
    {RT_ENT_REGION, CONV_REGION, 0,
     "\\b((?:cn|ap|us|eu|me|sa|na|af)-[a-z]{3,}(?:-[0-9]{1,2})?)\\b(?!-[a-z0-9])"},
    /* Port ranges "8000-8080" / "8000/8080", not followed by a unit or a date part. */
    {RT_ENT_PORT_RANGE, CONV_RANGE, 1,
     "(?<![\\w./-])([0-9]{1,5})\\s?[-/~]\\s?([0-9]{1,5})(?![\\w.%/-])"},
    /* Ports named as such: "port 22", "ports 80", "端口 3389", "3389 端口", ":8080". */
    {RT_ENT_PORT, CONV_PORT, 1,
     "(?:\\bports?\\s*(?:number\\s*)?|端口\\s*(?:号)?\\s*)([0-9]{1,5})\\b"},
    {RT_ENT_PORT, CONV_PORT, 1, "(?<![\\w.])([0-9]{1,5})\\s*(?:端口|号端口|\\s+port\\b)"},
    /* Well-known service ports on their own. */
    {RT_ENT_PORT, CONV_PORT, 1,
     "(?<![\\w.:/-])(22|80|443|3389|3306|5432|6379|8080|8443|27017|9200)(?![\\w.:%/-])"},
    {RT_ENT_CIDR, CONV_CIDR, 1,
     "(?<![\\w.])((?:[0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2})(?![\\w./])"},
    /* Sizes: a number and a unit. Single-letter units need a non-letter after them. */
    {RT_ENT_SIZE, CONV_SIZE, 1,
     "(?<![\\w.])([0-9]+(?:\\.[0-9]+)?)\\s*(kib|kb|mib|mb|gib|gb|tib|tb|bytes|"
     "(?:k|m|g|t)(?![a-z])|千字节|字节|兆|吉)(?![a-z])"},
    /* Counts. */
    {RT_ENT_COUNT_INSTANCES, CONV_COUNT, 1,
     "(?<![\\w.])([0-9]+)\\s*(?:x\\s*)?(?:(?:ecs\\s+)?instances?\\b|servers?\\b|vms?\\b|"
     "machines?\\b|hosts?\\b|nodes?\\b|台(?:实例|机器|服务器|ecs)?|个实例)"},
    {RT_ENT_COUNT_DISKS, CONV_COUNT, 1,
     "(?<![\\w.])([0-9]+)\\s*(?:(?:data\\s+|cloud\\s+)?disks?\\b|volumes?\\b|块(?:云)?(?:盘|磁盘)?|"
     "个(?:云)?(?:盘|磁盘))"},
    {RT_ENT_COUNT_ACCOUNTS, CONV_COUNT, 1,
     "(?<![\\w.])([0-9]+)\\s*(?:(?:other\\s+|alibaba\\s+cloud\\s+)?accounts?\\b|"
     "(?:个)?(?:账号|帐号|账户|帐户))"},
    {RT_ENT_COUNT_REGIONS, CONV_COUNT, 1,
     "(?<![\\w.])([0-9]+)\\s*(?:regions?\\b|(?:个)?(?:地域|区域))"},
    /* API names: a known ECS verb, then at least one capitalised word (case-sensitive). */
    {RT_ENT_API, CONV_API, 0,
     "\\b((?:Describe|Create|Delete|Modify|Run|Invoke|Send|Start|Stop|Reboot|Attach|Detach|"
     "Authorize|Revoke|Join|Leave|Copy|Import|Export|Apply|Cancel|Reset|Resize|Allocate|"
     "Associate|Unassociate|Release|Replace|Renew|Add|Remove|Tag|Untag|List|Assign|Unassign|"
     "Redeploy|Enable|Disable|Install|Purchase|Reactivate|Convert|Report|Get|Update|Set)"
     "(?:[A-Z][a-z0-9]+)+)\\b"},
    /* Error codes: dotted CamelCase ("InvalidOperation.DeletionProtection", "Disk.NotFound"),
     * or a CamelCase word right after "error code" / "ErrorCode" / "returns". */
    {RT_ENT_ERROR_CODE, CONV_API, 0,
     "(?<![\\w.])([A-Z][A-Za-z0-9]+(?:\\.[A-Z][A-Za-z0-9]+)+)(?![\\w.])"},
    {RT_ENT_ERROR_CODE, CONV_API, 0,
     "(?i:\\berror\\s?code|\\breturns?|报错?|错误码)\\s*[:：=]?\\s*(?:[1-5][0-9]{2}\\s+)?"
     "([A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+)(?![\\w.])"},
    /* ... or an undotted CamelCase word that reads as a failure by its first or last word
     * ("IncorrectInstanceStatus", "DiskNotFound"); a state such as "SnapshotCreatedImage" is not. */
    {RT_ENT_ERROR_CODE, CONV_API, 0,
     "(?<![\\w.])((?:Invalid|Incorrect|Missing|Forbidden|Unauthorized|QuotaExceed|Throttling)"
     "(?:[A-Z][a-z0-9]+)+|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)*(?:NotFound|Denied|Exceeded|"
     "Mismatch|NotSupported|Conflict))(?![\\w.])"},
    /* Image formats: RAW only in upper case or next to "image"/"format" words. */
    {RT_ENT_IMAGE_FORMAT, CONV_FORMAT, 1, "\\b(vhdx|vhd|qcow2|vmdk|ova|iso)\\b"},
    {RT_ENT_IMAGE_FORMAT, CONV_FORMAT, 0, "\\b(RAW)\\b"},
    {RT_ENT_IMAGE_FORMAT, CONV_FORMAT, 1, "\\b(raw)(?=\\s+(?:image|format|file|disk)|\\s*格式)"},
    /* Operating systems, with an optional version. */
    {RT_ENT_OS, CONV_OS, 1,
     "\\b((?:ubuntu|centos|debian|rocky(?:\\s+linux)?|almalinux|alma\\s+linux|fedora|"
     "opensuse|suse|sles|red\\s*hat(?:\\s+enterprise\\s+linux)?|rhel|anolis(?:\\s+os)?|"
     "alibaba\\s+cloud\\s+linux|aliyun\\s+linux|alinux|freebsd|kylin|uos)"
     "(?:\\s*[0-9]+(?:\\.[0-9]+)?(?:\\s*lts)?)?)(?![\\w.])"},
    {RT_ENT_OS, CONV_OS, 1,
     "\\b(windows(?:\\s+server)?(?:\\s+(?:20[0-9]{2}|1[01])(?:\\s+r2)?)?)\\b"},
};

struct rt_patterns {
    pcre2_code *code[ARRAY_LEN(rows)];
    uint32_t max_groups;
};

static const char *const kind_names[RT_ENT__COUNT] = {
    [RT_ENT_INSTANCE_ID] = "instance_id",
    [RT_ENT_SG_ID] = "security_group_id",
    [RT_ENT_ENI_ID] = "eni_id",
    [RT_ENT_DISK_ID] = "disk_id",
    [RT_ENT_SNAPSHOT_ID] = "snapshot_id",
    [RT_ENT_IMAGE_ID] = "image_id",
    [RT_ENT_POLICY_ID] = "auto_snapshot_policy_id",
    [RT_ENT_COMMAND_ID] = "command_id",
    [RT_ENT_INVOCATION_ID] = "invocation_id",
    [RT_ENT_REGION] = "region",
    [RT_ENT_ZONE] = "zone",
    [RT_ENT_PORT] = "port",
    [RT_ENT_PORT_RANGE] = "port_range",
    [RT_ENT_CIDR] = "cidr",
    [RT_ENT_SIZE] = "size",
    [RT_ENT_COUNT_INSTANCES] = "count_instances",
    [RT_ENT_COUNT_DISKS] = "count_disks",
    [RT_ENT_COUNT_ACCOUNTS] = "count_accounts",
    [RT_ENT_COUNT_REGIONS] = "count_regions",
    [RT_ENT_API] = "api",
    [RT_ENT_IMAGE_FORMAT] = "image_format",
    [RT_ENT_OS] = "os",
    [RT_ENT_VSWITCH_ID] = "vswitch_id",
    [RT_ENT_VPC_ID] = "vpc_id",
    [RT_ENT_SG_RULE_ID] = "security_group_rule_id",
    [RT_ENT_EIP_ID] = "eip_id",
    [RT_ENT_INSTANCE_TYPE] = "instance_type",
    [RT_ENT_ERROR_CODE] = "error_code",
};

const char *rt_entity_kind_name(enum rt_entity_kind k)
{
    return (unsigned)k < RT_ENT__COUNT ? kind_names[k] : "unknown";
}

err_code rt_patterns_new(struct rt_patterns **ret, struct err *e)
{
    struct rt_patterns *p = xcalloc(1, sizeof *p);
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        int ec;
        PCRE2_SIZE off;
        uint32_t opts = PCRE2_UTF | PCRE2_UCP | (rows[i].caseless ? PCRE2_CASELESS : 0);
        p->code[i] = pcre2_compile((PCRE2_SPTR)rows[i].re, PCRE2_ZERO_TERMINATED, opts, &ec,
                                   &off, NULL);
        if (!p->code[i]) {
            PCRE2_UCHAR msg[128];
            pcre2_get_error_message(ec, msg, sizeof msg);
            err_set(e, ERR_INTERNAL, "entity pattern %zu: %s at %zu", i, (char *)msg,
                    (size_t)off);
            rt_patterns_free(p);
            return ERR_INTERNAL;
        }
        pcre2_jit_compile(p->code[i], PCRE2_JIT_COMPLETE); /* best effort */
        uint32_t n = 0;
        pcre2_pattern_info(p->code[i], PCRE2_INFO_CAPTURECOUNT, &n);
        if (n + 1 > p->max_groups)
            p->max_groups = n + 1;
    }
    *ret = p;
    return ERR_OK;
}

void rt_patterns_free(struct rt_patterns *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        pcre2_code_free(p->code[i]);
    free(p);
}

static void copy_span(char *dst, const char *s, size_t a, size_t b)
{
    size_t n = b - a;
    if (n >= RT_TEXT_MAX)
        n = RT_TEXT_MAX - 1;
    memcpy(dst, s + a, n);
    dst[n] = '\0';
}

static double span_number(const char *s, size_t a, size_t b)
{
    char tmp[32];
    size_t n = b - a < sizeof tmp - 1 ? b - a : sizeof tmp - 1;
    memcpy(tmp, s + a, n);
    tmp[n] = '\0';
    return strtod(tmp, NULL);
}

/* Bytes per unit (binary multiples; "KB" is read as KiB, as the ECS docs do). */
static double unit_bytes(const char *u, size_t n)
{
    static const struct {
        const char *unit;
        double bytes;
    } units[] = {
        {"bytes", 1.0}, {"字节", 1.0}, {"k", 1024.0}, {"kb", 1024.0}, {"kib", 1024.0},
        {"千字节", 1024.0}, {"m", 1048576.0}, {"mb", 1048576.0}, {"mib", 1048576.0},
        {"兆", 1048576.0}, {"g", 1073741824.0}, {"gb", 1073741824.0}, {"gib", 1073741824.0},
        {"吉", 1073741824.0}, {"t", 1099511627776.0}, {"tb", 1099511627776.0},
        {"tib", 1099511627776.0},
    };
    char low[16];
    if (n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(u[i] >= 'A' && u[i] <= 'Z' ? u[i] - 'A' + 'a' : u[i]);
    low[n] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(units); i++)
        if (strcmp(units[i].unit, low) == 0)
            return units[i].bytes;
    return 0;
}

/* Tidy an OS name: collapse spaces, capitalise known words. */
static void os_value(char *dst, const char *s, size_t a, size_t b)
{
    size_t o = 0;
    int word_start = 1, space = 0;
    for (size_t i = a; i < b && o + 1 < RT_TEXT_MAX; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t') {
            space = 1;
            continue;
        }
        if (space && o > 0)
            dst[o++] = ' ';
        if (space || o == 0)
            word_start = 1;
        space = 0;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (word_start && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        word_start = 0;
        if (o + 1 < RT_TEXT_MAX)
            dst[o++] = c;
    }
    dst[o] = '\0';
}

/* 1 if an entity of this kind already covers [a, b). */
static int overlaps(const size_t (*spans)[2], const struct rt_entity *out, size_t n,
                    enum rt_entity_kind kind, size_t a, size_t b)
{
    for (size_t i = 0; i < n; i++) {
        if (a < spans[i][1] && spans[i][0] < b) {
            /* Ports never overlap anything; other kinds only their own kind or ids. */
            if (kind == RT_ENT_PORT || kind == RT_ENT_PORT_RANGE || out[i].kind == kind ||
                out[i].kind <= RT_ENT_ZONE)
                return 1;
        }
    }
    return 0;
}

/* What a pattern cannot match without: a row is skipped when the text lacks it, which
 * spares most queries most of the regular expressions. */
enum { NEED_DASH = 1, NEED_DIGIT = 2, NEED_UPPER = 4, NEED_DOT = 8 };

static unsigned row_needs(size_t r)
{
    switch (rows[r].kind) {
    case RT_ENT_INSTANCE_ID: case RT_ENT_SG_ID: case RT_ENT_ENI_ID: case RT_ENT_DISK_ID:
    case RT_ENT_SNAPSHOT_ID: case RT_ENT_IMAGE_ID: case RT_ENT_POLICY_ID:
    case RT_ENT_COMMAND_ID: case RT_ENT_INVOCATION_ID: case RT_ENT_VSWITCH_ID:
    case RT_ENT_VPC_ID: case RT_ENT_SG_RULE_ID: case RT_ENT_EIP_ID:
        return NEED_DASH | NEED_DIGIT;
    case RT_ENT_INSTANCE_TYPE:
        return NEED_DOT;
    case RT_ENT_ZONE: case RT_ENT_REGION:
        return NEED_DASH;
    case RT_ENT_PORT: case RT_ENT_PORT_RANGE: case RT_ENT_CIDR: case RT_ENT_SIZE:
    case RT_ENT_COUNT_INSTANCES: case RT_ENT_COUNT_DISKS: case RT_ENT_COUNT_ACCOUNTS:
    case RT_ENT_COUNT_REGIONS:
        return NEED_DIGIT;
    case RT_ENT_API: case RT_ENT_ERROR_CODE:
        return NEED_UPPER;
    case RT_ENT_IMAGE_FORMAT:
        return rows[r].caseless ? 0 : NEED_UPPER;
    default:
        return 0;
    }
}

size_t rt_patterns_extract(const struct rt_patterns *p, const char *s, size_t len,
                           struct rt_entity *out, size_t max)
{
    size_t n = 0;
    unsigned has = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        has |= c == '-' ? NEED_DASH : 0;
        has |= c >= '0' && c <= '9' ? NEED_DIGIT : 0;
        has |= c >= 'A' && c <= 'Z' ? NEED_UPPER : 0;
        has |= c == '.' ? NEED_DOT : 0;
    }
    size_t(*spans)[2] = xcalloc(max ? max : 1, sizeof *spans);
    pcre2_match_data *md = pcre2_match_data_create(p->max_groups, NULL);
    for (size_t r = 0; r < ARRAY_LEN(rows) && n < max; r++) {
        if ((row_needs(r) & has) != row_needs(r))
            continue;
        PCRE2_SIZE start = 0;
        while (start <= len && n < max) {
            int rc = pcre2_match(p->code[r], (PCRE2_SPTR)s, len, start, 0, md, NULL);
            if (rc < 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t a = ov[0], b = ov[1];
            start = b > a ? b : b + 1;
            size_t g1a = ov[2], g1b = ov[3];
            if (overlaps((const size_t(*)[2])spans, out, n, rows[r].kind, a, b))
                continue;
            struct rt_entity *en = &out[n];
            memset(en, 0, sizeof *en);
            en->kind = rows[r].kind;
            copy_span(en->text, s, a, b);
            switch (rows[r].conv) {
            case CONV_ID:
            case CONV_REGION:
            case CONV_API:
            case CONV_CIDR:
                copy_span(en->value, s, g1a, g1b);
                if (rows[r].conv == CONV_ID)
                    for (char *c = en->value; *c; c++)
                        if (*c >= 'A' && *c <= 'Z')
                            *c = (char)(*c - 'A' + 'a');
                break;
            case CONV_PORT:
                en->number = span_number(s, g1a, g1b);
                if (en->number < 1 || en->number > 65535)
                    continue;
                snprintf(en->value, sizeof en->value, "%.0f/%.0f", en->number, en->number);
                break;
            case CONV_RANGE:
                en->number = span_number(s, g1a, g1b);
                en->number2 = span_number(s, ov[4], ov[5]);
                /* Only plausible service ranges: both ends ports, ordered, not a fraction
                 * like "7/30" of days or a version. */
                if (en->number < 20 || en->number2 > 65535 || en->number2 < en->number)
                    continue;
                snprintf(en->value, sizeof en->value, "%.0f/%.0f", en->number, en->number2);
                break;
            case CONV_SIZE: {
                double num = span_number(s, g1a, g1b);
                double unit = unit_bytes(s + ov[4], ov[5] - ov[4]);
                if (unit == 0)
                    continue;
                en->number = num * unit;
                copy_span(en->value, s, a, b);
                break;
            }
            case CONV_COUNT:
                en->number = span_number(s, g1a, g1b);
                snprintf(en->value, sizeof en->value, "%.0f", en->number);
                break;
            case CONV_FORMAT:
                copy_span(en->value, s, g1a, g1b);
                for (char *c = en->value; *c; c++)
                    if (*c >= 'a' && *c <= 'z')
                        *c = (char)(*c - 'a' + 'A');
                break;
            case CONV_OS:
                os_value(en->value, s, g1a, g1b);
                break;
            }
            spans[n][0] = a;
            spans[n][1] = b;
            n++;
        }
    }
    pcre2_match_data_free(md);
    free(spans);
    return n;
}

size_t rt_extract(const rt_router *r, const char *s, size_t len, struct rt_entity *out,
                  size_t max)
{
    return rt_patterns_extract(r->pat, s, len, out, max);
}
