// qr.cpp: QR codes through libqrencode, rendered as SVG and as Unicode half-block text.
#include "core/qr.hpp"

#include <qrencode.h>

#include <cerrno>
#include <new>

namespace pg_mfa::core {
namespace {

// QrFree releases a libqrencode symbol on every path out of EncodeQr, wiping its modules first.
struct QrFree {
    void operator()(QRcode* code) const noexcept {
        SecureWipe(code->data, static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width));
        QRcode_free(code);
    }
};

// Append adds text to any string type (std::string or SecretString::String).
template <class String>
void Append(String* out, const std::string& text) {
    out->append(text.data(), text.size());
}

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
            out->dark[i] = static_cast<std::uint8_t>(code->data[i] & 1);  // bit 0: dark module (qrencode.h)
        }
    } catch (const std::bad_alloc&) {
        *out = QrMatrix{};
        return Status::kOutOfMemory;
    }
    return Status::kOk;
}

template <class String>
Status RenderQrSvg(const QrMatrix& matrix, String* out) noexcept {
    try {
        const int size = matrix.width + 2 * kQrQuietZone;
        const std::string n = std::to_string(size);
        out->clear();
        out->reserve(static_cast<std::size_t>(matrix.width) * matrix.width * 4 + 256);
        Append(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " + n + " " + n +
                        "\" width=\"" + std::to_string(size * 8) + "\" height=\"" + std::to_string(size * 8) +
                        "\" shape-rendering=\"crispEdges\">");
        Append(out, "<rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#ffffff\"/>");
        Append(out, "<path fill=\"#000000\" d=\"");
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
                Append(out, "M" + std::to_string(start + kQrQuietZone) + " " + std::to_string(y + kQrQuietZone) +
                                "h" + run + "v1h-" + run + "z");
            }
        }
        Append(out, "\"/></svg>\n");
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        out->clear();
        return Status::kOutOfMemory;
    }
}

template <class String>
Status RenderQrText(const QrMatrix& matrix, bool invert, String* out) noexcept {
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

template Status RenderQrSvg<std::string>(const QrMatrix&, std::string*) noexcept;
template Status RenderQrSvg<SecretString::String>(const QrMatrix&, SecretString::String*) noexcept;
template Status RenderQrText<std::string>(const QrMatrix&, bool, std::string*) noexcept;
template Status RenderQrText<SecretString::String>(const QrMatrix&, bool, SecretString::String*) noexcept;

}  // namespace pg_mfa::core
