// Jobs for the analytical model's tests: see estimate_job.h.
#include "estimate_job.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <tessera/tessera.h>

std::string src(const char *rel)
{
    return std::string(TESS_SOURCE_DIR) + "/" + rel;
}

std::string model_xml(unsigned layers, unsigned hidden, unsigned heads, unsigned sequence)
{
    std::ostringstream o;
    o << "<model name=\"m\" layers=\"" << layers << "\" hidden=\"" << hidden << "\" heads=\""
      << heads << "\" ffn=\"" << 4 * hidden << "\" vocab=\"8192\" sequence=\"" << sequence
      << "\" activation=\"gelu\" norm=\"layernorm\"/>";
    return o.str();
}

std::string workload_xml(unsigned tp, unsigned pp, unsigned dp, unsigned batch,
                         const std::string &extra)
{
    std::ostringstream o;
    o << "<workload name=\"w\" model=\"(text)\" global-batch=\"" << batch
      << "\" micro-batch=\"1\" dtype=\"bf16\" "
      << "tp=\"" << tp << "\" pp=\"" << pp << "\" dp=\"" << dp << "\" "
      << (extra.empty() ? "recompute=\"none\"" : extra) << "/>";
    return o.str();
}

// an HBM3 stack: the memory of two_switches()
static const char kHbm3[] = "  <memory-type name=\"hbm3\" standard=\"HBM3\" capacity=\"64GiB\" "
                            "channels=\"32\" bus-width=\"32b\" "
                            "data-rate=\"6.4Gb/s\" clock=\"1.6GHz\" burst-length=\"8\" "
                            "bank-groups=\"4\" banks=\"4\" rows=\"32768\" "
                            "tCL=\"20cycles\" tCWL=\"10cycles\" tRCD=\"31cycles\" tRP=\"26cycles\" "
                            "tRAS=\"45cycles\" tRC=\"72cycles\" "
                            "tCCD_S=\"2cycles\" tCCD_L=\"4cycles\" tRRD_S=\"4cycles\" "
                            "tRRD_L=\"5cycles\" tFAW=\"24cycles\" tWR=\"33cycles\" "
                            "tWTR_S=\"7cycles\" tWTR_L=\"10cycles\" tRTP=\"9cycles\" "
                            "tRTW=\"20cycles\" tREFI=\"3.9us\" tRFC=\"350ns\" "
                            "tREFIpb=\"243.75ns\" tRFCpb=\"200ns\" read-energy=\"8.75pJ/bit\" "
                            "write-energy=\"8.75pJ/bit\"/>\n";

std::string two_switches(const std::vector<std::string> &order)
{
    std::string x =
        "<platform name=\"two-switches\">\n"
        "  <die-type name=\"d\" clock=\"1GHz\" tensor-arrays=\"1\" tensor-rows=\"64\" "
        "tensor-cols=\"64\" "
        "vector-lanes=\"256\" sram=\"32MiB\" sram-bandwidth=\"4TB/s\" dma-engines=\"2\"/>\n"
        "  <router-type name=\"sw\" clock=\"1GHz\" vcs=\"2\" buffer-flits=\"8\" flit-width=\"32B\" "
        "pipeline=\"3\" routing=\"table\"/>\n"
        "  <link-type name=\"l\" width=\"32B\" latency=\"5cycles\" energy=\"1pJ/bit\"/>\n" +
        std::string(kHbm3) +
        "  <instance name=\"swA\" type=\"sw\"/> <instance name=\"swB\" type=\"sw\"/>\n"
        "  <connect from=\"swA\" to=\"swB\" link=\"l\"/>\n"
        "  <instance name=\"hbm\" type=\"hbm3\"/> <connect from=\"hbm\" to=\"swA\" link=\"l\"/>\n";
    for (const std::string &d : order)
        x += "  <instance name=\"" + d + "\" type=\"d\"/> <connect from=\"" + d + "\" to=\"sw" +
             (d[0] == 'a' ? "A" : "B") + "\" link=\"l\"/>\n";
    return x + "</platform>\n";
}

std::string read_file(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream b;
    b << f.rdbuf();
    return b.str();
}

Job::Job(const std::string &platform_xml, const std::string &work, const std::string &model,
         std::vector<std::string> sets)
{
    std::vector<tess_override> ov;
    std::vector<std::string> copies = sets;
    for (auto &c : copies) {
        tess_override o{};
        tess_override_split(&c[0], &o);
        ov.push_back(o);
    }
    tess_diag d;
    tess_diag_init(&d);
    ok = tess_workload_load_buffer(work.c_str(), work.size(), "(workload)", model.c_str(), nullptr,
                                   0, nullptr, &w, &d) == TESS_OK &&
         (platform_xml.rfind("<", 0) == 0 // XML text, else a file (its includes resolve)
              ? tess_platform_load_buffer(platform_xml.c_str(), platform_xml.size(), "(platform)",
                                          ov.data(), ov.size(), &p, &d)
              : tess_platform_load_file(platform_xml.c_str(), ov.data(), ov.size(), &p, &d)) ==
             TESS_OK &&
         tess_schedule_build(&p, &w, "(workload)", &s, &d) == TESS_OK;
    char msg[512] = "";
    if (ok) ok = tess_estimate_prepare(&p, &s, TESS_MEM_RATE, &net, msg, sizeof msg) == TESS_OK;
    char *j = tess_diag_join(&d);
    errors = std::string(j ? j : "") + msg;
    free(j);
    tess_diag_free(&d);
}

Job::~Job()
{
    tess_estimate_net_free(&net);
    tess_schedule_free(&s);
    tess_platform_free(&p);
}

tess_eval_result Job::estimate(const tess_calibration *cal)
{
    tess_calibration def;
    tess_calibration_default(&def);
    tess_eval_result e{};
    char msg[512] = "";
    EXPECT_EQ(tess_estimate_job(&p, &w, &s, &net, cal ? cal : &def, &e, msg, sizeof msg), TESS_OK)
        << msg;
    return e;
}
