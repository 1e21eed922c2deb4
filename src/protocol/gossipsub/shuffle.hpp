// Fisher–Yates with the injected Rng, so the router's random choices replay under a seed.
#pragma once

#include <utility>
#include <vector>

#include "runtime/rng.hpp"

namespace aipg::gossipsub {

template <class T>
void shuffle_with(runtime::Rng& rng, std::vector<T>& v) {
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng.uniform(i));
    if (j != i - 1) std::swap(v[i - 1], v[j]);
  }
}

}  // namespace aipg::gossipsub
