// Defects and route checks: a dead link removes exactly that link; a die cut off by
// defects is an error; dimension-order routes that cross a defect are refused.
#include <gtest/gtest.h>

#include "platform_fixture.h"

extern "C" {
#include "config/routes.h"
}

namespace
{

std::string mesh(unsigned rows, unsigned cols, const std::string &defects)
{
    return "  <mesh name=\"w\" rows=\"" + std::to_string(rows) + "\" cols=\"" +
           std::to_string(cols) +
           "\" die=\"d\" router=\"r\" link=\"l\"/>\n" // line 7
           "  <defects>\n" +
           defects + "  </defects>\n"; // line 8...
}

std::string dead_link(const std::string &a, const std::string &b)
{
    return "    <dead-link from=\"w." + a + ".router\" to=\"w." + b + ".router\"/>\n";
}

} // namespace

TEST(Defects, DeadLinkRemovesExactlyThatLink)
{
    auto healthy = load_xml(platform_doc(mesh(4, 4, ""), "table"));
    ASSERT_EQ(healthy->rc, TESS_OK) << healthy->errors;
    auto l = load_xml(platform_doc(mesh(4, 4, dead_link("r1c1", "r1c2")), "table"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(l->p.n_links, healthy->p.n_links);
    EXPECT_EQ(tess_platform_live_links(&l->p), tess_platform_live_links(&healthy->p) - 1);
    EXPECT_EQ(l->live_links_between("w.r1c1.router", "w.r1c2.router"), 0);
    // every other link is as it was
    for (size_t k = 0; k < l->p.n_links; k++) {
        const tess_link &lk = l->p.links[k];
        bool is_it = (lk.a == l->instance("w.r1c1.router") && lk.b == l->instance("w.r1c2.router"));
        EXPECT_EQ(lk.dead, is_it ? 1 : 0) << k;
    }
    EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_ROUTER, 0), 16u);
}

TEST(Defects, DeadLinkIsEitherDirection)
{
    auto l = load_xml(platform_doc(mesh(2, 2, dead_link("r0c1", "r0c0")), "table"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(l->live_links_between("w.r0c0.router", "w.r0c1.router"), 0);
}

TEST(Defects, DeadDieTakesItsLocalLinkOnly)
{
    auto l = load_xml(platform_doc(mesh(3, 3, "    <dead instance=\"w.r1c1.die\"/>\n")));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_DIE, 0), 8u);
    EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_ROUTER, 0), 9u);
    // 9 local + 12 router links, less the dead die's local link
    EXPECT_EQ(tess_platform_live_links(&l->p), 9u + 12u - 1u);
}

TEST(Defects, DieCutOffByDeadLinksIsAnError)
{
    // the corner router r0c0 has two router links; both dead cuts off its die
    std::string defects = dead_link("r0c0", "r0c1") + dead_link("r0c0", "r1c0");
    auto l = load_xml(platform_doc(mesh(3, 3, defects), "table"));
    EXPECT_EQ(l->rc, TESS_EUNROUTABLE);
    EXPECT_NE(l->errors.find("test.xml:7: unroutable: die 'w.r0c0.die' cannot reach"),
              std::string::npos)
        << l->errors;
}

TEST(Defects, CutOffDieMarkedDeadIsAccepted)
{
    std::string defects = dead_link("r0c0", "r0c1") + dead_link("r0c0", "r1c0") +
                          "    <dead instance=\"w.r0c0.die\"/>\n";
    auto l = load_xml(platform_doc(mesh(3, 3, defects), "table"));
    EXPECT_EQ(l->rc, TESS_OK) << l->errors;
}

TEST(Defects, DeadRouterCutsOffItsDie)
{
    auto l =
        load_xml(platform_doc(mesh(3, 3, "    <dead instance=\"w.r2c2.router\"/>\n"), "table"));
    EXPECT_EQ(l->rc, TESS_EUNROUTABLE);
    EXPECT_NE(l->errors.find("die 'w.r2c2.die'"), std::string::npos) << l->errors;
}

