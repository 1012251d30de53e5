// qr.hpp: QR codes of provisioning URIs, as SVG and as terminal text, through libqrencode.
#pragma once

#include "core/bytes.hpp"
#include "core/status.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {

constexpr int kQrQuietZone = 4;  // modules of light border (ISO/IEC 18004 §6.3.8)

// QrMatrix: the modules of a QR code, row-major, without quiet zone; non-zero is dark. The modules spell out
// the data (a provisioning URI holds the secret), so they are wiped when freed.
struct QrMatrix {
    int width = 0;
    SecretBytes dark;
    bool At(int x, int y) const noexcept {
        return x >= 0 && y >= 0 && x < width && y < width && dark[static_cast<std::size_t>(y) * width + x];
    }
};

// EncodeQr encodes `data` as bytes at error-correction level M, choosing the smallest version that fits.
// Fails with kQrEmpty for empty data, kQrTooLong when no QR code holds it, kOutOfMemory, or kInternal.
[[nodiscard]] Status EncodeQr(std::string_view data, QrMatrix* out) noexcept;

// The renderers write into any string type; the PostgreSQL layer passes SecretString::String, so the
// rendering of a provisioning URI is wiped when freed.

// RenderQrSvg writes a standalone SVG document: one module per user unit, a white background including the
// quiet zone, and a single black path. It scales to any size (set width/height or CSS).
template <class String>
[[nodiscard]] Status RenderQrSvg(const QrMatrix& matrix, String* out) noexcept;

// RenderQrText draws the code with Unicode half blocks, two module rows per text line, quiet zone
// included. Light modules are drawn as ink (the terminal's foreground) and dark modules as blanks, which
// is what scans on the usual light-on-dark terminal; pass invert = true for a dark-on-light terminal.
template <class String>
[[nodiscard]] Status RenderQrText(const QrMatrix& matrix, bool invert, String* out) noexcept;

}  // namespace pg_mfa::core
