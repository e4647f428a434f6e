// report.json provenance: SHA-256 of every input (FIPS 180-4 test vectors, and agreement
// with sha256sum), parameters as resolved after --set, and hashes that follow an input.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "cli_run.h"

extern "C" {
#include "config/sha256.h"
}

namespace
{

std::string sha(const std::string &data)
{
    char hex[65];
    tess_sha256_hex(data.data(), data.size(), hex);
    return hex;
}

// What coreutils says, as an independent reference.
std::string sha256sum(const std::string &path)
{
    FILE *p = popen(("sha256sum '" + path + "'").c_str(), "r");
    char hex[65] = {0};
    if (p) {
        if (std::fscanf(p, "%64s", hex) != 1) hex[0] = '\0';
        pclose(p);
    }
    return hex;
}

// The value of "sha256" on the inputs line with the given role.
std::string input_hash(const std::string &json, const std::string &role)
{
    size_t at = json.find("{\"role\": \"" + role + "\"");
    if (at == std::string::npos) return "";
    at = json.find("\"sha256\": \"", at);
    return at == std::string::npos ? "" : json.substr(at + 11, 64);
}

// Everything but the provenance and run objects (the simulated results).
std::string results_of(const std::string &json)
{
    size_t a = json.find("  \"provenance\""), b = json.find("  \"iteration_time_s\""),
           c = json.find("  \"run\"");
    if (a == std::string::npos || b == std::string::npos || c == std::string::npos) return "";
    return json.substr(0, a) + json.substr(b, c - b);
}

void copy_with(const std::string &from, const std::string &to, const std::string &append = "")
{
    std::ifstream in(from, std::ios::binary);
    std::ofstream out(to, std::ios::binary);
    out << in.rdbuf() << append;
}

} // namespace

TEST(Sha256, Fips180Vectors)
{
    // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf")
    EXPECT_EQ(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // lengths around the padding boundary (55, 56, 63, 64 bytes) agree with sha256sum
    for (size_t n : {55u, 56u, 63u, 64u, 65u}) {
        char path[] = "/tmp/tess-sha-XXXXXX";
        int fd = mkstemp(path);
        ASSERT_GE(fd, 0);
        std::string data(n, 'x');
        ASSERT_EQ(write(fd, data.data(), n), (ssize_t)n);
        close(fd);
        EXPECT_EQ(sha(data), sha256sum(path)) << n;
        std::remove(path);
    }
}

TEST(Provenance, ReportNamesInputsByHashAndParametersAsResolved)
{
    CliRun r = tessera("run platforms/default.xml workloads/default.xml --json --set workload.tp=2 "
                       "--set workload.pp=8 --set model.layers=16",
                       true);
    ASSERT_EQ(r.status, 0) << r.output;
    const std::string src = TESS_SOURCE_DIR;
    EXPECT_EQ(input_hash(r.output, "platform"), sha256sum(src + "/platforms/default.xml"));
    EXPECT_EQ(input_hash(r.output, "workload"), sha256sum(src + "/workloads/default.xml"));
    EXPECT_EQ(input_hash(r.output, "model"), sha256sum(src + "/models/gpt-1.3b.xml"));
    // the overrides, and fields the file leaves at their defaults, as simulated
    EXPECT_NE(r.output.find("\"tp\": \"2\", \"pp\": \"8\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"layers\": \"16\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"tile-merge\": \"1\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"platform\": {\"k\": \"4\"}"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"tessera\": \"0."), std::string::npos) << r.output;
}

TEST(Provenance, HashFollowsAnInputThatChanges)
{
    char dir[] = "/tmp/tess-prov-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir, src = TESS_SOURCE_DIR;
    std::system(("mkdir -p '" + d + "/workloads' '" + d + "/models'").c_str());
    copy_with(src + "/workloads/default.xml", d + "/workloads/default.xml");
    copy_with(src + "/models/gpt-1.3b.xml", d + "/models/gpt-1.3b.xml");
    const std::string args = "run platforms/default.xml " + d + "/workloads/default.xml --json";
    CliRun before = tessera(args, true);
    ASSERT_EQ(before.status, 0) << before.output;
    // a comment changes the model file's bytes but not the model
    copy_with(src + "/models/gpt-1.3b.xml", d + "/models/gpt-1.3b.xml", "<!-- edited -->\n");
    CliRun after = tessera(args, true);
    ASSERT_EQ(after.status, 0) << after.output;
    EXPECT_NE(input_hash(before.output, "model"), input_hash(after.output, "model"));
    EXPECT_EQ(input_hash(after.output, "model"), sha256sum(d + "/models/gpt-1.3b.xml"));
    EXPECT_EQ(input_hash(before.output, "workload"), input_hash(after.output, "workload"));
    EXPECT_EQ(input_hash(before.output, "platform"), input_hash(after.output, "platform"));
    EXPECT_FALSE(results_of(before.output).empty());
    EXPECT_EQ(results_of(before.output), results_of(after.output));
    std::system(("rm -rf '" + d + "'").c_str());
}

// The one draw a run makes, a mixture of experts' routing (workload expert-skew), names its
// seed; a report without one has no seeds.
TEST(Provenance, ADrawnRoutingNamesItsSeed)
{
    const std::string job = "estimate platforms/dgx-h100-cluster.xml workloads/mixtral-8x7b.xml "
                            "--json";
    CliRun drawn =
        tessera(job + " --set workload.expert-skew=1 --set workload.routing-seed=7", true);
    ASSERT_EQ(drawn.status, 0) << drawn.output;
    EXPECT_NE(drawn.output.find("\"seeds\": {\"routing\": 7}"), std::string::npos) << drawn.output;
    CliRun stated = tessera(job, true);
    ASSERT_EQ(stated.status, 0) << stated.output;
    EXPECT_NE(stated.output.find("\"seeds\": {}"), std::string::npos) << stated.output;
}