TEST(Defects, UnknownDefectTargetsAreErrors)
{
    auto no_link = load_xml(platform_doc(mesh(3, 3, dead_link("r0c0", "r1c1")), "table"));
    EXPECT_EQ(no_link->rc, TESS_EINVAL);
    EXPECT_NE(no_link->errors.find("test.xml:9: <dead-link>: no link joins"), std::string::npos)
        << no_link->errors;
    auto no_inst = load_xml(platform_doc(mesh(3, 3, "    <dead instance=\"w.r9c9.die\"/>\n")));
    EXPECT_EQ(no_inst->rc, TESS_EINVAL);
    EXPECT_NE(no_inst->errors.find("test.xml:9: <dead> attribute 'instance': no instance named "
                                   "'w.r9c9.die'"),
              std::string::npos)
        << no_inst->errors;
}

TEST(Routes, XyCannotRouteAroundADeadLink)
{
    auto l = load_xml(platform_doc(mesh(4, 4, dead_link("r1c1", "r1c2")), "xy"));
    EXPECT_EQ(l->rc, TESS_EUNROUTABLE);
    EXPECT_NE(l->errors.find("test.xml:7: routing 'xy' cannot route"), std::string::npos)
        << l->errors;
    EXPECT_NE(l->errors.find("routing=\"table\""), std::string::npos) << l->errors;
}

