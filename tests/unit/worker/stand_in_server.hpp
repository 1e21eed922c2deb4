// StandIn — an in-process HTTP server on 127.0.0.1 that answers like an inference server does,
// for the backend tests: it reads each request (kept in `seen`), asks the test's `reply` what to
// answer, and writes it as the real servers do — a head, then the body as chunked transfer
// encoding, one HTTP chunk per string — with knobs for the failures a real server shows: a gap
// between chunks, a cut connection, a stream that never ends, an error status with a body.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/time.hpp"
#include "worker/http_client.hpp"

namespace aipg::worker::testing {

struct Reply {
  unsigned status = 200;
  std::string content_type = "text/event-stream";
  bool chunked = true;
  std::vector<std::string> chunks;  // chunked: one HTTP chunk each
  std::string body;                 // not chunked: sent with a Content-Length
  Duration gap{};                   // before every chunk but the first
  bool cut = false;                 // close after the chunks, without the terminating chunk
  bool hang = false;                // after the chunks, send nothing until the client leaves
};

struct Seen {
  std::string method;
  std::string target;
  std::string body;
  std::string authorization;
};

class StandIn {
 public:
  explicit StandIn(boost::asio::io_context& io);
  ~StandIn();

  BaseUrl url() const;
  void set_reply(std::function<Reply(const Seen&)> reply);
  const std::vector<Seen>& seen() const;
  // The last reply was sent to its end (its last chunk written).
  bool sent_all() const;
  // A client left before its reply ended (a write failed, or it closed while we waited).
  bool client_gone() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// A port on 127.0.0.1 where nothing listens (bound, then closed).
uint16_t closed_port(boost::asio::io_context& io);

// Runs `io` until `pred` holds or `limit` passes; returns pred().
bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred, Duration limit);
void run_for(boost::asio::io_context& io, Duration d);

// `text` in pieces of `size` bytes (the last may be shorter): HTTP chunks that cut events.
std::vector<std::string> split(const std::string& text, size_t size);

}  // namespace aipg::worker::testing
