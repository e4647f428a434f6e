// Generators: instance and link counts of meshes, tori and switches, computed in the
// test from the topology's definition; names; ports; explicit netlists; hierarchy.
#include <gtest/gtest.h>

#include <string>

#include "platform_fixture.h"

namespace
{

std::string grid(const char *element, unsigned rows, unsigned cols)
{
    return "  <" + std::string(element) + " name=\"g\" rows=\"" + std::to_string(rows) +
           "\" cols=\"" + std::to_string(cols) +
           "\" die=\"d\" router=\"r\" link=\"l\" local-link=\"local\"/>\n";
}

size_t router_links(const tess_platform &p)
{
    size_t n = 0;
    for (size_t k = 0; k < p.n_links; k++)
        n += p.instances[p.links[k].a].kind == TESS_KIND_ROUTER &&
             p.instances[p.links[k].b].kind == TESS_KIND_ROUTER;
    return n;
}

} // namespace

TEST(Mesh, CountsMatchTopology)
{
    const unsigned shapes[][2] = {{1, 1}, {1, 5}, {2, 3}, {4, 4}, {8, 8}, {5, 7}};
    for (const auto &s : shapes) {
        unsigned R = s[0], C = s[1];
        auto l = load_xml(platform_doc(grid("mesh", R, C)));
        ASSERT_EQ(l->rc, TESS_OK) << R << "x" << C << ": " << l->errors;
        // one die and one router per tile; a local link per tile; a router link
        // between horizontal neighbours (R rows of C-1) and vertical ones (C cols of R-1)
        EXPECT_EQ(l->p.n_instances, 2u * R * C);
        EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_DIE, 1), size_t(R) * C);
        EXPECT_EQ(router_links(l->p), size_t(R) * (C - 1) + size_t(C) * (R - 1));
        EXPECT_EQ(l->p.n_links, size_t(R) * C + R * (C - 1) + C * (R - 1));
        ASSERT_EQ(l->p.n_grids, 1u);
        EXPECT_EQ(l->p.grids[0].rows, R);
        EXPECT_EQ(l->p.grids[0].cols, C);
    }
}

TEST(Mesh, NamesAndNeighbours)
{
    auto l = load_xml(platform_doc(grid("mesh", 3, 4)));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_NE(l->instance("g.r0c0.die"), TESS_NONE);
    EXPECT_NE(l->instance("g.r2c3.router"), TESS_NONE);
    EXPECT_EQ(l->instance("g.r3c0.router"), TESS_NONE);
    EXPECT_EQ(l->live_links_between("g.r1c1.router", "g.r1c2.router"), 1);
    EXPECT_EQ(l->live_links_between("g.r1c1.router", "g.r2c1.router"), 1);
    EXPECT_EQ(l->live_links_between("g.r1c1.router", "g.r2c2.router"), 0); // diagonal
    EXPECT_EQ(l->live_links_between("g.r0c0.router", "g.r0c3.router"), 0); // no wrap
    EXPECT_EQ(l->live_links_between("g.r2c3.die", "g.r2c3.router"), 1);
    const tess_instance &r = l->p.instances[l->instance("g.r2c3.router")];
    EXPECT_EQ(r.row, 2);
    EXPECT_EQ(r.col, 3);
    // the local link uses local-link, the router links use link
    uint32_t local = tess_platform_find_type(&l->p, "local");
    for (size_t k = 0; k < l->p.n_links; k++) {
        const tess_link &lk = l->p.links[k];
        bool endpoint = l->p.instances[lk.a].kind == TESS_KIND_DIE ||
                        l->p.instances[lk.b].kind == TESS_KIND_DIE;
        EXPECT_EQ(lk.type == local, endpoint);
    }
}

namespace
{
// A rows x cols mesh with `attrs` added to the <mesh> element (its memories' attributes).
std::string mesh_with_memories(unsigned rows, unsigned cols, const std::string &attrs)
{
    return platform_doc("  <link-type name=\"phy\" width=\"64B\" latency=\"2cycles\" "
                        "energy=\"1pJ/bit\"/>\n"
                        "  <memory-type name=\"m\" standard=\"ideal\" capacity=\"1GiB\" "
                        "channels=\"1\" bus-width=\"64b\" data-rate=\"6.4Gb/s\" rows=\"16384\"" +
                        std::string(kTimings) +
                        "/>\n"
                        "  <mesh name=\"g\" rows=\"" +
                        std::to_string(rows) + "\" cols=\"" + std::to_string(cols) +
                        "\" die=\"d\" router=\"r\" link=\"l\"" + attrs + "/>\n");
}
} // namespace

