// qr_functions.cpp: SQL primitives that draw QR codes.
#include "core/qr.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(pg_mfa_qr_svg);
PG_FUNCTION_INFO_V1(pg_mfa_qr_text);
}

namespace core = pg_mfa::core;
using pg_mfa::pg::Guarded;
using pg_mfa::pg::ReportStatus;

namespace {

core::Status QrInto(std::string_view data, bool svg, bool invert, text** result) noexcept {
    return Guarded([&] {
        core::QrMatrix matrix;
        core::Status status = core::EncodeQr(data, &matrix);
        if (status != core::Status::kOk) {
            return status;
        }
        core::SecretString rendered;
        status = svg ? core::RenderQrSvg(matrix, &rendered.str())
                     : core::RenderQrText(matrix, invert, &rendered.str());
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::TextNoRaise(rendered.view(), result);
    });
}

// QrDatum encodes the argument's UTF-8 form (what an authenticator app expects to read).
Datum QrDatum(FunctionCallInfo fcinfo, bool svg) {
    text* data = PG_GETARG_TEXT_PP(0);
    const bool invert = !svg && PG_NARGS() > 1 && PG_GETARG_BOOL(1);
    const std::string_view raw = pg_mfa::pg::ArgView(data);
    const char* utf8 = pg_server_to_any(raw.data(), static_cast<int>(raw.size()), PG_UTF8);
    const std::string_view bytes = utf8 == raw.data() ? raw : std::string_view(utf8, std::strlen(utf8));
    text* result = nullptr;
    const core::Status status = QrInto(bytes, svg, invert, &result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "data");
    }
    if (svg) {
        PG_RETURN_TEXT_P(result);
    }
    // The half blocks are UTF-8; convert to the database encoding (a no-op for UTF8 and SQL_ASCII).
    const char* converted = pg_any_to_server(VARDATA(result), static_cast<int>(VARSIZE(result) - VARHDRSZ), PG_UTF8);
    if (converted != VARDATA(result)) {
        PG_RETURN_TEXT_P(cstring_to_text(converted));
    }
    PG_RETURN_TEXT_P(result);
}

}  // namespace

// mfa.qr_svg(data text) -> text
extern "C" Datum pg_mfa_qr_svg(PG_FUNCTION_ARGS) {
    return QrDatum(fcinfo, /*svg=*/true);
}

// mfa.qr_text(data text, invert boolean) -> text
extern "C" Datum pg_mfa_qr_text(PG_FUNCTION_ARGS) {
    return QrDatum(fcinfo, /*svg=*/false);
}
