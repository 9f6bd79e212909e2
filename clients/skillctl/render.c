/* render.c - text for a terminal: cleaning what the server sent (valid UTF-8, no control
 * characters), display widths (wide CJK, zero-width marks, our own SGR sequences) and a small
 * Markdown renderer with word wrapping. Layer: clients. */
#include <string.h>

#include "clients/skillctl/skillctl.h"

#define WRAP_MIN 20 /* narrower terminals are wrapped as if they had this many columns */

/* ---- Cleaning and widths --------------------------------------------------------------------*/

/* Code points never written to the terminal: C0 but TAB and LF, DEL, C1, and the bidirectional
 * controls that can make text read differently from what it is. */
static int dropped(uint32_t cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void skc_text_clean(struct buf *out, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        uint32_t cp;
        int bad = utf8_decode(s, len, &i, &cp) < 0;
        if (bad) {
            buf_puts(out, "\xEF\xBF\xBD");
        } else if (cp == '\r') {
            if (i >= len || s[i] != '\n')
                buf_putc(out, '\n'); /* a lone CR ends a line; CR LF is one LF */
        } else if (!dropped(cp)) {
            buf_append(out, s + start, i - start);
        }
    }
}

/* Half-open ranges of East Asian Wide and Fullwidth code points (the common ones). */
static const struct {
    uint32_t lo, hi;
} wide[] = {
    {0x1100, 0x1160},   {0x2e80, 0x303f},   {0x3041, 0x33ff},   {0x3400, 0x4dc0},
    {0x4e00, 0xa4d0},   {0xac00, 0xd7a4},   {0xf900, 0xfb00},   {0xfe30, 0xfe50},
    {0xff00, 0xff61},   {0xffe0, 0xffe7},   {0x1f300, 0x1f650}, {0x1f900, 0x1fa00},
    {0x20000, 0x2fffe}, {0x30000, 0x3fffe},
};

static int cp_width(uint32_t cp)
{
    if ((cp >= 0x300 && cp < 0x370) || (cp >= 0x200b && cp <= 0x200f) || cp == 0xfe0f)
        return 0;
    for (size_t k = 0; k < ARRAY_LEN(wide); k++)
        if (cp >= wide[k].lo && cp < wide[k].hi)
            return 2;
    return 1;
}

/* Length of an SGR sequence at s[i] (ESC [ params m), or 0. */
static size_t sgr_len(const char *s, size_t len, size_t i)
{
    if (s[i] != '\x1b' || i + 1 >= len || s[i + 1] != '[')
        return 0;
    for (size_t j = i + 2; j < len; j++)
        if (s[j] >= 0x40 && s[j] <= 0x7e)
            return j - i + 1;
    return 0;
}

size_t skc_display_width(const char *s, size_t len)
{
    size_t w = 0, i = 0;
    while (i < len) {
        size_t k = sgr_len(s, len, i);
        if (k) {
            i += k;
            continue;
        }
        uint32_t cp;
        utf8_decode(s, len, &i, &cp);
        w += cp_width(cp);
    }
    return w;
}

/* ---- Inline Markdown ------------------------------------------------------------------------*/

enum { ST_BOLD = 1, ST_ITALIC = 2, ST_CODE = 4, ST_HEAD = 8, ST_DIM = 16 };

/* The SGR sequence for a set of style bits (full reset first, so bits never leak). */
static void sgr(struct buf *out, const struct skc_style *st, unsigned bits)
{
    if (!st->color)
        return;
    buf_puts(out, "\x1b[0");
    if (bits & (ST_BOLD | ST_HEAD))
        buf_puts(out, ";1");
    if (bits & ST_ITALIC)
        buf_puts(out, ";3");
    if (bits & ST_DIM)
        buf_puts(out, ";2");
    if (bits & ST_CODE)
        buf_puts(out, ";36");
    else if (bits & ST_HEAD)
        buf_puts(out, ";35");
    buf_putc(out, 'm');
}