TEST(Mesh, EdgeMemoriesSitOnEveryRouterOfTheirEdges)
{
    // 3 x 5: west and east one a row (3 each), north and south one a column (5 each)
    const unsigned R = 3, C = 5;
    auto l = load_xml(mesh_with_memories(
        R, C, " memory=\"m\" memory-link=\"phy\" memory-edges=\"west east north south\""));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_MEMORY, 1), size_t(2 * R + 2 * C));
    EXPECT_EQ(l->p.n_links, size_t(R) * C + R * (C - 1) + C * (R - 1) + 2 * R + 2 * C);
    const uint32_t phy = tess_platform_find_type(&l->p, "phy");
    for (unsigned i = 0; i < R; i++) {
        const std::string r = std::to_string(i);
        EXPECT_EQ(l->live_links_between("g.west-r" + r, "g.r" + r + "c0.router"), 1) << r;
        EXPECT_EQ(l->live_links_between("g.east-r" + r, "g.r" + r + "c4.router"), 1) << r;
    }
    for (unsigned j = 0; j < C; j++) {
        const std::string c = std::to_string(j);
        EXPECT_EQ(l->live_links_between("g.north-c" + c, "g.r0c" + c + ".router"), 1) << c;
        EXPECT_EQ(l->live_links_between("g.south-c" + c, "g.r2c" + c + ".router"), 1) << c;
    }
    for (size_t k = 0; k < l->p.n_links; k++) {
        const tess_link &lk = l->p.links[k];
        const bool memory = l->p.instances[lk.a].kind == TESS_KIND_MEMORY ||
                            l->p.instances[lk.b].kind == TESS_KIND_MEMORY;
        EXPECT_EQ(lk.type == phy, memory) << k;
    }
    // one edge: only its memories, in row order
    auto west = load_xml(mesh_with_memories(4, 2,
                                            " memory=\"m\" memory-link=\"phy\" "
                                            "memory-edges=\"west\""));
    ASSERT_EQ(west->rc, TESS_OK) << west->errors;
    EXPECT_EQ(tess_platform_count(&west->p, TESS_KIND_MEMORY, 1), 4u);
    EXPECT_EQ(west->instance("g.east-r0"), TESS_NONE);
    EXPECT_EQ(west->live_links_between("g.west-r3", "g.r3c0.router"), 1);
}

TEST(Mesh, EdgeMemoriesFollowTheGridsSize)
{
    // the bundled Hecaton-style package at k = 8: a stack on every router of columns 0
    // and 7, none inside (by hand the stacks would stay where a 4 x 4 had them)
    auto l = load_file(source_path("platforms/hecaton-4x4.xml"), {{"k", "8"}});
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_MEMORY, 1), 16u);
    for (unsigned i = 0; i < 8; i++) {
        const std::string r = std::to_string(i);
        EXPECT_EQ(l->live_links_between("wafer0.west-r" + r, "wafer0.r" + r + "c0.router"), 1);
        EXPECT_EQ(l->live_links_between("wafer0.east-r" + r, "wafer0.r" + r + "c7.router"), 1);
    }
    // its parameter memory-edges moves them: north and south, a stack on each column's end
    auto ns = load_file(source_path("platforms/hecaton-4x4.xml"),
                        {{"k", "8"}, {"memory-edges", "north,south"}});
    ASSERT_EQ(ns->rc, TESS_OK) << ns->errors;
    EXPECT_EQ(tess_platform_count(&ns->p, TESS_KIND_MEMORY, 1), 16u);
    EXPECT_EQ(ns->instance("wafer0.west-r0"), TESS_NONE);
    for (unsigned j = 0; j < 8; j++) {
        const std::string c = std::to_string(j);
        EXPECT_EQ(ns->live_links_between("wafer0.north-c" + c, "wafer0.r0c" + c + ".router"), 1);
        EXPECT_EQ(ns->live_links_between("wafer0.south-c" + c, "wafer0.r7c" + c + ".router"), 1);
    }
}

