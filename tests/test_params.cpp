// ${name} parameters: defaults, scopes, overrides, unknown overrides; and field
// overrides of templates and instances.
#include <gtest/gtest.h>

#include "platform_fixture.h"

namespace
{

std::string param_value(const Loaded &l, const char *name)
{
    uint32_t i = tess_platform_find_param(&l.p, name);
    return i == TESS_NONE ? std::string("<none>") : std::string(l.p.params[i].value);
}

size_t dies(const Loaded &l)
{
    return tess_platform_count(&l.p, TESS_KIND_DIE, 0);
}

const std::string mesh_k = "  <param name=\"k\" default=\"4\"/>\n"
                           "  <mesh name=\"m\" rows=\"${k}\" cols=\"${k}\" die=\"d\" router=\"r\" "
                           "link=\"l\"/>\n";

} // namespace

TEST(Params, DefaultApplies)
{
    auto l = load_xml(platform_doc(mesh_k));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(param_value(*l, "k"), "4");
    EXPECT_EQ(dies(*l), 4u * 4u);
    EXPECT_FALSE(l->p.params[0].overridden);
}

TEST(Params, OverrideReplacesDefault)
{
    auto l = load_xml(platform_doc(mesh_k), {{"k", "3"}});
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(param_value(*l, "k"), "3");
    EXPECT_EQ(dies(*l), 3u * 3u);
    EXPECT_TRUE(l->p.params[0].overridden);
    EXPECT_STREQ(l->p.params[0].default_text, "4");
}