/* Position of the next `close` at or after s[from..n), or n. */
static size_t find(const char *s, size_t n, size_t from, const char *close)
{
    size_t k = strlen(close);
    for (size_t i = from; i + k <= n; i++)
        if (memcmp(s + i, close, k) == 0)
            return i;
    return n;
}

/* Render inline spans of s[0..n) onto out, base being the block's own style bits. */
static void inline_md(struct buf *out, const char *s, size_t n, const struct skc_style *st,
                      unsigned base)
{
    unsigned bits = base;
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '\\' && i + 1 < n && strchr("\\`*_[]()#+-.!>|", s[i + 1])) {
            buf_putc(out, s[i + 1]);
            i += 2;
        } else if (c == '`') {
            size_t end = find(s, n, i + 1, "`");
            if (end == n) {
                buf_putc(out, c);
                i++;
                continue;
            }
            sgr(out, st, bits | ST_CODE);
            if (!st->color)
                buf_putc(out, '`');
            buf_append(out, s + i + 1, end - i - 1);
            if (!st->color)
                buf_putc(out, '`');
            sgr(out, st, bits);
            i = end + 1;
        } else if (c == '*' && i + 1 < n && s[i + 1] == '*' &&
                   ((bits & ST_BOLD) || find(s, n, i + 2, "**") < n)) {
            bits ^= ST_BOLD;
            sgr(out, st, bits);
            i += 2;
        } else if (c == '*' &&
                   (bits & ST_ITALIC ? i > 0 && s[i - 1] != ' '
                                     : i + 1 < n && s[i + 1] != ' ' && s[i + 1] != '*' &&
                                           find(s, n, i + 1, "*") < n)) {
            bits ^= ST_ITALIC;
            sgr(out, st, bits);
            i++;
        } else if (c == '[') {
            size_t close = find(s, n, i + 1, "](");
            size_t end = close < n ? find(s, n, close + 2, ")") : n;
            if (end == n) {
                buf_putc(out, c);
                i++;
                continue;
            }
            const char *text = s + i + 1, *url = s + close + 2;
            size_t tlen = close - i - 1, ulen = end - close - 2;
            inline_md(out, text, tlen, st, bits);
            if (ulen && (tlen != ulen || memcmp(text, url, tlen) != 0)) {
                buf_puts(out, " (");
                buf_append(out, url, ulen);
                buf_putc(out, ')');
            }
            i = end + 1;
        } else {
            buf_putc(out, c);
            i++;
        }
    }
    if (bits != base)
        sgr(out, st, base);
}

/* ---- Wrapping -------------------------------------------------------------------------------*/

/* Length of the next unit at s[i]: a run of spaces, a wide character alone, or a word (SGR
 * sequences travel with the word they touch). */
static size_t unit_len(const char *s, size_t n, size_t i, int *ret_space)
{
    *ret_space = s[i] == ' ';
    size_t j = i;
    if (*ret_space) {
        while (j < n && s[j] == ' ')
            j++;
        return j - i;
    }
    while (j < n && s[j] != ' ') {
        size_t k = sgr_len(s, n, j);
        if (k) {
            j += k;
            continue;
        }
        size_t at = j;
        uint32_t cp;
        utf8_decode(s, n, &j, &cp);
        if (cp_width(cp) == 2) {
            if (at == i)
                return j - i; /* a wide character is a unit of its own */
            return at - i;
        }
    }
    return j - i;
}

void skc_wrap(struct buf *out, const char *text, size_t n, int width, const char *first,
              const char *cont)
{
    buf_puts(out, first);
    if (width <= 0) {
        buf_append(out, text, n);
        buf_putc(out, '\n');
        return;
    }
    if (width < WRAP_MIN)
        width = WRAP_MIN;
    size_t cont_w = skc_display_width(cont, strlen(cont));
    size_t col = skc_display_width(first, strlen(first));
    size_t line_start = col;
    int space = 0, pending = 0;
    for (size_t i = 0; i < n;) {
        size_t k = unit_len(text, n, i, &space);
        if (space) {
            pending = col > line_start;
            i += k;
            continue;
        }
        size_t w = skc_display_width(text + i, k);
        if (col > line_start && col + (pending ? 1 : 0) + w > (size_t)width) {
            buf_putc(out, '\n');
            buf_puts(out, cont);
            col = line_start = cont_w;
            pending = 0;
        }
        if (pending) {
            buf_putc(out, ' ');
            col++;
            pending = 0;
        }
        buf_append(out, text + i, k);
        col += w;
        i += k;
    }
    buf_putc(out, '\n');
}

