// The unit parser: every unit, prefixes, binary vs decimal sizes, bad suffixes.
// Expected values are the SI / IEC definitions written out in each test.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "config/units.h"
}

namespace
{

double parse(const char *text, unsigned dims)
{
    tess_quantity q;
    char err[256];
    EXPECT_EQ(tess_parse_quantity(text, dims, &q, err, sizeof err), 0) << text << ": " << err;
    return q.value;
}

std::string error_of(const char *text, unsigned dims)
{
    tess_quantity q;
    char err[256] = "";
    EXPECT_NE(tess_parse_quantity(text, dims, &q, err, sizeof err), 0) << text << " parsed";
    return err;
}

constexpr unsigned ANY = 0x7ff;

} // namespace

TEST(Units, FrequencyPrefixes)
{
    EXPECT_DOUBLE_EQ(parse("1.5GHz", TESS_DIM_FREQUENCY), 1.5e9);
    EXPECT_DOUBLE_EQ(parse("800MHz", TESS_DIM_FREQUENCY), 800e6);
    EXPECT_DOUBLE_EQ(parse("100kHz", TESS_DIM_FREQUENCY), 100e3);
    EXPECT_DOUBLE_EQ(parse("50Hz", TESS_DIM_FREQUENCY), 50.0);
    EXPECT_DOUBLE_EQ(parse("2THz", TESS_DIM_FREQUENCY), 2e12);
}

TEST(Units, DecimalAndBinarySizesDiffer)
{
    EXPECT_DOUBLE_EQ(parse("64B", TESS_DIM_SIZE), 64.0);
    EXPECT_DOUBLE_EQ(parse("1KB", TESS_DIM_SIZE), 1000.0);
    EXPECT_DOUBLE_EQ(parse("1kB", TESS_DIM_SIZE), 1000.0);
    EXPECT_DOUBLE_EQ(parse("1KiB", TESS_DIM_SIZE), 1024.0);
    EXPECT_DOUBLE_EQ(parse("48MiB", TESS_DIM_SIZE), 48.0 * 1024 * 1024);
    EXPECT_DOUBLE_EQ(parse("48MB", TESS_DIM_SIZE), 48e6);
    EXPECT_DOUBLE_EQ(parse("80GiB", TESS_DIM_SIZE), 80.0 * 1024 * 1024 * 1024);
    EXPECT_DOUBLE_EQ(parse("2TiB", TESS_DIM_SIZE), 2.0 * 1099511627776.0);
    EXPECT_DOUBLE_EQ(parse("1PiB", TESS_DIM_SIZE), 1125899906842624.0);
}

TEST(Units, BitsAreEighthsOfBytes)
{
    EXPECT_DOUBLE_EQ(parse("128b", TESS_DIM_SIZE), 16.0);
    EXPECT_DOUBLE_EQ(parse("512bit", TESS_DIM_SIZE), 64.0);
    EXPECT_DOUBLE_EQ(parse("1Kib", TESS_DIM_SIZE), 128.0);
}

TEST(Units, Bandwidth)
{
    EXPECT_DOUBLE_EQ(parse("2TB/s", TESS_DIM_BANDWIDTH), 2e12);
    EXPECT_DOUBLE_EQ(parse("400Gb/s", TESS_DIM_BANDWIDTH), 400e9 / 8);
    EXPECT_DOUBLE_EQ(parse("100Gbps", TESS_DIM_BANDWIDTH), 100e9 / 8);
    EXPECT_DOUBLE_EQ(parse("1GiB/s", TESS_DIM_BANDWIDTH), 1073741824.0);
}

TEST(Units, TimesAndCycles)
{
    EXPECT_DOUBLE_EQ(parse("3ns", TESS_DIM_TIME), 3e-9);
    EXPECT_DOUBLE_EQ(parse("250ps", TESS_DIM_TIME), 250e-12);
    EXPECT_DOUBLE_EQ(parse("2us", TESS_DIM_TIME), 2e-6);
    EXPECT_DOUBLE_EQ(parse("2\xc2\xb5s", TESS_DIM_TIME), 2e-6);
    EXPECT_DOUBLE_EQ(parse("5ms", TESS_DIM_TIME), 5e-3);
    EXPECT_DOUBLE_EQ(parse("1s", TESS_DIM_TIME), 1.0);
    EXPECT_DOUBLE_EQ(parse("1cycle", TESS_DIM_CYCLES), 1.0);
    EXPECT_DOUBLE_EQ(parse("12cycles", TESS_DIM_CYCLES), 12.0);
}

