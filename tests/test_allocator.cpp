// The flit router's switch allocators (hw/noc/allocator.h) against their definitions:
// hand-worked cycles (Dally and Towles 2004, sections 19.3-19.4; McKeown 1999 for iSLIP)
// and, over random request matrices, the properties each policy promises.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "noc/allocator.h"

using namespace tess::noc;

namespace
{

// A request matrix from rows of (output, VC) pairs.
struct Matrix {
    uint32_t inputs, outputs;
    std::vector<int32_t> vc;
    Matrix(uint32_t i, uint32_t o) : inputs(i), outputs(o), vc(i * o, -1) {}
    void want(uint32_t q, uint32_t o, int32_t v) { vc[q * outputs + o] = v; }
    SwitchRequests req() const { return {inputs, outputs, vc.data()}; }
};

// Every input asks every output (from VC 0).
Matrix full(uint32_t inputs, uint32_t outputs)
{
    Matrix m(inputs, outputs);
    for (uint32_t q = 0; q < inputs; q++)
        for (uint32_t o = 0; o < outputs; o++)
            m.want(q, o, 0);
    return m;
}

// No input or output granted twice, and only where there is a request.
void expect_matching(const Matrix &m, const std::vector<int32_t> &grant)
{
    std::vector<int> used(m.inputs, 0);
    for (uint32_t o = 0; o < m.outputs; o++) {
        if (grant[o] < 0) continue;
        const uint32_t q = static_cast<uint32_t>(grant[o]);
        ASSERT_LT(q, m.inputs);
        EXPECT_GE(m.vc[q * m.outputs + o], 0) << "output " << o << " granted a non-request";
        EXPECT_EQ(++used[q], 1) << "input " << q << " granted twice";
    }
}

// No request left whose input and output are both unmatched.
bool maximal(const Matrix &m, const std::vector<int32_t> &grant)
{
    std::vector<char> in_used(m.inputs, 0);
    for (uint32_t o = 0; o < m.outputs; o++)
        if (grant[o] >= 0) in_used[static_cast<uint32_t>(grant[o])] = 1;
    for (uint32_t q = 0; q < m.inputs; q++)
        for (uint32_t o = 0; o < m.outputs; o++)
            if (m.vc[q * m.outputs + o] >= 0 && !in_used[q] && grant[o] < 0) return false;
    return true;
}

} // namespace

TEST(SwitchAllocator, InputFirstPicksByVcPointerThenOutputPointer)
{
    // 3 inputs x 3 outputs, 4 VCs per input. Input 0 asks output 0 from VC 1 and output 1
    // from VC 0; input 1 output 0 from VC 2; input 2 output 0 from VC 0 and output 2 from
    // VC 1. VC pointers (0, 0, 1): input 0 picks VC 0 (output 1), input 1 its only
    // request (output 0), input 2 VC 1, distance 0 from its pointer (output 2). Every
    // output is picked once, so every pick is granted.
    Matrix m(3, 3);
    m.want(0, 0, 1);
    m.want(0, 1, 0);
    m.want(1, 0, 2);
    m.want(2, 0, 0);
    m.want(2, 2, 1);
    const uint32_t in_ptr[3] = {0, 0, 1};
    uint32_t out_ptr[3] = {0, 0, 0};
    std::vector<int32_t> grant(3), pick(3);
    allocate_input_first(m.req(), 4, in_ptr, out_ptr, grant.data(), pick.data());
    EXPECT_EQ(grant, (std::vector<int32_t>{1, 0, 2}));
    // each output's pointer one past the input it granted
    EXPECT_EQ(out_ptr[0], 2u);
    EXPECT_EQ(out_ptr[1], 1u);
    EXPECT_EQ(out_ptr[2], 0u);
}

TEST(SwitchAllocator, InputFirstLosesWhatASecondChoiceWouldWin)
{
    // The separable allocator's known loss (Dally and Towles fig. 19.10): inputs 0 and 1
    // both pick output 0 first (their VC pointers favour it); output 0 grants input 0
    // (its pointer), and output 1, which input 1 also requested, stays idle.
    Matrix m(2, 2);
    m.want(0, 0, 0);
    m.want(1, 0, 0);
    m.want(1, 1, 1);
    const uint32_t in_ptr[2] = {0, 0};
    uint32_t out_ptr[2] = {0, 0};
    std::vector<int32_t> grant(2), pick(2);
    allocate_input_first(m.req(), 2, in_ptr, out_ptr, grant.data(), pick.data());
    EXPECT_EQ(grant, (std::vector<int32_t>{0, -1}));
    EXPECT_FALSE(maximal(m, grant));
    // wavefront finds both
    uint32_t diag = 0;
    std::vector<char> matched(2);
    allocate_wavefront(m.req(), &diag, grant.data(), matched.data());
    EXPECT_EQ(grant, (std::vector<int32_t>{0, 1}));
}

