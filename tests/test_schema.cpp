// The schema and the field tables describe the same attributes: every field of a
// template kind is admitted by the schema, and every attribute the schema admits
// for a template is a field (or name/doc).
#include <gtest/gtest.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <functional>
#include <set>
#include <string>

#include "platform_fixture.h"

extern "C" {
#include "config/fields.h"
extern const char tess_platform_schema_xsd[];
extern const unsigned long tess_platform_schema_xsd_len;
}

namespace
{

// A valid sample value for each field (the default where there is one).
std::string sample(const tess_field_spec &f)
{
    std::string a = f.attr;
    if (a == "width") return "16B"; // its default 0B asks for an xcvr instead
    if (f.default_text) return f.default_text;
    if (a == "clock") return "1GHz";
    if (a == "width") return "16B";
    if (a == "latency") return "2ns";
    if (a == "energy") return "0.5pJ/bit";
    if (a == "standard") return "HBM3";
    if (a == "capacity") return "16GiB";
    if (a == "channels") return "16";
    if (a == "bus-width") return "64b";
    if (a == "data-rate") return "6.4Gb/s";
    if (a == "tRAS") return "34ns";
    if (a == "tRC") return "48ns";
    if (a == "tREFI") return "3.9us";
    if (a == "tRFC") return "350ns";
    if (a == "wafer-cost") return "9346USD";
    if (a == "lane-rate") return "100Gb/s";
    if (a == "defect-density") return "0.09/cm2";
    if (a[0] == 't') return "14ns";
    return "?";
}

// Attribute names the schema allows on a template element (its complexType has the
// element's name).
std::set<std::string> schema_attributes(const char *element)
{
    std::set<std::string> names;
    xmlDocPtr doc = xmlReadMemory(tess_platform_schema_xsd, (int)tess_platform_schema_xsd_len,
                                  "platform.xsd", nullptr, 0);
    EXPECT_NE(doc, nullptr);
    // walk every <element name=element> and collect <attribute name=...> below it
    std::function<void(xmlNodePtr, bool)> walk = [&](xmlNodePtr n, bool inside) {
        for (; n; n = n->next) {
            if (n->type != XML_ELEMENT_NODE) continue;
            bool here = inside;
            xmlChar *name = xmlGetProp(n, BAD_CAST "name");
            if (!xmlStrcmp(n->name, BAD_CAST "complexType") && name &&
                !xmlStrcmp(name, BAD_CAST element))
                here = true;
            if (here && !xmlStrcmp(n->name, BAD_CAST "attribute") && name)
                names.insert((const char *)name);
            xmlFree(name);
            walk(n->children, here);
        }
    };
    walk(xmlDocGetRootElement(doc), false);
    xmlFreeDoc(doc);
    return names;
}

} // namespace

TEST(Schema, EveryFieldIsAdmittedAndParsed)
{
    for (int k = 0; k < TESS_KIND_COUNT_; k++) {
        size_t n;
        const tess_field_spec *f = tess_fields_of((tess_kind)k, &n);
        std::string el = tess_kind_type_element((tess_kind)k);
        std::string xml =
            "<?xml version=\"1.0\"?>\n<platform name=\"s\">\n  <" + el + " name=\"x\"";
        for (size_t i = 0; i < n; i++)
            xml += std::string(" ") + f[i].attr + "=\"" + sample(f[i]) + "\"";
        xml += "/>\n</platform>\n";
        auto l = load_xml(xml);
        EXPECT_EQ(l->rc, TESS_OK) << el << ": " << l->errors;
    }
}

TEST(Schema, EverySchemaAttributeIsAField)
{
    for (int k = 0; k < TESS_KIND_COUNT_; k++) {
        const char *el = tess_kind_type_element((tess_kind)k);
        std::set<std::string> attrs = schema_attributes(el);
        EXPECT_FALSE(attrs.empty()) << el;
        for (const std::string &a : attrs) {
            if (a == "name" || a == "doc") continue;
            EXPECT_NE(tess_field_find((tess_kind)k, a.c_str()), nullptr)
                << "<" << el << "> attribute '" << a << "' is in the schema but not in fields.c";
        }
    }
}

TEST(Schema, RequiredFieldsAreRequired)
{
    // a field without a default must be given: leaving it out is an error that names it
    for (int k = 0; k < TESS_KIND_COUNT_; k++) {
        size_t n;
        const tess_field_spec *f = tess_fields_of((tess_kind)k, &n);
        std::string el = tess_kind_type_element((tess_kind)k);
        for (size_t skip = 0; skip < n; skip++) {
            if (f[skip].default_text) continue;
            std::string xml =
                "<?xml version=\"1.0\"?>\n<platform name=\"s\">\n  <" + el + " name=\"x\"";
            for (size_t i = 0; i < n; i++)
                if (i != skip) xml += std::string(" ") + f[i].attr + "=\"" + sample(f[i]) + "\"";
            xml += "/>\n</platform>\n";
            auto l = load_xml(xml);
            EXPECT_EQ(l->rc, TESS_EINVAL) << el << " without " << f[skip].attr;
            EXPECT_NE(l->errors.find("test.xml:3:"), std::string::npos) << l->errors;
            EXPECT_NE(l->errors.find(f[skip].attr), std::string::npos) << l->errors;
        }
    }
}

TEST(Schema, MemoryPeakBandwidthIsChannelsTimesWidthTimesRate)
{
    // HBM3 per JESD238: 16 channels x 64 bits at 6.4 Gb/s per pin = 819.2 GB/s per stack
    auto l = load_xml(
        "<?xml version=\"1.0\"?>\n<platform name=\"s\">\n"
        "  <memory-type name=\"hbm3\" standard=\"HBM3\" capacity=\"16GiB\" channels=\"16\" "
        "bus-width=\"64b\" data-rate=\"6.4Gb/s\"" +
        std::string(kTimings) + "/>\n</platform>\n");
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const tess_memory_type &m = l->p.types[0].u.memory;
    EXPECT_EQ(m.bus_width_bits, 64u);
    EXPECT_DOUBLE_EQ(m.data_rate, 6.4e9);
    EXPECT_DOUBLE_EQ(tess_memory_peak_bandwidth(&m), 16.0 * 64.0 / 8.0 * 6.4e9);
    // the same rate written as transfers per second; a BL16 burst is 8 cycles, and so
    // at least are tCCD_S and tCCD_L
    std::string bl16_timings = kTimings;
    const std::string ccd = "tCCD_S=\"4cycles\" tCCD_L=\"4cycles\"";
    bl16_timings.replace(bl16_timings.find(ccd), ccd.size(),
                         "tCCD_S=\"8cycles\" tCCD_L=\"8cycles\"");
    auto t =
        load_xml("<?xml version=\"1.0\"?>\n<platform name=\"s\">\n"
                 "  <memory-type name=\"ddr5\" standard=\"DDR5\" capacity=\"32GiB\" channels=\"2\" "
                 "bus-width=\"32b\" data-rate=\"4800MT/s\" burst-length=\"16\"" +
                 bl16_timings + "/>\n</platform>\n");
    ASSERT_EQ(t->rc, TESS_OK) << t->errors;
    EXPECT_DOUBLE_EQ(tess_memory_peak_bandwidth(&t->p.types[0].u.memory), 2 * 32 / 8.0 * 4.8e9);
}
