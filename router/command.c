/* command.c - commands: what a query asks to run or pass on (its payload), and whether it
 * is an imperative on named resources and which action it names. Layer: router.
 *
 * The payload is the shell text to run, a file's content, a name or description given
 * to a new resource: it is material, not the subject, so it is blanked before scoring
 * ("run `journalctl -u sshd` on i-..." is a Cloud Assistant request, not an SSH problem).
 * Payload is recognised by its form, never by its words: backticks after a run verb, the
 * Latin text after 执行 / 运行 / 跑, shell-like text after a run verb or a colon or before
 * "on <instance>", quoted text in a query on named resources, and the token after a
 * naming word ("name it X", "名字 X"). */
#include "router/rt_query.h"

#include <string.h>

#define CMD_NAME_MAX 64 /* bytes of an unquoted name blanked after a naming word */

/* ---- Text helpers ----------------------------------------------------------------------- */

static int is_alnum_c(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 if s[i..] starts with w (ASCII case-insensitive; other bytes exact). */
static int at(const char *s, size_t len, size_t i, const char *w)
{
    size_t n = strlen(w);
    if (i + n > len)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (lower(s[i + k]) != lower(w[k]))
            return 0;
    return 1;
}

/* A byte that continues a Latin word or an identifier ("ecs-execute-instances"). */
static int word_byte(unsigned char c)
{
    return is_alnum_c(c) || c == '-' || c == '_';
}

/* 1 if w occurs at s[i] as a whole word (Latin words need non-word bytes around them). */
static int word_at(const char *s, size_t len, size_t i, const char *w)
{
    if (!at(s, len, i, w))
        return 0;
    size_t n = strlen(w);
    if ((unsigned char)w[0] >= 0x80)
        return 1;
    if (i > 0 && word_byte((unsigned char)s[i - 1]))
        return 0;
    return i + n >= len || !word_byte((unsigned char)s[i + n]);
}

/* Offset just after the first whole-word occurrence of any of words in s[from..len), and
 * the occurrence's start in *ret_at; 0 when none. */
/* The first occurrence of w[0..wn) in s[from..len), or len. */
static size_t find_sub(const char *s, size_t len, size_t from, const char *w, size_t wn)
{
    while (from + wn <= len) {
        const char *c = memchr(s + from, w[0], len - from - wn + 1);
        if (!c)
            return len;
        if (memcmp(c, w, wn) == 0)
            return (size_t)(c - s);
        from = (size_t)(c - s) + 1;
    }
    return len;
}

/* Offset just after the first whole-word occurrence of any of words (lower case) in the
 * lower-case text s[from..len), and its start in *ret_at; 0 when none. */
static size_t find_word(const char *s, size_t len, size_t from, const char *const *words,
                        size_t *ret_at)
{
    size_t best = len, best_end = 0;
    for (size_t k = 0; words[k]; k++) {
        size_t wn = strlen(words[k]);
        for (size_t i = find_sub(s, len, from, words[k], wn); i < best;
             i = find_sub(s, len, i + 1, words[k], wn))
            if (word_at(s, len, i, words[k])) {
                best = i;
                best_end = i + wn;
                break;
            }
    }
    if (best_end && ret_at)
        *ret_at = best;
    return best_end;
}

/* The byte at s[i] starts a CJK character or CJK punctuation. */
static int cjk_at(const char *s, size_t len, size_t i)
{
    if ((unsigned char)s[i] < 0x80)
        return 0;
    uint32_t cp;
    size_t k = i;
    utf8_decode(s, len, &k, &cp);
    return utf8_is_cjk(cp) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

/* Shell-like text: a flag, an absolute or home path, an operator, a key=value or a
 * Windows path. Plain words ("a script") are not. */
static int shell_like(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i], p = i ? (unsigned char)s[i - 1] : ' ';
        unsigned char nx = i + 1 < n ? (unsigned char)s[i + 1] : ' ';
        if (c == '-' && (p == ' ' || i == 0) && (is_alnum_c(nx) || nx == '-') &&
            !(nx >= '0' && nx <= '9'))
            return 1; /* -h, --no-pager */
        if (c == '/' && (p == ' ' || p == '~' || p == '.' || i == 0) && is_alnum_c(nx))
            return 1; /* /var/log, ~/x, ./run.sh */
        if (c == '|' || c == ';' || c == '>' || c == '<' || c == '$' || c == '&')
            return 1;
        if (c == '=' && is_alnum_c(p) && nx != ' ' && nx != '=')
            return 1;
        if (c == '\\' && p == ':')
            return 1; /* C:\deploy */
    }
    return 0;
}