// A scale-out generator's memory-link names the link of memories its memory attribute makes:
// alone it was ignored (no memories, no error), now it is refused naming the line.
TEST(FatTree, AMemoryLinkWithoutMemoriesIsAnError)
{
    auto xml = [](const char *attrs) {
        return std::string(
                   "<?xml version=\"1.0\"?>\n<platform name=\"ft\">\n"
                   "  <die-type name=\"gpu\" clock=\"1GHz\"/>\n"
                   "  <router-type name=\"hub\" clock=\"1GHz\" flit-width=\"64B\" "
                   "routing=\"table\"/>\n"
                   "  <router-type name=\"ib\" clock=\"1GHz\" flit-width=\"64B\" routing=\"table\" "
                   "ports=\"4\"/>\n"
                   "  <link-type name=\"l\" width=\"32B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
                   "  <memory-type name=\"m\" standard=\"ideal\" capacity=\"1GiB\" "
                   "channels=\"1\" bus-width=\"64b\" data-rate=\"6.4Gb/s\" "
                   "rows=\"16384\"" +
                   std::string(kTimings) +
                   "/>\n"
                   "  <fat-tree name=\"c\" domains=\"2\" domain-size=\"2\" die=\"gpu\" "
                   "nic=\"hub\" domain-switch=\"hub\" domain-link=\"l\" switch=\"ib\" "
                   "link=\"l\"") +
               attrs + "/>\n</platform>\n";
    };
    auto with = load_xml(xml(" memory=\"m\" memory-link=\"l\""));
    ASSERT_EQ(with->rc, TESS_OK) << with->errors;
    EXPECT_EQ(tess_platform_count(&with->p, TESS_KIND_MEMORY, 1), 4u); // one a die
    auto alone = load_xml(xml(" memory-link=\"l\""));
    EXPECT_EQ(alone->rc, TESS_EINVAL);
    EXPECT_NE(alone->errors.find("test.xml:8: <fat-tree>: 'memory-link' joins the generator's "
                                 "memories; name their memory-type with memory="),
              std::string::npos)
        << alone->errors;
}

TEST(Mesh, EdgeMemoriesNeedATypeAndRealEdgesEachOnce)
{
    struct Case {
        const char *attrs, *message;
    } cases[] = {
        {" memory=\"m\" memory-link=\"phy\" memory-edges=\"west up\"", "'up' is not an edge"},
        {" memory=\"m\" memory-link=\"phy\" memory-edges=\"east east\"", "'east' named twice"},
        {" memory=\"m\" memory-link=\"phy\" memory-edges=\"\"", "'memory-edges': empty"},
        {" memory=\"m\" memory-link=\"phy\"", "'memory-edges'"},
        {" memory-link=\"phy\" memory-edges=\"west\"", "name their memory-type with memory="},
        {" memory=\"l\" memory-link=\"phy\" memory-edges=\"west\"", "'memory'"},
        {" memory=\"m\" memory-edges=\"west\"", "'memory-link'"},
    };
    for (const Case &c : cases) {
        auto l = load_xml(mesh_with_memories(2, 2, c.attrs));
        EXPECT_EQ(l->rc, TESS_EINVAL) << c.attrs;
        EXPECT_NE(l->errors.find(c.message), std::string::npos) << c.attrs << ": " << l->errors;
        EXPECT_NE(l->errors.find("test.xml:"), std::string::npos) << l->errors;
    }
}

TEST(Torus, CountsIncludeWraparound)
{
    const unsigned shapes[][2] = {{3, 3}, {4, 4}, {8, 8}, {3, 5}};
    for (const auto &s : shapes) {
        unsigned R = s[0], C = s[1];
        auto l = load_xml(platform_doc(grid("torus", R, C)));
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        // every router links east and south, wrapping: 2RC router links, R + C of
        // them wraparound (one per row, one per column)
        EXPECT_EQ(router_links(l->p), 2u * R * C);
        size_t wraps = 0;
        for (size_t k = 0; k < l->p.n_links; k++)
            wraps += l->p.links[k].wraparound;
        EXPECT_EQ(wraps, size_t(R) + C);
        EXPECT_EQ(
            l->live_links_between("g.r0c0.router", "g.r0c" + std::to_string(C - 1) + ".router"), 1);
    }
}

TEST(Torus, FewerThanThreeRowsIsAnError)
{
    auto l = load_xml(platform_doc(grid("torus", 2, 4)));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:7: <torus> attribute 'rows'"), std::string::npos)
        << l->errors;
}

