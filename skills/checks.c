/* checks.c - the static guardrail checks: security posture of rules, destructive command
 * content, files sent to sensitive places, weak passwords, public images. They read only the
 * arguments and the policy: no backend request. Layer: skills. */
#include "skills/sk_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What well-known ports are, for messages people understand. To add one: a row. */
static const struct {
    int port;
    const char *what;
} port_names[] = {
    {20, "FTP data"},        {21, "FTP"},               {22, "SSH"},
    {23, "Telnet"},          {135, "Windows RPC"},      {139, "NetBIOS"},
    {445, "SMB"},            {1433, "SQL Server"},      {1521, "Oracle"},
    {2375, "the Docker API"}, {2376, "the Docker API (TLS)"}, {2379, "etcd"},
    {2380, "etcd peers"},    {3306, "MySQL"},           {3389, "Remote Desktop"},
    {5432, "PostgreSQL"},    {5601, "Kibana"},          {5900, "VNC"},
    {5984, "CouchDB"},       {6379, "Redis"},           {6443, "the Kubernetes API"},
    {7001, "WebLogic"},      {8500, "Consul"},          {9200, "Elasticsearch"},
    {9300, "Elasticsearch transport"}, {10250, "the kubelet API"}, {11211, "Memcached"},
    {27017, "MongoDB"},      {27018, "MongoDB"},        {50070, "HDFS"},
};

static const char *port_name(long port)
{
    for (size_t i = 0; i < ARRAY_LEN(port_names); i++)
        if (port_names[i].port == port)
            return port_names[i].what;
    return "an administrative or database service";
}

static const char *str_arg(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 1 for a source that is the whole internet: an IPv4 or IPv6 prefix of length 0. */
static int world_cidr(const char *cidr)
{
    if (!cidr)
        return 0;
    const char *slash = strchr(cidr, '/');
    if (!slash)
        return strcmp(cidr, "0.0.0.0") == 0 || strcmp(cidr, "::") == 0;
    return strcmp(slash, "/0") == 0;
}

/* Parse "from/to" (or "-1/-1"); 0 on success. */
static int port_range(const char *s, long *from, long *to)
{
    if (!s)
        return -1;
    char a[16], b[16];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof a || strlen(slash + 1) >= sizeof b)
        return -1;
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = '\0';
    snprintf(b, sizeof b, "%s", slash + 1);
    if (parse_long(a, -1, 65535, from) || parse_long(b, -1, 65535, to))
        return -1;
    return 0;
}

