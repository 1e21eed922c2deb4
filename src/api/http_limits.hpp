// api::HttpLimits — what one HTTP server accepts from its clients, with the defaults below.
//
// Timeouts: the first request head on a connection must be complete header_timeout after the
// accept; on a kept-alive connection the next request's first byte must come within
// idle_timeout, and its head within header_timeout of that byte. A body must be complete
// body_timeout after its head. A head that is late gets 408 (a connection that sent nothing gets
// closed without a word, as browsers open spare connections); a response or event the client
// does not read within write_timeout closes the connection.
#pragma once

#include <cstddef>

#include "base/result.hpp"
#include "base/time.hpp"

namespace aipg::api {

struct HttpLimits {
  size_t max_header_bytes = 16 << 10;  // request line and header fields; over → 431
  size_t max_body_bytes = 1 << 20;     // over → 413
  Duration header_timeout = 10s;       // the whole request head (slowloris)
  Duration body_timeout = 30s;
  Duration idle_timeout = 60s;   // keep-alive wait for the next request
  Duration write_timeout = 30s;  // a client that does not read its response
  size_t max_connections = 1024;
  size_t max_connections_per_ip = 128;

  // Says which value is refused and why: sizes and counts must be positive, the header limit
  // at least 256 bytes (a request line with its Host field) and at most 4 GiB - 1 (the parser's
  // limit type), timeouts positive and at most a day.
  Status validate() const;
};

}  // namespace aipg::api
