#pragma once

namespace aipg::app {
inline constexpr char kVersion[] = "0.1.0";
inline constexpr char kAgentVersion[] = "aipg/0.1.0";
}  // namespace aipg::app
