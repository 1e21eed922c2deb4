#include "base/result.hpp"

namespace aipg {

const char* errc_name(Errc c) {
  switch (c) {
    case Errc::invalid_argument:
      return "invalid argument";
    case Errc::malformed:
      return "malformed";
    case Errc::too_large:
      return "too large";
    case Errc::unsupported:
      return "unsupported";
    case Errc::protocol_violation:
      return "protocol violation";
    case Errc::auth_failed:
      return "authentication failed";
    case Errc::timeout:
      return "timeout";
    case Errc::closed:
      return "closed";
    case Errc::io:
      return "i/o error";
    case Errc::not_found:
      return "not found";
    case Errc::resource_limit:
      return "resource limit";
    case Errc::internal:
      return "internal error";
  }
  return "unknown";
}

std::string Error::to_string() const { return std::string(errc_name(code)) + ": " + message; }

}  // namespace aipg
