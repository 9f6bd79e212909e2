/* configure_instance.c - networking tools (ecs-configure-instance): security groups and their
 * rules, ENIs, IPv6; and ecs_diagnose_connectivity, which reads an instance, its ENIs and its
 * groups' inbound rules and says why a port or a ping is blocked or allowed. Layer: skills. */
#include "skills/sk_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const cJSON *path2(const cJSON *o, const char *a, const char *b)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
}

/* IPv4 "a.b.c.d[/n]" into address and prefix; -1 if it is not one. */
static int ipv4(const char *s, uint32_t *addr, int *prefix)
{
    unsigned a, b, c, d;
    int n = 32, used = 0;
    if (sscanf(s, "%u.%u.%u.%u%n", &a, &b, &c, &d, &used) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255)
        return -1;
    if (s[used] == '/') {
        long p = 0;
        if (parse_long(s + used + 1, 0, 32, &p))
            return -1;
        n = (int)p;
    } else if (s[used]) {
        return -1;
    }
    *addr = (a << 24) | (b << 16) | (c << 8) | d;
    *prefix = n;
    return 0;
}

/* 1 if the network `outer` contains all of `inner` (both IPv4 CIDRs or addresses). */
static int cidr_contains(const char *outer, const char *inner)
{
    uint32_t oa, ia;
    int op, ip;
    if (ipv4(outer, &oa, &op) || ipv4(inner, &ia, &ip) || ip < op)
        return 0;
    uint32_t mask = op == 0 ? 0 : 0xffffffffu << (32 - op);
    return (oa & mask) == (ia & mask);
}

static int private_ipv4(const char *s)
{
    return cidr_contains("10.0.0.0/8", s) || cidr_contains("172.16.0.0/12", s) ||
           cidr_contains("192.168.0.0/16", s) || cidr_contains("100.64.0.0/10", s);
}

/* A matching inbound rule, for ordering: lower priority number first, drop before accept. */
struct match {
    const cJSON *rule;
    const char *group;
    long priority;
    int drop;
};

static int cmp_match(const void *a, const void *b)
{
    const struct match *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return y->drop - x->drop;
}

static long rule_priority(const cJSON *r)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "Priority");
    long v = 1;
    if (cJSON_IsNumber(p))
        v = (long)p->valuedouble;
    else if (cJSON_IsString(p) && parse_long(p->valuestring, 1, 100, &v))
        v = 1;
    return v;
}

/* 1 if rule r lets (proto, port, source) in — or would, were it an accept rule. */
static int rule_matches(const cJSON *r, const char *proto, long port, const char *source,
                        int *ret_by_group)
{
    *ret_by_group = 0;
    const char *dir = sk_str(r, "Direction");
    if (*dir && strcmp(dir, "ingress") != 0)
        return 0;
    const char *rp = sk_str(r, "IpProtocol");
    if (strcasecmp(rp, "all") != 0 && strcasecmp(rp, proto) != 0)
        return 0;
    if (strcasecmp(proto, "icmp") != 0 && strcasecmp(rp, "all") != 0) {
        long from = -1, to = -1;
        const char *range = sk_str(r, "PortRange");
        char a[16] = "", b[16] = "";
        const char *slash = strchr(range, '/');
        if (slash && (size_t)(slash - range) < sizeof a) {
            memcpy(a, range, (size_t)(slash - range));
            snprintf(b, sizeof b, "%s", slash + 1);
        }
        if (parse_long(a, -1, 65535, &from) || parse_long(b, -1, 65535, &to))
            return 0;
        if (!(from == -1 && to == -1) && (port < from || port > to))
            return 0;
    }
    const char *cidr = sk_str(r, "SourceCidrIp");
    if (*cidr)
        return cidr_contains(cidr, source);
    if (*sk_str(r, "SourceGroupId")) {
        *ret_by_group = 1; /* traffic from that group's members; an address cannot tell */
        return 0;
    }
    return 0;
}