/* One rule of an Authorize*: the flat fields of the call, or one Permissions[] item. */
static void check_rule(const struct sk_check_ctx *c, const cJSON *rule, const char *where,
                       int ingress, int posture, struct sk_findings *f)
{
    const char *policy = str_arg(rule, "Policy");
    if (policy && strcasecmp(policy, "drop") == 0)
        return; /* a deny rule only closes things */
    const char *cidr4 = str_arg(rule, ingress ? "SourceCidrIp" : "DestCidrIp");
    const char *cidr6 = str_arg(rule, ingress ? "Ipv6SourceCidrIp" : "Ipv6DestCidrIp");
    const char *world = world_cidr(cidr4) ? cidr4 : world_cidr(cidr6) ? cidr6 : NULL;
    const char *proto = str_arg(rule, "IpProtocol");
    const char *range = str_arg(rule, "PortRange");
    long from = -1, to = -1;
    int all_proto = proto && strcasecmp(proto, "all") == 0;
    int ported = proto && (strcasecmp(proto, "tcp") == 0 || strcasecmp(proto, "udp") == 0);
    if (range && port_range(range, &from, &to) == 0 && ported && from > to)
        return; /* the schema and the backend refuse it; nothing to judge */
    int all_ports = all_proto || (ported && (from <= 1 && to >= 65535));
    if (!posture)
        world = NULL;
    if (world && ingress) {
        if (all_ports) {
            sk_findings_add(f, SK_DENY, "posture.all_ports_open",
                            "%s%sopens every port%s to %s, the whole internet; open only the "
                            "ports the service needs, or limit the source",
                            where, *where ? ": " : "", all_proto ? " of every protocol" : "",
                            world);
        } else if (ported) {
            /* Report the admin ports inside the range (the first few by name). */
            char list[256] = "";
            size_t n = 0, len = 0;
            for (size_t i = 0; i < c->policy->nadmin_ports; i++) {
                long p = c->policy->admin_ports[i];
                if (p < from || p > to)
                    continue;
                if (n++ < 4) {
                    int w = snprintf(list + len, sizeof list - len, "%s%ld (%s)", len ? ", " : "",
                                     p, port_name(p));
                    if (w > 0 && (size_t)w < sizeof list - len)
                        len += (size_t)w;
                }
            }
            if (n)
                sk_findings_add(f, SK_DENY, "posture.admin_port_open",
                                "%s%sopens %s%s to %s, the whole internet; administrative and "
                                "database ports must be limited to known addresses (a bastion, "
                                "an office range, a VPN)",
                                where, *where ? ": " : "", list, n > 4 ? " and more" : "", world);
        }
    } else if (world && !ingress && all_ports) {
        sk_findings_add(f, SK_WARN, "posture.egress_all",
                        "%s%sallows every outbound port to %s; security groups already allow "
                        "all outbound traffic unless an egress rule narrows it",
                        where, *where ? ": " : "", world);
    }
    const char *desc = str_arg(rule, "Description");
    if (c->want_description && (!desc || !*desc))
        sk_findings_add(f, c->policy->require_description ? SK_DENY : SK_WARN,
                        "posture.rule_description",
                        "%s%sthe rule has no Description; say what it is for, so the next person "
                        "can tell whether it may be removed",
                        where, *where ? ": " : "");
}

static void check_rules(const struct sk_check_ctx *c, const cJSON *args, int ingress,
                        int posture, struct sk_findings *f)
{
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(args, "Permissions");
    if (cJSON_IsArray(perms) && cJSON_GetArraySize(perms) > 0) {
        size_t i = 0;
        const cJSON *p;
        cJSON_ArrayForEach(p, perms) {
            char where[48];
            snprintf(where, sizeof where, "Permissions[%zu]", i++);
            if (cJSON_IsObject(p))
                check_rule(c, p, where, ingress, posture, f);
        }
    } else {
        check_rule(c, args, "", ingress, posture, f);
    }
}

static void ingress_posture(const struct sk_check_ctx *c, const cJSON *args, struct sk_findings *f)
{
    check_rules(c, args, 1, 1, f);
}

static void egress_posture(const struct sk_check_ctx *c, const cJSON *args, struct sk_findings *f)
{
    check_rules(c, args, 0, 1, f);
}

/* Missing descriptions are reported by the posture walk, once per rule; without a posture
 * check the same walk runs with posture off. */
static void rule_description(const struct sk_check_ctx *c, const cJSON *args,
                             struct sk_findings *f)
{
    if (!c->has_posture)
        check_rules(c, args, 1, 0, f);
}

/* ---- Command content ----------------------------------------------------------------------- */

static size_t count_targets(const cJSON *args)
{
    const char *names[] = {"InstanceId", "InstanceIds"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, names[i]);
        if (cJSON_IsArray(v))
            return (size_t)cJSON_GetArraySize(v);
        if (cJSON_IsString(v)) {
            cJSON *list = cJSON_Parse(v->valuestring);
            size_t n = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 1;
            cJSON_Delete(list);
            return n;
        }
    }
    return 0;
}

