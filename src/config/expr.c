/* Recursive descent over the grammar in expr.h; evaluation as it parses. */
#include "config/expr.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct value {
    int is_text;
    double num;
    char text[128];
} value;

typedef struct parser {
    const char *start, *p;
    tess_expr_lookup lookup;
    void *ctx;
    char *err;
    size_t errlen;
    int failed;
    unsigned depth; /* parentheses and unary operators open around the current point */
} parser;

static void fail(parser *ps, const char *fmt, ...)
{
    if (ps->failed) return;
    ps->failed = 1;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "%s (at column %d of '%s')", what, (int)(ps->p - ps->start) + 1,
             ps->start);
}

static void blanks(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static int take(parser *ps, const char *op)
{
    blanks(ps);
    size_t n = strlen(op);
    if (strncmp(ps->p, op, n) != 0) return 0;
    ps->p += n;
    return 1;
}

static value number(double v)
{
    value r = {0, v, ""};
    return r;
}

static int as_number(parser *ps, const value *v, const char *op, double *out)
{
    if (!v->is_text) {
        *out = v->num;
        return 0;
    }
    fail(ps, "'%s' needs numbers, not '%s'", op, v->text);
    return -1;
}

/* Text of a value that reads as one number becomes that number. */
static value from_text(const char *text)
{
    value v = {1, 0, ""};
    snprintf(v.text, sizeof v.text, "%s", text);
    char *end;
    double d = strtod(text, &end);
    if (end != text && *end == '\0') v = number(d);
    return v;
}

static value or_expr(parser *ps);

/* Enters one more level of nesting: 0, or -1 (failed) past TESS_EXPR_MAX_DEPTH, so that
 * no text recurses deeper than the parser's stack allows. */
static int nest(parser *ps)
{
    if (++ps->depth <= TESS_EXPR_MAX_DEPTH) return 0;
    fail(ps, "nested deeper than %d levels of parentheses and unary operators",
         TESS_EXPR_MAX_DEPTH);
    return -1;
}

static value primary(parser *ps)
{
    blanks(ps);
    const char *c = ps->p;
    if (*c == '(') {
        ps->p++;
        if (nest(ps) != 0) return number(0);
        value v = or_expr(ps);
        ps->depth--;
        if (!take(ps, ")")) fail(ps, "expected ')'");
        return v;
    }
    if (*c == '\'') {
        const char *close = strchr(c + 1, '\'');
        if (!close) {
            fail(ps, "unterminated 'text'");
            return number(0);
        }
        value v = {1, 0, ""};
        snprintf(v.text, sizeof v.text, "%.*s", (int)(close - c - 1), c + 1);
        ps->p = close + 1;
        return v;
    }
    if (isdigit((unsigned char)*c) || *c == '.') {
        char *end;
        double d = strtod(c, &end);
        if (end == c) fail(ps, "expected a number");
        ps->p = end;
        return number(d);
    }
    if (isalpha((unsigned char)*c) || *c == '_') {
        const char *e = c;
        while (isalnum((unsigned char)*e) || *e == '_' || *e == '.' ||
               (*e == '-' && isalpha((unsigned char)e[1])))
            e++;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(e - c), c);
        const char *text = ps->lookup(ps->ctx, name);
        if (!text) {
            fail(ps, "'%s' has no value", name);
            return number(0);
        }
        ps->p = e;
        return from_text(text);
    }
    if (*c)
        fail(ps, "unexpected '%c'", *c);
    else
        fail(ps, "unexpected end");
    return number(0);
}

static value unary(parser *ps)
{
    double x;
    const int minus = take(ps, "-");
    if (!minus && !take(ps, "!")) return primary(ps);
    if (nest(ps) != 0) return number(0);
    value v = unary(ps);
    ps->depth--;
    if (as_number(ps, &v, minus ? "-" : "!", &x)) return v;
    return number(minus ? -x : x == 0);
}

static value product(parser *ps)
{
    value a = unary(ps);
    for (;;) {
        const char *op = take(ps, "*") ? "*" : take(ps, "/") ? "/" : take(ps, "%") ? "%" : NULL;
        if (!op || ps->failed) return a;
        value b = unary(ps);
        double x, y;
        if (as_number(ps, &a, op, &x) || as_number(ps, &b, op, &y)) return a;
        if (*op != '*' && y == 0) {
            fail(ps, "division by zero");
            return a;
        }
        a = number(*op == '*' ? x * y : *op == '/' ? x / y : fmod(x, y));
    }
}

static value sum(parser *ps)
{
    value a = product(ps);
    for (;;) {
        const char *op = take(ps, "+") ? "+" : take(ps, "-") ? "-" : NULL;
        if (!op || ps->failed) return a;
        value b = product(ps);
        double x, y;
        if (as_number(ps, &a, op, &x) || as_number(ps, &b, op, &y)) return a;
        a = number(*op == '+' ? x + y : x - y);
    }
}

static value comparison(parser *ps)
{
    value a = sum(ps);
    static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">"};
    for (int k = 0; k < 6; k++) {
        if (!take(ps, ops[k])) continue;
        value b = sum(ps);
        if (k < 2 && (a.is_text || b.is_text)) {
            char ta[128], tb[128];
            snprintf(ta, sizeof ta, "%s", a.text);
            snprintf(tb, sizeof tb, "%s", b.text);
            if (!a.is_text) snprintf(ta, sizeof ta, "%.17g", a.num);
            if (!b.is_text) snprintf(tb, sizeof tb, "%.17g", b.num);
            return number((strcmp(ta, tb) == 0) == (k == 0));
        }
        double x, y;
        if (as_number(ps, &a, ops[k], &x) || as_number(ps, &b, ops[k], &y)) return a;
        const int r[] = {x == y, x != y, x <= y, x >= y, x<y, x> y};
        return number(r[k]);
    }
    return a;
}

static value and_expr(parser *ps)
{
    value a = comparison(ps);
    while (!ps->failed && take(ps, "&&")) {
        value b = comparison(ps);
        double x, y;
        if (as_number(ps, &a, "&&", &x) || as_number(ps, &b, "&&", &y)) return a;
        a = number(x != 0 && y != 0);
    }
    return a;
}

static value or_expr(parser *ps)
{
    value a = and_expr(ps);
    while (!ps->failed && take(ps, "||")) {
        value b = and_expr(ps);
        double x, y;
        if (as_number(ps, &a, "||", &x) || as_number(ps, &b, "||", &y)) return a;
        a = number(x != 0 || y != 0);
    }
    return a;
}

int tess_expr_eval(const char *text, tess_expr_lookup lookup, void *ctx, double *out, char *err,
                   size_t errlen)
{
    parser ps = {text, text, lookup, ctx, err, errlen, 0, 0};
    value v = or_expr(&ps);
    blanks(&ps);
    if (!ps.failed && *ps.p) fail(&ps, "unexpected '%c'", *ps.p);
    double x = 0;
    if (!ps.failed) as_number(&ps, &v, "the result", &x);
    if (ps.failed) return -1;
    *out = x;
    return 0;
}