/* Latin words in s[0..n). */
static size_t count_words(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] > ' ' && (unsigned char)s[i] < 0x80 &&
            (i == 0 || s[i - 1] == ' '))
            w++;
    return w;
}

/* ---- Payload ------------------------------------------------------------------------------- */

static const char *const run_verbs_en[] = {"run", "execute", "exec", NULL};
static const char *const run_verbs_zh[] = {"执行", "运行", "跑", NULL};
/* Words after a run verb that come before the payload. */
static const char *const fillers[] = {"一下", "下", "this", "the following", "following",
                                      "the command", "command", "命令", "these", ":", "：",
                                      NULL};
/* Where an English payload after a run verb ends. */
static const char *const payload_ends[] = {" on ", " across ", " against ", ", ", "; ",
                                           " via ", " with ", " and show", " and give",
                                           " and tell", " then ", NULL};
/* Words that name or describe a new resource or give a file's content. */
static const char *const naming[] = {"name it", "named", "called", "call it", "call the copy",
                                     "name", "description", "desc", "content", "prefix",
                                     "名字都叫", "名字叫", "名字", "名称", "实例名", "叫",
                                     "描述写", "描述", "备注", "内容是", "内容", NULL};
/* A word right before a colon that reports output rather than introducing a command. */
static const char *const report_words[] = {"error", "says", "shows", "output", "log",
                                           "报错", "提示", "日志", "输出", NULL};

struct pay {
    const char *s;  /* the folded query */
    size_t len;
    size_t blanked; /* bytes blanked so far */
    char *subject;  /* the same bytes, payload blanked */
    char *lsub;     /* ... and its lower-case twin */
    size_t off, n;  /* the first shell payload (RunCommand content) */
    int shell;      /* shell text to run was found */
    int content;    /* a file content was found */
};

static void blank(struct pay *p, size_t a, size_t b, int shell)
{
    while (a < b && p->s[a] == ' ')
        a++;
    while (b > a && p->s[b - 1] == ' ')
        b--;
    if (a >= b)
        return;
    memset(p->subject + a, ' ', b - a);
    memset(p->lsub + a, ' ', b - a);
    p->blanked += b - a;
    if (shell && !p->shell) {
        p->off = a;
        p->n = b - a;
    }
    p->shell |= shell;
}

static int has_id(const char *s, size_t len);
static int prose(const char *s, size_t n);

/* Skip spaces and filler words after a run verb. */
static size_t skip_fillers(const char *s, size_t len, size_t i)
{
    for (int again = 1; again;) {
        again = 0;
        while (i < len && s[i] == ' ')
            i++;
        for (size_t k = 0; fillers[k]; k++)
            if (word_at(s, len, i, fillers[k]) || (fillers[k][0] == ':' && at(s, len, i, ":"))) {
                i += strlen(fillers[k]);
                again = 1;
                break;
            }
    }
    return i;
}

/* `...` after a run verb. */
static void pay_backticks(struct pay *p, int run_seen_at_all)
{
    size_t i = 0;
    while (i < p->len) {
        if (p->s[i] != '`') {
            i++;
            continue;
        }
        size_t a = i;
        while (a < p->len && p->s[a] == '`')
            a++;
        size_t b = a;
        while (b < p->len && p->s[b] != '`')
            b++;
        if (b >= p->len)
            return;
        size_t e = b;
        while (e < p->len && p->s[e] == '`')
            e++;
        size_t vat;
        int run_before = find_word(p->s, a, 0, run_verbs_en, &vat) ||
                         find_word(p->s, a, 0, run_verbs_zh, &vat);
        if (run_before || run_seen_at_all)
            blank(p, a, b, 1);
        i = e;
    }
}

