// Constraint expressions (src/config/expr.h): precedence, text comparison, names with '-',
// errors that say where.
#include <gtest/gtest.h>

#include <map>
#include <string>

extern "C" {
#include "config/expr.h"
}

namespace
{

std::map<std::string, std::string> vars = {{"workload.tp", "4"},
                                           {"workload.pp", "2"},
                                           {"workload.micro-batch", "3"},
                                           {"workload.recompute", "full"}};

const char *lookup(void *, const char *name)
{
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
}

double eval(const char *text)
{
    double v = -999;
    char err[512];
    EXPECT_EQ(tess_expr_eval(text, lookup, nullptr, &v, err, sizeof err), 0) << text << ": " << err;
    return v;
}

std::string error(const char *text)
{
    double v;
    char err[512] = "";
    EXPECT_EQ(tess_expr_eval(text, lookup, nullptr, &v, err, sizeof err), -1) << text;
    return err;
}

} // namespace

TEST(Expr, ArithmeticFollowsPrecedence)
{
    EXPECT_EQ(eval("1 + 2 * 3"), 7);
    EXPECT_EQ(eval("(1 + 2) * 3"), 9);
    EXPECT_EQ(eval("10 - 4 - 3"), 3); // left to right
    EXPECT_EQ(eval("7 % 4 + 8 / 2"), 7);
    EXPECT_EQ(eval("-3 * -2"), 6);
    EXPECT_EQ(eval("2.5e1"), 25);
}

TEST(Expr, NamesComparisonsAndLogic)
{
    EXPECT_EQ(eval("workload.tp * workload.pp == 8"), 1);
    EXPECT_EQ(eval("workload.tp * workload.pp * workload.micro-batch"), 24); // '-' inside a name
    EXPECT_EQ(eval("workload.micro-batch - 1"), 2); // subtraction with blanks
    EXPECT_EQ(eval("workload.tp >= 4 && workload.pp < 2"), 0);
    EXPECT_EQ(eval("workload.tp >= 4 || workload.pp < 2"), 1);
    EXPECT_EQ(eval("!(workload.tp == 4)"), 0);
    EXPECT_EQ(eval("(1 < 2) == 1"), 1);
    EXPECT_EQ(eval("workload.recompute == 'full'"), 1);
    EXPECT_EQ(eval("workload.recompute != 'none'"), 1);
    EXPECT_EQ(eval("workload.tp == '4'"), 1); // text against a number compares the text
}

TEST(Expr, ErrorsSayWhatAndWhere)
{
    EXPECT_NE(error("workload.dp == 1").find("'workload.dp' has no value"), std::string::npos);
    EXPECT_NE(error("workload.recompute * 2").find("'*' needs numbers, not 'full'"),
              std::string::npos);
    EXPECT_NE(error("(1 + 2").find("expected ')'"), std::string::npos);
    EXPECT_NE(error("1 +").find("unexpected end"), std::string::npos);
    EXPECT_NE(error("1 / 0").find("division by zero"), std::string::npos);
    EXPECT_NE(error("1 2").find("at column 3"), std::string::npos);
    EXPECT_NE(error("1 < 2 == 1").find("at column 7"),
              std::string::npos); // comparisons do not chain
    EXPECT_NE(error("'open").find("unterminated"), std::string::npos);
}

// Issue 25: about 2,150 nested parentheses overflowed the parser's stack in the caller's
// process. Nesting has a limit: past it a clear error, under it the value.
TEST(Expr, DeepNestingIsAnErrorNotACrash)
{
    auto nested = [](size_t n, const char *open, const char *close) {
        std::string t;
        for (size_t i = 0; i < n; i++)
            t += open;
        t += "1";
        for (size_t i = 0; close[0] && i < n; i++)
            t += close;
        return t;
    };
    EXPECT_DOUBLE_EQ(eval(nested(TESS_EXPR_MAX_DEPTH, "(", ")").c_str()), 1);
    EXPECT_DOUBLE_EQ(eval(nested(TESS_EXPR_MAX_DEPTH, "-", "").c_str()), 1); // an even count
    for (const std::string &deep : {nested(2150, "(", ")"), nested(100000, "(", ")"),
                                    nested(100000, "!", ""), nested(100000, "- ", "")}) {
        const std::string e = error(deep.c_str());
        EXPECT_NE(e.find("nested deeper than 200 levels"), std::string::npos) << e.substr(0, 200);
    }
}
