// qr_test.cpp: QR symbols of provisioning URIs, and the SVG and half-block text renderings read back into
// module matrices.
#include "core/qr.hpp"

#include "test_util.hpp"

#include <qrencode.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {
namespace {

constexpr std::string_view kUri =
    "otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30";

QrMatrix Encode(std::string_view data) {
    QrMatrix matrix;
    EXPECT_EQ(EncodeQr(data, &matrix), Status::kOk);
    return matrix;
}

// FullAt: the module at (x, y) of the symbol with its quiet zone; everything outside the symbol is light.
bool FullAt(const QrMatrix& matrix, int x, int y) {
    return matrix.At(x - kQrQuietZone, y - kQrQuietZone);
}

// ExpectFinderPattern checks the 7x7 finder pattern with top-left corner (x0, y0) and its light separator.
void ExpectFinderPattern(const QrMatrix& m, int x0, int y0) {
    for (int dy = -1; dy <= 7; ++dy) {
        for (int dx = -1; dx <= 7; ++dx) {
            const int x = x0 + dx;
            const int y = y0 + dy;
            if (x < 0 || y < 0 || x >= m.width || y >= m.width) {
                continue;
            }
            bool dark;
            if (dx == -1 || dy == -1 || dx == 7 || dy == 7) {
                dark = false;  // separator
            } else {
                const int ring = std::min(std::min(dx, dy), std::min(6 - dx, 6 - dy));
                dark = ring != 1;  // outer ring dark, next ring light, 3x3 centre dark
            }
            EXPECT_EQ(m.At(x, y), dark) << "finder at (" << x0 << "," << y0 << ") module (" << x << "," << y << ")";
        }
    }
}

void ExpectFunctionPatterns(const QrMatrix& m) {
    ASSERT_GE(m.width, 21);
    ASSERT_EQ((m.width - 21) % 4, 0) << m.width;
    ASSERT_EQ(m.dark.size(), static_cast<std::size_t>(m.width) * m.width);
    ExpectFinderPattern(m, 0, 0);
    ExpectFinderPattern(m, m.width - 7, 0);
    ExpectFinderPattern(m, 0, m.width - 7);
    // ISO/IEC 18004 §6.3.5: timing patterns on row 6 and column 6 alternate, dark on even positions.
    for (int i = 8; i < m.width - 8; ++i) {
        EXPECT_EQ(m.At(i, 6), i % 2 == 0) << "row timing " << i;
        EXPECT_EQ(m.At(6, i), i % 2 == 0) << "column timing " << i;
    }
    // The dark module beside the lower-left finder.
    EXPECT_TRUE(m.At(8, m.width - 8));
}

TEST(EncodeQrTest, ProvisioningUriSymbol) {
    const QrMatrix m = Encode(kUri);
    ExpectFunctionPatterns(m);
    // 135 bytes at level M in byte mode need version 8 (capacity 152; version 7 holds 122).
    ASSERT_EQ(kUri.size(), 135u);
    EXPECT_EQ(m.width, 17 + 4 * 8);
}

TEST(EncodeQrTest, SmallestVersionThatFits) {
    // Byte-mode capacities at level M: version 1 holds 14 bytes, version 2 26, version 6 106, version 7 122,
    // version 40 2331.
    const struct {
        std::size_t bytes;
        int version;
    } cases[] = {{1, 1}, {14, 1}, {15, 2}, {26, 2}, {27, 3}, {106, 6}, {107, 7}, {122, 7}, {123, 8}, {2331, 40}};
    for (const auto& c : cases) {
        const std::string data(c.bytes, 'a');
        const QrMatrix m = Encode(data);
        EXPECT_EQ(m.width, 17 + 4 * c.version) << c.bytes << " bytes";
        ExpectFunctionPatterns(m);
    }
}

TEST(EncodeQrTest, MatchesLibqrencodeModuleForModule) {
    // Orientation and bit extraction: our matrix must be libqrencode's symbol, row-major, bit 0 = dark.
    for (std::string_view data : {kUri, std::string_view("a"), std::string_view("otpauth://totp/x?secret=AA")}) {
        const QrMatrix m = Encode(data);
        QRcode* code = QRcode_encodeData(static_cast<int>(data.size()),
                                         reinterpret_cast<const unsigned char*>(data.data()), 0, QR_ECLEVEL_M);
        ASSERT_NE(code, nullptr);
        ASSERT_EQ(m.width, code->width);
        int mismatches = 0;
        for (int y = 0; y < m.width; ++y) {
            for (int x = 0; x < m.width; ++x) {
                if (m.At(x, y) != ((code->data[y * code->width + x] & 1) != 0)) {
                    ++mismatches;
                }
            }
        }
        QRcode_free(code);
        EXPECT_EQ(mismatches, 0) << data;
    }
}

TEST(EncodeQrTest, BinaryDataIsEncodedAsBytes) {
    const std::string data("\x00\xff\x80 binary\n", 11);
    const QrMatrix m = Encode(data);
    ExpectFunctionPatterns(m);
    EXPECT_EQ(m.width, 21);
}

TEST(EncodeQrTest, TooLong) {
    for (std::size_t size : {2332u, 3000u, 4000u, 4097u, 100000u}) {
        QrMatrix m;
        m.width = 5;
        m.dark.assign(25, true);
        EXPECT_EQ(EncodeQr(std::string(size, 'a'), &m), Status::kQrTooLong) << size;
        EXPECT_EQ(m.width, 0) << size;
        EXPECT_TRUE(m.dark.empty()) << size;
    }
}

TEST(QrMatrixTest, AtIsFalseOutside) {
    const QrMatrix m = Encode("a");
    EXPECT_FALSE(m.At(-1, 0));
    EXPECT_FALSE(m.At(0, -1));
    EXPECT_FALSE(m.At(m.width, 0));
    EXPECT_FALSE(m.At(0, m.width));
    EXPECT_TRUE(m.At(0, 0));  // finder corner
}

// ---------------------------------------------------------------- SVG

// RasterizePath reads an SVG path made of straight axis-parallel segments (M m H h V v L l Z z) and
// returns, for each unit cell of a size x size grid, whether its centre is inside (nonzero winding rule,
// SVG's default). It fails the test on any other command or a diagonal segment.
std::vector<bool> RasterizePath(const std::string& d, int size) {
    struct Edge {
        double x;
        double y0;
        double y1;
        int dir;
    };
    std::vector<Edge> edges;
    std::size_t i = 0;
    double cx = 0;
    double cy = 0;
    double sx = 0;
    double sy = 0;
    char command = 0;
    auto skip = [&] {
        while (i < d.size() && (std::isspace(static_cast<unsigned char>(d[i])) || d[i] == ',')) {
            ++i;
        }
    };
    auto number = [&](double* out) {
        skip();
        const char* begin = d.c_str() + i;
        char* end = nullptr;
        *out = std::strtod(begin, &end);
        if (end == begin) {
            ADD_FAILURE() << "expected a number at " << i << " in path";
            return false;
        }
        i += static_cast<std::size_t>(end - begin);
        return true;
    };
    auto line_to = [&](double x, double y) {
        if (x != cx && y != cy) {
            ADD_FAILURE() << "diagonal segment in path";
        }
        if (x == cx && y != cy) {
            edges.push_back({x, std::min(cy, y), std::max(cy, y), y > cy ? 1 : -1});
        }
        cx = x;
        cy = y;
    };
    while (true) {
        skip();
        if (i >= d.size()) {
            break;
        }
        if (std::isalpha(static_cast<unsigned char>(d[i]))) {
            command = d[i++];
        } else if (command == 0) {
            ADD_FAILURE() << "path does not start with a command";
            break;
        }
        double a = 0;
        double b = 0;
        switch (command) {
            case 'M':
            case 'm':
                if (!number(&a) || !number(&b)) {
                    return {};
                }
                cx = command == 'm' ? cx + a : a;
                cy = command == 'm' ? cy + b : b;
                sx = cx;
                sy = cy;
                command = command == 'm' ? 'l' : 'L';  // further pairs are line-tos
                break;
            case 'L':
            case 'l':
                if (!number(&a) || !number(&b)) {
                    return {};
                }
                line_to(command == 'l' ? cx + a : a, command == 'l' ? cy + b : b);
                break;
            case 'H':
            case 'h':
                if (!number(&a)) {
                    return {};
                }
                line_to(command == 'h' ? cx + a : a, cy);
                break;
            case 'V':
            case 'v':
                if (!number(&a)) {
                    return {};
                }
                line_to(cx, command == 'v' ? cy + a : a);
                break;
            case 'Z':
            case 'z':
                line_to(sx, sy);
                command = 0;
                break;
            default:
                ADD_FAILURE() << "unsupported path command " << command;
                return {};
        }
    }
    std::vector<bool> inside(static_cast<std::size_t>(size) * size, false);
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            const double px = x + 0.5;
            const double py = y + 0.5;
            int winding = 0;
            for (const Edge& e : edges) {
                if (e.x > px && e.y0 <= py && py < e.y1) {
                    winding += e.dir;
                }
            }
            inside[static_cast<std::size_t>(y) * size + x] = winding != 0;
        }
    }
    return inside;
}

