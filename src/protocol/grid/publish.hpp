// What a grid role asks its shell to publish: a topic and a serialised GridMessage.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.hpp"

namespace aipg::grid {

struct Publish {
  std::string topic;
  Bytes data;
};
using Publishes = std::vector<Publish>;

}  // namespace aipg::grid