TEST(SwitchAllocator, IslipDesynchronisesItsPointers)
{
    // McKeown's example: 2 x 2, every input wants every output, all pointers at 0.
    // Cycle 1, one iteration: both outputs grant input 0, which accepts output 0; output
    // 1 stays idle. Output 0's grant pointer moves to 1, input 0's accept pointer to 1,
    // output 1's stays (its grant was not accepted).
    const Matrix m = full(2, 2);
    uint32_t gp[2] = {0, 0}, ap[2] = {0, 0};
    std::vector<int32_t> grant(2), offer(2);
    std::vector<char> matched(2);
    allocate_islip(m.req(), 1, gp, ap, grant.data(), matched.data(), offer.data());
    EXPECT_EQ(grant, (std::vector<int32_t>{0, -1}));
    EXPECT_EQ(gp[0], 1u);
    EXPECT_EQ(gp[1], 0u);
    EXPECT_EQ(ap[0], 1u);
    EXPECT_EQ(ap[1], 0u);
    // Cycle 2: output 0 grants input 1, output 1 input 0; both accept: a full match,
    // and from now on the pointers stay apart (100% throughput under full load).
    allocate_islip(m.req(), 1, gp, ap, grant.data(), matched.data(), offer.data());
    EXPECT_EQ(grant, (std::vector<int32_t>{1, 0}));
    for (int cycle = 0; cycle < 5; cycle++) {
        allocate_islip(m.req(), 1, gp, ap, grant.data(), matched.data(), offer.data());
        EXPECT_GE(grant[0], 0);
        EXPECT_GE(grant[1], 0);
    }
}

TEST(SwitchAllocator, IslipSecondIterationFillsWhatTheFirstLeft)
{
    // The same first cycle with two iterations: the second round offers output 1 to
    // input 1, the only input still free, and it accepts; pointers move only for the
    // first round's match.
    const Matrix m = full(2, 2);
    uint32_t gp[2] = {0, 0}, ap[2] = {0, 0};
    std::vector<int32_t> grant(2), offer(2);
    std::vector<char> matched(2);
    allocate_islip(m.req(), 2, gp, ap, grant.data(), matched.data(), offer.data());
    EXPECT_EQ(grant, (std::vector<int32_t>{0, 1}));
    EXPECT_EQ(gp[1], 0u);
    EXPECT_EQ(ap[1], 0u);
}

TEST(SwitchAllocator, WavefrontServesOneDiagonalFirstAndRotatesIt)
{
    // 3 x 3, all requests: the priority diagonal 0 holds (0,0), (1,2), (2,1), a full
    // matching by itself; the next cycle's diagonal 1 holds (0,1), (1,0), (2,2).
    const Matrix m = full(3, 3);
    uint32_t diag = 0;
    std::vector<int32_t> grant(3);
    std::vector<char> matched(3);
    allocate_wavefront(m.req(), &diag, grant.data(), matched.data());
    EXPECT_EQ(grant, (std::vector<int32_t>{0, 2, 1})); // output o <- input q with q + o = 0 mod 3
    EXPECT_EQ(diag, 1u);
    allocate_wavefront(m.req(), &diag, grant.data(), matched.data());
    EXPECT_EQ(grant, (std::vector<int32_t>{1, 0, 2})); // q + o = 1 mod 3
}

TEST(SwitchAllocator, EveryPolicyGivesAMatchingAndWavefrontAndIteratedIslipAreMaximal)
{
    // Random matrices shaped like routers' (ports x speedup inputs, ports outputs), with
    // densities from sparse to full: every result is a matching on the requests; the
    // wavefront's is maximal, and so is iSLIP's with as many iterations as outputs
    // (each round matches at least one more pair while any is left).
    std::mt19937 rng(7);
    for (uint32_t ports : {3u, 5u, 7u})
        for (uint32_t speedup : {1u, 2u, 3u})
            for (double density : {0.2, 0.5, 1.0})
                for (int trial = 0; trial < 40; trial++) {
                    const uint32_t I = ports * speedup, O = ports;
                    Matrix m(I, O);
                    std::uniform_real_distribution<double> u(0, 1);
                    for (uint32_t q = 0; q < I; q++)
                        for (uint32_t o = 0; o < O; o++)
                            if (u(rng) < density) m.want(q, o, static_cast<int32_t>(rng() % 8));
                    std::vector<uint32_t> in_ptr(I), out_ptr(O), gp(O), ap(I);
                    for (auto &x : in_ptr)
                        x = rng() % 8;
                    for (auto &x : out_ptr)
                        x = rng() % I;
                    for (auto &x : gp)
                        x = rng() % I;
                    for (auto &x : ap)
                        x = rng() % O;
                    uint32_t diag = rng() % I;
                    std::vector<int32_t> grant(O), scratch(std::max(I, O));
                    std::vector<char> matched(I);
                    allocate_input_first(m.req(), 8, in_ptr.data(), out_ptr.data(), grant.data(),
                                         scratch.data());
                    expect_matching(m, grant);
                    allocate_islip(m.req(), O, gp.data(), ap.data(), grant.data(), matched.data(),
                                   scratch.data());
                    expect_matching(m, grant);
                    EXPECT_TRUE(maximal(m, grant)) << "iSLIP, " << O << " iterations";
                    allocate_wavefront(m.req(), &diag, grant.data(), matched.data());
                    expect_matching(m, grant);
                    EXPECT_TRUE(maximal(m, grant)) << "wavefront";
                }
}