/* Replace {{name}} with the value of Parameters.name, so the check sees what will run. */
static char *substitute(const char *content, const cJSON *params)
{
    if (!cJSON_IsObject(params))
        return xstrdup(content);
    struct buf b;
    buf_init(&b, SK_CONTENT_MAX);
    const char *p = content;
    while (*p) {
        const char *open = strstr(p, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!open || !close) {
            buf_puts(&b, p);
            break;
        }
        buf_append(&b, p, (size_t)(open - p));
        char name[128];
        size_t n = (size_t)(close - open - 2);
        while (n && isspace((unsigned char)open[2]))
            open++, n--;
        while (n && isspace((unsigned char)open[1 + n]))
            n--;
        const cJSON *v = NULL;
        if (n < sizeof name) {
            memcpy(name, open + 2, n);
            name[n] = '\0';
            v = cJSON_GetObjectItemCaseSensitive(params, name);
        }
        if (cJSON_IsString(v))
            buf_puts(&b, v->valuestring);
        else if (cJSON_IsNumber(v))
            buf_printf(&b, "%g", v->valuedouble);
        else
            buf_append(&b, open, (size_t)(close + 2 - open));
        p = close + 2;
    }
    return buf_steal(&b, NULL);
}

void sk_scan_content(const struct sk_policy *pol, const char *content, size_t targets,
                     const char *subject, enum sk_severity cap, struct sk_findings *f)
{
    pcre2_match_data *md = NULL;
    for (size_t i = 0; i < pol->ncommands; i++) {
        const struct sk_cmd_pattern *cp = &pol->commands[i];
        if (cp->fleet && targets < 2)
            continue;
        if (!md)
            md = pcre2_match_data_create(4, NULL);
        int rc = pcre2_match(cp->re, (PCRE2_SPTR)content, strlen(content), 0, 0, md, NULL);
        if (rc < 0)
            continue;
        /* Quote what matched (bounded, printable) so the person sees which part it is. */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        char quote[64];
        size_t q = 0;
        for (PCRE2_SIZE k = ov[0]; k < ov[1] && q < sizeof quote - 4; k++) {
            unsigned char ch = (unsigned char)content[k];
            quote[q++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
        }
        quote[q] = '\0';
        while (q && !utf8_valid(quote, q))
            quote[--q] = '\0';
        enum sk_severity sev = cp->severity == SK_DENY && cap == SK_DENY ? SK_DENY : SK_WARN;
        if (cp->fleet)
            sk_findings_add(f, sev, cp->id, "%s \"%s\" on %zu instances %s", subject, quote,
                            targets, cp->message);
        else
            sk_findings_add(f, sev, cp->id, "%s \"%s\" %s", subject, quote, cp->message);
    }
    pcre2_match_data_free(md);
}

static void command_content(const struct sk_check_ctx *c, const cJSON *args, struct sk_findings *f)
{
    const char *raw = str_arg(args, "CommandContent");
    if (!raw)
        return;
    const char *enc = str_arg(args, "ContentEncoding");
    char *decoded = NULL;
    if (enc && strcasecmp(enc, "Base64") == 0) {
        size_t n = 0;
        if (sk_base64_decode(raw, &decoded, &n) || !utf8_valid(decoded, n)) {
            free(decoded);
            sk_findings_add(f, SK_DENY, "command.undecodable",
                            "CommandContent is marked Base64 but does not decode to text; "
                            "skilld cannot check what would run");
            return;
        }
    }
    char *content = substitute(decoded ? decoded : raw,
                               cJSON_GetObjectItemCaseSensitive(args, "Parameters"));
    sk_scan_content(c->policy, content, count_targets(args), "the command", SK_DENY, f);
    free(content);
    free(decoded);
}

/* ---- Files sent with SendFile ------------------------------------------------------------ */

/* Places where a file changes who may log in or act as root. To add one: a row. */
static const char *const access_paths[] = {
    "/.ssh", "authorized_keys", "/etc/sudoers", "/etc/shadow", "/etc/gshadow", "/etc/passwd",
    "/etc/group", "/etc/pam.d", "/etc/ssh/sshd_config",
};

static void file_content(const struct sk_check_ctx *c, const cJSON *args, struct sk_findings *f)
{
    const char *dir = str_arg(args, "TargetDir");
    const char *name = str_arg(args, "Name");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "", name ? name : "");
    for (size_t i = 0; i < ARRAY_LEN(access_paths); i++)
        if (strstr(path, access_paths[i])) {
            sk_findings_add(f, SK_DENY, "file.access_control",
                            "the file would be written to %.200s, which controls who can log in "
                            "or become root; change access through key pairs or the instance's "
                            "own tools instead",
                            path);
            break;
        }
    const char *content = str_arg(args, "Content");
    const char *type = str_arg(args, "ContentType");
    if (!content)
        return;
    char *decoded = NULL;
    if (type && strcasecmp(type, "Base64") == 0) {
        size_t n = 0;
        if (sk_base64_decode(content, &decoded, &n)) {
            free(decoded);
            sk_findings_add(f, SK_DENY, "file.undecodable",
                            "Content is marked Base64 but does not decode");
            return;
        }
        if (!utf8_valid(decoded, n)) {
            free(decoded); /* a binary file: nothing to scan */
            return;
        }
    }
    /* A file is not run by sending it: what it would do is worth a warning, not a denial. */
    sk_scan_content(c->policy, decoded ? decoded : content, 0, "the file contains", SK_WARN, f);
    free(decoded);
}