static void add_str(cJSON *arr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_str(cJSON *arr, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(arr, cJSON_CreateString(text));
}

static err_code diagnose(struct sk_exec *x, const cJSON *args, cJSON **ret, struct err *e)
{
    *ret = NULL;
    const char *iid = sk_str(args, "InstanceId");
    const cJSON *port_j = cJSON_GetObjectItemCaseSensitive(args, "Port");
    long port = cJSON_IsNumber(port_j) ? (long)port_j->valuedouble : -1;
    const char *proto = sk_str(args, "Protocol");
    if (!*proto)
        proto = port >= 0 ? "tcp" : "icmp";
    const char *source = sk_str(args, "SourceIp");
    if (!*source)
        source = "0.0.0.0/0";
    cJSON *region = cJSON_CreateObject();
    if (sk_args_region(args))
        cJSON_AddStringToObject(region, "RegionId", sk_args_region(args));

    /* The instance. */
    cJSON *p = cJSON_Duplicate(region, 1);
    char ids[160];
    snprintf(ids, sizeof ids, "[\"%.100s\"]", iid);
    cJSON_AddStringToObject(p, "InstanceIds", ids);
    cJSON *iresp = NULL;
    err_code rc = sk_read(x, "DescribeInstances", p, &iresp, e);
    cJSON_Delete(p);
    if (rc) {
        cJSON_Delete(region);
        return rc;
    }
    const cJSON *inst = NULL, *it;
    cJSON_ArrayForEach(it, path2(iresp, "Instances", "Instance")) if (strcmp(sk_str(it, "InstanceId"), iid) == 0) inst = it;
    cJSON *out = cJSON_CreateObject();
    cJSON *reasons = cJSON_CreateArray(), *next = cJSON_CreateArray(), *groups = cJSON_CreateArray();
    cJSON_AddStringToObject(out, "InstanceId", iid);
    cJSON_AddStringToObject(out, "Protocol", proto);
    if (port >= 0)
        cJSON_AddNumberToObject(out, "Port", (double)port);
    cJSON_AddStringToObject(out, "Source", source);
    const char *verdict = "unknown";
    if (!inst) {
        add_str(reasons, "instance %s does not exist in this region", iid);
        goto finish;
    }
    cJSON_AddStringToObject(out, "Status", sk_str(inst, "Status"));
    int blocked_elsewhere = 0;
    if (strcmp(sk_str(inst, "Status"), "Running") != 0) {
        add_str(reasons, "the instance is %s: nothing on it answers until it is Running",
                sk_str(inst, "Status"));
        add_str(next, "start it with ecs_start_instance");
        blocked_elsewhere = 1;
    }
    const cJSON *pub = path2(inst, "PublicIpAddress", "IpAddress");
    const char *eip = sk_str(cJSON_GetObjectItemCaseSensitive(inst, "EipAddress"), "IpAddress");
    const char *public_ip = *eip ? eip : (cJSON_IsArray(pub) && pub->child && cJSON_IsString(pub->child))
                                             ? pub->child->valuestring
                                             : "";
    if (*public_ip)
        cJSON_AddStringToObject(out, "PublicIp", public_ip);
    if (!private_ipv4(source) && !*public_ip) {
        add_str(reasons, "the instance has no public IP or EIP, so the internet cannot reach it "
                         "directly");
        add_str(next, "associate an EIP, or put it behind a NAT gateway or a load balancer");
        blocked_elsewhere = 1;
    }

    /* Its groups: the instance's and those of every ENI attached to it. */
    const cJSON *g;
    cJSON_ArrayForEach(g, path2(inst, "SecurityGroupIds", "SecurityGroupId")) if (cJSON_IsString(g))
        cJSON_AddItemToArray(groups, cJSON_CreateString(g->valuestring));
    p = cJSON_Duplicate(region, 1);
    cJSON_AddStringToObject(p, "InstanceId", iid);
    cJSON *eresp = NULL;
    if (sk_read(x, "DescribeNetworkInterfaces", p, &eresp, e) == ERR_OK) {
        const cJSON *n;
        cJSON_ArrayForEach(n, path2(eresp, "NetworkInterfaceSets", "NetworkInterfaceSet")) {
            cJSON_ArrayForEach(g, path2(n, "SecurityGroupIds", "SecurityGroupId")) {
                int seen = 0;
                const cJSON *h;
                cJSON_ArrayForEach(h, groups) seen |= strcmp(h->valuestring, g->valuestring) == 0;
                if (!seen && cJSON_IsString(g))
                    cJSON_AddItemToArray(groups, cJSON_CreateString(g->valuestring));
            }
        }
    }
    cJSON_Delete(eresp);
    cJSON_Delete(p);

    /* Every inbound rule of every group, merged and ordered as ECS orders them. */
    struct match m[512];
    size_t nm = 0;
    int by_group = 0;
    cJSON *rule_store = cJSON_CreateArray(); /* keeps the answers alive while m points into them */
    cJSON_ArrayForEach(g, groups) {
        p = cJSON_Duplicate(region, 1);
        cJSON_AddStringToObject(p, "SecurityGroupId", g->valuestring);
        cJSON_AddStringToObject(p, "Direction", "ingress");
        cJSON *gresp = NULL;
        if (sk_read(x, "DescribeSecurityGroupAttribute", p, &gresp, e) == ERR_OK) {
            cJSON_AddItemToArray(rule_store, gresp);
            const cJSON *r;
            cJSON_ArrayForEach(r, path2(gresp, "Permissions", "Permission")) {
                int grp = 0;
                if (rule_matches(r, proto, port, source, &grp) && nm < ARRAY_LEN(m)) {
                    m[nm].rule = r;
                    m[nm].group = g->valuestring;
                    m[nm].priority = rule_priority(r);
                    m[nm].drop = strcasecmp(sk_str(r, "Policy"), "drop") == 0;
                    nm++;
                }
                by_group |= grp;
            }
        } else {
            add_str(reasons, "the rules of %s could not be read: %s", g->valuestring, e->msg);
        }
        cJSON_Delete(p);
    }
    cJSON_AddItemToObject(out, "SecurityGroups", groups);
    groups = NULL;
    qsort(m, nm, sizeof *m, cmp_match);
    char what[64];
    if (port >= 0)
        snprintf(what, sizeof what, "%s port %ld", proto, port);
    else
        snprintf(what, sizeof what, "%s (ping)", proto);
    if (nm == 0) {
        verdict = "blocked";
        add_str(reasons, "no inbound rule of the instance's security groups allows %s from %s; "
                         "inbound traffic is denied unless a rule accepts it",
                what, source);
        if (by_group)
            add_str(reasons, "some rules admit traffic from other security groups; members of "
                             "those groups may still reach it over the private network");
        add_str(next, "add a rule with ecs_authorize_security_group, limited to the sources "
                      "that need it");
    } else {
        const struct match *first = &m[0];
        cJSON *rule = cJSON_Duplicate(first->rule, 1);
        cJSON_AddStringToObject(rule, "SecurityGroupId", first->group);
        cJSON_AddItemToObject(out, "DecisiveRule", rule);
        if (first->drop) {
            verdict = "blocked";
            add_str(reasons, "a drop rule in %s (priority %ld, %s %s from %s) blocks %s before "
                             "any accept rule",
                    first->group, first->priority, sk_str(first->rule, "IpProtocol"),
                    sk_str(first->rule, "PortRange"), sk_str(first->rule, "SourceCidrIp"), what);
            add_str(next, "remove the drop rule (ecs_revoke_security_group) or give an accept "
                          "rule a smaller priority number");
        } else {
            verdict = blocked_elsewhere ? "blocked" : "allowed";
            add_str(reasons, "an accept rule in %s (priority %ld, %s %s from %s) allows %s",
                    first->group, first->priority, sk_str(first->rule, "IpProtocol"),
                    sk_str(first->rule, "PortRange"), sk_str(first->rule, "SourceCidrIp"), what);
            if (!blocked_elsewhere && port >= 0)
                add_str(next, "if it still fails, check inside the instance with ecs_run_command: "
                              "is a service listening (ss -ltnp | grep :%ld) and does the OS "
                              "firewall allow it?",
                        port);
        }
    }
    cJSON_Delete(rule_store);

finish:
    cJSON_AddStringToObject(out, "Verdict", verdict);
    cJSON_AddItemToObject(out, "Reasons", reasons);
    cJSON_AddItemToObject(out, "NextSteps", next);
    cJSON_Delete(groups);
    cJSON_Delete(iresp);
    cJSON_Delete(region);
    *ret = out;
    return ERR_OK;
}

const struct sk_handler sk_handlers_configure[] = {
    {"ecs_describe_instances", NULL, NULL},
    {"ecs_describe_security_groups", NULL, NULL},
    {"ecs_describe_security_group_attribute", NULL, NULL},
    {"ecs_create_security_group", NULL, NULL},
    {"ecs_delete_security_group", NULL, NULL},
    {"ecs_authorize_security_group", NULL, NULL},
    {"ecs_authorize_security_group_egress", NULL, NULL},
    {"ecs_revoke_security_group", NULL, NULL},
    {"ecs_revoke_security_group_egress", NULL, NULL},
    {"ecs_join_security_group", NULL, NULL},
    {"ecs_leave_security_group", NULL, NULL},
    {"ecs_describe_network_interfaces", NULL, NULL},
    {"ecs_create_network_interface", NULL, NULL},
    {"ecs_attach_network_interface", NULL, NULL},
    {"ecs_detach_network_interface", NULL, NULL},
    {"ecs_modify_network_interface_attribute", NULL, NULL},
    {"ecs_delete_network_interface", NULL, NULL},
    {"ecs_assign_ipv6_addresses", NULL, NULL},
    {"ecs_diagnose_connectivity", diagnose, NULL},
    {NULL, NULL, NULL},
};
