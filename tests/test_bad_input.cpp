// Bad input: each case names the file and line in its message and fails the load.
#include <gtest/gtest.h>

#include "platform_fixture.h"

namespace
{

void expect_error(const Loaded &l, int rc, const std::string &where, const std::string &what)
{
    EXPECT_EQ(l.rc, rc) << l.errors;
    EXPECT_NE(l.errors.find(where), std::string::npos) << "want '" << where << "' in:\n"
                                                       << l.errors;
    EXPECT_NE(l.errors.find(what), std::string::npos) << "want '" << what << "' in:\n" << l.errors;
}

} // namespace

TEST(BadInput, MalformedXml)
{
    auto l = load_xml("<?xml version=\"1.0\"?>\n<platform name=\"t\">\n  <mesh name=\"m\"\n"
                      "</platform>\n");
    expect_error(*l, TESS_EINVAL, "test.xml:4:", "XML:");
}

TEST(BadInput, EmptyDocument)
{
    auto l = load_xml("");
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml"), std::string::npos) << l->errors;
}

TEST(BadInput, UnknownElement)
{
    auto l = load_xml(platform_doc(
        "  <mesh name=\"m\" rows=\"2\" cols=\"2\" die=\"d\" router=\"r\" link=\"l\"/>\n"
        "  <wormhole name=\"x\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:8:", "wormhole");
}

TEST(BadInput, UnknownAttribute)
{
    auto l = load_xml(platform_doc("  <mesh name=\"m\" rows=\"2\" cols=\"2\" depth=\"3\" die=\"d\" "
                                   "router=\"r\" link=\"l\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7:", "depth");
}

TEST(BadInput, MissingRequiredAttribute)
{
    auto l =
        load_xml(platform_doc("  <link-type name=\"slow\" width=\"8B\" energy=\"1pJ/bit\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7:", "latency");
}

TEST(BadInput, BadUnit)
{
    auto l = load_xml(platform_doc("  <die-type name=\"x\" clock=\"1.5Ghz\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7: <die-type name=\"x\"> attribute 'clock'",
                 "did you mean 'GHz'");
}

TEST(BadInput, MisspeltChoiceSuggestsTheNearest)
{
    auto l =
        load_xml(platform_doc("  <router-type name=\"r\" clock=\"1GHz\" allocator=\"islp\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7: <router-type name=\"r\"> attribute 'allocator'",
                 "'islp' is not one of: separable-input-first, islip, wavefront (did you mean "
                 "'islip'?)");
    // nothing near: the list alone
    auto far =
        load_xml(platform_doc("  <router-type name=\"r\" clock=\"1GHz\" allocator=\"best\"/>\n"));
    expect_error(*far, TESS_EINVAL,
                 "test.xml:7:", "'best' is not one of: separable-input-first, islip, wavefront");
    EXPECT_EQ(far->errors.find("did you mean"), std::string::npos) << far->errors;
}

TEST(BadInput, WrongDimension)
{
    auto l = load_xml(platform_doc("  <link-type name=\"x\" width=\"2ns\" latency=\"1cycle\" "
                                   "energy=\"1pJ/bit\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7: <link-type name=\"x\"> attribute 'width'",
                 "is a time, expected a size");
}

TEST(BadInput, ValueOutOfRange)
{
    auto l = load_xml(platform_doc("  <router-type name=\"x\" clock=\"1GHz\" vcs=\"0\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7: <router-type name=\"x\"> attribute 'vcs'",
                 "out of range");
    auto z =
        load_xml(platform_doc("  <router-type name=\"x\" clock=\"1GHz\" buffer-flits=\"0\"/>\n"));
    expect_error(*z, TESS_EINVAL, "test.xml:7: <router-type name=\"x\"> attribute 'buffer-flits'",
                 "out of range");
    auto m =
        load_xml(platform_doc("  <mesh name=\"m\" rows=\"0\" cols=\"2\" die=\"d\" router=\"r\" "
                              "link=\"l\"/>\n"));
    expect_error(*m, TESS_EINVAL, "test.xml:7: <mesh> attribute 'rows'", "out of range");
    auto f = load_xml(platform_doc("  <link-type name=\"x\" width=\"12b\" latency=\"1cycle\" "
                                   "energy=\"1pJ/bit\"/>\n"));
    expect_error(*f, TESS_EINVAL, "attribute 'width'", "not a whole number of bytes");
}

TEST(BadInput, UnknownEnumValue)
{
    auto l =
        load_xml(platform_doc("  <router-type name=\"x\" clock=\"1GHz\" routing=\"zigzag\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7: <router-type name=\"x\"> attribute 'routing'",
                 "not one of: xy, yx, west-first, table");
}

TEST(BadInput, DanglingConnect)
{
    auto l = load_xml(platform_doc("  <instance name=\"a\" type=\"d\"/>\n"
                                   "  <connect from=\"a\" to=\"nowhere\" link=\"l\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:8: <connect> attribute 'to'",
                 "no instance named 'nowhere'");
}

TEST(BadInput, DuplicateInstanceName)
{
    auto l = load_xml(platform_doc("  <instance name=\"a\" type=\"d\"/>\n"
                                   "  <instance name=\"a\" type=\"r\"/>\n"));
    expect_error(*l, TESS_EINVAL,
                 "test.xml:8:", "duplicate instance name 'a' (first declared at line 7)");
}

TEST(BadInput, GeneratorsThatMakeTheSameNamesClash)
{
    auto l = load_xml(platform_doc(
        "  <mesh name=\"m\" rows=\"2\" cols=\"2\" die=\"d\" router=\"r\" link=\"l\"/>\n"
        "  <mesh name=\"m\" rows=\"1\" cols=\"1\" die=\"d\" router=\"r\" link=\"l\"/>\n"));
    expect_error(*l, TESS_EINVAL,
                 "test.xml:8:", "duplicate instance name 'm.r0c0.die' (first declared at line 7)");
}

TEST(BadInput, InstanceNameWithADotIsRefused)
{
    // '.' separates hierarchy levels: a name with one would alias a path
    auto l = load_xml(platform_doc("  <instance name=\"m.r0c0.die\" type=\"d\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7: <instance> attribute 'name'", "is not a name");
}

TEST(BadInput, DuplicateTemplateName)
{
    auto l = load_xml(platform_doc("  <die-type name=\"d\" clock=\"2GHz\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7:", "'d' is already declared at test.xml:3");
}

TEST(BadInput, TemplateOfTheWrongKind)
{
    auto l = load_xml(platform_doc(
        "  <mesh name=\"m\" rows=\"2\" cols=\"2\" die=\"l\" router=\"r\" link=\"l\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7: <mesh> attribute 'die'",
                 "'l' is a link-type (line 5), expected a die-type");
}

TEST(BadInput, UnknownOverride)
{
    auto l = load_xml(platform_doc(""), {{"frequency", "2GHz"}});
    expect_error(*l, TESS_EINVAL, "test.xml:2:", "--set frequency: no parameter");
}

TEST(BadInput, UnroutablePlatform)
{
    auto l = load_xml(platform_doc("  <instance name=\"a\" type=\"d\"/>\n"
                                   "  <instance name=\"b\" type=\"d\"/>\n"));
    expect_error(*l, TESS_EUNROUTABLE, "test.xml:7: unroutable: die 'a' cannot reach die 'b'", "");
}

TEST(BadInput, MissingFile)
{
    auto l = load_file("/nonexistent/platform.xml");
    expect_error(*l, TESS_EIO, "/nonexistent/platform.xml", "cannot open");
}

TEST(BadInput, ReportsEveryProblemNotOnlyTheFirst)
{
    auto l = load_xml(platform_doc("  <die-type name=\"x\" clock=\"1Ghz\"/>\n"
                                   "  <router-type name=\"y\" clock=\"1GHz\" vcs=\"-1\"/>\n"));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:7:"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("test.xml:8:"), std::string::npos) << l->errors;
}

TEST(BadInput, ErrorsInBundledBadFilesNameTheirLines)
{
    // files under tests/data/bad carry their expected message in a comment:
    // <!-- expect: LINE: TEXT -->
    const char *files[] = {"malformed.xml",    "unknown-element.xml",  "bad-unit.xml",
                           "out-of-range.xml", "dangling-connect.xml", "duplicate-instance.xml",
                           "unroutable.xml"};
    for (const char *f : files) {
        std::string path = source_path(std::string("tests/data/bad/") + f);
        FILE *in = fopen(path.c_str(), "r");
        ASSERT_NE(in, nullptr) << path;
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, in);
        fclose(in);
        buf[n] = '\0';
        std::string text(buf);
        size_t at = text.find("expect: ");
        ASSERT_NE(at, std::string::npos) << f;
        size_t end = text.find(" -->", at);
        std::string expect = text.substr(at + 8, end - at - 8);
        size_t colon = expect.find(": ");
        std::string where = path + ":" + expect.substr(0, colon) + ":";
        auto l = load_file(path);
        EXPECT_NE(l->rc, TESS_OK) << f;
        EXPECT_NE(l->errors.find(where), std::string::npos) << f << " want " << where << " in:\n"
                                                            << l->errors;
        EXPECT_NE(l->errors.find(expect.substr(colon + 2)), std::string::npos)
            << f << " want '" << expect.substr(colon + 2) << "' in:\n"
            << l->errors;
    }
}

// Issue 25, small inputs that took minutes or gigabytes. Each is an error in well under a
// second and far under 500 MB.

// <include> of an endless file read forever: reading stops at the input size limit.
TEST(BadInput, AnEndlessIncludeStopsAtTheSizeLimit)
{
    auto l = load_xml(platform_doc("  <include file=\"/dev/zero\"/>\n"));
    expect_error(*l, TESS_EINVAL, "/dev/zero", "larger than 64 MiB");
}

// Nested internal entities that expand quadratically passed the parser and then spent
// about 25 minutes in schema validation: entity declarations are refused outright.
TEST(BadInput, EntityDeclarationsAreRefused)
{
    std::string big(4096, 'x');
    std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE platform [\n  <!ENTITY a \"" + big +
                      "\">\n]>\n<platform name=\"t\" doc=\"";
    for (int i = 0; i < 2000; i++)
        doc += "&a;";
    doc += "\">\n</platform>\n";
    auto l = load_xml(doc);
    expect_error(*l, TESS_EINVAL, "test.xml", "<!ENTITY> declarations are not accepted");
}

// Chained ${param} defaults that each double grew an 851-byte file to 3 GB of memory: a
// substitution stops at 64 KiB.
TEST(BadInput, ParametersThatGrowWithEachUseStop)
{
    std::string body = "  <param name=\"p0\" default=\"xxxxxxxx\"/>\n";
    for (int i = 1; i < 40; i++)
        body += "  <param name=\"p" + std::to_string(i) + "\" default=\"${p" +
                std::to_string(i - 1) + "}${p" + std::to_string(i - 1) + "}\"/>\n";
    auto l = load_xml(platform_doc(body));
    expect_error(*l, TESS_EINVAL, "test.xml:", "gives more than 65536 bytes");
}

// Issue 25: a 4096 x 4096 mesh allocated until the machine swapped. A generator makes at
// most 2^20 dies; past that it is refused before anything is allocated.
TEST(BadInput, AGeneratorPastTheDieLimitIsRefused)
{
    auto l = load_xml(platform_doc(
        "  <mesh name=\"m\" rows=\"4096\" cols=\"4096\" die=\"d\" router=\"r\" link=\"l\"/>\n"));
    expect_error(*l, TESS_EINVAL, "test.xml:7:", "4096 x 4096 = 16777216 dies; at most 1048576");
}

// Issue 25: schema errors spoke libxml2 ("Element '{...}foo': This element is not
// expected. Expected is one of ...") instead of saying which element, where, and what is
// allowed. They say it now, with a did-you-mean for a misspelt element.
TEST(BadInput, SchemaErrorsSayWhatIsAllowedAndSuggestASpelling)
{
    auto l = load_xml("<?xml version=\"1.0\"?>\n<platform name=\"t\">\n"
                      "  <die-typ name=\"d\" clock=\"1GHz\"/>\n</platform>\n");
    expect_error(*l, TESS_EINVAL, "test.xml:3:",
                 "element <die-typ> is not allowed inside <platform> (did you mean <die-type>?); "
                 "allowed here: param, include, die-type,");
    auto a = load_xml("<?xml version=\"1.0\"?>\n<platform name=\"t\">\n"
                      "  <die-type name=\"d\" clock=\"1GHz\" colour=\"red\"/>\n"
                      "  <router-type clock=\"1GHz\"/>\n</platform>\n");
    expect_error(*a, TESS_EINVAL, "test.xml:3:", "<die-type> has no attribute 'colour'");
    expect_error(*a, TESS_EINVAL, "test.xml:4:", "<router-type> needs the attribute 'name'");
    EXPECT_EQ(a->errors.find("Element '"), std::string::npos) << a->errors;
}