TEST(Units, EnergyPowerLengthRate)
{
    EXPECT_DOUBLE_EQ(parse("0.4pJ/bit", TESS_DIM_ENERGY_PER_BIT), 0.4e-12);
    EXPECT_DOUBLE_EQ(parse("8pJ/B", TESS_DIM_ENERGY_PER_BIT), 1e-12);
    EXPECT_DOUBLE_EQ(parse("1.2nJ", TESS_DIM_ENERGY), 1.2e-9);
    EXPECT_DOUBLE_EQ(parse("300W", TESS_DIM_POWER), 300.0);
    EXPECT_DOUBLE_EQ(parse("15mW", TESS_DIM_POWER), 15e-3);
    EXPECT_DOUBLE_EQ(parse("2km", TESS_DIM_LENGTH), 2000.0);
    EXPECT_DOUBLE_EQ(parse("5mm", TESS_DIM_LENGTH), 5e-3);
    EXPECT_DOUBLE_EQ(parse("3m", TESS_DIM_LENGTH), 3.0);
    EXPECT_DOUBLE_EQ(parse("6400MT/s", TESS_DIM_TRANSFER_RATE), 6.4e9);
}

TEST(Units, NumberFormsAndBlanks)
{
    EXPECT_DOUBLE_EQ(parse("  1.5 GHz ", TESS_DIM_FREQUENCY), 1.5e9);
    EXPECT_DOUBLE_EQ(parse("1e3MHz", TESS_DIM_FREQUENCY), 1e9);
    EXPECT_DOUBLE_EQ(parse(".5ns", TESS_DIM_TIME), 0.5e-9);
    EXPECT_DOUBLE_EQ(parse("8", TESS_DIM_COUNT), 8.0);
}

TEST(Units, ReportsTheDimensionFound)
{
    tess_quantity q;
    char err[128];
    ASSERT_EQ(tess_parse_quantity("3ns", TESS_DIM_TIME | TESS_DIM_CYCLES, &q, err, sizeof err), 0);
    EXPECT_EQ(q.dim, TESS_DIM_TIME);
    ASSERT_EQ(tess_parse_quantity("3cycles", TESS_DIM_TIME | TESS_DIM_CYCLES, &q, err, sizeof err),
              0);
    EXPECT_EQ(q.dim, TESS_DIM_CYCLES);
}

TEST(Units, CaseMattersAndNearMissIsSuggested)
{
    EXPECT_NE(error_of("1.5Ghz", TESS_DIM_FREQUENCY).find("did you mean 'GHz'"), std::string::npos);
    EXPECT_NE(error_of("48mib", TESS_DIM_SIZE).find("did you mean 'MiB'"), std::string::npos);
    // mHz is millihertz: valid, and a thousand million times smaller than MHz.
    EXPECT_DOUBLE_EQ(parse("1mHz", TESS_DIM_FREQUENCY), 1e-3);
}

TEST(Units, BadSuffixesAreErrors)
{
    EXPECT_NE(error_of("3 parsecs", ANY).find("unknown unit 'parsecs'"), std::string::npos);
    EXPECT_NE(error_of("1.5GHzz", ANY).find("unknown unit"), std::string::npos);
    // binary prefixes exist for sizes and bandwidths only; sub-unit sizes do not exist
    EXPECT_NE(error_of("1KiHz", ANY).find("unknown unit"), std::string::npos);
    EXPECT_NE(error_of("1mB", ANY).find("unknown unit"), std::string::npos);
    EXPECT_NE(error_of("1Kicycles", ANY).find("unknown unit"), std::string::npos);
}

TEST(Units, WrongDimensionNamesBoth)
{
    std::string e = error_of("3ns", TESS_DIM_FREQUENCY);
    EXPECT_NE(e.find("is a time"), std::string::npos) << e;
    EXPECT_NE(e.find("expected a frequency"), std::string::npos) << e;
}

TEST(Units, MissingUnitAndNonNumbersAreErrors)
{
    EXPECT_NE(error_of("1500000000", TESS_DIM_FREQUENCY).find("has no unit"), std::string::npos);
    EXPECT_NE(error_of("", TESS_DIM_SIZE).find("empty"), std::string::npos);
    EXPECT_NE(error_of("fast", TESS_DIM_FREQUENCY).find("decimal number"), std::string::npos);
    EXPECT_NE(error_of("inf", TESS_DIM_COUNT).find("decimal number"), std::string::npos);
    EXPECT_NE(error_of("nanHz", TESS_DIM_FREQUENCY).find("decimal number"), std::string::npos);
    EXPECT_NE(error_of("0x10B", TESS_DIM_SIZE).find("decimal number"), std::string::npos);
    EXPECT_NE(error_of("1e999GHz", TESS_DIM_FREQUENCY).find("range"), std::string::npos);
}

TEST(Units, FormatPicksReadablePrefix)
{
    char buf[64];
    tess_format_quantity(1.5e9, TESS_DIM_FREQUENCY, buf, sizeof buf);
    EXPECT_STREQ(buf, "1.5 GHz");
    tess_format_quantity(48.0 * 1024 * 1024, TESS_DIM_SIZE, buf, sizeof buf);
    EXPECT_STREQ(buf, "48 MiB");
    tess_format_quantity(2e12, TESS_DIM_BANDWIDTH, buf, sizeof buf);
    EXPECT_STREQ(buf, "2 TB/s");
    tess_format_quantity(0.4e-12, TESS_DIM_ENERGY_PER_BIT, buf, sizeof buf);
    EXPECT_STREQ(buf, "0.4 pJ/bit");
}
