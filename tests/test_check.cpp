// tessera check: limits just below a simulated value fail, just above pass; JUnit XML
// that parses and counts its failures; an evaluation that cannot finish fails every
// limit; bad limits files are refused with file and line.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <tessera/tessera.h>

#include "cli_run.h"

namespace
{

const std::string src = TESS_SOURCE_DIR;

struct Junit {
    bool parsed = false;
    long tests = -1, failures = -1, testcases = 0, failure_elements = 0;
    std::string failed_names;
};

// Reads the JUnit file with libxml2: the counts it claims and the elements it holds.
Junit junit(const std::string &path)
{
    Junit j;
    xmlDocPtr doc = xmlReadFile(path.c_str(), nullptr, XML_PARSE_NONET);
    if (!doc) return j;
    j.parsed = true;
    xmlNodePtr suites = xmlDocGetRootElement(doc);
    for (xmlNodePtr s = suites->children; s; s = s->next) {
        if (s->type != XML_ELEMENT_NODE) continue;
        xmlChar *t = xmlGetProp(s, (const xmlChar *)"tests"),
                *f = xmlGetProp(s, (const xmlChar *)"failures");
        j.tests = t ? std::atol((const char *)t) : -1;
        j.failures = f ? std::atol((const char *)f) : -1;
        xmlFree(t);
        xmlFree(f);
        for (xmlNodePtr c = s->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE) continue;
            j.testcases++;
            for (xmlNodePtr g = c->children; g; g = g->next)
                if (g->type == XML_ELEMENT_NODE &&
                    std::string((const char *)g->name) == "failure") {
                    j.failure_elements++;
                    xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
                    j.failed_names += std::string((const char *)name) + ";";
                    xmlFree(name);
                }
        }
    }
    xmlFreeDoc(doc);
    return j;
}

class Check : public ::testing::Test
{
  protected:
    std::string dir;
    void SetUp() override
    {
        char tmpl[] = "/tmp/tess-check-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { std::system(("rm -rf '" + dir + "'").c_str()); }

    std::string limits(const std::string &body, const std::string &attrs = "")
    {
        std::string path = dir + "/limits.xml";
        std::ofstream(path) << "<limits name=\"t\"" << attrs << ">\n" << body << "</limits>\n";
        return path;
    }
    CliRun check(const std::string &limits_path, const std::string &extra = "")
    {
        return tessera("check platforms/default.xml workloads/default.xml " + limits_path +
                       " --junit " + dir + "/junit.xml" + extra);
    }
};

std::string limit(const std::string &metric, const char *which, double v)
{
    char buf[256];
    std::snprintf(buf, sizeof buf, "  <limit metric=\"%s\" %s=\"%.12g\"/>\n", metric.c_str(), which,
                  v);
    return buf;
}

} // namespace

TEST_F(Check, LimitJustBelowTheSimulatedValueFailsJustAbovePasses)
{
    CliRun run = tessera("run platforms/default.xml workloads/default.xml --json", true);
    ASSERT_EQ(run.status, 0) << run.output;
    const double t = json_number(run.output, "iteration_time_s"),
                 tokens = json_number(run.output, "tokens_per_s");
    const double power = json_number(run.output, "energy_j") / t; // power = energy / time
    ASSERT_GT(t, 0);

    CliRun pass = check(limits(limit("iteration_time_s", "max", t * (1 + 1e-6)) +
                               limit("tokens_per_s", "min", tokens * (1 - 1e-6)) +
                               limit("power_w", "max", power * (1 + 1e-6))));
    EXPECT_EQ(pass.status, 0) << pass.output;
    EXPECT_NE(pass.output.find("0 of 4 checks failed"), std::string::npos) << pass.output;
    Junit j = junit(dir + "/junit.xml");
    ASSERT_TRUE(j.parsed);
    EXPECT_EQ(j.tests, 4);
    EXPECT_EQ(j.testcases, 4);
    EXPECT_EQ(j.failures, 0);
    EXPECT_EQ(j.failure_elements, 0);

    CliRun fail = check(limits(limit("iteration_time_s", "max", t * (1 - 1e-6)) +
                               limit("tokens_per_s", "min", tokens * (1 - 1e-6)) +
                               limit("power_w", "max", power * (1 - 1e-6))));
    EXPECT_EQ(fail.status, 4) << fail.output;
    EXPECT_NE(fail.output.find("FAIL iteration_time_s <="), std::string::npos) << fail.output;
    EXPECT_NE(fail.output.find("PASS tokens_per_s >="), std::string::npos) << fail.output;
    EXPECT_NE(fail.output.find("FAIL power_w <="), std::string::npos) << fail.output;
    j = junit(dir + "/junit.xml");
    ASSERT_TRUE(j.parsed);
    EXPECT_EQ(j.failures, 2);
    EXPECT_EQ(j.failure_elements, 2);
    EXPECT_NE(j.failed_names.find("iteration_time_s <="), std::string::npos) << j.failed_names;
    EXPECT_NE(j.failed_names.find("power_w <="), std::string::npos) << j.failed_names;
}

TEST_F(Check, MinAndMaxTogetherBoundARange)
{
    CliRun run = tessera("run platforms/default.xml workloads/default.xml --json", true);
    const double mfu = json_number(run.output, "mfu");
    ASSERT_GT(mfu, 0);
    char body[256];
    std::snprintf(body, sizeof body, "  <limit metric=\"mfu\" min=\"%.9g\" max=\"%.9g\"/>\n",
                  mfu * 0.9, mfu * 1.1);
    EXPECT_EQ(check(limits(body)).status, 0);
    std::snprintf(body, sizeof body, "  <limit metric=\"mfu\" min=\"%.9g\" max=\"%.9g\"/>\n",
                  mfu * 1.01, mfu * 1.1);
    EXPECT_EQ(check(limits(body)).status, 4);
}