TEST(Params, SubstitutionBuildsQuantities)
{
    auto l = load_xml(platform_doc("  <param name=\"f\" default=\"2\"/>\n"
                                   "  <die-type name=\"fast\" clock=\"${f}GHz\"/>\n"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    uint32_t t = tess_platform_find_type(&l->p, "fast");
    ASSERT_NE(t, TESS_NONE);
    EXPECT_DOUBLE_EQ(l->p.types[t].u.die.clock_hz, 2e9);
}

TEST(Params, DefaultMayUseEarlierParameter)
{
    std::string body = "  <param name=\"n\" default=\"4\"/>\n"
                       "  <param name=\"m\" default=\"${n}\"/>\n";
    auto l = load_xml(platform_doc(body));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(param_value(*l, "m"), "4");
    auto o = load_xml(platform_doc(body), {{"n", "5"}});
    ASSERT_EQ(o->rc, TESS_OK) << o->errors;
    EXPECT_EQ(param_value(*o, "m"), "5");
}

TEST(Params, LaterParameterIsNotVisibleToEarlierDefault)
{
    auto l = load_xml(platform_doc("  <param name=\"m\" default=\"${n}\"/>\n"
                                   "  <param name=\"n\" default=\"4\"/>\n"));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:7:"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("unknown parameter 'n'"), std::string::npos) << l->errors;
}

TEST(Params, InnerScopeShadowsOuter)
{
    std::string body = "  <param name=\"k\" default=\"2\"/>\n"
                       "  <mesh name=\"outer\" rows=\"${k}\" cols=\"${k}\" die=\"d\" router=\"r\" "
                       "link=\"l\"/>\n"
                       "  <package name=\"p0\">\n"
                       "    <param name=\"k\" default=\"3\"/>\n"
                       "    <mesh name=\"inner\" rows=\"${k}\" cols=\"${k}\" die=\"d\" "
                       "router=\"r\" link=\"l\"/>\n"
                       "  </package>\n"
                       "  <connect from=\"outer.r0c0.router\" to=\"p0.inner.r0c0.router\" "
                       "link=\"l\"/>\n";
    auto l = load_xml(platform_doc(body, "table"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_EQ(param_value(*l, "k"), "2");
    EXPECT_EQ(param_value(*l, "p0.k"), "3");
    EXPECT_NE(l->instance("outer.r1c1.die"), TESS_NONE);
    EXPECT_EQ(l->instance("outer.r2c2.die"), TESS_NONE);
    EXPECT_NE(l->instance("p0.inner.r2c2.die"), TESS_NONE);
    EXPECT_EQ(dies(*l), 2u * 2u + 3u * 3u);

    // an override addresses a parameter by its full, scoped name
    auto o = load_xml(platform_doc(body, "table"), {{"p0.k", "4"}});
    ASSERT_EQ(o->rc, TESS_OK) << o->errors;
    EXPECT_EQ(dies(*o), 2u * 2u + 4u * 4u);
}

TEST(Params, InnerScopeSeesOuterParameter)
{
    std::string body = "  <param name=\"k\" default=\"2\"/>\n"
                       "  <wafer name=\"w\">\n"
                       "    <mesh name=\"m\" rows=\"${k}\" cols=\"1\" die=\"d\" router=\"r\" "
                       "link=\"l\"/>\n"
                       "  </wafer>\n";
    auto l = load_xml(platform_doc(body));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_NE(l->instance("w.m.r1c0.die"), TESS_NONE);
}

TEST(Params, UnknownOverrideIsAnError)
{
    auto l = load_xml(platform_doc(mesh_k), {{"kk", "3"}});
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:2:"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("--set kk"), std::string::npos) << l->errors;
}

TEST(Params, InnerParameterNeedsItsScopedName)
{
    std::string body = "  <package name=\"p0\">\n"
                       "    <param name=\"k\" default=\"3\"/>\n"
                       "  </package>\n";
    auto l = load_xml(platform_doc(body), {{"k", "4"}});
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("--set k"), std::string::npos) << l->errors;
}

TEST(Params, UnknownReferenceNamesLineAndAttribute)
{
    auto l = load_xml(platform_doc("  <die-type name=\"x\" clock=\"${freq}\"/>\n"));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:7:"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("attribute 'clock'"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("unknown parameter 'freq'"), std::string::npos) << l->errors;
}

TEST(Params, DuplicateInOneScopeIsAnError)
{
    auto l = load_xml(platform_doc("  <param name=\"k\" default=\"1\"/>\n"
                                   "  <param name=\"k\" default=\"2\"/>\n"));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:8:"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("already declared at line 7"), std::string::npos) << l->errors;
}

TEST(Params, TemplateFieldOverrideChangesEveryInstance)
{
    auto l = load_xml(platform_doc(mesh_k), {{"r.vcs", "4"}, {"d.clock", "2GHz"}});
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    uint32_t r = l->instance("m.r3c3.router");
    EXPECT_EQ(l->p.types[l->p.instances[r].type].u.router.vcs, 4u);
    uint32_t d = l->instance("m.r0c0.die");
    EXPECT_DOUBLE_EQ(l->p.types[l->p.instances[d].type].u.die.clock_hz, 2e9);
}

TEST(Params, InstanceFieldOverrideChangesOnlyThatInstance)
{
    auto l = load_xml(platform_doc(mesh_k), {{"m.r1c2.router.vcs", "2"}});
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const tess_platform &p = l->p;
    EXPECT_EQ(p.types[p.instances[l->instance("m.r1c2.router")].type].u.router.vcs, 2u);
    EXPECT_EQ(p.types[p.instances[l->instance("m.r1c1.router")].type].u.router.vcs, 8u);
    EXPECT_EQ(p.types[tess_platform_find_type(&p, "r")].u.router.vcs, 8u);
    // all of one instance's fields are set before its template's relations are checked:
    // core-rows needs core-cols, so the pair goes together, one private copy for both
    auto pair = load_xml(platform_doc(mesh_k),
                         {{"m.r0c0.die.core-rows", "2"}, {"m.r0c0.die.core-cols", "4"}});
    ASSERT_EQ(pair->rc, TESS_OK) << pair->errors;
    const tess_die_type &die =
        pair->p.types[pair->p.instances[pair->instance("m.r0c0.die")].type].u.die;
    EXPECT_EQ(die.core_rows, 2u);
    EXPECT_EQ(die.core_cols, 4u);
    EXPECT_NE(tess_platform_find_type(&pair->p, "d@m.r0c0.die"), TESS_NONE);
    EXPECT_EQ(pair->p.types[pair->p.instances[pair->instance("m.r0c1.die")].type].u.die.core_rows,
              0u);
    auto half = load_xml(platform_doc(mesh_k), {{"m.r0c0.die.core-rows", "2"}});
    EXPECT_EQ(half->rc, TESS_EINVAL);
    EXPECT_NE(half->errors.find("--set m.r0c0.die.core-rows=2"), std::string::npos) << half->errors;
}

TEST(Params, FieldOverrideIsCheckedLikeXml)
{
    auto bad_unit = load_xml(platform_doc(mesh_k), {{"d.clock", "2Ghz"}});
    EXPECT_EQ(bad_unit->rc, TESS_EINVAL);
    EXPECT_NE(bad_unit->errors.find("did you mean 'GHz'"), std::string::npos) << bad_unit->errors;
    auto no_field = load_xml(platform_doc(mesh_k), {{"r.colour", "red"}});
    EXPECT_EQ(no_field->rc, TESS_EINVAL);
    EXPECT_NE(no_field->errors.find("has no field 'colour'"), std::string::npos)
        << no_field->errors;
}