/* ---- Blocks ---------------------------------------------------------------------------------*/

struct md {
    struct buf *out;
    const struct skc_style *st;
    struct buf para; /* raw Markdown of the paragraph being collected */
    int in_code;     /* inside a fenced code block */
    int blank;       /* the source had a blank line since the last block */
    int wrote;       /* a block was written */
};

/* Start a block: one blank line if the source had one (never at the top). */
static void block_start(struct md *m)
{
    if (m->blank && m->wrote)
        buf_putc(m->out, '\n');
    m->blank = 0;
    m->wrote = 1;
}

static void flush_para(struct md *m)
{
    if (!m->para.len)
        return;
    block_start(m);
    struct buf styled;
    buf_init(&styled, 0);
    inline_md(&styled, m->para.data, m->para.len, m->st, 0);
    skc_wrap(m->out, styled.data ? styled.data : "", styled.len, m->st->width, "", "");
    buf_release(&styled);
    buf_reset(&m->para);
}

static void heading(struct md *m, int level, const char *text, size_t n)
{
    block_start(m);
    struct buf styled;
    buf_init(&styled, 0);
    sgr(&styled, m->st, ST_HEAD);
    inline_md(&styled, text, n, m->st, ST_HEAD);
    sgr(&styled, m->st, 0);
    skc_wrap(m->out, styled.data, styled.len, m->st->width, "", "");
    if (!m->st->color) {
        size_t w = skc_display_width(styled.data, styled.len);
        if (m->st->width > 0 && w > (size_t)m->st->width)
            w = (size_t)m->st->width;
        for (size_t i = 0; i < w; i++)
            buf_putc(m->out, level <= 2 ? '=' : '-');
        buf_putc(m->out, '\n');
    }
    buf_release(&styled);
}

/* A list item, quote or other prefixed line: first prefix, then text aligned under it. */
static void prefixed(struct md *m, const char *first, const char *text, size_t n, unsigned bits)
{
    struct buf styled, cont;
    buf_init(&styled, 0);
    buf_init(&cont, 0);
    inline_md(&styled, text, n, m->st, bits);
    size_t w = skc_display_width(first, strlen(first));
    for (size_t i = 0; i < w; i++)
        buf_putc(&cont, ' ');
    skc_wrap(m->out, styled.data ? styled.data : "", styled.len, m->st->width, first, cont.data);
    buf_release(&styled);
    buf_release(&cont);
}

static int is_rule(const char *l, size_t n)
{
    size_t marks = 0;
    char mark = 0;
    for (size_t i = 0; i < n; i++) {
        if (l[i] == ' ')
            continue;
        if (!strchr("-*_", l[i]) || (mark && l[i] != mark))
            return 0;
        mark = l[i];
        marks++;
    }
    return marks >= 3;
}

/* Length of a list marker at l ("- ", "* ", "+ ", "12. ", "3) "), 0 if none. */
static size_t list_marker(const char *l, size_t n, int *ret_numbered)
{
    *ret_numbered = 0;
    if (n >= 2 && strchr("-*+", l[0]) && l[1] == ' ')
        return 2;
    size_t d = 0;
    while (d < n && d < 9 && l[d] >= '0' && l[d] <= '9')
        d++;
    if (d && d + 1 < n && (l[d] == '.' || l[d] == ')') && l[d + 1] == ' ') {
        *ret_numbered = 1;
        return d + 2;
    }
    return 0;
}