/* ---- Passwords ------------------------------------------------------------------------------ */

static void password_strength(const struct sk_check_ctx *c, const cJSON *args,
                              struct sk_findings *f)
{
    (void)c;
    const char *pw = str_arg(args, "Password");
    if (!pw)
        return;
    static const char specials[] = "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/";
    int upper = 0, lower = 0, digit = 0, special = 0, bad = 0;
    for (const char *p = pw; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isupper(ch))
            upper = 1;
        else if (islower(ch))
            lower = 1;
        else if (isdigit(ch))
            digit = 1;
        else if (strchr(specials, ch))
            special = 1;
        else
            bad = 1;
    }
    if (bad)
        sk_findings_add(f, SK_DENY, "password.characters",
                        "Password may only use letters, digits and ()`~!@#$%%^&*-_+=|{}[]:;'<>,.?/ "
                        "(the password itself is not shown)");
    if (upper + lower + digit + special < 3)
        sk_findings_add(f, SK_DENY, "password.weak",
                        "Password must mix at least three of: uppercase letters, lowercase "
                        "letters, digits, special characters (the password itself is not shown)");
}

/* ---- Images ---------------------------------------------------------------------------------- */

static void image_share(const struct sk_check_ctx *c, const cJSON *args, struct sk_findings *f)
{
    (void)c;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "IsPublic")))
        sk_findings_add(f, SK_DENY, "image.public",
                        "IsPublic true publishes the image to every Alibaba Cloud account, with "
                        "whatever data its snapshots hold; share with named accounts (AddAccount) "
                        "instead");
    const cJSON *add = cJSON_GetObjectItemCaseSensitive(args, "AddAccount");
    if (cJSON_IsArray(add) && cJSON_GetArraySize(add) > 0)
        sk_findings_add(f, SK_WARN, "image.share_accounts",
                        "%d account(s) will be able to create instances from this image and read "
                        "the data on its disks",
                        cJSON_GetArraySize(add));
}

/* The static checks by the id the catalogue uses. To add one: a function and a row. */
static const struct {
    const char *id;
    sk_check_fn fn;
} checks[] = {
    {"ingress_posture", ingress_posture},
    {"egress_posture", egress_posture},
    {"rule_description", rule_description},
    {"command_content", command_content},
    {"file_content", file_content},
    {"password_strength", password_strength},
    {"image_share", image_share},
};

sk_check_fn sk_check_find(const char *id)
{
    for (size_t i = 0; i < ARRAY_LEN(checks); i++)
        if (strcmp(checks[i].id, id) == 0)
            return checks[i].fn;
    return NULL;
}

void sk_checks_run(const struct sk_policy *policy, const struct kb_strs *ids, const cJSON *args,
                   struct sk_findings *f)
{
    struct sk_check_ctx c = {.policy = policy};
    for (size_t i = 0; i < ids->n; i++) {
        sk_check_fn fn = sk_check_find(ids->v[i]);
        c.want_description |= fn == rule_description;
        c.has_posture |= fn == ingress_posture || fn == egress_posture;
    }
    for (size_t i = 0; i < ids->n; i++) {
        sk_check_fn fn = sk_check_find(ids->v[i]);
        if (fn)
            fn(&c, args, f);
    }
}