TEST(RenderQrSvgTest, DocumentShape) {
    const QrMatrix m = Encode(kUri);
    std::string svg = "stale";
    ASSERT_EQ(RenderQrSvg(m, &svg), Status::kOk);
    EXPECT_TRUE(svg.rfind("<svg", 0) == 0 || svg.rfind("<?xml", 0) == 0) << svg.substr(0, 80);
    EXPECT_EQ(svg.find("stale"), std::string::npos);
    EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
    // A single path.
    const std::size_t path = svg.find("<path");
    ASSERT_NE(path, std::string::npos);
    EXPECT_EQ(svg.find("<path", path + 1), std::string::npos);
    // One user unit per module, quiet zone included.
    const int size = m.width + 2 * kQrQuietZone;
    const std::regex view_box(R"re(viewBox="\s*0[\s,]+0[\s,]+(\d+)[\s,]+(\d+)\s*")re");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(svg, match, view_box)) << svg.substr(0, 200);
    EXPECT_EQ(std::stoi(match[1]), size);
    EXPECT_EQ(std::stoi(match[2]), size);
    // A white background.
    EXPECT_TRUE(svg.find("#ffffff") != std::string::npos || svg.find("#fff\"") != std::string::npos ||
                svg.find("white") != std::string::npos);
}