TEST(Switch, OneRouterWithAPortPerDie)
{
    for (unsigned n : {1u, 2u, 8u, 64u}) {
        std::string body = "  <router-type name=\"xbar\" clock=\"1GHz\" routing=\"table\"/>\n"
                           "  <switch name=\"node\" dies=\"" +
                           std::to_string(n) + "\" die=\"d\" router=\"xbar\" link=\"l\"/>\n";
        auto l = load_xml(platform_doc(body));
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_ROUTER, 1), 1u);
        EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_DIE, 1), n);
        EXPECT_EQ(l->p.n_links, n);
        for (unsigned i = 0; i < n; i++)
            EXPECT_EQ(l->live_links_between("node.die" + std::to_string(i), "node.switch"), 1);
    }
}

TEST(Ring, EachRouterLinksItsTwoNeighboursAndTheLastWrapsToTheFirst)
{
    for (unsigned n : {3u, 6u, 17u}) {
        std::string body = "  <router-type name=\"rr\" clock=\"1GHz\" routing=\"table\"/>\n"
                           "  <ring name=\"o\" dies=\"" +
                           std::to_string(n) +
                           "\" die=\"d\" router=\"rr\" link=\"l\" local-link=\"local\"/>\n";
        auto l = load_xml(platform_doc(body));
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        // n dies, n routers; n local links and n ring links, one of them the wrap-around
        EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_DIE, 1), n);
        EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_ROUTER, 1), n);
        EXPECT_EQ(router_links(l->p), size_t(n));
        EXPECT_EQ(l->p.n_links, 2u * n);
        size_t wraps = 0;
        for (size_t k = 0; k < l->p.n_links; k++)
            wraps += l->p.links[k].wraparound;
        EXPECT_EQ(wraps, 1u);
        for (unsigned i = 0; i < n; i++) {
            const std::string me = "o.n" + std::to_string(i);
            EXPECT_EQ(l->live_links_between(me + ".die", me + ".router"), 1);
            EXPECT_EQ(l->live_links_between(me + ".router",
                                            "o.n" + std::to_string((i + 1) % n) + ".router"),
                      1);
        }
        if (n > 3) {
            EXPECT_EQ(l->live_links_between("o.n0.router", "o.n2.router"), 0);
        }
    }
    // fewer than three dies is no ring; dimension-order routing has no grid to use
    auto two = load_xml(
        platform_doc("  <router-type name=\"rr\" clock=\"1GHz\" routing=\"table\"/>\n"
                     "  <ring name=\"o\" dies=\"2\" die=\"d\" router=\"rr\" link=\"l\"/>\n"));
    EXPECT_EQ(two->rc, TESS_EINVAL);
    EXPECT_NE(two->errors.find("<ring> attribute 'dies'"), std::string::npos) << two->errors;
    auto xy = load_xml(
        platform_doc("  <router-type name=\"rr\" clock=\"1GHz\" routing=\"xy\"/>\n"
                     "  <ring name=\"o\" dies=\"4\" die=\"d\" router=\"rr\" link=\"l\"/>\n"));
    EXPECT_EQ(xy->rc, TESS_EINVAL);
    EXPECT_NE(xy->errors.find("needs mesh or torus coordinates"), std::string::npos) << xy->errors;
}

