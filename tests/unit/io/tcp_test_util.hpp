// Loopback helpers for the TcpStream/TcpTransport tests: a connected pair on 127.0.0.1.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "io/asio/asio_runtime.hpp"
#include "io/asio/tcp_transport.hpp"
#include "wire/multiaddr.hpp"

namespace aipg::io::testing {

inline wire::Multiaddr addr(std::string_view text) {
  auto a = wire::Multiaddr::parse(text);
  EXPECT_TRUE(a) << text;
  return *a;
}

struct Pair {
  std::optional<wire::Multiaddr> listen_addr;
  std::unique_ptr<runtime::ByteStream> client;  // dialled
  std::unique_ptr<runtime::ByteStream> server;  // accepted
};

// Listens on 127.0.0.1 port 0, dials it, runs until both ends exist.
inline Pair connect_pair(AsioRuntime& rt) {
  Pair p;
  auto bound =
      rt.tcp().listen(addr("/ip4/127.0.0.1/tcp/0"), [&p](auto s) { p.server = std::move(s); });
  EXPECT_TRUE(bound) << bound.error().to_string();
  p.listen_addr = *bound;
  rt.tcp().dial(*bound, 5s, [&p](Result<std::unique_ptr<runtime::ByteStream>> r) {
    ASSERT_TRUE(r) << r.error().to_string();
    p.client = std::move(*r);
  });
  EXPECT_TRUE(rt.run_until([&] { return p.client && p.server; }, 5s));
  rt.tcp().close_listeners();
  return p;
}

inline Bytes pattern(size_t n, uint32_t seed) {
  Bytes b(n);
  uint32_t x = seed;
  for (auto& v : b) {
    x = x * 1664525u + 1013904223u;
    v = static_cast<uint8_t>(x >> 24);
  }
  return b;
}

}  // namespace aipg::io::testing