/* The text after a run verb. */
static void pay_after_run(struct pay *p)
{
    for (size_t i = 0; i < p->len;) {
        size_t ea = 0, za = 0;
        size_t ee = find_word(p->s, p->len, i, run_verbs_en, &ea);
        size_t ze = find_word(p->s, p->len, i, run_verbs_zh, &za);
        if (!ee && !ze)
            return;
        int zh = ze && (!ee || za < ea);
        size_t vend = zh ? ze : ee;
        i = vend;
        size_t a = skip_fillers(p->s, p->len, vend);
        if (a >= p->len || p->s[a] == '`' || cjk_at(p->s, p->len, a))
            continue; /* i is past the verb */
        size_t b = a;
        if (zh || p->s[a] == ':') {
            /* Latin text up to the next CJK character or comma (a folded "，"), or to the
             * end after a comment. */
            while (b < p->len && !cjk_at(p->s, p->len, b) && p->s[b] != ',')
                b++;
        } else {
            if (word_at(p->s, p->len, a, "on"))
                continue; /* "run this on i-...": the text comes later */
            b = p->len;
            for (size_t k = 0; payload_ends[k]; k++)
                for (size_t j = a; j + strlen(payload_ends[k]) <= b; j++)
                    if (at(p->s, p->len, j, payload_ends[k])) {
                        b = j;
                        break;
                    }
        }
        if (has_id(p->s + a, b - a))
            continue; /* resource ids are targets, not text to run */
        if (memchr(p->s + a, '#', b - a))
            b = p->len;
        if (shell_like(p->s + a, b - a) || (zh && count_words(p->s + a, b - a) >= 2))
            blank(p, a, b, 1);
        i = b > i ? b : i;
    }
}

static int has_id(const char *s, size_t len);

/* 1 if s[0..n) reads as English prose rather than a command line. */
static int prose(const char *s, size_t n)
{
    static const char *const words[] = {"the", "to", "my", "need", "how", "what", "why",
                                        "can", "please", "we", "you", "should", NULL};
    if (memchr(s, '?', n))
        return 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; words[k]; k++)
            if (word_at(s, n, i, words[k]))
                return 1;
    return 0;
}

/* Shell-like text after a colon ("on i-...: mkfs.ext4 -F /dev/vdb"), unless the word before
 * the colon reports output ("error: ..."). */
static void pay_after_colon(struct pay *p)
{
    for (size_t i = 0; i < p->len; i++) {
        size_t cl = at(p->s, p->len, i, ":") ? 1 : (at(p->s, p->len, i, "：") ? 3 : 0);
        if (!cl)
            continue;
        size_t a = i + cl;
        /* A colon that introduces text is followed by a space (02:00, ::/0, https://, C:\
         * and IPv6 addresses are not); a full-width one always introduces. */
        int after_cjk = i >= 3 && cjk_at(p->s, p->len, i - 3);
        if (cl == 1 && !after_cjk && (a >= p->len || (p->s[a] != ' ' && p->s[a] != '`')))
            continue;
        size_t w = i;
        while (w > 0 && p->s[w - 1] == ' ')
            w--;
        int report = 0;
        for (size_t k = 0; report_words[k]; k++) {
            size_t n = strlen(report_words[k]);
            report |= w >= n && at(p->s, p->len, w - n, report_words[k]);
        }
        if (report)
            continue;
        size_t b = a;
        int comment = 0;
        while (b < p->len) {
            comment |= p->s[b] == '#';
            if (!comment && (at(p->s, p->len, b, "，") || at(p->s, p->len, b, "。")))
                break;
            b++;
        }
        /* Resource ids after the colon are the targets, not the text to run; prose (a
         * question, words such as "the" or "need") is not shell text either. */
        if (shell_like(p->s + a, b - a) && !has_id(p->s + a, b - a) && !prose(p->s + a, b - a))
            blank(p, a, b, 1);
        i = b;
    }
}

/* A query that opens with shell text run "on" some instances: "rm -rf /tmp/x on i-...". */
static void pay_leading(struct pay *p)
{
    size_t on = find_sub(p->s, p->len, 0, " on ", 4);
    if (on < p->len && on > 0 && shell_like(p->s, on) && !has_id(p->s, on) && !prose(p->s, on))
        blank(p, 0, on, 1);
}

