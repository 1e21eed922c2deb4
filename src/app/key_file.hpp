// The identity key file: the libp2p PrivateKey protobuf (as go-libp2p and js-libp2p write it),
// mode 0600. The peer id stays the same across restarts as long as the file does.
#pragma once

#include <string>

#include "base/result.hpp"
#include "wire/keys.hpp"

namespace aipg::app {

Result<wire::KeyPair> read_key_file(const std::string& path);
// Writes a new key; refuses to overwrite an existing file.
Result<wire::KeyPair> create_key_file(const std::string& path);
// Reads the key, creating the file first if it does not exist. An empty path gives a fresh
// key that is not saved (the peer id changes on every start).
Result<wire::KeyPair> load_or_create_key(const std::string& path);

}  // namespace aipg::app
