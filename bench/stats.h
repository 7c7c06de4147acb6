// Summary statistics of timing samples: median, p99 (nearest rank), mean,
// min and max, all in microseconds.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <vector>

namespace trop::bench {

struct summary {
  std::size_t count = 0;
  double median_us = 0;
  double p99_us = 0;
  double mean_us = 0;
  double min_us = 0;
  double max_us = 0;
  double total_us = 0;
};

// Summarises `samples_us` (copied: the caller's order is kept, so samples can
// still be correlated with the iteration that produced them).
summary summarize(std::vector<double> samples_us);

// a / b, or 0 when b is 0 (a ratio of nothing is reported as 0, never inf).
double ratio(double a, double b);

}  // namespace trop::bench