static void line(struct md *m, const char *l, size_t n)
{
    const struct skc_style *st = m->st;
    size_t indent = 0;
    while (indent < n && l[indent] == ' ')
        indent++;
    const char *t = l + indent;
    size_t tn = n - indent;
    if (m->in_code) {
        if (tn >= 3 && memcmp(t, "```", 3) == 0) {
            m->in_code = 0;
            return;
        }
        struct buf code;
        buf_init(&code, 0);
        sgr(&code, st, ST_CODE);
        buf_append(&code, l, n);
        sgr(&code, st, 0);
        skc_wrap(m->out, code.data, code.len, 0, "    ", "");
        buf_release(&code);
        return;
    }
    while (tn && t[tn - 1] == ' ')
        tn--; /* trailing spaces (Markdown's hard breaks) are not shown */
    if (tn >= 3 && memcmp(t, "```", 3) == 0) {
        flush_para(m);
        block_start(m);
        m->in_code = 1;
        return;
    }
    if (tn == 0) {
        flush_para(m);
        m->blank = 1;
        return;
    }
    int level = 0;
    while (level < (int)tn && level < 7 && t[level] == '#')
        level++;
    if (level >= 1 && level <= 6 && ((size_t)level == tn || t[level] == ' ')) {
        flush_para(m);
        size_t skip = (size_t)level < tn ? (size_t)level + 1 : (size_t)level;
        size_t hn = tn - skip;
        while (hn && (t[skip + hn - 1] == '#' || t[skip + hn - 1] == ' '))
            hn--; /* closing hashes */
        heading(m, level, t + skip, hn);
        return;
    }
    if (is_rule(t, tn)) {
        flush_para(m);
        block_start(m);
        int w = st->width > 0 ? st->width : 40;
        for (int i = 0; i < (w < 80 ? w : 80); i++)
            buf_puts(m->out, "\xE2\x94\x80");
        buf_putc(m->out, '\n');
        return;
    }
    int numbered = 0;
    size_t mk = list_marker(t, tn, &numbered);
    if (mk) {
        flush_para(m);
        block_start(m);
        struct buf first;
        buf_init(&first, 0);
        for (size_t i = 0; i < indent + 2; i++)
            buf_putc(&first, ' ');
        if (numbered)
            buf_append(&first, t, mk);
        else
            buf_puts(&first, "\xE2\x80\xA2 "); /* U+2022 bullet */
        prefixed(m, first.data, t + mk, tn - mk, 0);
        buf_release(&first);
        return;
    }
    if (t[0] == '>') {
        flush_para(m);
        block_start(m);
        size_t skip = tn > 1 && t[1] == ' ' ? 2 : 1;
        struct buf first;
        buf_init(&first, 0);
        sgr(&first, st, ST_DIM);
        buf_puts(&first, "\xE2\x94\x82 "); /* U+2502 */
        sgr(&first, st, 0);
        prefixed(m, first.data, t + skip, tn - skip, 0);
        buf_release(&first);
        return;
    }
    if (t[0] == '|') { /* table rows are printed as they are */
        flush_para(m);
        block_start(m);
        skc_wrap(m->out, l, n, 0, "", "");
        return;
    }
    if (m->para.len)
        buf_putc(&m->para, ' ');
    buf_append(&m->para, t, tn);
}

void skc_md_render(struct buf *out, const char *md, size_t len, const struct skc_style *st)
{
    struct buf clean;
    buf_init(&clean, 0);
    skc_text_clean(&clean, md, len);
    /* Tabs become spaces so that widths add up. */
    for (size_t i = 0; i < clean.len; i++)
        if (clean.data[i] == '\t')
            clean.data[i] = ' ';
    struct md m = {.out = out, .st = st};
    buf_init(&m.para, 0);
    const char *s = clean.data ? clean.data : "";
    for (size_t i = 0; i < clean.len;) {
        const char *nl = memchr(s + i, '\n', clean.len - i);
        size_t n = nl ? (size_t)(nl - (s + i)) : clean.len - i;
        line(&m, s + i, n);
        i += n + 1;
    }
    flush_para(&m);
    buf_release(&m.para);
    buf_release(&clean);
}