/* 1 if s holds something shaped like a resource id ("i-bp1...", "sg-..."). */
static int has_id(const char *s, size_t len)
{
    static const char *const pre[] = {"i-", "sg-", "eni-", "d-", "s-", "m-", "sp-", "c-", "t-",
                                      "vsw-", "vpc-", "eip-", NULL};
    for (const char *dash = memchr(s, '-', len); dash; dash = memchr(dash + 1, '-',
                                                                      len - (size_t)(dash - s) - 1)) {
        size_t i = (size_t)(dash - s);
        while (i > 0 && s[i - 1] >= 'a' && s[i - 1] <= 'z' && (size_t)(dash - s) - i < 3)
            i--;
        if (i > 0 && is_alnum_c((unsigned char)s[i - 1]))
            continue;
        for (size_t k = 0; pre[k]; k++)
            if (at(s, len, i, pre[k]) && s + i + strlen(pre[k]) == dash + 1) {
                size_t j = i + strlen(pre[k]), digits = 0, n = 0;
                while (j < len && is_alnum_c((unsigned char)s[j])) {
                    digits += s[j] >= '0' && s[j] <= '9';
                    j++;
                    n++;
                }
                if (n >= 6 && digits)
                    return 1;
            }
    }
    return 0;
}

/* Quoted text in a query on named resources: names, descriptions, file contents. An
 * apostrophe inside a word ("it's", "i-..'s") is not a quote. */
static void pay_quotes(struct pay *p)
{
    static const struct {
        const char *open, *close;
    } q[] = {{"'", "'"}, {"\"", "\""}, {"\xe2\x80\x9c", "\xe2\x80\x9d"},
             {"\xe2\x80\x98", "\xe2\x80\x99"}, {"\xe3\x80\x8c", "\xe3\x80\x8d"}};
    for (size_t k = 0; k < ARRAY_LEN(q); k++) {
        size_t ol = strlen(q[k].open), cl = strlen(q[k].close);
        for (size_t i = 0; i + ol <= p->len; i++) {
            if (memcmp(p->s + i, q[k].open, ol) != 0)
                continue;
            if (ol == 1 && i > 0 && is_alnum_c((unsigned char)p->s[i - 1]))
                continue;
            size_t a = i + ol, b = a;
            while (b + cl <= p->len && memcmp(p->s + b, q[k].close, cl) != 0)
                b++;
            if (b + cl > p->len)
                break;
            if (cl == 1 && b + 1 < p->len && is_alnum_c((unsigned char)p->s[b + 1])) {
                i = b;
                continue;
            }
            /* Only what a naming or content word introduces, and never a resource id. */
            int content = 0, named = 0;
            for (size_t j = i >= 24 ? i - 24 : 0; j < i; j++) {
                content |= at(p->s, p->len, j, "content") || at(p->s, p->len, j, "内容");
                for (size_t w = 0; naming[w]; w++)
                    named |= word_at(p->s, p->len, j, naming[w]);
            }
            if (b > a && named && !has_id(p->s + a, b - a)) {
                blank(p, a, b, 0);
                p->content |= content;
            }
            i = b + cl - 1;
        }
    }
}

/* The token after a naming word: "name it centos-hardened", "名字 web-base-v3". */
static void pay_names(struct pay *p)
{
    for (size_t k = 0; naming[k]; k++) {
        size_t wn = strlen(naming[k]);
        for (size_t i = find_sub(p->s, p->len, 0, naming[k], wn); i < p->len;
             i = find_sub(p->s, p->len, i + 1, naming[k], wn)) {
            if (!word_at(p->s, p->len, i, naming[k]))
                continue;
            size_t a = i + strlen(naming[k]);
            while (a < p->len && (p->s[a] == ' ' || p->s[a] == ':'))
                a++;
            for (size_t j = 0; naming[j]; j++)
                if ((unsigned char)naming[j][0] >= 0x80 && at(p->s, p->len, a, naming[j]))
                    a += strlen(naming[j]);
            while (a < p->len && p->s[a] == ' ')
                a++;
            size_t b = a;
            while (b < p->len && b - a < CMD_NAME_MAX &&
                   (is_alnum_c((unsigned char)p->s[b]) || p->s[b] == '-' || p->s[b] == '_' ||
                    p->s[b] == '.' || p->s[b] == '*'))
                b++;
            /* A name has a digit, a dash or an underscore: "named web" is a word. */
            int shaped = 0;
            for (size_t j = a; j < b; j++)
                shaped |= (p->s[j] >= '0' && p->s[j] <= '9') || p->s[j] == '-' || p->s[j] == '_';
            if (b > a && shaped && !has_id(p->s + a, b - a))
                blank(p, a, b, 0);
            i = b > i ? b - 1 : i;
        }
    }
}

