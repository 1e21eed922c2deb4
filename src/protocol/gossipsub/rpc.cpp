#include "protocol/gossipsub/rpc.hpp"

#include <algorithm>

namespace aipg::gossipsub {

namespace {

// Two message pointers name equal messages (or are both null).
bool same_message(const MessagePtr& a, const MessagePtr& b) {
  if (a == b) return true;
  return a && b && *a == *b;
}

}  // namespace

bool same_rpc(const Rpc& a, const Rpc& b) {
  return a.subscriptions == b.subscriptions && a.control == b.control &&
         std::equal(a.publish.begin(), a.publish.end(), b.publish.begin(), b.publish.end(),
                    same_message);
}

}  // namespace aipg::gossipsub
