// The /metrics route: a Handler that answers GET with Registry::render() as Prometheus text.
#pragma once

#include "api/metrics.hpp"
#include "api/router.hpp"

namespace aipg::api {

// The registry must outlive the router the handler is added to.
Handler metrics_handler(const Registry& registry);

}  // namespace aipg::api
