// core.hpp: included first by every core header. It keeps PostgreSQL out of src/core.
//
// The core is pure C++17 (STYLE.md §1): it must build and be unit-tested without a single PostgreSQL
// header. CMake gives the core no PostgreSQL include path, so a stray `#include "postgres.h"` fails there.
// The PGXS build compiles the same files with the server include path, so there every core translation
// unit is compiled with PG_MFA_CORE_TU defined and this header fails the build instead.
#pragma once

#if defined(PG_MFA_CORE_TU)
#if defined(POSTGRES_H) || defined(FMGR_H)
#error "src/core must not include PostgreSQL headers: move the code to src/pg"
#endif
// Any later include of postgres.h or fmgr.h now fails on these names.
#pragma GCC poison palloc pfree ereport elog PG_FUNCTION_ARGS
#endif