size_t rt_command_payload(struct rt_query *q, struct rt_result *res)
{
    const char *fq = q->lower;
    size_t len = q->flen;
    struct pay p = {.s = fq, .len = len, .subject = q->subject, .lsub = q->lsub};
    size_t vat;
    int run = find_word(fq, len, 0, run_verbs_en, &vat) || find_word(fq, len, 0, run_verbs_zh, &vat);
    int id = has_id(fq, len);
    pay_backticks(&p, 0);
    pay_after_run(&p);
    if (id || run)
        pay_after_colon(&p);
    if (id)
        pay_leading(&p);
    if (id) {
        pay_quotes(&p);
        pay_names(&p);
    }
    if (p.shell) {
        res->payload_off = p.off;
        res->payload_len = p.n;
    }
    if (p.shell || p.content)
        q->signals |= RT_SIG_PAYLOAD;
    /* Shell text on instances is run by Cloud Assistant; content is sent as a file. */
    if (p.content)
        q->action = "SendFile";
    else if (p.shell)
        q->action = "RunCommand";
    return p.blanked;
}

/* ---- Commands and their actions ----------------------------------------------------------- */

/* What a command acts on (bits): from resource ids and the synonym groups of the query. */
enum {
    OBJ_INSTANCE = 1u << 0, OBJ_DISK = 1u << 1,  OBJ_SNAP = 1u << 2,   OBJ_IMAGE = 1u << 3,
    OBJ_POLICY = 1u << 4,   OBJ_CMD = 1u << 5,   OBJ_INV = 1u << 6,    OBJ_NET = 1u << 7,
    OBJ_TYPE = 1u << 8,     OBJ_KEY = 1u << 9,   OBJ_GROUP = 1u << 10, OBJ_PASSWORD = 1u << 11,
    OBJ_EVENT = 1u << 12,   OBJ_METRIC = 1u << 13, OBJ_ASSIST = 1u << 14,
    OBJ_GUEST = 1u << 15, /* something done "on i-..." / "在 i-... 上": inside the instance */
};

static const struct {
    enum rt_entity_kind kind;
    unsigned obj;
} id_objs[] = {
    {RT_ENT_INSTANCE_ID, OBJ_INSTANCE}, {RT_ENT_DISK_ID, OBJ_DISK},  {RT_ENT_SNAPSHOT_ID, OBJ_SNAP},
    {RT_ENT_IMAGE_ID, OBJ_IMAGE},       {RT_ENT_POLICY_ID, OBJ_POLICY}, {RT_ENT_COMMAND_ID, OBJ_CMD},
    {RT_ENT_INVOCATION_ID, OBJ_INV},    {RT_ENT_SG_ID, OBJ_NET},    {RT_ENT_ENI_ID, OBJ_NET},
    {RT_ENT_VSWITCH_ID, OBJ_NET},       {RT_ENT_VPC_ID, OBJ_NET},   {RT_ENT_SG_RULE_ID, OBJ_NET},
    {RT_ENT_EIP_ID, OBJ_NET},           {RT_ENT_INSTANCE_TYPE, OBJ_TYPE},
};