// Dragonfly (Kim, Dally, Scott and Abts 2008): G groups of A routers, a die each; A(A-1)/2
// local links a group, one global link for every pair of groups, G(G-1)/2 in all; group J's
// link to group K leaves router ((K - J - 1) mod G) / h, h = ceil((G - 1) / A), so no router
// carries more than h. Balanced (G = A h + 1): every router carries exactly h.
TEST(Dragonfly, GroupsAreAllToAllAndEveryPairOfGroupsHasOneGlobalLink)
{
    const unsigned shapes[][2] = {{5, 4}, {9, 4}, {2, 1}, {7, 3}, {4, 8}};
    for (const auto &shape : shapes) {
        const unsigned G = shape[0], A = shape[1], h = (G - 1 + A - 1) / A;
        const std::string body =
            "  <router-type name=\"df\" clock=\"1GHz\" ports=\"16\" routing=\"table\"/>\n"
            "  <link-type name=\"glob\" width=\"32B\" latency=\"8cycles\" energy=\"1pJ/bit\"/>\n"
            "  <dragonfly name=\"f\" groups=\"" +
            std::to_string(G) + "\" routers=\"" + std::to_string(A) +
            "\" die=\"d\" router=\"df\" link=\"l\" local-link=\"local\" global-link=\"glob\"/>\n";
        auto l = load_xml(platform_doc(body));
        ASSERT_EQ(l->rc, TESS_OK) << G << "x" << A << ": " << l->errors;
        EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_DIE, 1), size_t(G) * A);
        EXPECT_EQ(router_links(l->p), size_t(G) * A * (A - 1) / 2 + size_t(G) * (G - 1) / 2);
        EXPECT_EQ(l->p.n_links, size_t(G) * A + router_links(l->p));
        const uint32_t glob = tess_platform_find_type(&l->p, "glob");
        auto at = [&](unsigned g, unsigned r) {
            return "f.g" + std::to_string(g) + "r" + std::to_string(r) + ".router";
        };
        for (unsigned g = 0; g < G; g++) {
            EXPECT_EQ(
                l->live_links_between(at(g, 0).substr(0, at(g, 0).size() - 6) + "die", at(g, 0)),
                1);
            for (unsigned a = 0; a < A; a++)
                for (unsigned b = a + 1; b < A; b++)
                    EXPECT_EQ(l->live_links_between(at(g, a), at(g, b)), 1);
            for (unsigned k = g + 1; k < G; k++) {
                const unsigned from = (k - g - 1) % G / h, to = (g + G - k - 1) % G / h;
                EXPECT_EQ(l->live_links_between(at(g, from), at(k, to)), 1) << g << "-" << k;
            }
            for (unsigned r = 0; r < A; r++) { // global links a router: at most h
                size_t n = 0;
                const uint32_t me = l->instance(at(g, r));
                for (size_t k = 0; k < l->p.n_links; k++)
                    n += l->p.links[k].type == glob &&
                         (l->p.links[k].a == me || l->p.links[k].b == me);
                if (G == A * h + 1) {
                    EXPECT_EQ(n, h) << at(g, r);
                } else {
                    EXPECT_LE(n, h) << at(g, r);
                }
            }
        }
    }
    // one group is no dragonfly
    auto one = load_xml(platform_doc("  <dragonfly name=\"f\" groups=\"1\" routers=\"4\" die=\"d\" "
                                     "router=\"r\" link=\"l\"/>\n"));
    EXPECT_EQ(one->rc, TESS_EINVAL);
    EXPECT_NE(one->errors.find("<dragonfly> attribute 'groups'"), std::string::npos) << one->errors;
}

// <choose value="${p}">: the one <when> of that value is loaded in the enclosing scope, so a
// parameter picks the topology (a design space's axis); a value no <when> has is an error
// naming the values there are.
TEST(Choose, AParameterPicksTheTopologyAndAnUnknownValueIsNamed)
{
    const std::string body =
        "  <param name=\"topology\" default=\"mesh\"/>\n"
        "  <router-type name=\"tr\" clock=\"1GHz\" ports=\"8\" routing=\"table\"/>\n"
        "  <choose value=\"${topology}\">\n"
        "    <when value=\"mesh\"><mesh name=\"n\" rows=\"3\" cols=\"3\" die=\"d\" router=\"tr\" "
        "link=\"l\"/></when>\n"
        "    <when value=\"torus\"><torus name=\"n\" rows=\"3\" cols=\"3\" die=\"d\" "
        "router=\"tr\" link=\"l\"/></when>\n"
        "    <when value=\"dragonfly\"><dragonfly name=\"n\" groups=\"3\" routers=\"3\" die=\"d\" "
        "router=\"tr\" link=\"l\"/></when>\n"
        "  </choose>\n";
    // router links: mesh 2 x 3 x 2 = 12, torus 2 x 9 = 18, dragonfly 3 x 3 + 3 = 12
    const std::pair<const char *, size_t> cases[] = {
        {"mesh", 12}, {"torus", 18}, {"dragonfly", 12}};
    for (const auto &c : cases) {
        auto l = load_xml(platform_doc(body), {{"topology", c.first}});
        ASSERT_EQ(l->rc, TESS_OK) << c.first << ": " << l->errors;
        EXPECT_EQ(router_links(l->p), c.second) << c.first;
        ASSERT_EQ(l->p.n_grids, 1u);
        EXPECT_EQ(l->p.grids[0].topology, c.first[0] == 'm'   ? TESS_TOPO_MESH
                                          : c.first[0] == 't' ? TESS_TOPO_TORUS
                                                              : TESS_TOPO_DRAGONFLY);
    }
    auto ring = load_xml(platform_doc(body), {{"topology", "ring"}});
    EXPECT_EQ(ring->rc, TESS_EINVAL);
    EXPECT_NE(ring->errors.find("<choose value=\"ring\">: no <when> of that value (there are "
                                "'mesh', 'torus', 'dragonfly')"),
              std::string::npos)
        << ring->errors;
    // parameters belong outside <choose>
    auto param = load_xml(platform_doc("  <choose value=\"a\"><when value=\"a\"><param name=\"x\" "
                                       "default=\"1\"/></when></choose>\n"));
    EXPECT_EQ(param->rc, TESS_EINVAL);
    EXPECT_NE(param->errors.find("declare parameters outside <choose>"), std::string::npos)
        << param->errors;
}