TEST(RenderQrSvgTest, PathDrawsExactlyTheDarkModules) {
    for (std::string_view data : {kUri, std::string_view("a")}) {
        const QrMatrix m = Encode(data);
        std::string svg;
        ASSERT_EQ(RenderQrSvg(m, &svg), Status::kOk);
        const std::regex path_d(R"re(<path[^>]*\sd="([^"]*)")re");
        std::smatch match;
        ASSERT_TRUE(std::regex_search(svg, match, path_d));
        EXPECT_EQ(svg.find("evenodd"), std::string::npos) << "the rasterizer below assumes nonzero";
        const int size = m.width + 2 * kQrQuietZone;
        const std::vector<bool> inside = RasterizePath(match[1], size);
        ASSERT_EQ(inside.size(), static_cast<std::size_t>(size) * size);
        int mismatches = 0;
        for (int y = 0; y < size; ++y) {
            for (int x = 0; x < size; ++x) {
                if (inside[static_cast<std::size_t>(y) * size + x] != FullAt(m, x, y)) {
                    ++mismatches;
                }
            }
        }
        EXPECT_EQ(mismatches, 0) << data;
    }
}

// ---------------------------------------------------------------- text

// ParseHalfBlocks turns half-block text back into rows of "ink" (true where the glyph is inked).
std::vector<std::vector<bool>> ParseHalfBlocks(const std::string& text, int* lines_out) {
    std::vector<std::vector<bool>> rows;
    int lines = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::vector<bool> top;
        std::vector<bool> bottom;
        while (i < text.size() && text[i] != '\n') {
            if (text[i] == ' ') {
                top.push_back(false);
                bottom.push_back(false);
                ++i;
            } else if (text.compare(i, 3, "\u2580") == 0) {  // ▀
                top.push_back(true);
                bottom.push_back(false);
                i += 3;
            } else if (text.compare(i, 3, "\u2584") == 0) {  // ▄
                top.push_back(false);
                bottom.push_back(true);
                i += 3;
            } else if (text.compare(i, 3, "\u2588") == 0) {  // █
                top.push_back(true);
                bottom.push_back(true);
                i += 3;
            } else {
                ADD_FAILURE() << "unexpected byte " << int{static_cast<unsigned char>(text[i])} << " at " << i;
                return {};
            }
        }
        ++i;  // the newline (or the end)
        ++lines;
        rows.push_back(top);
        rows.push_back(bottom);
    }
    *lines_out = lines;
    return rows;
}

void ExpectTextMatches(const QrMatrix& m, bool invert) {
    std::string text = "stale";
    ASSERT_EQ(RenderQrText(m, invert, &text), Status::kOk);
    EXPECT_EQ(text.find("stale"), std::string::npos);
    int lines = 0;
    const std::vector<std::vector<bool>> rows = ParseHalfBlocks(text, &lines);
    const int size = m.width + 2 * kQrQuietZone;
    ASSERT_EQ(lines, (size + 1) / 2) << "invert=" << invert;
    ASSERT_EQ(rows.size(), static_cast<std::size_t>(2 * lines));
    int mismatches = 0;
    for (int y = 0; y < 2 * lines; ++y) {
        ASSERT_EQ(rows[static_cast<std::size_t>(y)].size(), static_cast<std::size_t>(size)) << "row " << y;
        for (int x = 0; x < size; ++x) {
            // invert=false: light modules are ink. invert=true: dark modules are ink. A half row past the
            // quiet zone (size is odd) must read as light too.
            const bool dark = FullAt(m, x, y);
            const bool ink = invert ? dark : !dark;
            if (rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] != ink) {
                ++mismatches;
            }
        }
    }
    EXPECT_EQ(mismatches, 0) << "invert=" << invert << "\n" << text;
}

TEST(RenderQrTextTest, HalfBlocksReadBackAsTheMatrixWithQuietZone) {
    for (std::string_view data : {kUri, std::string_view("a")}) {
        const QrMatrix m = Encode(data);
        ExpectTextMatches(m, false);
        ExpectTextMatches(m, true);
    }
}

TEST(RenderQrTextTest, InvertSwapsInkAndBlank) {
    const QrMatrix m = Encode("a");
    std::string normal;
    std::string inverted;
    ASSERT_EQ(RenderQrText(m, false, &normal), Status::kOk);
    ASSERT_EQ(RenderQrText(m, true, &inverted), Status::kOk);
    EXPECT_NE(normal, inverted);
    // The first line is all quiet zone: full blocks when light is ink, blanks when dark is ink.
    const int size = m.width + 2 * kQrQuietZone;
    std::string full;
    for (int x = 0; x < size; ++x) {
        full += "\u2588";
    }
    EXPECT_EQ(normal.substr(0, normal.find('\n')), full);
    EXPECT_EQ(inverted.substr(0, inverted.find('\n')), std::string(static_cast<std::size_t>(size), ' '));
}

}  // namespace
}  // namespace pg_mfa::core
