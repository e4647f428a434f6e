// Jobs for the analytical model's tests: loaded through the internal modules (platform,
// workload, schedule, the network's routes), without SystemC.
#ifndef TESS_TEST_ESTIMATE_JOB_H
#define TESS_TEST_ESTIMATE_JOB_H

#include <string>
#include <vector>

extern "C" {
#include "config/loader.h"
#include "model/estimate.h"
#include "model/schedule.h"
}

std::string src(const char *rel);
std::string model_xml(unsigned layers, unsigned hidden, unsigned heads, unsigned sequence = 1024);
std::string workload_xml(unsigned tp, unsigned pp, unsigned dp, unsigned batch,
                         const std::string &extra = "");
// Two switches joined by one link, two dies on each; the dies are declared in `order`
// (rank r runs on the r-th die declared). Switch pipeline 3 cycles, links 5 cycles and
// 32 B per cycle at 1 GHz.
std::string two_switches(const std::vector<std::string> &order);
std::string read_file(const std::string &path);

// A job loaded through the internal modules: platform, workload, schedule, network view.
struct Job {
    tess_platform p{};
    tess_workload w{};
    tess_schedule s{};
    tess_estimate_net net{};
    std::string errors;
    bool ok = false;
    // platform_xml: XML text, or a file's path
    Job(const std::string &platform_xml, const std::string &work, const std::string &model,
        std::vector<std::string> sets = {});
    ~Job();
    Job(const Job &) = delete;
    Job &operator=(const Job &) = delete;
    // the analytical model's figures, with the default calibration unless cal is given
    tess_eval_result estimate(const tess_calibration *cal = nullptr);
};

#endif
