/* payload.c - the payload of a query: the shell text to run, a file's content, a name or
 * description given to a new resource. It is material, not the subject, so it is blanked
 * before scoring ("run `journalctl -u sshd` on i-..." is a Cloud Assistant request, not an
 * SSH problem). Payload is recognised by its form, never by its words: backticks after a run
 * verb, the Latin text after 执行 / 运行 / 跑, shell-like text after a run verb or a colon or
 * before "on <instance>", quoted text in a query on named resources, and the token after a
 * naming word ("name it X", "名字 X"). Layer: router. */
#include "router/rt_query.h"

#include <string.h>

#define CMD_NAME_MAX 64 /* bytes of an unquoted name blanked after a naming word */

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

/* Skip spaces and filler words after a run verb. */
static size_t skip_fillers(const char *s, size_t len, size_t i)
{
    for (int again = 1; again;) {
        again = 0;
        while (i < len && s[i] == ' ')
            i++;
        for (size_t k = 0; fillers[k]; k++)
            if (rt_word_at(s, len, i, fillers[k]) || (fillers[k][0] == ':' && rt_at_ci(s, len, i, ":"))) {
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
        int run_before = rt_find_word(p->s, a, 0, run_verbs_en, &vat) ||
                         rt_find_word(p->s, a, 0, run_verbs_zh, &vat);
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
        size_t ee = rt_find_word(p->s, p->len, i, run_verbs_en, &ea);
        size_t ze = rt_find_word(p->s, p->len, i, run_verbs_zh, &za);
        if (!ee && !ze)
            return;
        int zh = ze && (!ee || za < ea);
        size_t vend = zh ? ze : ee;
        i = vend;
        size_t a = skip_fillers(p->s, p->len, vend);
        if (a >= p->len || p->s[a] == '`' || rt_cjk_at(p->s, p->len, a))
            continue; /* i is past the verb */
        size_t b = a;
        if (zh || p->s[a] == ':') {
            /* Latin text up to the next CJK character or comma (a folded "，"), or to the
             * end after a comment. */
            while (b < p->len && !rt_cjk_at(p->s, p->len, b) && p->s[b] != ',')
                b++;
        } else {
            if (rt_word_at(p->s, p->len, a, "on"))
                continue; /* "run this on i-...": the text comes later */
            b = p->len;
            for (size_t k = 0; payload_ends[k]; k++)
                for (size_t j = a; j + strlen(payload_ends[k]) <= b; j++)
                    if (rt_at_ci(p->s, p->len, j, payload_ends[k])) {
                        b = j;
                        break;
                    }
        }
        if (rt_has_id(p->s + a, b - a))
            continue; /* resource ids are targets, not text to run */
        if (memchr(p->s + a, '#', b - a))
            b = p->len;
        if (rt_shell_like(p->s + a, b - a) || (zh && rt_count_words(p->s + a, b - a) >= 2))
            blank(p, a, b, 1);
        i = b > i ? b : i;
    }
}

/* Shell-like text after a colon ("on i-...: mkfs.ext4 -F /dev/vdb"), unless the word before
 * the colon reports output ("error: ..."). */
static void pay_after_colon(struct pay *p)
{
    for (size_t i = 0; i < p->len; i++) {
        size_t cl = rt_at_ci(p->s, p->len, i, ":") ? 1 : (rt_at_ci(p->s, p->len, i, "：") ? 3 : 0);
        if (!cl)
            continue;
        size_t a = i + cl;
        /* A colon that introduces text is followed by a space (02:00, ::/0, https://, C:\
         * and IPv6 addresses are not); a full-width one always introduces. */
        int after_cjk = i >= 3 && rt_cjk_at(p->s, p->len, i - 3);
        if (cl == 1 && !after_cjk && (a >= p->len || (p->s[a] != ' ' && p->s[a] != '`')))
            continue;
        size_t w = i;
        while (w > 0 && p->s[w - 1] == ' ')
            w--;
        int report = 0;
        for (size_t k = 0; report_words[k]; k++) {
            size_t n = strlen(report_words[k]);
            report |= w >= n && rt_at_ci(p->s, p->len, w - n, report_words[k]);
        }
        if (report)
            continue;
        size_t b = a;
        int comment = 0;
        while (b < p->len) {
            comment |= p->s[b] == '#';
            if (!comment && (rt_at_ci(p->s, p->len, b, "，") || rt_at_ci(p->s, p->len, b, "。")))
                break;
            b++;
        }
        /* Resource ids after the colon are the targets, not the text to run; prose (a
         * question, words such as "the" or "need") is not shell text either. */
        if (rt_shell_like(p->s + a, b - a) && !rt_has_id(p->s + a, b - a) && !rt_prose(p->s + a, b - a))
            blank(p, a, b, 1);
        i = b;
    }
}

/* A query that opens with shell text run "on" some instances: "rm -rf /tmp/x on i-...". */
static void pay_leading(struct pay *p)
{
    size_t on = rt_find_sub(p->s, p->len, 0, " on ", 4);
    if (on < p->len && on > 0 && rt_shell_like(p->s, on) && !rt_has_id(p->s, on) && !rt_prose(p->s, on))
        blank(p, 0, on, 1);
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
            if (ol == 1 && i > 0 && rt_alnum_c((unsigned char)p->s[i - 1]))
                continue;
            size_t a = i + ol, b = a;
            while (b + cl <= p->len && memcmp(p->s + b, q[k].close, cl) != 0)
                b++;
            if (b + cl > p->len)
                break;
            if (cl == 1 && b + 1 < p->len && rt_alnum_c((unsigned char)p->s[b + 1])) {
                i = b;
                continue;
            }
            /* Only what a naming or content word introduces, and never a resource id. */
            int content = 0, named = 0;
            for (size_t j = i >= 24 ? i - 24 : 0; j < i; j++) {
                content |= rt_at_ci(p->s, p->len, j, "content") || rt_at_ci(p->s, p->len, j, "内容");
                for (size_t w = 0; naming[w]; w++)
                    named |= rt_word_at(p->s, p->len, j, naming[w]);
            }
            if (b > a && named && !rt_has_id(p->s + a, b - a)) {
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
        for (size_t i = rt_find_sub(p->s, p->len, 0, naming[k], wn); i < p->len;
             i = rt_find_sub(p->s, p->len, i + 1, naming[k], wn)) {
            if (!rt_word_at(p->s, p->len, i, naming[k]))
                continue;
            size_t a = i + strlen(naming[k]);
            while (a < p->len && (p->s[a] == ' ' || p->s[a] == ':'))
                a++;
            for (size_t j = 0; naming[j]; j++)
                if ((unsigned char)naming[j][0] >= 0x80 && rt_at_ci(p->s, p->len, a, naming[j]))
                    a += strlen(naming[j]);
            while (a < p->len && p->s[a] == ' ')
                a++;
            size_t b = a;
            while (b < p->len && b - a < CMD_NAME_MAX &&
                   (rt_alnum_c((unsigned char)p->s[b]) || p->s[b] == '-' || p->s[b] == '_' ||
                    p->s[b] == '.' || p->s[b] == '*'))
                b++;
            /* A name has a digit, a dash or an underscore: "named web" is a word. */
            int shaped = 0;
            for (size_t j = a; j < b; j++)
                shaped |= (p->s[j] >= '0' && p->s[j] <= '9') || p->s[j] == '-' || p->s[j] == '_';
            if (b > a && shaped && !rt_has_id(p->s + a, b - a))
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
    int run = rt_find_word(fq, len, 0, run_verbs_en, &vat) || rt_find_word(fq, len, 0, run_verbs_zh, &vat);
    int id = rt_has_id(fq, len);
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