TEST_F(Check, AnEvaluationThatCannotFinishFailsEveryLimit)
{
    // no evaluation finishes in a nanosecond: the time limit kills it
    CliRun r = check(
        limits("  <limit metric=\"iteration_time_s\" max=\"100\"/>\n", " time-limit=\"1ns\""));
    EXPECT_EQ(r.status, 4) << r.output;
    EXPECT_NE(r.output.find("FAIL evaluation completes"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("not evaluated"), std::string::npos) << r.output;
    Junit j = junit(dir + "/junit.xml");
    ASSERT_TRUE(j.parsed);
    EXPECT_EQ(j.failures, 2);
    EXPECT_EQ(j.failure_elements, 2);

    // a model that does not fit: a failed check (valid input, infeasible job), not bad input
    r = check(limits("  <limit metric=\"iteration_time_s\" max=\"100\"/>\n"),
              " --set model.layers=400");
    EXPECT_EQ(r.status, 4) << r.output;
    EXPECT_NE(r.output.find("FAIL evaluation completes"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("does not fit"), std::string::npos) << r.output;
    j = junit(dir + "/junit.xml");
    EXPECT_EQ(j.failures, 2);
    EXPECT_NE(j.failed_names.find("evaluation completes"), std::string::npos) << j.failed_names;

    // bad input stays bad input (exit 1)
    r = check(limits("  <limit metric=\"iteration_time_s\" max=\"100\"/>\n"),
              " --set workload.tp=3");
    EXPECT_EQ(r.status, 1) << r.output;
}

TEST_F(Check, BadLimitsAreRefusedWithFileAndLine)
{
    CliRun r = check(limits("  <limit metric=\"iteration_time_s\" max=\"1\"/>\n  <limit "
                            "metric=\"speed\" max=\"1\"/>\n"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("limits.xml:3:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("unknown metric 'speed'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("power_w"), std::string::npos)
        << r.output; // the known names are listed

    r = check(limits("  <limit metric=\"mfu\"/>\n"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("give min, max or both"), std::string::npos) << r.output;

    r = check(limits("  <limit metric=\"mfu\" min=\"0.5\" max=\"0.4\"/>\n"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("min 0.5 is above max 0.4"), std::string::npos) << r.output;

    r = check(limits("  <limit metric=\"mfu\" max=\"fast\"/>\n"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("limits.xml:2:"), std::string::npos) << r.output;

    r = check(limits("  <limit metric=\"mfu\" max=\"1\"/>\n", " time-limit=\"5min\""));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("limits.xml:1: <limits> attribute 'time-limit': unknown unit 'min'"),
              std::string::npos)
        << r.output;

    r = check(limits(""));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("no <limit>"), std::string::npos) << r.output;

    EXPECT_EQ(tessera("check platforms/default.xml workloads/default.xml").status, 2);
}

TEST_F(Check, BundledLimitsHoldForTheDefaultJob)
{
    CliRun r = check(src + "/limits/default.xml");
    EXPECT_EQ(r.status, 0) << r.output;
    Junit j = junit(dir + "/junit.xml");
    ASSERT_TRUE(j.parsed);
    EXPECT_EQ(j.failures, 0);
    EXPECT_EQ(j.tests, j.testcases);
}

// Issue 25: a JUnit path in a missing directory was found out only after the whole
// evaluation, and the summary still said "JUnit XML: <path>" as if written. It is refused
// before any work, and nothing claims it was written.
TEST_F(Check, AnUnwritableJunitFileIsRefusedBeforeTheEvaluation)
{
    const std::string missing = dir + "/no/such/dir/junit.xml";
    CliRun c = tessera("check platforms/default.xml workloads/default.xml " +
                       limits(limit("iteration_time_s", "max", 1e9)) + " --junit " + missing);
    EXPECT_EQ(c.status, 3) << c.output;
    EXPECT_NE(c.output.find("cannot write the JUnit XML to " + missing), std::string::npos)
        << c.output;
    EXPECT_EQ(c.output.find("JUnit XML: "), std::string::npos) << c.output;
    EXPECT_EQ(c.output.find("PASS"), std::string::npos) << c.output; // nothing was evaluated
}

TEST_F(Check, MemoryFidelityIsTheRunsOwn)
{
    // a limit just above the burst run's iteration time passes at burst and is the run's
    // own figure: at rate the job is faster, so a limit just below the burst figure
    // passes at rate and fails at burst, the default
    CliRun run = tessera(
        "run platforms/default.xml workloads/default.xml --memory-fidelity burst --json", true);
    ASSERT_EQ(run.status, 0) << run.output;
    const double t = json_number(run.output, "iteration_time_s");
    ASSERT_GT(t, 0);
    const std::string above = limits(limit("iteration_time_s", "max", t * (1 + 1e-6)));
    EXPECT_EQ(check(above, " --memory-fidelity burst").status, 0);
    const std::string below = limits(limit("iteration_time_s", "max", t * (1 - 1e-6)));
    EXPECT_EQ(check(below, " --memory-fidelity burst").status, 4);
    EXPECT_EQ(check(below).status, 4); // burst, the default
    EXPECT_EQ(check(below, " --memory-fidelity rate").status, 0);
    EXPECT_EQ(check(below, " --memory-fidelity dram").status, 2); // no such level
}
