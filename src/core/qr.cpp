// qr.cpp: QR codes through libqrencode, rendered as SVG and as Unicode half-block text.
#include "core/qr.hpp"

#include <qrencode.h>

#include <cerrno>
#include <new>

namespace pg_mfa::core {
namespace {

// QrFree releases a libqrencode symbol on every path out of EncodeQr.
struct QrFree {
    void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};

}  // namespace

Status EncodeQr(std::string_view data, QrMatrix* out) noexcept {
    *out = QrMatrix{};
    if (data.empty()) {
        return Status::kQrEmpty;  // libqrencode refuses it, and a code that says nothing helps nobody
    }
    if (data.size() > 4096) {
        return Status::kQrTooLong;  // beyond version 40's 2953 bytes at level L, let alone M
    }
    errno = 0;
    // Byte mode for everything: a provisioning URI is mostly lower case, which no denser mode holds.
    std::unique_ptr<QRcode, QrFree> code(QRcode_encodeData(static_cast<int>(data.size()),
                                                           reinterpret_cast<const unsigned char*>(data.data()),
                                                           /*version=*/0, QR_ECLEVEL_M));
    if (!code) {
        if (errno == ERANGE) {
            return Status::kQrTooLong;
        }
        return errno == ENOMEM ? Status::kOutOfMemory : Status::kInternal;
    }
    try {
        const int width = code->width;
        out->width = width;
        out->dark.resize(static_cast<std::size_t>(width) * width);
        for (std::size_t i = 0; i < out->dark.size(); ++i) {
            out->dark[i] = (code->data[i] & 1) != 0;  // bit 0: dark module (qrencode.h)
        }
    } catch (const std::bad_alloc&) {
        *out = QrMatrix{};
        return Status::kOutOfMemory;
    }
    return Status::kOk;
}

Status RenderQrSvg(const QrMatrix& matrix, std::string* out) noexcept {
    try {
        const int size = matrix.width + 2 * kQrQuietZone;
        const std::string n = std::to_string(size);
        out->clear();
        out->reserve(static_cast<std::size_t>(matrix.width) * matrix.width * 4 + 256);
        *out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " + n + " " + n +
                "\" width=\"" + std::to_string(size * 8) + "\" height=\"" + std::to_string(size * 8) +
                "\" shape-rendering=\"crispEdges\">";
        *out += "<rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#ffffff\"/>";
        *out += "<path fill=\"#000000\" d=\"";
        // One subpath per horizontal run of dark modules.
        for (int y = 0; y < matrix.width; ++y) {
            int x = 0;
            while (x < matrix.width) {
                if (!matrix.At(x, y)) {
                    ++x;
                    continue;
                }
                const int start = x;
                while (x < matrix.width && matrix.At(x, y)) {
                    ++x;
                }
                const std::string run = std::to_string(x - start);
                *out += "M" + std::to_string(start + kQrQuietZone) + " " + std::to_string(y + kQrQuietZone) +
                        "h" + run + "v1h-" + run + "z";
            }
        }
        *out += "\"/></svg>\n";
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        out->clear();
        return Status::kOutOfMemory;
    }
}

Status RenderQrText(const QrMatrix& matrix, bool invert, std::string* out) noexcept {
    // Coordinates include the quiet zone; everything outside the symbol is light.
    const int size = matrix.width + 2 * kQrQuietZone;
    auto ink = [&](int x, int y) {
        const bool dark = matrix.At(x - kQrQuietZone, y - kQrQuietZone);
        return invert ? dark : !dark;
    };
    try {
        out->clear();
        out->reserve(static_cast<std::size_t>(size) * (size / 2 + 1) * 3 + size);
        for (int y = 0; y < size; y += 2) {
            for (int x = 0; x < size; ++x) {
                const bool top = ink(x, y);
                const bool bottom = y + 1 < size ? ink(x, y + 1) : !invert;  // the row below: quiet zone
                if (top && bottom) {
                    *out += "\u2588";  // █ full block
                } else if (top) {
                    *out += "\u2580";  // ▀ upper half block
                } else if (bottom) {
                    *out += "\u2584";  // ▄ lower half block
                } else {
                    *out += ' ';
                }
            }
            *out += '\n';
        }
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        out->clear();
        return Status::kOutOfMemory;
    }
}

}  // namespace pg_mfa::core