TEST(Routes, DimensionOrderRouteCrossesExactlyTheLinksOfItsPath)
{
    // 4x4 mesh, the link r1c1 - r1c2 dead. XY goes along the source row first, then
    // along the destination column; YX the other way round.
    auto l = load_xml(platform_doc(mesh(4, 4, dead_link("r1c1", "r1c2")), "table"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const tess_platform *p = &l->p;
    // (1,0) -> (1,3): row 1 eastward crosses c1-c2
    EXPECT_FALSE(tess_dor_route_alive(p, 0, TESS_ROUTING_XY, 1, 0, 1, 3));
    EXPECT_FALSE(tess_dor_route_alive(p, 0, TESS_ROUTING_XY, 1, 3, 1, 0)); // and westward
    // (0,0) -> (2,3): XY travels row 0, then column 3: avoids the dead link
    EXPECT_TRUE(tess_dor_route_alive(p, 0, TESS_ROUTING_XY, 0, 0, 2, 3));
    // (0,0) -> (2,3) by YX: column 0 to row 2, then row 2: avoids it too
    EXPECT_TRUE(tess_dor_route_alive(p, 0, TESS_ROUTING_YX, 0, 0, 2, 3));
    // (0,1) -> (1,3) by YX: column 1 down to row 1, then row 1 east: crosses it
    EXPECT_FALSE(tess_dor_route_alive(p, 0, TESS_ROUTING_YX, 0, 1, 1, 3));
    // ... while XY goes row 0 first, then column 3: avoids it
    EXPECT_TRUE(tess_dor_route_alive(p, 0, TESS_ROUTING_XY, 0, 1, 1, 3));
}

TEST(Routes, TorusRouteTakesTheShorterWayRound)
{
    // 5-wide torus ring in row 0, wrap link c4 - c0 dead. From c4 to c0 the short
    // way is the wrap link (1 hop vs 4): dead. From c3 to c1 the short way is
    // east through the wrap (3 -> 4 -> 0 -> 1, 3 hops vs 2 west)... no: west is 2
    // hops (3 -> 2 -> 1), so that route avoids the wrap link.
    std::string body = "  <torus name=\"w\" rows=\"3\" cols=\"5\" die=\"d\" router=\"r\" "
                       "link=\"l\"/>\n"
                       "  <defects>\n" +
                       dead_link("r0c4", "r0c0") + "  </defects>\n";
    auto l = load_xml(platform_doc(body, "table"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_FALSE(tess_dor_route_alive(&l->p, 0, TESS_ROUTING_XY, 0, 4, 0, 0));
    EXPECT_TRUE(tess_dor_route_alive(&l->p, 0, TESS_ROUTING_XY, 0, 3, 0, 1));
    // c4 -> c1: east through the wrap is 2 hops, west is 3: crosses the dead wrap link
    EXPECT_FALSE(tess_dor_route_alive(&l->p, 0, TESS_ROUTING_XY, 0, 4, 0, 1));
    // row 1 has no defect
    EXPECT_TRUE(tess_dor_route_alive(&l->p, 0, TESS_ROUTING_XY, 1, 4, 1, 0));
}

TEST(Routes, CoordinateRoutingOutsideAGridIsRefused)
{
    std::string body = "  <instance name=\"a\" type=\"d\"/>\n"
                       "  <instance name=\"ra\" type=\"r\"/>\n"
                       "  <instance name=\"rb\" type=\"r\"/>\n"
                       "  <connect from=\"a\" to=\"ra\" link=\"l\"/>\n"
                       "  <connect from=\"ra\" to=\"rb\" link=\"l\"/>\n";
    auto l = load_xml(platform_doc(body, "xy"));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:11: routing 'xy' of router 'ra' needs mesh or torus "
                             "coordinates"),
              std::string::npos)
        << l->errors;
}

TEST(Routes, WestFirstOnATorusIsRefused)
{
    auto l = load_xml(platform_doc("  <torus name=\"w\" rows=\"3\" cols=\"3\" die=\"d\" "
                                   "router=\"r\" link=\"l\"/>\n",
                                   "west-first"));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:7: routing 'west-first'"), std::string::npos) << l->errors;
}

TEST(Routes, MemoryReachedByNoDieIsAnError)
{
    std::string body = "  <memory-type name=\"hbm\" standard=\"HBM3\" capacity=\"16GiB\" "
                       "channels=\"16\" bus-width=\"64b\" data-rate=\"6.4Gb/s\"" +
                       std::string(kTimings) +
                       "/>\n"
                       "  <instance name=\"a\" type=\"d\"/>\n"
                       "  <instance name=\"m\" type=\"hbm\"/>\n";
    auto l = load_xml(platform_doc(body));
    EXPECT_EQ(l->rc, TESS_EUNROUTABLE);
    EXPECT_NE(l->errors.find("test.xml:9: unroutable: memory 'm' is reached by no die"),
              std::string::npos)
        << l->errors;
}

TEST(Routes, TwoIslandsAreUnroutable)
{
    std::string body =
        "  <mesh name=\"a\" rows=\"2\" cols=\"2\" die=\"d\" router=\"r\" link=\"l\"/>\n"
        "  <mesh name=\"b\" rows=\"2\" cols=\"2\" die=\"d\" router=\"r\" link=\"l\"/>\n";
    auto l = load_xml(platform_doc(body));
    EXPECT_EQ(l->rc, TESS_EUNROUTABLE);
    EXPECT_NE(l->errors.find("cannot reach"), std::string::npos) << l->errors;
}

TEST(BundledPlatforms, DefectiveMeshHasTwoDeadLinks)
{
    auto l = load_file(source_path("platforms/mesh-8x8-defects.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(l->p.n_links - tess_platform_live_links(&l->p), 2u);
    EXPECT_EQ(l->live_links_between("wafer0.r2c3.router", "wafer0.r2c4.router"), 0);
    EXPECT_EQ(l->live_links_between("wafer0.r5c6.router", "wafer0.r6c6.router"), 0);
    // the same defects with XY routing cannot be routed
    auto xy =
        load_file(source_path("platforms/mesh-8x8-defects.xml"), {{"mesh-router.routing", "xy"}});
    EXPECT_EQ(xy->rc, TESS_EUNROUTABLE) << xy->errors;
}
