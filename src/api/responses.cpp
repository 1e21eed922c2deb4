#include "api/responses.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace aipg::api {

Response text_response(http::status s, std::string body, std::string_view content_type,
                       const Request& req) {
  Response res(s, req.version());
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

Response json_response(http::status s, const boost::json::value& v, const Request& req) {
  return text_response(s, boost::json::serialize(v), "application/json", req);
}

Response error_response(http::status s, std::string_view rc, std::string message,
                        const Request& req) {
  boost::json::object o;
  o["message"] = std::move(message);
  o["rc"] = rc;
  return json_response(s, o, req);
}

}  // namespace aipg::api
