#include "stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace trop::bench {

summary summarize(std::vector<double> samples_us) {
  summary s;
  s.count = samples_us.size();
  if (samples_us.empty()) {
    return s;
  }
  std::sort(samples_us.begin(), samples_us.end());
  const std::size_t n = samples_us.size();
  s.median_us = n % 2 == 1 ? samples_us[n / 2] : (samples_us[n / 2 - 1] + samples_us[n / 2]) / 2.0;
  // Nearest rank: the smallest sample with at least 99% of samples at or
  // below it. With fewer than 100 samples this is the maximum.
  const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(n)));
  s.p99_us = samples_us[std::max<std::size_t>(rank, 1) - 1];
  s.total_us = std::accumulate(samples_us.begin(), samples_us.end(), 0.0);
  s.mean_us = s.total_us / static_cast<double>(n);
  s.min_us = samples_us.front();
  s.max_us = samples_us.back();
  return s;
}

double ratio(double a, double b) {
  return b == 0 ? 0 : a / b;
}

}  // namespace trop::bench
