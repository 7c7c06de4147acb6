// The --svg chart: hand-written SVG (no dependencies) drawn from the report's
// tables. Four panels: reserves/s against N for the trop binary, the SQLite
// helper and the spawn limit; p99 against N; library transactions/s against
// N (trop and in-process SQLite); library cost against store size (scale).
// A panel whose mode did not run says so.
// Thread safety: a pure function of the report.
#pragma once

#include <string>

#include "report.h"

namespace trop::bench {

// The chart as SVG text.
std::string render_svg(const report& r);

// Writes render_svg(r) to `path`; "" or an error message.
std::string write_svg(const report& r, const std::string& path);

}  // namespace trop::bench
