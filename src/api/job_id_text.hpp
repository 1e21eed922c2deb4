// Job ids in URLs and JSON: the AI Horde's ids are UUIDs, so a grid job id (16 random bytes) is
// written as one, 8-4-4-4-12 lowercase hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/grid/types.hpp"

namespace aipg::api {

std::string job_id_text(const grid::JobId& id);
// Accepts the UUID form (either case) and 32 bare hex digits; nullopt for anything else.
std::optional<grid::JobId> parse_job_id(std::string_view text);

}  // namespace aipg::api
