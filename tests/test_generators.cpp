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
