// Topic names (docs/protocol.md §1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aipg::grid {

inline constexpr char kWorkersTopic[] = "aipg/1/workers";
inline constexpr char kNodesTopic[] = "aipg/1/nodes";
inline constexpr char kResultsTopic[] = "aipg/1/results";
inline constexpr char kJobsTopicPrefix[] = "aipg/1/jobs/";

// "aipg/1/jobs/<model>", the model percent-encoded outside [A-Za-z0-9._:-] (so '/' in
// "org/model" names does not add a path level). An empty model has no topic.
std::string jobs_topic(std::string_view model);
// The model of a jobs topic, nullopt for any other topic or a bad encoding.
std::optional<std::string> model_of_jobs_topic(std::string_view topic);

}  // namespace aipg::grid