TEST(Switch, RadixSmallerThanDiesIsAnError)
{
    std::string body =
        "  <router-type name=\"xbar\" clock=\"1GHz\" ports=\"4\" routing=\"table\"/>\n"
        "  <switch name=\"node\" dies=\"8\" die=\"d\" router=\"xbar\" link=\"l\"/>\n";
    auto l = load_xml(platform_doc(body));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:8: router 'node.switch'"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("8 links attached but 4 ports"), std::string::npos) << l->errors;
}

TEST(Mesh, InteriorRouterNeedsFivePorts)
{
    auto l = load_xml(platform_doc(grid("mesh", 3, 3)), {{"r.ports", "4"}});
    EXPECT_EQ(l->rc, TESS_EINVAL);
    // only the centre router of a 3x3 mesh has 4 neighbours plus its die
    EXPECT_NE(l->errors.find("router 'g.r1c1.router'"), std::string::npos) << l->errors;
    EXPECT_EQ(l->errors.find("g.r0c0.router"), std::string::npos) << l->errors;
}

TEST(Netlist, ExplicitInstancesAndConnects)
{
    std::string body = "  <instance name=\"a\" type=\"d\"/>\n"
                       "  <instance name=\"b\" type=\"d\"/>\n"
                       "  <instance name=\"ra\" type=\"r\"/>\n"
                       "  <instance name=\"rb\" type=\"r\"/>\n"
                       "  <connect from=\"a\" to=\"ra\" link=\"l\"/>\n"
                       "  <connect from=\"ra\" to=\"rb\" link=\"l\"/>\n"
                       "  <connect from=\"rb\" to=\"b\" link=\"l\"/>\n";
    auto l = load_xml(platform_doc(body, "table"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(l->p.n_instances, 4u);
    EXPECT_EQ(l->p.n_links, 3u);
    EXPECT_EQ(l->live_links_between("ra", "rb"), 1);
    EXPECT_EQ(l->p.links[1].line, 12);
}

TEST(Netlist, ConnectMayNameAnInstanceDeclaredLater)
{
    std::string body = "  <connect from=\"a\" to=\"b\" link=\"l\"/>\n"
                       "  <instance name=\"a\" type=\"d\"/>\n"
                       "  <instance name=\"b\" type=\"d\"/>\n";
    auto l = load_xml(platform_doc(body));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(l->live_links_between("a", "b"), 1);
}

TEST(Hierarchy, PathsNestAndConnectsAreRelativeToTheirScope)
{
    std::string body = "  <cluster name=\"c0\">\n"
                       "    <node name=\"n0\">\n"
                       "      <switch name=\"hb\" dies=\"2\" die=\"d\" router=\"x\" link=\"l\"/>\n"
                       "    </node>\n"
                       "    <node name=\"n1\">\n"
                       "      <switch name=\"hb\" dies=\"2\" die=\"d\" router=\"x\" link=\"l\"/>\n"
                       "    </node>\n"
                       "    <connect from=\"n0.hb.switch\" to=\"n1.hb.switch\" link=\"l\"/>\n"
                       "  </cluster>\n";
    std::string doc =
        platform_doc("  <router-type name=\"x\" clock=\"1GHz\" routing=\"table\"/>\n" + body);
    auto l = load_xml(doc);
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_NE(l->instance("c0.n0.hb.die1"), TESS_NONE);
    EXPECT_NE(l->instance("c0.n1.hb.switch"), TESS_NONE);
    EXPECT_EQ(l->live_links_between("c0.n0.hb.switch", "c0.n1.hb.switch"), 1);
}

TEST(Hierarchy, TemplatesAreScoped)
{
    std::string body = "  <package name=\"p\">\n"
                       "    <die-type name=\"fast\" clock=\"2GHz\"/>\n"
                       "    <instance name=\"x\" type=\"fast\"/>\n"
                       "  </package>\n"
                       "  <instance name=\"y\" type=\"fast\"/>\n";
    auto l = load_xml(platform_doc(body));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    // inside the package "fast" resolves; outside it does not
    EXPECT_NE(l->errors.find("test.xml:11: <instance name=\"y\"> attribute 'type': no template "
                             "named 'fast'"),
              std::string::npos)
        << l->errors;
    EXPECT_EQ(l->errors.find("test.xml:9"), std::string::npos) << l->errors;
}

TEST(Hierarchy, ACountedLevelIsThatManyScopesAndTheirConnectsReachOutwards)
{
    // three alike datacenters dc0 .. dc2, each a switch of two dies; each joins the
    // platform's "hub" by two parallel links (count="2"), named from inside its scope: a
    // name not in the scope is looked up in the scopes around it, as a template's is; a name
    // that is in the scope ("sw") is the scope's own
    std::string body = "  <instance name=\"hub\" type=\"x\"/>\n"
                       "  <instance name=\"sw\" type=\"x\"/>\n"
                       "  <datacenter name=\"dc\" count=\"3\">\n"
                       "    <switch name=\"sw\" dies=\"2\" die=\"d\" router=\"x\" link=\"l\"/>\n"
                       "    <connect from=\"sw.switch\" to=\"hub\" link=\"l\" count=\"2\"/>\n"
                       "  </datacenter>\n";
    auto l = load_xml(platform_doc("  <router-type name=\"x\" clock=\"1GHz\" "
                                   "routing=\"table\"/>\n" +
                                   body));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    for (const char *dc : {"dc0", "dc1", "dc2"}) {
        EXPECT_NE(l->instance(std::string(dc) + ".sw.die1"), TESS_NONE) << dc;
        EXPECT_EQ(l->live_links_between(std::string(dc) + ".sw.switch", "hub"), 2) << dc;
    }
    EXPECT_EQ(l->instance("dc3.sw.die0"), TESS_NONE);
    // each copy is a datacenter scope of its own: dies of two copies share none
    const tess_instance &a = l->p.instances[l->instance("dc0.sw.die0")];
    const tess_instance &b = l->p.instances[l->instance("dc1.sw.die0")];
    EXPECT_NE(a.scope[TESS_SCOPE_DATACENTER], 0u);
    EXPECT_NE(a.scope[TESS_SCOPE_DATACENTER], b.scope[TESS_SCOPE_DATACENTER]);
    // 3 x (2 die links + 2 to the hub)
    EXPECT_EQ(l->p.n_links, 12u);

    // a name found nowhere: the message names it in full and where it was looked up
    auto bad = load_xml(platform_doc("  <datacenter name=\"dc\" count=\"2\">\n"
                                     "    <instance name=\"a\" type=\"d\"/>\n"
                                     "    <connect from=\"a\" to=\"nowhere\" link=\"l\"/>\n"
                                     "  </datacenter>\n"));
    EXPECT_EQ(bad->rc, TESS_EINVAL);
    EXPECT_NE(bad->errors.find("<connect> attribute 'to': no instance named 'dc0.nowhere', nor "
                               "'nowhere' in a scope around 'dc0'"),
              std::string::npos)
        << bad->errors;
    // the copies are alike: the first one's errors are all of them
    EXPECT_EQ(bad->errors.find("dc1"), std::string::npos) << bad->errors;
    auto zero = load_xml(platform_doc("  <node name=\"n\" count=\"0\"/>\n"));
    EXPECT_EQ(zero->rc, TESS_EINVAL);
    EXPECT_NE(zero->errors.find("'count'"), std::string::npos) << zero->errors;
}

namespace
{
std::string scale_out_doc(const std::string &element, const std::string &extra)
{
    return "<?xml version=\"1.0\"?>\n<platform name=\"so\">\n"
           "  <die-type name=\"gpu\" clock=\"1GHz\"/>\n"
           "  <router-type name=\"hub\" clock=\"1GHz\" routing=\"shortest\"/>\n"
           "  <router-type name=\"nvs\" clock=\"1GHz\" routing=\"shortest\"/>\n"
           "  <router-type name=\"edge\" clock=\"1GHz\" routing=\"shortest\"/>\n"
           "  <router-type name=\"ib\" clock=\"1GHz\" routing=\"shortest\" ports=\"4\"/>\n"
           "  <link-type name=\"nvl\" width=\"64B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
           "  <link-type name=\"nic\" width=\"32B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
           "  <link-type name=\"out\" width=\"32B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
           "  <" +
           element +
           " name=\"c\" domains=\"2\" domain-size=\"2\" die=\"gpu\" nic=\"hub\" "
           "domain-switch=\"nvs\" domain-link=\"nvl\" switch=\"ib\" link=\"nic\"" +
           extra + "/>\n</platform>\n";
}
} // namespace

TEST(FatTree, ABorderTakesItsPortsOfTheClosAfterTheNics)
{
    // 2 domains of 2 GPUs, radix-4 switches (2 ports down, 2 up): 4 NICs and 3 border
    // ports are 7 endpoints, ceil(7 / 2) = 4 leaves, their 4 x 2 uplinks over
    // ceil(8 / 4) = 2 spines. NICs fill leaves 0-1; the border's ports are endpoints 4, 5
    // (leaf 2, two parallel border links) and 6 (leaf 3)
    auto l = load_xml(scale_out_doc("fat-tree", " border=\"3\" border-switch=\"edge\" "
                                                "border-link=\"out\""));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_NE(l->instance("c.border"), TESS_NONE);
    EXPECT_NE(l->instance("c.leaf3"), TESS_NONE);
    EXPECT_EQ(l->instance("c.leaf4"), TESS_NONE);
    EXPECT_NE(l->instance("c.spine1"), TESS_NONE);
    EXPECT_EQ(l->instance("c.spine2"), TESS_NONE);
    EXPECT_EQ(l->live_links_between("c.border", "c.leaf2"), 2);
    EXPECT_EQ(l->live_links_between("c.border", "c.leaf3"), 1);
    EXPECT_EQ(l->live_links_between("c.border", "c.leaf1"), 0);
    const tess_instance &b = l->p.instances[l->instance("c.border")];
    EXPECT_STREQ(l->p.types[b.type].name, "edge");
    for (size_t k = 0; k < l->p.n_links; k++) {
        const tess_link &x = l->p.links[k];
        if (x.a == l->instance("c.border") || x.b == l->instance("c.border")) {
            EXPECT_STREQ(l->p.types[x.type].name, "out");
        }
    }

    // a border is a fat-tree's; its switch and link need its ports
    auto rail = load_xml(scale_out_doc("rail-only", " border=\"2\" border-switch=\"edge\""));
    EXPECT_EQ(rail->rc, TESS_EINVAL);
    EXPECT_NE(rail->errors.find("<rail-only> attribute 'border': a border is a port group of one "
                                "fat-tree"),
              std::string::npos)
        << rail->errors;
    auto loose = load_xml(scale_out_doc("fat-tree", " border-switch=\"edge\""));
    EXPECT_EQ(loose->rc, TESS_EINVAL);
    EXPECT_NE(loose->errors.find("give its ports with border=\"P\""), std::string::npos)
        << loose->errors;
    auto nameless = load_xml(scale_out_doc("fat-tree", " border=\"2\""));
    EXPECT_EQ(nameless->rc, TESS_EINVAL);
    EXPECT_NE(nameless->errors.find("'border-switch'"), std::string::npos) << nameless->errors;
}

TEST(BundledPlatforms, MeshesHaveTheirTopologyCounts)
{
    for (unsigned k : {4u, 8u, 16u, 32u}) {
        std::string name = "platforms/mesh-" + std::to_string(k) + "x" + std::to_string(k) + ".xml";
        auto l = load_file(source_path(name));
        ASSERT_EQ(l->rc, TESS_OK) << name << ": " << l->errors;
        EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_DIE, 0), size_t(k) * k);
        EXPECT_EQ(tess_platform_live_links(&l->p), size_t(k) * k + 2u * k * (k - 1));
        const tess_router_type &rt =
            l->p.types[tess_platform_find_type(&l->p, "mesh-router")].u.router;
        EXPECT_EQ(rt.vcs, 8u);          // BookSim2 mesh88_lat: num_vcs = 8
        EXPECT_EQ(rt.buffer_flits, 8u); // vc_buf_size = 8
        EXPECT_EQ(rt.routing, TESS_ROUTING_XY);
    }
    auto t = load_file(source_path("platforms/torus-8x8.xml"));
    ASSERT_EQ(t->rc, TESS_OK) << t->errors;
    EXPECT_EQ(tess_platform_live_links(&t->p), 64u + 2u * 64u);
    auto s = load_file(source_path("platforms/switch-8.xml"));
    ASSERT_EQ(s->rc, TESS_OK) << s->errors;
    EXPECT_EQ(tess_platform_live_links(&s->p), 8u);
}
