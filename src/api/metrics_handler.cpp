#include "api/metrics_handler.hpp"

#include "api/response_writer.hpp"
#include "api/responses.hpp"

namespace aipg::api {

Handler metrics_handler(const Registry& registry) {
  return [&registry](const Request& req, RequestContext&,
                     ResponseWriter& w) -> boost::asio::awaitable<void> {
    co_await w.send(
        text_response(http::status::ok, registry.render(), kPrometheusContentType, req));
  };
}

}  // namespace aipg::api
