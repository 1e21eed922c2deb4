// Building responses: JSON bodies and the AI Horde's error shape {"message": ..., "rc": ...},
// which the server's own errors use too (404 NotFound, 405 MethodNotAllowed, 413 BodyTooLarge, …).
//
// Each sets Content-Type and the request's HTTP version; ResponseWriter::send adds
// Content-Length, keep-alive and CORS.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "api/http_types.hpp"

namespace aipg::api {

// application/json with the serialised value.
Response json_response(http::status s, const boost::json::value& v, const Request& req);

// {"message": message, "rc": rc} as application/json.
Response error_response(http::status s, std::string_view rc, std::string message,
                        const Request& req);

Response text_response(http::status s, std::string body, std::string_view content_type,
                       const Request& req);

}  // namespace aipg::api