static const struct {
    const char *canonical;
    unsigned obj;
} syn_objs[] = {
    {"instance", OBJ_INSTANCE},      {"disk", OBJ_DISK},          {"data-disk", OBJ_DISK},
    {"system-disk", OBJ_DISK},       {"snapshot", OBJ_SNAP},      {"image", OBJ_IMAGE},
    {"auto-snapshot-policy", OBJ_POLICY}, {"snapshot-group", OBJ_GROUP},
    {"security-group", OBJ_NET},     {"sg-rule", OBJ_NET},        {"eni", OBJ_NET},
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
    {"", OBJ_KEY, "AttachKeyPair", "ecs-launch-instance", "access"},
    {"reset|set|change|修改|重置|改", OBJ_PASSWORD | OBJ_INSTANCE, "ModifyInstanceAttribute",
     "ecs-launch-instance", "access"},
    {"", OBJ_GROUP, "CreateSnapshotGroup", "ecs-manage-recovery", NULL},
    {"consistent|一致", OBJ_SNAP, "CreateSnapshotGroup", "ecs-manage-recovery", NULL},
    {"roll back|rollback|revert|restore|回滚|恢复", OBJ_DISK, "ResetDisk", "ecs-manage-recovery", NULL},
    {"", OBJ_POLICY, "ApplyAutoSnapshotPolicy", "ecs-manage-recovery", NULL},
    {"create|make|build|bake|创建|做|制作|建", OBJ_IMAGE | OBJ_SNAP, "CreateImage", "ecs-manage-images", NULL},
    {"new|create|创建|新建", OBJ_DISK | OBJ_SNAP, "CreateDisk", "ecs-manage-storage", "disk-types"},
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
    {"list|show|describe|find|查|看|列", OBJ_IMAGE, "DescribeImages", "ecs-manage-images", NULL},
    {"", OBJ_IMAGE, "ModifyImageSharePermission", "ecs-manage-images", NULL},
    {"join|leave|put|add|move|take|remove|加入|移出|加到", OBJ_NET | OBJ_INSTANCE, "JoinSecurityGroup",
     "ecs-configure-instance", NULL},
    {"", OBJ_NET, "AuthorizeSecurityGroup", "ecs-configure-instance", NULL},
    {"resize|expand|grow|enlarge|extend|increase|扩容|扩到|扩大|加到", OBJ_DISK, "ResizeDisk",
     "ecs-manage-storage", "resize"},
    {"", OBJ_DISK | OBJ_INSTANCE, "AttachDisk", "ecs-manage-storage", "disk-types"},
    {"", OBJ_DISK, "DescribeDisks", "ecs-manage-storage", "disk-types"},
    {"", OBJ_EVENT, "DescribeInstancesFullStatus", "ecs-monitor-instance", "maintenance"},
    {"full status|impaired|health|完整状态|健康", OBJ_INSTANCE, "DescribeInstancesFullStatus",
     "ecs-monitor-instance", "maintenance"},
    {"", OBJ_METRIC | OBJ_INSTANCE, "DescribeInstanceMonitorData", "ecs-monitor-instance", "metrics"},
    {"", OBJ_GUEST, "RunCommand", "ecs-execute-instances", NULL},
    {"start|stop|reboot|restart|release|delete|terminate|shut|power|boot|启动|开机|停止|停|关机|重启|重起|释放|删除",
     OBJ_INSTANCE, "StopInstance", "ecs-launch-instance", "lifecycle"},
    {"list|show|describe|find|status|get|check|查|看|列", OBJ_INSTANCE, "DescribeInstances",
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
            if (find_word(s, len, 0, one, &at_))
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
        if (word_at(s, len, lead, words[k]))
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
    if (find_word(s, len, 0, console_words, &at_))
        q->signals |= RT_SIG_CONSOLE;
    unsigned obj = objects(q, res);
    if (q->signals & RT_SIG_PAYLOAD)
        obj |= OBJ_INSTANCE;
    for (size_t i = 0; i + 5 < len; i++)
        if (at(s, len, i, " on i-") || (at(s, len, i, "在 i-") || at(s, len, i, "在i-")))
            obj |= OBJ_GUEST;
    size_t at2;
    if (find_word(s, len, 0, inside_words, &at2))
        obj |= OBJ_GUEST;
    /* In-guest work right after a restore, roll back or migration: recovery's path. */
    if ((obj & OBJ_GUEST) && find_word(s, len, 0, after_restore, &at2)) {
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
        if (find_word(s, len, 0, after_restore, &at_)) {
            q->act_skill = "ecs-manage-recovery";
            q->act_path = "cloud-assistant";
        }
        return;
    }
    if ((q->signals & RT_SIG_FAIL) &&
        !opens_with(s, len, lead, imperative_openers))
        return;
    if (find_word(s, len, 0, asking, &at_))
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
    if (find_word(s, len, 0, report_verbs, &at_))
        return 1;
    if (opens_with(s, len, lead, imperative_openers))
        return 0;
    /* A query that opens with a command line run "on" instances asks for the run. */
    size_t on = find_sub(s, len, 0, " on ", 4);
    if (on < len && shell_like(s, on) && !has_id(s, on) && !prose(s, on))
        return 0;
    for (size_t i = 0; i < q->nhits; i++)
        if (q->x->ph.v[q->hits[i].ph].kind == RT_PH_FAIL)
            return 1;
    return find_word(s, len, 0, asking, &at_) != 0;
}
